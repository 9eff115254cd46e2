"""Who may take which filing action, as data (SPEC §3.4 and §6)."""

from accounts.choices import Role
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


def capacity_of(actor) -> str | None:
    if actor.kind == "staff":
        return actor.role
    if actor.kind == "person":
        return PERSON
    if actor.kind == "channel":
        return HOSPITAL if actor.is_hospital else None
    return SYSTEM
