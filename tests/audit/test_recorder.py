"""The record of eligibility answers is written in batches by a thread of each process (audit.recorder): the
hospital's request writes nothing, every row arrives within the delay, a process that exits writes what
waits, a database that refuses keeps the rows to retry and, past a bound, the question is answered 503.

The writer's thread has a connection of its own, so the tests through the endpoint commit their data
(``transaction=True``) and run on PostgreSQL (CI's second pass): SQLite's shared in-memory test database
and its append-only triggers do not survive the flush that ends a transactional test. The writer's own
logic is tested on both, with a write function of the test's."""

import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from audit import recorder, services
from audit.digests import id_number_digest
from audit.models import EligibilityQuestion
from tests.conftest import postgres_only
from tests.factories import FilingFactory, PersonFactory, channel_key, referring_hospital, valid_id_number
from tests.reference_data import reseed_reference_data


def committed(test):
    """A test whose data is committed, so that the writer's thread sees it."""
    transactional = pytest.mark.django_db(transaction=True)(test)
    return postgres_only("the writer's thread sees only committed data: a transactional test")(transactional)


URL = "/api/v1/eligibility/"
SHANGHAI = {"city": "310100", "visit": "inpatient"}


@pytest.fixture
def batched(settings):
    """Batches every 50 ms; the process's writer is closed (its thread stopped) after the test."""
    reseed_reference_data()
    settings.ELIGIBILITY_RECORD_BATCH_SECONDS = 0.05
    yield
    if services._writer is not None:
        services._writer.close()
        services._writer = None


@pytest.fixture
def hospital() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {channel_key('hospital', institution=referring_hospital())}")
    return client


def rows_within(expected: int, seconds: float = 5.0) -> int:
    deadline = time.monotonic() + seconds
    while (count := EligibilityQuestion.objects.count()) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return count


@committed
def test_the_request_writes_nothing_and_every_row_arrives_within_the_delay(batched, hospital):
    person = PersonFactory()
    FilingFactory(person=person)
    numbers = [person.id_number, valid_id_number(900_001), valid_id_number(900_002)]
    with CaptureQueriesContext(connection) as queries:
        for number in numbers:
            assert hospital.get(URL, {**SHANGHAI, "id_number": number}).status_code == 200
    assert not [q["sql"] for q in queries if q["sql"].startswith("INSERT")], "the request wrote the record itself"
    assert rows_within(3) == 3
    by_digest = {row.id_number_digest: row for row in EligibilityQuestion.objects.all()}
    assert set(by_digest) == {id_number_digest(number) for number in numbers}
    assert by_digest[id_number_digest(person.id_number)].person_id == person.pk
    assert by_digest[id_number_digest(numbers[1])].person_id is None
    assert {row.institution_id for row in by_digest.values()} == {referring_hospital().code}


@committed
def test_answers_from_many_threads_are_all_recorded_once(batched, hospital):
    person = PersonFactory()
    errors = []

    def ask(n: int) -> None:
        client = APIClient()
        client.credentials(**hospital._credentials)
        for _ in range(n):
            if client.get(URL, {**SHANGHAI, "id_number": person.id_number}).status_code != 200:
                errors.append("status")

    threads = [threading.Thread(target=ask, args=(10,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert rows_within(40) == 40
    time.sleep(0.2)  # nothing arrives twice
    assert EligibilityQuestion.objects.filter(person=person).count() == 40


@committed
def test_a_process_that_exits_writes_what_waits(batched, settings, hospital):
    settings.ELIGIBILITY_RECORD_BATCH_SECONDS = 60  # the thread would wait a minute
    person = PersonFactory()
    for _ in range(3):
        assert hospital.get(URL, {**SHANGHAI, "id_number": person.id_number}).status_code == 200
    writer = services._writer
    assert writer.waiting() == 3 and not EligibilityQuestion.objects.exists()
    writer.close()  # what atexit calls as a gunicorn worker exits
    assert EligibilityQuestion.objects.filter(person=person).count() == 3
    assert not writer._thread.is_alive()


@pytest.mark.django_db
def test_rows_the_database_refuses_wait_and_are_written_on_a_later_attempt(monkeypatch):
    attempts, written = [], []

    def write(connection, rows):
        attempts.append(len(rows))
        if len(attempts) == 1:
            raise RuntimeError("the database refused")
        written.extend(rows)

    monkeypatch.setattr(recorder, "RETRY_SECONDS", 0.01)
    writer = recorder.BatchWriter(write, alias="default", delay=0.01)
    try:
        for n in range(5):
            writer.put((n,))
        deadline = time.monotonic() + 5
        while len(written) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        writer.close()
    assert attempts[0] >= 1 and len(attempts) >= 2
    assert sorted(written) == [(n,) for n in range(5)]  # each once, none lost


@committed
def test_past_the_bound_of_waiting_rows_the_question_is_answered_503(batched, hospital, monkeypatch):
    monkeypatch.setattr(recorder, "MAX_WAITING", 2)
    monkeypatch.setattr(services, "write_questions", lambda connection, rows: 1 / 0)
    monkeypatch.setattr(recorder, "RETRY_SECONDS", 60)
    person = PersonFactory()
    answers = [hospital.get(URL, {**SHANGHAI, "id_number": person.id_number}) for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert answers[2].status_code == 503
    assert answers[2].json()["code"] == "service_unavailable" and answers[2]["Retry-After"]


@pytest.mark.django_db
def test_a_forked_process_starts_its_own_thread_without_its_parents_rows(monkeypatch):
    written = []
    writer = recorder.BatchWriter(lambda connection, rows: written.extend(rows), alias="default", delay=60)
    try:
        writer.put(("parent",))
        parent_thread = writer._thread
        monkeypatch.setattr(recorder.os, "getpid", lambda: -1)  # as a child of fork() sees itself
        writer.put(("child",))
        assert writer._thread is not parent_thread and writer.waiting() == 1
        writer.close()
        assert written == [("child",)]
    finally:
        monkeypatch.undo()
        with writer._condition:  # the parent's thread too
            writer._closing = True
            writer._condition.notify_all()
