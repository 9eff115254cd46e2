"""The admin reads history as people do: names, channels, Chinese labels, and no full ID number."""

import re

import pytest
from django.test import Client

from filings import services
from tests.factories import ClaimFactory, FilingRequestFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
FULL_ID = re.compile(rb"(?<!\d)\d{17}[\dX](?!\d)")


@pytest.fixture
def filing_with_history(client_for):
    """A person files through WeChat (their own session), then counter staff revoke it."""
    person = PersonFactory(name="张三", retired=True)
    data = FilingRequestFactory(proxy_name="李四", proxy_id_number="11010519491231002X", proxy_authorization=True)
    reference = client_for(person=person).post("/api/v1/filings/", data).json()["reference"]
    clerk = UserFactory(role="counter", first_name="敏", last_name="王")
    filing = services.filing_transition(
        filing_id=services.Filing.objects.get(reference=reference).pk,
        action="revoke",
        actor=clerk.actor,
        reason="回厦门",
    )
    return person, filing


def admin_as(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


@pytest.mark.parametrize("role", ["auditor", "counter", "reviewer"])
@pytest.mark.parametrize("page", ["change", "history"])
def test_a_filings_history_shows_names_and_no_full_id_number(filing_with_history, role, page):
    person, filing = filing_with_history
    response = admin_as(role).get(f"/admin/filings/filing/{filing.pk}/{page}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "参保人 张三" in html  # the person acted through their channel: named, not person:<id>
    assert "王敏（窗口经办）" in html  # the clerk, by name and role
    assert "厦门医疗保障微信公众号/小程序" in html  # the channel that really acted
    assert "已撤销" in html and "回厦门" in html  # labels in Chinese, the reason
    assert "person:" not in html and "staff:" not in html
    assert FULL_ID.search(response.content) is None, FULL_ID.search(response.content)
    assert "13906001234" not in html and "139****1234" in html  # the contact phone in the changes


@pytest.mark.parametrize(
    "url", ["/admin/registry/person/", "/admin/filings/filing/", "/admin/filings/filingreviewqueue/"]
)
def test_admin_lists_show_no_full_id_number(filing_with_history, url):
    response = admin_as("auditor").get(url)
    assert response.status_code == 200
    assert FULL_ID.search(response.content) is None


def test_a_persons_page_shows_the_id_number_masked(filing_with_history):
    person, _filing = filing_with_history
    response = admin_as("counter").get(f"/admin/registry/person/{person.pk}/change/")
    assert response.status_code == 200
    assert person.id_number.encode() not in response.content
    assert (person.id_number[:6] + "********" + person.id_number[-4:]).encode() in response.content


def test_a_claims_page_shows_the_proxys_id_number_masked():
    claim = ClaimFactory(proxy_name="李四", proxy_id_number="11010519491231002X", proxy_relationship="子女")
    response = admin_as("auditor").get(f"/admin/reimbursements/claim/{claim.pk}/change/")
    assert response.status_code == 200
    assert FULL_ID.search(response.content) is None
    assert b"110105********002X" in response.content


@pytest.mark.parametrize("page", ["change", "history"])
def test_a_claims_history_names_what_its_submission_recorded(page):
    """The submit event records the invoices, a reverse relation: its label is the related model's name."""
    claim = ClaimFactory()
    assert "invoices" in claim.events.get().changes
    response = admin_as("auditor").get(f"/admin/reimbursements/claim/{claim.pk}/{page}/")
    assert response.status_code == 200
    assert "已提交" in response.content.decode()
    if page == "history":
        assert "票据：" in response.content.decode()


def test_a_person_reads_staff_in_their_history_by_role_never_by_username(filing_with_history, client_for):
    person, filing = filing_with_history
    clerk = filing.events.get(action="revoke").actor
    events = client_for(person=person).get(f"/api/v1/filings/{filing.reference}/events/").json()
    actors = [e["actor"] for e in events]
    assert actors[-1] == "staff:counter" and set(actors[:-1]) == {f"person:{person.pk}"}
    assert clerk.username not in str(events)


def test_staff_read_the_stored_actor_in_a_records_history(filing_with_history, auditor):
    _person, filing = filing_with_history
    clerk = filing.events.get(action="revoke").actor
    events = auditor.get(f"/api/v1/filings/{filing.reference}/events/").json()
    assert events[-1]["actor"] == f"staff:{clerk.username}"
