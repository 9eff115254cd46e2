"""Every scheduled job, run twice in a row: the second run changes nothing. And the schedule that runs them."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.services import channel_webhook_set
from config.celery import app as celery_app
from filings.choices import ProofBasis
from filings.models import Filing, FilingEvent
from notifications import services
from notifications.jobs import JOBS
from notifications.models import Notification, OverdueReview
from reimbursements.models import ClaimEvent
from tests.factories import ClaimFactory, FilingFactory, NotificationFactory, PersonFactory
from tests.notifications.helpers import fast_track_filing
from tests.notifications.receiver import Receiver

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Everything a job may change, counted and summed up."""
    return {
        "filings": sorted(Filing.objects.values_list("reference", "state", "version")),
        "filing_events": FilingEvent.objects.count(),
        "claim_events": ClaimEvent.objects.count(),
        "notifications": sorted(Notification.objects.values_list("id", "status", "attempts")),
        "overdue": OverdueReview.objects.count(),
        "sessions": Session.objects.count(),
    }


@pytest.fixture
def world(receiver_url, monkeypatch):
    """Something for every job to do once: filings to expire and revoke, reviews overdue, reminders due,
    notifications to send and to purge, expired admin sessions."""
    today = timezone.localdate()
    days = datetime.timedelta
    FilingFactory(start_date=today - days(300), end_date=today - days(1))  # to expire
    FilingFactory(proof_basis=ProofBasis.COMMITMENT, commitment_due_date=today - days(1))  # documents overdue
    FilingFactory(proof_basis=ProofBasis.COMMITMENT, commitment_due_date=today + days(10))  # reminder due
    uninsured = FilingFactory()
    uninsured.person.insured_status = "suspended"
    uninsured.person.save()
    FilingFactory(start_date=today - days(100), end_date=today + days(20))  # ending: reminder due
    pending = fast_track_filing(PersonFactory())
    Filing.objects.filter(pk=pending.pk).update(review_due=today - days(1))  # review overdue
    submitted = timezone.now() - days(60)
    with monkeypatch.context() as clock:
        clock.setattr(timezone, "now", lambda: submitted)
        ClaimFactory()  # submitted 60 days ago: its review is overdue
    NotificationFactory()  # pending, for xm_wechat's webhook
    old = NotificationFactory(filing=FilingFactory(channel_id="kiosk"))
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - days(400))
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now() - days(1))
    channel_webhook_set(code="xm_wechat", url=receiver_url)


@pytest.fixture
def receiver_url():
    server = Receiver().start()
    yield server.url
    server.stop()


@pytest.mark.parametrize("job", sorted(JOBS))
def test_each_job_run_twice_changes_nothing_the_second_time(world, job):
    before = snapshot()
    JOBS[job]()
    after_first = snapshot()
    assert after_first != before, f"{job} found nothing to do: the test could not fail"
    JOBS[job]()
    assert snapshot() == after_first


def test_the_whole_night_run_twice_changes_nothing_more(world):
    for name in JOBS:
        JOBS[name]()
    first = snapshot()
    for name in JOBS:
        JOBS[name]()
    assert snapshot() == first
    assert set(FilingEvent.objects.filter(action__in=["expire", "revoke"]).values_list("actor_label", flat=True)) == {
        "system"
    }


def test_reminders_once_per_filing_and_date_and_not_for_short_filings():
    today = timezone.localdate()
    ending = FilingFactory(start_date=today - datetime.timedelta(100), end_date=today + datetime.timedelta(30))
    FilingFactory(start_date=today, end_date=today + datetime.timedelta(20), filing_type="emergency")
    later = FilingFactory(start_date=today - datetime.timedelta(100), end_date=today + datetime.timedelta(31))
    assert services.notifications_remind_expiring(today=today) == 1
    assert services.notifications_remind_expiring(today=today) == 0
    row = Notification.objects.get(kind="filing_expiring")
    assert row.reference == ending.reference and row.payload["days_left"] == 30
    assert "30" in row.payload["message"]
    tomorrow = today + datetime.timedelta(1)
    assert services.notifications_remind_expiring(today=tomorrow) == 1  # the next one enters the window
    assert Notification.objects.filter(kind="filing_expiring").latest("id").reference == later.reference
    assert services.notifications_remind_expiring(today=tomorrow + datetime.timedelta(1)) == 0


def test_every_job_is_a_registered_task_on_the_schedule_seeded_by_the_migration():
    scheduled = {t.name: t for t in PeriodicTask.objects.all()}
    assert set(JOBS) <= set(scheduled)
    for name, task in JOBS.items():
        assert scheduled[name].task == task.name and task.name in celery_app.tasks
        assert scheduled[name].enabled
    expire = scheduled["expire_filings"].crontab
    assert (expire.minute, expire.hour, str(expire.timezone)) == ("5", "0", "Asia/Shanghai")  # just after midnight
    sender = scheduled["send_notifications"].interval
    assert (sender.every, sender.period) == (1, "minutes")


def test_run_job_runs_a_job_here_without_a_broker(capsys):
    today = timezone.localdate()
    filing = FilingFactory(start_date=today - datetime.timedelta(300), end_date=today - datetime.timedelta(1))
    call_command("run_job", "expire_filings")
    assert Filing.objects.get(pk=filing.pk).state == "expired"
    assert filing.reference in capsys.readouterr().out


def test_no_broker_is_configured_by_default_and_nothing_is_eager():
    assert celery_app.conf.broker_url == "memory://"
    assert celery_app.conf.task_always_eager is False
    assert celery_app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert celery_app.conf.timezone == "Asia/Shanghai"
