"""The nightly roll-up of the statistics in the schedule (django-celery-beat; administrators edit it in the admin).

Asia/Shanghai, 00:40, after the filings' and reviews' own nightly jobs. Left as it is when already there.
"""

from django.db import migrations
from django.utils import timezone

NAME = "refresh_statistics"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="40", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.create(
        name=NAME,
        task="stats.refresh_statistics",
        description="统计分析：汇总近两个月每日数据",
        enabled=True,
        crontab=crontab,
        expire_seconds=6 * 3600,
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0002_daily_aggregates"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
