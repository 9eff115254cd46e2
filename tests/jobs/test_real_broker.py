"""Jobs sent through a real broker on this machine (Redis and RabbitMQ) and run by a real Celery worker.

The worker runs in a thread of this process with its own database connection, so the test's
data is committed (``transaction=True``); that runs on PostgreSQL (CI's second pass): SQLite's
shared in-memory test database and its append-only triggers do not survive the flush that
ends a transactional test. Each broker is skipped, saying why, when it does not answer;
``CELERY_TEST_REDIS_URL`` and ``CELERY_TEST_AMQP_URL`` point elsewhere.
"""

import datetime
import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from kombu import Connection

from accounts.services import channel_webhook_set
from config.celery import app as celery_app
from filings.models import Filing, FilingEvent
from filings.tasks import expire_filings
from notifications.models import Notification
from notifications.tasks import send_notifications
from tests.conftest import postgres_only
from tests.factories import FilingFactory, PersonFactory
from tests.notifications.helpers import self_service_filing
from tests.notifications.receiver import Receiver
from tests.reference_data import reseed_reference_data

BROKERS = {
    "redis": os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "rabbitmq": os.environ.get("CELERY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}
QUEUE = "jobs-broker-test"


def unanswered(url: str) -> str | None:
    """Why the broker at ``url`` cannot be used, or None when it answers."""
    try:
        with Connection(url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:  # noqa: BLE001 (any failure to connect means: skip, and say why)
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(params=sorted(BROKERS))
def broker(request):
    url = BROKERS[request.param]
    reason = unanswered(url)
    if reason:
        pytest.skip(f"no {request.param} broker answers at {url} ({reason})")
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._pool = None  # connections already pooled point at the old broker
    celery_app.amqp._producer_pool = None
    yield url
    celery_app.conf.broker_url = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.set_current()
    celery_app.set_default()


def wait_for(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@postgres_only("a worker thread sees only committed data: a transactional test")
@pytest.mark.django_db(transaction=True)
def test_jobs_run_through_the_real_broker_and_worker(broker):
    reseed_reference_data()
    today = timezone.localdate()
    ended = FilingFactory(start_date=today - datetime.timedelta(300), end_date=today - datetime.timedelta(1))
    receiver = Receiver().start()
    try:
        channel_webhook_set(code="xm_wechat", url=receiver.url)
        told = self_service_filing(PersonFactory())  # one notification waiting in the outbox
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, queues=[QUEUE], shutdown_timeout=20, loglevel="WARNING"
        ):
            expire_filings.apply_async(queue=QUEUE)
            send_notifications.apply_async(queue=QUEUE)
            expired = wait_for(lambda: Filing.objects.get(pk=ended.pk).state == "expired")
            delivered = wait_for(lambda: len(receiver.received) == 1)
    finally:
        receiver.stop()
    assert expired, "the worker did not expire the filing"
    assert delivered, "the worker did not deliver the notification"
    event = FilingEvent.objects.get(filing=ended, action="expire")
    assert event.actor_label == "system"
    assert Notification.objects.get(reference=told.reference).status == "sent"
