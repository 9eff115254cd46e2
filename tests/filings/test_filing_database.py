"""What the database itself guarantees about filings, and behaviour under real concurrency."""

import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from config.actors import Actor
from config.errors import Conflict
from filings import services
from filings.models import Filing, FilingEvent
from tests.conftest import postgres_only
from tests.factories import FilingFactory, PersonFactory, UserFactory, person_token
from tests.reference_data import reseed_reference_data

pytestmark = pytest.mark.django_db
URL = "/api/v1/filings/"


def test_database_refuses_a_second_live_filing():
    first = FilingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        FilingFactory(person=first.person, state="submitted")
    FilingFactory(person=first.person, state="revoked")  # ended filings do not count


@pytest.mark.parametrize(
    "changes",
    [
        {"state": "lost"},
        {"end_date": "2000-01-01"},
        {"filing_type": "holiday"},
        {"state": "rejected", "end_reason": ""},
        {"consent": False},
    ],
)
def test_database_refuses_invalid_rows(changes):
    filing = FilingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Filing.objects.filter(pk=filing.pk).update(**changes)


def test_events_are_append_only_in_the_database():
    filing = FilingFactory()
    FilingEvent.objects.create(filing=filing, action="submit", to_state="submitted", actor_label="system")
    with pytest.raises(DatabaseError), transaction.atomic():
        FilingEvent.objects.update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        FilingEvent.objects.all().delete()
    assert FilingEvent.objects.get().reason == ""
    with pytest.raises(ValueError):
        FilingEvent.objects.get().save()


def test_state_and_event_are_written_together_or_not_at_all(monkeypatch):
    filing = FilingFactory()

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(FilingEvent.objects, "create", broken)
    with pytest.raises(DatabaseError):
        services.filing_transition(filing_id=filing.pk, action="revoke", actor=Actor.system(), reason="x")
    filing.refresh_from_db()
    assert filing.state == "effective" and filing.version == 1


def test_unique_index_is_the_final_guard_and_answers_as_a_conflict():
    live = FilingFactory()
    fields = {
        "filing_type": "other_temporary",
        "destination_id": "440000",
        "start_date": timezone.localdate(),
        "end_date": None,
        "contact_name": "x",
        "contact_phone": "13906001234",
        "mode": "self_service",
        "proof_basis": "documents",
        "institutions": [],
    }
    with pytest.raises(Conflict) as caught, transaction.atomic():
        services._store_new_filing(
            person=live.person, actor=UserFactory(role="counter").actor, fields=fields, replaces=None
        )
    assert caught.value.code == "live_filing_exists"


def test_fifty_row_list_costs_three_queries(auditor, django_assert_num_queries):
    FilingFactory.create_batch(51)
    with django_assert_num_queries(3):  # the token, the page (one row more: is there a next?), the count
        response = auditor.get(URL, {"page_size": 50})
    assert len(response.json()["results"]) == 50
    assert response.json()["count"] == 51
    with django_assert_num_queries(2):  # the last page: its total is known without counting
        response = auditor.get(URL, {"page_size": 50, "page": 2})
    assert (len(response.json()["results"]), response.json()["count"]) == (1, 51)


def test_filtered_list_and_a_persons_own_list_cost_two_or_three_queries(client_for, django_assert_num_queries):
    person = PersonFactory()
    FilingFactory.create_batch(20, destination_id="440000")
    FilingFactory(person=person)
    client = client_for(person=person)
    with django_assert_num_queries(2):  # the session, the page (the only one: no count needed)
        assert client.get(URL).json()["count"] == 1
    auditor = client_for(role="auditor")
    with django_assert_num_queries(3):  # the token, the page, the count
        body = auditor.get(
            URL,
            {
                "destination": "440000",
                "state": "effective",
                "effective_on": timezone.localdate().isoformat(),
                "page_size": 5,
            },
        ).json()
    assert (body["count"], len(body["results"])) == (20, 5)


@postgres_only("row locks and a partial unique index under real concurrency")
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_leave_exactly_one_live_filing():
    """Half of them with an Idempotency-Key each (different keys), half without: one filing, 49 × 409, no 5xx."""
    reseed_reference_data()
    person = PersonFactory()
    tokens = [person_token(person) for _ in range(50)]
    barrier = threading.Barrier(50)
    statuses: list[int] = []
    lock = threading.Lock()

    def submit(index, token):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        headers = {"HTTP_IDEMPOTENCY_KEY": f"submit-{index}"} if index % 2 else {}
        barrier.wait()
        try:
            response = client.post(
                URL,
                {
                    "filing_type": "other_temporary",
                    "destination": "310000",
                    "start_date": timezone.localdate().isoformat(),
                    "contact_name": "张三",
                    "contact_phone": "13906001234",
                    "consent": True,
                },
                format="json",
                **headers,
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i, t)) for i, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 49
    assert not [s for s in statuses if s >= 500]
    assert Filing.objects.filter(person=person, state__in=["submitted", "effective"]).count() == 1
    assert FilingEvent.objects.filter(filing__person=person).count() == 2
