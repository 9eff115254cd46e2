"""Who may audit: auditors, and administrators (who hold every staff capacity's rights)."""

from config.actors import Capacity

AUDITORS = frozenset({Capacity.AUDITOR, Capacity.ADMIN})
