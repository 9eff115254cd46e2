"""Who may take which filing action, as data (SPEC §3.4 and §6)."""

from accounts.choices import Role
from config.errors import NotFound, PermissionRefused
from filings.choices import FilingAction

# Capacities: a staff role, "person" (through a channel's session), "hospital", or "system".
PERSON, HOSPITAL, SYSTEM = "person", "hospital", "system"

FILING_ACTION_CAPACITIES: dict[str, frozenset[str]] = {
    FilingAction.SUBMIT: frozenset({PERSON, HOSPITAL, Role.COUNTER, Role.ADMIN}),
    FilingAction.ACTIVATE: frozenset({SYSTEM}),
    FilingAction.APPROVE: frozenset({Role.REVIEWER, Role.ADMIN}),
    FilingAction.REJECT: frozenset({Role.REVIEWER, Role.ADMIN}),
    FilingAction.WITHDRAW: frozenset({PERSON, Role.COUNTER, Role.ADMIN}),
    FilingAction.CHANGE: frozenset({PERSON, Role.COUNTER, Role.ADMIN}),
    FilingAction.REVOKE: frozenset({PERSON, Role.COUNTER, Role.ADMIN, SYSTEM}),
    FilingAction.EXPIRE: frozenset({SYSTEM}),
}

# Documents of a filing are uploaded by the person or counter staff.
MATERIAL_UPLOAD_CAPACITIES = frozenset({PERSON, Role.COUNTER, Role.ADMIN})


def capacity_of(actor) -> str | None:
    if actor.kind == "staff":
        return actor.role
    if actor.kind == "person":
        return PERSON
    if actor.kind == "channel":
        return HOSPITAL if actor.is_hospital else None
    return SYSTEM


def authorize(actor, capacities: frozenset[str], *, owner_id: int | None, refusal) -> None:
    """Refuse (403, with ``refusal``) an actor whose capacity is not in ``capacities``.

    A person acting on someone else's record gets 404, as if it did not exist.
    """
    capacity = capacity_of(actor)
    if capacity == PERSON and owner_id != actor.person_id:
        raise NotFound()
    if capacity not in capacities:
        raise PermissionRefused(refusal, code="action_not_allowed")
