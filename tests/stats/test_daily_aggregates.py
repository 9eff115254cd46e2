"""The daily aggregates: rolled-up days are read from them (an event written afterwards into a closed day waits
for the next refresh, as the nightly job's freshness says), a refresh is idempotent, today is always counted
live, and the nightly job is on the schedule."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app as celery_app
from filings.choices import FilingAction, FilingState
from stats import periods, selectors, services
from stats.models import FilingDay, RolledDay
from tests.factories import FilingEventFactory, FilingFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def submitted(day: datetime.date, **fields):
    filing = FilingFactory(**fields)
    FilingEventFactory(filing=filing, at=at_noon(day), action=FilingAction.SUBMIT, to_state=FilingState.SUBMITTED)
    return filing


def new_filings(period) -> int:
    return selectors.table("filings", period).total.current["new"]


def test_a_rolled_up_day_is_read_from_its_aggregates_until_it_is_counted_again():
    period = periods.named("2026-10")
    day = datetime.date(2026, 10, 12)
    submitted(day)
    submitted(day, filing_type="referral")
    assert new_filings(period) == 2
    services.refresh(day, day)
    by_type = dict(FilingDay.objects.filter(day=day, grouping="filing_type").values_list("key", "new"))
    assert by_type == {"other_temporary": 1, "referral": 1}
    assert FilingDay.objects.get(day=day, grouping="").new == 2  # the day's total
    assert new_filings(period) == 2
    submitted(day)  # written afterwards into the closed day: the aggregates do not know it yet
    assert new_filings(period) == 2
    services.refresh(day - DAY, day + DAY)
    assert new_filings(period) == 3
    services.refresh(day - DAY, day + DAY)  # idempotent
    assert new_filings(period) == 3 and FilingDay.objects.filter(day=day, grouping="filing_type").count() == 2
    assert set(RolledDay.objects.values_list("day", flat=True)) == {day - DAY, day, day + DAY}


def test_the_nightly_refresh_rolls_up_to_yesterday_and_today_stays_live():
    today = timezone.localdate()
    submitted(today - 3 * DAY)
    written = services.refresh_recent()
    assert written["days"] == 62 and RolledDay.objects.filter(day=today).count() == 0
    assert RolledDay.objects.order_by("day").last().day == today - DAY
    submitted(today)
    this_week = periods.between(today - 6 * DAY, today)
    assert new_filings(this_week) == 2


def test_the_command_refuses_today_and_a_range_backwards():
    today = timezone.localdate()
    with pytest.raises(CommandError):
        call_command("refresh_statistics", "--since", today.isoformat(), "--until", today.isoformat())
    with pytest.raises(CommandError):
        call_command("refresh_statistics", "--since", "2026-10-05", "--until", "2026-10-01")
    call_command("refresh_statistics", "--since", "2026-10-01", "--until", "2026-10-05")
    assert RolledDay.objects.count() == 5


def test_the_nightly_job_is_a_registered_task_on_the_schedule():
    celery_app.autodiscover_tasks(force=True)  # what a worker does at start: finds stats/tasks.py
    job = PeriodicTask.objects.get(name="refresh_statistics")
    assert job.task == "stats.refresh_statistics" and job.task in celery_app.tasks and job.enabled
    assert (job.crontab.minute, job.crontab.hour, str(job.crontab.timezone)) == ("40", "0", "Asia/Shanghai")


@pytest.mark.parametrize("subject", ["filings", "service"])
def test_a_refresh_committing_while_a_page_reads_counts_no_day_twice(subject, monkeypatch):
    """The page reads which days are rolled up, then their rows: a refresh of more days between the two
    reads must not make those days count from the events and from their new rows both."""
    from tests.audit.decided import filing_decided

    period = periods.named("2026-11")
    for number in range(1, 30, 3):
        day = datetime.date(2026, 11, number)
        submitted(day)
        filing_decided("approve", at_noon(day), "staff:rev")
    services.refresh(datetime.date(2026, 11, 1), datetime.date(2026, 11, 15))
    first = "new" if subject == "filings" else "decided"
    expected = selectors.table(subject, period).total.current[first]
    assert expected == 10
    read_runs = selectors.unrolled

    def runs_then_refresh(*args):
        runs = read_runs(*args)
        services.refresh(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))  # the nightly job, meanwhile
        return runs

    monkeypatch.setattr(selectors, "unrolled", runs_then_refresh)
    assert selectors.table(subject, period).total.current[first] == expected
