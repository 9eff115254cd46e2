"""Scheduled jobs of the notifications app (beat runs them; ``manage.py run_job NAME`` runs one by hand).

Each calls one service, is idempotent, and logs what it did; none is sent from a request.
"""

from __future__ import annotations

import logging

from celery import shared_task

from notifications import services

log = logging.getLogger(__name__)


@shared_task(name="notifications.send_notifications")
def send_notifications() -> dict:
    report = services.notifications_send()
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed, "deferred": report.deferred}


@shared_task(name="notifications.remind_expiring_filings")
def remind_expiring_filings() -> int:
    return services.notifications_remind_expiring()


@shared_task(name="notifications.remind_commitments_due")
def remind_commitments_due() -> int:
    return services.notifications_remind_commitments()


@shared_task(name="notifications.flag_overdue_reviews")
def flag_overdue_reviews() -> int:
    return services.reviews_flag_overdue()


@shared_task(name="notifications.purge_notifications")
def purge_notifications() -> int:
    return services.notifications_purge()
