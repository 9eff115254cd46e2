"""Scheduled system transitions of filings: the same services as the management commands.

Each records the system as the actor on every event it writes, and is safe to rerun: a
second run finds nothing left to change.
"""

from __future__ import annotations

import logging

from celery import shared_task

from filings.services import filings_expire, filings_revoke_overdue_commitments, filings_revoke_uninsured

log = logging.getLogger(__name__)


def _report(job: str, filings) -> list[str]:
    references = [filing.reference for filing in filings]
    log.info("%s: %d filing(s) %s", job, len(references), " ".join(references))
    return references


@shared_task(name="filings.expire_filings")
def expire_filings() -> list[str]:
    return _report("expire_filings", filings_expire())


@shared_task(name="filings.revoke_overdue_commitments")
def revoke_overdue_commitments() -> list[str]:
    return _report("revoke_overdue_commitments", filings_revoke_overdue_commitments())


@shared_task(name="filings.revoke_uninsured")
def revoke_uninsured() -> list[str]:
    return _report("revoke_uninsured", filings_revoke_uninsured())
