"""Seed the schedule of the system's jobs (django-celery-beat's tables; administrators edit it in the admin).

Times are Asia/Shanghai. A job already there (by name) is left as an administrator set it.
"""

from django.db import migrations
from django.utils import timezone

ZONE = "Asia/Shanghai"
# name, task, (minute, hour) or None for every minute, description
JOBS = [
    ("expire_filings", "filings.expire_filings", ("5", "0"), "固定期限备案到期后置为已过期"),
    ("revoke_overdue_commitments", "filings.revoke_overdue_commitments", ("10", "0"), "承诺补交材料逾期未交的备案撤销"),
    ("revoke_uninsured", "filings.revoke_uninsured", ("15", "0"), "参保状态终止人员的备案撤销"),
    ("flag_overdue_reviews", "notifications.flag_overdue_reviews", ("20", "0"), "快速备案与手工报销逾期未审标记"),
    ("remind_expiring_filings", "notifications.remind_expiring_filings", ("0", "8"), "备案30天内到期提醒"),
    ("remind_commitments_due", "notifications.remind_commitments_due", ("5", "8"), "承诺材料14天内到期提醒"),
    ("send_notifications", "notifications.send_notifications", None, "向渠道推送通知（失败按退避重试）"),
    ("purge_notifications", "notifications.purge_notifications", ("30", "3"), "清理保留期外已送达的通知"),
    ("clear_expired_sessions", "accounts.clear_expired_sessions", ("40", "3"), "清理过期的后台登录会话"),
]


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, at, description in JOBS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        if at is None:
            every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
            schedule = {"interval": every_minute, "expire_seconds": 55}  # a missed minute is not queued up
        else:
            minute, hour = at
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone=ZONE
            )
            schedule = {"crontab": crontab, "expire_seconds": 6 * 3600}
        PeriodicTask.objects.create(name=name, task=task, description=description, enabled=True, **schedule)
    # Tell a running beat to reload its schedule.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_rest in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
