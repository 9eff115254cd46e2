"""Who may take which claim action, as data (SPEC §4.4 and §6); the API's permissions read the same table."""

from config.actors import Capacity
from registry.permissions import REVEALERS
from reimbursements.choices import ClaimAction

PERSON, COUNTER, REVIEWER, ADMIN = Capacity.PERSON, Capacity.COUNTER, Capacity.REVIEWER, Capacity.ADMIN
SYSTEM = Capacity.SYSTEM

CLAIM_ACTION_CAPACITIES: dict[str, frozenset[Capacity]] = {
    ClaimAction.SUBMIT: frozenset({PERSON, COUNTER, ADMIN}),
    ClaimAction.REQUEST_MATERIALS: frozenset({COUNTER, ADMIN}),
    ClaimAction.START_REVIEW: frozenset({REVIEWER, ADMIN}),
    ClaimAction.APPROVE: frozenset({REVIEWER, ADMIN}),
    ClaimAction.REJECT: frozenset({REVIEWER, ADMIN}),
    ClaimAction.PAY: frozenset({ADMIN}),
    ClaimAction.WITHDRAW: frozenset({PERSON, COUNTER, ADMIN}),
    # The system, when the holiday calendar changes (the event's reason names who changed it).
    ClaimAction.RECOMPUTE_DUE: frozenset({SYSTEM}),
}

# Checklist work: the person uploads files; counter staff receive, accept or reject items.
UPLOAD_CAPACITIES = frozenset({PERSON, COUNTER, ADMIN})
MATERIAL_STATUS_CAPACITIES = frozenset({COUNTER, ADMIN})

# Who may read a claim's personal numbers in full, through a logged reveal (PIPL, SPEC §6): the bank
# account only the roles that pay it; the proxy's ID number the staff who may reveal a person's.
CLAIM_REVEAL_CAPACITIES: dict[str, frozenset[Capacity]] = {
    "bank_account": CLAIM_ACTION_CAPACITIES[ClaimAction.PAY],
    "proxy_id_number": REVEALERS,
}
