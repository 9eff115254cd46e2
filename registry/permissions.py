"""Who may write the registry's records (everyone with a capacity reads them, persons only their own)."""

from config.actors import Capacity

PERSON_WRITERS = frozenset({Capacity.COUNTER, Capacity.ADMIN})
