"""Masking of personal identifiers (PIPL, SPEC §6): readers without a need see only enough to recognise one."""

from __future__ import annotations

# The fields of a person that are masked unless the reader is the person or reveals them with a reason.
REVEALABLE_FIELDS = ("id_number", "phone")
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


def mask_id_number(value: str | None) -> str:
    """``350203195603120312`` → ``350203********0312``: the region and the last four stay readable."""
    if not value:
        return ""
    return value[:6] + "*" * 8 + value[-4:] if len(value) == 18 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    """``13906001234`` → ``139****1234``; a landline keeps its area code and last four digits."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    head = 3 if len(value) == 11 and value.startswith("1") else 4
    return value[:head] + "*" * (len(value) - head - 4) + value[-4:]


def reader_may_see(context: dict, person_id: int | None) -> bool:
    """Whether the reader of a serializer (``context["actor"]``) is the person the values belong to."""
    actor = context.get("actor")
    return actor is not None and actor.person_id is not None and actor.person_id == person_id


MASKS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "contact_phone": mask_phone,
    "proxy_id_number": mask_id_number,
}


def masked_changes(changes: dict) -> dict:
    """An event's ``changes`` with personal identifiers masked ({field: value} or {field: [old, new]})."""
    out = {}
    for name, value in (changes or {}).items():
        mask = MASKS.get(name)
        if mask is None:
            out[name] = value
        elif isinstance(value, list):
            out[name] = [mask(v) if isinstance(v, str) else v for v in value]
        else:
            out[name] = mask(value) if isinstance(value, str) else value
    return out
