"""The admin: staff read the outbox and the overdue marks; administrators resend and edit the schedule."""

import datetime

import pytest
from django.test import Client

from accounts.choices import Role
from notifications import services
from tests.factories import FilingFactory, NotificationFactory, PersonFactory, UserFactory
from tests.notifications.helpers import fast_track_filing

pytestmark = pytest.mark.django_db


def as_role(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role, is_staff=True))
    return client


@pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN])
def test_every_staff_role_reads_the_outbox_and_the_overdue_marks(role):
    notification = NotificationFactory()
    filing = fast_track_filing(PersonFactory())
    services.reviews_flag_overdue(today=filing.review_due + datetime.timedelta(days=1))
    client = as_role(role)
    outbox = client.get("/admin/notifications/notification/")
    assert outbox.status_code == 200 and notification.reference in outbox.content.decode()
    detail = client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    assert detail.status_code == 200
    assert notification.person.id_number not in detail.content.decode()
    marks = client.get("/admin/notifications/overduereview/")
    assert marks.status_code == 200 and filing.reference in marks.content.decode()


def test_only_administrators_see_and_edit_the_schedule():
    assert as_role(Role.ADMIN).get("/admin/django_celery_beat/periodictask/").status_code == 200
    assert as_role(Role.COUNTER).get("/admin/django_celery_beat/periodictask/").status_code == 403


def test_only_administrators_may_resend(receiver, hooked):
    row = NotificationFactory(status="failed", attempts=8, last_error="HTTP 500")
    as_role(Role.AUDITOR).post("/admin/notifications/notification/", {"action": "retry", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.status == "failed"
    as_role(Role.ADMIN).post("/admin/notifications/notification/", {"action": "retry", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)


def test_a_notification_of_a_channel_without_a_webhook_reads_as_pulled_not_waiting():
    from accounts.models import Channel

    pulled = NotificationFactory()
    Channel.objects.filter(code=pulled.channel_id).update(webhook_url="")
    hooked = NotificationFactory(filing=FilingFactory(channel_id="mzt_app"))
    Channel.objects.filter(code="mzt_app").update(webhook_url="https://hooks.example.cn/mzt")
    page = as_role(Role.AUDITOR).get("/admin/notifications/notification/").content.decode()
    rows = {line for line in page.split("<tr") if pulled.reference in line or hooked.reference in line}
    pulled_row = next(row for row in rows if pulled.reference in row)
    hooked_row = next(row for row in rows if hooked.reference in row)
    assert "待渠道拉取" in pulled_row and "待渠道拉取" not in hooked_row
