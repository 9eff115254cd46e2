"""The sender, against a real HTTP receiver on loopback: signed, once, retried with backoff, never stuck."""

import datetime
import json
import socket
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Channel
from accounts.services import channel_webhook_set
from config.celery import app as celery_app
from filings.models import Filing
from notifications import services, signing
from notifications.models import Notification
from tests.factories import FilingFactory, PersonFactory, UserFactory
from tests.notifications.helpers import self_service_filing
from tests.notifications.receiver import Receiver

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_notification_arrives_once_with_a_valid_signature(receiver, hooked):
    filing = self_service_filing(PersonFactory())
    report = services.notifications_send()
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    again = services.notifications_send()
    assert again.sent == 0
    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.path == "/hook"
    assert signing.verify(hooked, request.body, request.headers[signing.HEADER], now=time.time())
    assert not signing.verify("another secret", request.body, request.headers[signing.HEADER], now=time.time())
    assert not signing.verify(hooked, request.body + b" ", request.headers[signing.HEADER], now=time.time())
    # A captured request replayed later is refused by a receiver that checks the timestamp.
    assert not signing.verify(hooked, request.body, request.headers[signing.HEADER], now=time.time() + 600)
    body = json.loads(request.body)
    notification = Notification.objects.get()
    assert request.headers["X-Notification-Id"] == str(notification.pk) == str(body["id"])
    assert body["kind"] == "filing_effective" and body["reference"] == filing.reference
    assert body["payload"]["state"] == "effective"
    assert notification.status == "sent" and notification.attempts == 1 and notification.sent_at is not None


def test_a_receiver_failing_twice_gets_it_on_the_third_try(receiver, hooked, settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    receiver.plan = [500, 503]
    self_service_filing(PersonFactory())
    start = timezone.now()

    first = services.notifications_send(now=start)
    row = Notification.objects.get()
    assert first.retrying == 1 and row.status == "pending" and row.attempts == 1
    assert row.last_error == "HTTP 500"
    assert start + datetime.timedelta(seconds=59) < row.next_attempt_at <= timezone.now() + datetime.timedelta(60)

    assert services.notifications_send(now=start + datetime.timedelta(seconds=30)).retrying == 0  # not due yet
    assert len(receiver.received) == 1

    second = services.notifications_send(now=row.next_attempt_at + datetime.timedelta(seconds=1))
    row.refresh_from_db()
    assert second.retrying == 1 and row.attempts == 2 and row.last_error == "HTTP 503"
    waited = row.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=110) < waited <= datetime.timedelta(seconds=120)  # the wait doubled

    third = services.notifications_send(now=row.next_attempt_at + datetime.timedelta(seconds=1))
    row.refresh_from_db()
    assert third.sent == 1 and row.status == "sent" and row.attempts == 3 and row.last_error == ""
    assert len(receiver.received) == 3
    assert len({r.headers["X-Notification-Id"] for r in receiver.received}) == 1


def test_after_the_last_attempt_it_is_failed_and_shown_to_staff(receiver, hooked, settings, client):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    receiver.plan = [500, 500]
    filing = self_service_filing(PersonFactory())
    services.notifications_send()
    services.notifications_send(now=timezone.now() + datetime.timedelta(hours=1))
    row = Notification.objects.get()
    assert row.status == "failed" and row.attempts == 2
    assert services.notifications_send(now=timezone.now() + datetime.timedelta(days=1)).sent == 0  # no more tries

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/notifications/notification/", {"status__exact": "failed"})
    assert page.status_code == 200
    content = page.content.decode()
    assert filing.reference in content and "1 条发送失败" in content

    response = client.post(
        "/admin/notifications/notification/", {"action": "retry", "_selected_action": [row.pk]}, follow=True
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, "")
    assert services.notifications_send().sent == 1


def test_a_hanging_channel_holds_up_neither_the_others_nor_for_long(receiver, hooked, settings):
    settings.NOTIFICATION_TIMEOUT_SECONDS = 0.5
    receiver.plan = ["hang"]
    healthy = Receiver().start()
    try:
        channel_webhook_set(code="mzt_app", url=healthy.url)
        self_service_filing(PersonFactory())  # xm_wechat, whose receiver hangs
        self_service_filing(PersonFactory())  # xm_wechat again: waits behind the first
        self_service_filing(PersonFactory(), channel="mzt_app")
        started = time.monotonic()
        report = services.notifications_send()
        elapsed = time.monotonic() - started
    finally:
        healthy.stop()
    assert elapsed < 2.5, elapsed
    assert (report.sent, report.retrying, report.deferred) == (1, 1, 1)
    assert len(healthy.received) == 1
    stuck = Notification.objects.filter(channel_id="xm_wechat").order_by("id")
    assert [(n.status, n.attempts) for n in stuck] == [("pending", 1), ("pending", 0)]
    assert stuck[0].last_error.startswith("timeout")
    assert stuck[1].next_attempt_at <= timezone.now()  # not tried: still due, in its place


def test_a_redirect_is_not_followed_but_retried(receiver, hooked):
    receiver.plan = ["redirect"]
    self_service_filing(PersonFactory())
    report = services.notifications_send()
    row = Notification.objects.get()
    assert report.retrying == 1 and row.status == "pending"
    assert row.last_error == "HTTP 302: redirects are not followed"
    assert len(receiver.received) == 1


def test_a_channel_without_a_webhook_keeps_its_notifications_for_pulling(receiver):
    self_service_filing(PersonFactory())
    assert services.notifications_send().sent == 0
    row = Notification.objects.get()
    assert row.status == "pending" and row.attempts == 0 and receiver.received == []


def test_an_address_that_is_not_public_is_refused_at_delivery_too(receiver, hooked, settings):
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = False  # the URL was accepted while allowed
    self_service_filing(PersonFactory())
    report = services.notifications_send()
    row = Notification.objects.get()
    assert report.retrying == 1 and receiver.received == []
    assert (row.status, row.attempts) == ("pending", 1)  # a failed attempt, recorded; no connection opened
    assert "127.0.0.1" in row.last_error  # "…must be on a public address; 127.0.0.1 is 127.0.0.1 (loopback)."


def test_two_senders_at_once_never_take_the_same_rows(receiver, hooked):
    for _ in range(3):
        self_service_filing(PersonFactory())
    now = timezone.now()
    first = services._claim(now, 10)
    second = services._claim(now, 10)
    assert len(first) == 3 and second == []  # leased while the first sender posts them


def test_the_outbox_row_is_written_while_the_broker_is_down_and_sent_when_a_sender_runs(
    receiver, hooked, settings, client_for
):
    down = f"redis://127.0.0.1:{closed_port()}/0"
    saved = celery_app.conf.broker_url
    settings.CELERY_BROKER_URL = down
    celery_app.conf.broker_url = down
    try:
        with pytest.raises(Exception), celery_app.connection_for_write() as connection:  # noqa: B017
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
        person = PersonFactory()
        filing = FilingFactory(person=person, channel_id="xm_wechat")
        started = time.monotonic()
        response = client_for(person=person).post(
            f"/api/v1/filings/{filing.reference}/revoke/", {"reason": "回厦门居住"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert time.monotonic() - started < 2  # the request never waited on the broker
    finally:
        celery_app.conf.broker_url = saved
    assert Filing.objects.get(pk=filing.pk).state == "revoked"
    row = Notification.objects.get(reference=filing.reference)
    assert row.kind == "filing_revoked" and row.status == "pending"
    call_command("run_job", "send_notifications")  # by hand, no broker: the sender runs here
    row.refresh_from_db()
    assert row.status == "sent" and len(receiver.received) == 1


def test_removing_the_webhook_leaves_the_rows_to_the_pull_feed(receiver, hooked):
    channel_webhook_set(code="xm_wechat", url="")
    channel = Channel.objects.get(code="xm_wechat")
    assert channel.webhook_url == "" and channel.webhook_secret == ""
    self_service_filing(PersonFactory())
    assert services.notifications_send().sent == 0


def test_nothing_is_sent_unsigned(receiver, hooked):
    Channel.objects.filter(code="xm_wechat").update(webhook_secret="")
    self_service_filing(PersonFactory())
    report = services.notifications_send()
    assert report.retrying == 1 and receiver.received == []
    assert "signing secret" in Notification.objects.get().last_error
