"""Every scheduled job by name, for ``manage.py run_job`` and for the schedule seeded in the database."""

from accounts import tasks as accounts_tasks
from filings import tasks as filings_tasks
from notifications import tasks as notifications_tasks

JOBS = {
    "expire_filings": filings_tasks.expire_filings,
    "revoke_overdue_commitments": filings_tasks.revoke_overdue_commitments,
    "revoke_uninsured": filings_tasks.revoke_uninsured,
    "flag_overdue_reviews": notifications_tasks.flag_overdue_reviews,
    "remind_expiring_filings": notifications_tasks.remind_expiring_filings,
    "remind_commitments_due": notifications_tasks.remind_commitments_due,
    "send_notifications": notifications_tasks.send_notifications,
    "purge_notifications": notifications_tasks.purge_notifications,
    "clear_expired_sessions": accounts_tasks.clear_expired_sessions,
}
