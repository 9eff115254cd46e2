"""Persons: every read answers the version as ETag, and a PATCH with a stale If-Match is a 412 that writes nothing."""

import threading

import pytest
from django.db import connection

from accounts.choices import Role
from registry.models import Person
from tests.conftest import postgres_only
from tests.factories import PersonFactory, valid_id_number
from tests.reference_data import reseed_reference_data

pytestmark = pytest.mark.django_db


def url(person) -> str:
    return f"/api/v1/persons/{person.pk}/"


def test_a_read_answers_the_version_as_etag(counter, client_for):
    person = PersonFactory()
    assert counter.get(url(person))["ETag"] == f'"{person.version}"'
    assert client_for(person=person).get(url(person))["ETag"] == f'"{person.version}"'


def test_a_created_person_answers_its_first_version(counter):
    body = {"id_number": valid_id_number(8812), "name": "李四", "insurance_type": "employee"}
    response = counter.post("/api/v1/persons/", body, format="json")
    assert response.status_code == 201
    assert response["ETag"] == '"1"'


def test_a_patch_with_the_current_etag_writes_and_answers_the_next(counter):
    person = PersonFactory()
    etag = counter.get(url(person))["ETag"]
    response = counter.patch(url(person), {"name": "王五"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{person.version + 1}"'
    assert response.json()["version"] == person.version + 1


def test_a_stale_if_match_is_412_and_the_stored_value_stays(counter):
    person = PersonFactory(name="张三")
    etag = counter.get(url(person))["ETag"]
    assert counter.patch(url(person), {"name": "王五"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = counter.patch(url(person), {"name": "赵六"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    person.refresh_from_db()
    assert person.name == "王五"
    assert person.version == 2


@pytest.mark.parametrize("header", ['W/"1"', "1", "*"])
def test_weak_bare_and_star_forms_are_understood(counter, header):
    person = PersonFactory()
    assert person.version == 1
    response = counter.patch(url(person), {"name": "王五"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 200


def test_without_if_match_the_patch_is_unconditional(counter):
    person = PersonFactory()
    counter.patch(url(person), {"name": "王五"}, format="json")
    assert counter.patch(url(person), {"name": "赵六"}, format="json").status_code == 200


def test_a_refused_patch_does_not_bump_the_version(counter):
    person = PersonFactory()
    response = counter.patch(url(person), {"phone": "12"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.version == 1


def test_the_schema_documents_if_match_and_412_on_the_patch(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/persons/{id}/"]["patch"]
    assert "If-Match" in [p["name"] for p in operation["parameters"] if p["in"] == "header"]
    assert "412" in operation["responses"]


@postgres_only("row locks under real concurrency")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_patches_with_one_if_match_make_one_200_and_one_412(client_for):
    reseed_reference_data()
    person = PersonFactory(name="张三")
    clients = [client_for(role=Role.COUNTER) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def patch(client, name):
        barrier.wait()
        try:
            response = client.patch(url(person), {"name": name}, format="json", HTTP_IF_MATCH='"1"')
            statuses[name] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=patch, args=(c, n)) for c, n in zip(clients, ["王五", "赵六"], strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses.values()) == [200, 412]
    winner = next(name for name, status in statuses.items() if status == 200)
    stored = Person.objects.get(pk=person.pk)
    assert (stored.name, stored.version) == (winner, 2)
