"""Who may take which claim action, as data (SPEC §4.4 and §6)."""

from accounts.choices import Role
from filings.rules import MATERIAL_UPLOAD_CAPACITIES, PERSON
from reimbursements.choices import ClaimAction

CLAIM_ACTION_CAPACITIES: dict[str, frozenset[str]] = {
    ClaimAction.SUBMIT: frozenset({PERSON, Role.COUNTER, Role.ADMIN}),
    ClaimAction.REQUEST_MATERIALS: frozenset({Role.COUNTER, Role.ADMIN}),
    ClaimAction.START_REVIEW: frozenset({Role.REVIEWER, Role.ADMIN}),
    ClaimAction.APPROVE: frozenset({Role.REVIEWER, Role.ADMIN}),
    ClaimAction.REJECT: frozenset({Role.REVIEWER, Role.ADMIN}),
    ClaimAction.PAY: frozenset({Role.ADMIN}),
    ClaimAction.WITHDRAW: frozenset({PERSON, Role.COUNTER, Role.ADMIN}),
}

# Checklist work: the person uploads files; counter staff receive, accept or reject items.
UPLOAD_CAPACITIES = MATERIAL_UPLOAD_CAPACITIES
MATERIAL_STATUS_CAPACITIES = frozenset({Role.COUNTER, Role.ADMIN})
