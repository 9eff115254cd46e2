"""Who may take which filing action, as data (SPEC §3.4 and §6); the API's permissions read the same table."""

from config.actors import Capacity
from filings.choices import FilingAction

PERSON, HOSPITAL, SYSTEM = Capacity.PERSON, Capacity.HOSPITAL, Capacity.SYSTEM
COUNTER, REVIEWER, ADMIN = Capacity.COUNTER, Capacity.REVIEWER, Capacity.ADMIN

FILING_ACTION_CAPACITIES: dict[str, frozenset[Capacity]] = {
    FilingAction.SUBMIT: frozenset({PERSON, HOSPITAL, COUNTER, ADMIN}),
    FilingAction.RECORD: frozenset({PERSON, HOSPITAL, COUNTER, ADMIN}),
    FilingAction.CORRECT_CONTACT: frozenset({PERSON, COUNTER, ADMIN}),
    FilingAction.ACTIVATE: frozenset({SYSTEM}),  # also part of a self-service submission itself
    FilingAction.APPROVE: frozenset({REVIEWER, ADMIN}),
    FilingAction.REJECT: frozenset({REVIEWER, ADMIN}),
    FilingAction.WITHDRAW: frozenset({PERSON, COUNTER, ADMIN}),
    FilingAction.CHANGE: frozenset({PERSON, COUNTER, ADMIN}),
    FilingAction.REVOKE: frozenset({PERSON, COUNTER, ADMIN, SYSTEM}),
    FilingAction.EXPIRE: frozenset({SYSTEM}),
    # The system, when the holiday calendar changes (the event's reason names who changed it).
    FilingAction.RECOMPUTE_DUE: frozenset({SYSTEM}),
}

# Documents of a filing are uploaded by the person or counter staff.
MATERIAL_UPLOAD_CAPACITIES = frozenset({PERSON, COUNTER, ADMIN})
# Hospitals ask whether a person is covered; so may staff (phone enquiries are staff reads).
ELIGIBILITY_CAPACITIES = frozenset({HOSPITAL, COUNTER, REVIEWER, Capacity.AUDITOR, ADMIN})
