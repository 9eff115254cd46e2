"""GET /api/v1/notifications/: a channel pulls its own, a person reads their own, by an opaque cursor."""

import base64

import pytest

from notifications.models import Notification
from notifications.selectors import FeedCursor
from tests.factories import FilingFactory, NotificationFactory, PersonFactory
from tests.notifications.helpers import FULL_ID_NUMBER, self_service_filing

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/"


def references(response) -> list[str]:
    return [row["reference"] for row in response.json()["results"]]


@pytest.fixture
def two_channels():
    """Two persons: one filed through xm_wechat, one through mzt_app (each filing notifies once)."""
    wechat, mzt = PersonFactory(), PersonFactory()
    return self_service_filing(wechat, channel="xm_wechat"), self_service_filing(mzt, channel="mzt_app")


def test_a_channel_never_sees_another_channels_notifications(client_for, two_channels):
    wechat_filing, mzt_filing = two_channels
    wechat = client_for(channel="xm_wechat").get(URL)
    mzt = client_for(channel="mzt_app").get(URL)
    fj = client_for(channel="fj_web").get(URL)
    assert wechat.status_code == mzt.status_code == fj.status_code == 200
    assert references(wechat) == [wechat_filing.reference]
    assert references(mzt) == [mzt_filing.reference]
    assert references(fj) == [] and fj.json()["next"] is None


def test_a_person_reads_only_their_own_whatever_channel_told_them(client_for, two_channels):
    wechat_filing, mzt_filing = two_channels
    own = client_for(person=mzt_filing.person, channel="xm_wechat").get(URL)
    assert own.status_code == 200
    assert references(own) == [mzt_filing.reference]
    stranger = client_for(person=PersonFactory()).get(URL)
    assert references(stranger) == []


def test_the_page_is_what_a_webhook_receives_without_a_full_id_number(client_for, two_channels):
    wechat_filing, _mzt = two_channels
    row = client_for(channel="xm_wechat").get(URL).json()["results"][0]
    assert set(row) == {"id", "kind", "record_type", "reference", "created_at", "payload"}
    assert row["kind"] == "filing_effective" and row["payload"]["state"] == "effective"
    assert not FULL_ID_NUMBER.search(str(row))
    assert row["payload"]["person"]["id_number"] == (
        wechat_filing.person.id_number[:6] + "********" + wechat_filing.person.id_number[-4:]
    )


def test_pages_follow_the_cursor_and_a_poller_keeps_it(client_for):
    rows = [NotificationFactory(filing=FilingFactory(channel_id="kiosk")) for _ in range(5)]
    other = NotificationFactory()  # xm_wechat's: never in kiosk's pages
    client = client_for(channel="kiosk")
    first = client.get(URL, {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == [rows[0].pk, rows[1].pk] and first["has_more"] is True
    second = client.get(URL, {"after": first["next"], "page_size": 2}).json()
    assert [r["id"] for r in second["results"]] == [rows[2].pk, rows[3].pk]
    last = client.get(URL, {"after": second["next"], "page_size": 2}).json()
    assert [r["id"] for r in last["results"]] == [rows[4].pk] and last["has_more"] is False
    idle = client.get(URL, {"after": last["next"]}).json()
    assert idle["results"] == [] and idle["next"] == last["next"]  # nothing new: the same cursor back
    newer = NotificationFactory(filing=FilingFactory(channel_id="kiosk"))
    assert [r["id"] for r in client.get(URL, {"after": idle["next"]}).json()["results"]] == [newer.pk]
    assert other.pk not in {r["id"] for r in first["results"] + second["results"] + last["results"]}


@pytest.mark.parametrize(
    "after",
    [
        "not-a-cursor!",
        "@@@",
        base64.urlsafe_b64encode(b"n:abc").decode(),
        base64.urlsafe_b64encode(b"x:12").decode(),
        base64.urlsafe_b64encode(b"n:-5").decode(),
        base64.urlsafe_b64encode(b"n:99999999999999999999999").decode(),
        base64.urlsafe_b64encode("n:１２".encode()).decode(),
        "12",
    ],
)
def test_a_malformed_cursor_is_a_400_naming_after(client_for, after):
    response = client_for(channel="xm_wechat").get(URL, {"after": after})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "errors"} and "after" in body["errors"]


def test_bad_page_size_is_a_400_naming_it(client_for):
    response = client_for(channel="xm_wechat").get(URL, {"page_size": 0})
    assert response.status_code == 400 and "page_size" in response.json()["errors"]


@pytest.mark.parametrize("role", ["counter", "reviewer", "auditor", "admin"])
def test_staff_tokens_are_refused(client_for, role):
    NotificationFactory()
    response = client_for(role=role).get(URL)
    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "errors"}


def test_hospital_keys_are_refused_and_anonymous_callers_must_authenticate(hospital, anonymous):
    NotificationFactory(filing=FilingFactory(channel_id="hospital"))
    assert hospital.get(URL).status_code == 403
    assert anonymous.get(URL).status_code == 401


def test_the_cursor_is_opaque_and_round_trips():
    cursor = FeedCursor(123456)
    assert "123456" not in cursor.encode()
    assert FeedCursor.decode(cursor.encode()) == cursor


def test_the_feed_costs_two_queries(client_for, django_assert_num_queries):
    for _ in range(30):
        NotificationFactory(filing=FilingFactory(channel_id="kiosk"))
    client = client_for(channel="kiosk")
    with django_assert_num_queries(2):  # the key with its channel, the page
        response = client.get(URL, {"page_size": 25})
    assert len(response.json()["results"]) == 25
    assert Notification.objects.count() == 30


def test_the_schema_documents_the_feed(client_for):
    from django.test import Client

    schema = Client().get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    operation = schema.json()["paths"]["/api/v1/notifications/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"after", "page_size"}
    assert {"200", "400", "403"} <= set(operation["responses"])
