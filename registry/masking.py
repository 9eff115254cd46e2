"""Masking of personal identifiers (PIPL, SPEC §6): readers without a need see only enough to recognise one."""

from __future__ import annotations

from config.personal import mask_bank_account, mask_card_number, mask_free_text, mask_id_number, mask_phone

__all__ = ["mask_bank_account", "mask_card_number", "mask_free_text", "mask_id_number", "mask_phone"]

# The fields of a person that are masked unless the reader is the person or reveals them with a reason.
REVEALABLE_FIELDS = ("id_number", "social_security_card", "phone")
# Every field name that holds a personal number (PIPL), on whichever model it appears: the ID number
# (which is also the social security number), card and phone numbers, an agent's ID number, a bank
# account. Admin list pages never filter by them (config.admin_policy), tested for every admin.
PERSONAL_FIELDS = (
    "id_number",
    "social_security_card",
    "phone",
    "contact_phone",
    "proxy_id_number",
    "bank_account",
)


def reader_may_see(context: dict, person_id: int | None) -> bool:
    """Whether the reader of a serializer (``context["actor"]``) is the person the values belong to."""
    actor = context.get("actor")
    return actor is not None and actor.person_id is not None and actor.person_id == person_id


# One masking rule per kind of personal field (PERSONAL_FIELDS), used by the API, the admin, histories,
# events and exports alike; a field added to PERSONAL_FIELDS must get its rule here (tests check both).
MASKS = {
    "id_number": mask_id_number,
    "social_security_card": mask_card_number,
    "phone": mask_phone,
    "contact_phone": mask_phone,
    "proxy_id_number": mask_id_number,
    "bank_account": mask_bank_account,
}


def masked(field: str, value):
    """``value`` of a personal ``field`` masked by its kind's rule; other fields' values as they are."""
    mask = MASKS.get(field)
    return mask(value) if mask is not None and isinstance(value, str) else value


def masked_changes(changes: dict) -> dict:
    """An event's ``changes`` with personal identifiers masked ({field: value} or {field: [old, new]})."""
    out = {}
    for name, value in (changes or {}).items():
        out[name] = [masked(name, v) for v in value] if isinstance(value, list) else masked(name, value)
    return out
