"""Who may write the registry's records (everyone with a capacity reads them, persons only their own)."""

from config.actors import Capacity

PERSON_WRITERS = frozenset({Capacity.COUNTER, Capacity.ADMIN})
# Staff may read a person's full ID number or phone, giving a reason that is recorded.
REVEALERS = frozenset({Capacity.COUNTER, Capacity.REVIEWER, Capacity.AUDITOR, Capacity.ADMIN})
