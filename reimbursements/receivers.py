"""Signal receivers of the reimbursements app: a changed holiday calendar moves the review due dates it reaches."""

from __future__ import annotations

from reimbursements import services


def recount_review_due(sender, *, years, actor, **kwargs) -> int:
    """Connected to ``registry.calendar.calendar_changed``: runs inside the transaction of the change."""
    return services.claims_recount_review_due(years=years, actor=actor)
