"""Signal receivers of the filings app: a changed holiday calendar moves the review due dates it reaches."""

from __future__ import annotations

from filings import services


def recount_review_due(sender, *, years, actor, **kwargs) -> int:
    """Connected to ``registry.calendar.calendar_changed``: runs inside the transaction of the change."""
    return services.filings_recount_review_due(years=years, actor=actor)
