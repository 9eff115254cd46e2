"""Idempotency-Key: a retry answers the first answer again and creates nothing more (config.api.idempotency)."""

import datetime
import threading
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import IdempotencyRecord, PersonSession
from config.api.idempotency import idempotency_records_purge
from filings.models import Filing, FilingMaterial
from registry.models import Person
from reimbursements.models import Claim
from tests.conftest import postgres_only
from tests.factories import ClaimRequestFactory, FilingRequestFactory, PersonFactory, person_token, valid_id_number
from tests.reference_data import reseed_reference_data

pytestmark = pytest.mark.django_db
FILINGS = "/api/v1/filings/"
CLAIMS = "/api/v1/claims/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def with_key(key: str) -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": key}


@pytest.fixture
def person():
    return PersonFactory(retired=True)


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


class TestRetries:
    def test_a_hundred_retries_of_one_claim_make_one_claim_and_one_answer(self, me, person):
        body = ClaimRequestFactory()
        key = str(uuid.uuid4())
        answers = [me.post(CLAIMS, body, format="json", **with_key(key)) for _ in range(100)]
        assert Claim.objects.filter(person=person).count() == 1
        first = answers[0]
        assert first.status_code == 201, first.content
        assert {(a.status_code, a.content) for a in answers} == {(201, first.content)}
        assert {a["ETag"] for a in answers} == {first["ETag"]}
        assert not first.has_header("Idempotent-Replayed")
        assert all(a["Idempotent-Replayed"] == "true" for a in answers[1:])
        assert IdempotencyRecord.objects.count() == 1

    def test_without_a_key_a_retry_is_a_second_claim(self, me, person):
        body = ClaimRequestFactory()
        assert me.post(CLAIMS, body, format="json").status_code == 201
        earlier = ClaimRequestFactory(
            admission_date=(timezone.localdate() - datetime.timedelta(days=60)).isoformat(),
            discharge_date=(timezone.localdate() - datetime.timedelta(days=50)).isoformat(),
        )
        assert me.post(CLAIMS, earlier, format="json").status_code == 201
        assert Claim.objects.filter(person=person).count() == 2

    def test_the_key_with_another_body_is_409_and_creates_nothing(self, me, person):
        key = str(uuid.uuid4())
        assert me.post(CLAIMS, ClaimRequestFactory(), format="json", **with_key(key)).status_code == 201
        other = me.post(CLAIMS, ClaimRequestFactory(total_amount="20000.00"), format="json", **with_key(key))
        assert other.status_code == 409
        assert other.json()["code"] == "idempotency_key_reused"
        assert Claim.objects.filter(person=person).count() == 1

    def test_the_key_on_another_endpoint_is_409(self, me):
        key = "same-key"
        assert me.post(CLAIMS, ClaimRequestFactory(), format="json", **with_key(key)).status_code == 201
        response = me.post(FILINGS, FilingRequestFactory(), format="json", **with_key(key))
        assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
        assert Filing.objects.count() == 0

    def test_the_order_of_the_body_keys_does_not_matter(self, me):
        body = FilingRequestFactory()
        first = me.post(FILINGS, body, format="json", **with_key("k"))
        again = me.post(FILINGS, dict(reversed(list(body.items()))), format="json", **with_key("k"))
        assert (again.status_code, again.content) == (201, first.content)
        assert Filing.objects.count() == 1

    def test_two_callers_use_one_key_independently(self, client_for):
        one, two = PersonFactory(), PersonFactory()
        for who in (one, two):
            response = client_for(person=who).post(FILINGS, FilingRequestFactory(), format="json", **with_key("k-1"))
            assert response.status_code == 201, response.content
        assert Filing.objects.filter(person__in=[one, two]).count() == 2
        assert IdempotencyRecord.objects.count() == 2

    def test_a_refused_request_keeps_nothing_and_its_corrected_retry_runs(self, me, person):
        key = str(uuid.uuid4())
        refused = me.post(FILINGS, FilingRequestFactory(destination="999999"), format="json", **with_key(key))
        assert refused.status_code == 400
        corrected = me.post(FILINGS, FilingRequestFactory(), format="json", **with_key(key))
        assert corrected.status_code == 201, corrected.content
        assert Filing.objects.filter(person=person).count() == 1
        again = me.post(FILINGS, FilingRequestFactory(), format="json", **with_key(key))
        assert (again.status_code, again.content) == (201, corrected.content)

    def test_a_transition_retried_answers_its_first_answer_not_409(self, me):
        pending = me.post(
            FILINGS, FilingRequestFactory(filing_type="long_term_resident", mode="fast_track", proof_basis="documents")
        ).json()["reference"]
        url = f"{FILINGS}{pending}/withdraw/"
        first = me.post(url, {"reason": "不去了"}, format="json", **with_key("withdraw-1"))
        assert first.status_code == 200, first.content
        again = me.post(url, {"reason": "不去了"}, format="json", **with_key("withdraw-1"))
        assert (again.status_code, again.content) == (200, first.content)
        assert again["Idempotent-Replayed"] == "true"
        assert me.post(url, {"reason": "不去了"}, format="json").status_code == 409

    def test_an_upload_retried_stores_one_document(self, me):
        pending = me.post(
            FILINGS, FilingRequestFactory(filing_type="long_term_resident", mode="fast_track", proof_basis="documents")
        ).json()["reference"]
        url = f"{FILINGS}{pending}/materials/residence_proof/"
        answers = [
            me.post(url, {"file": SimpleUploadedFile("d.pdf", PDF)}, format="multipart", **with_key("up-1"))
            for _ in range(3)
        ]
        assert [a.status_code for a in answers] == [201, 201, 201]
        assert len({a.content for a in answers}) == 1
        assert FilingMaterial.objects.count() == 1
        other = me.post(url, {"file": SimpleUploadedFile("d.pdf", PDF + b" ")}, format="multipart", **with_key("up-1"))
        assert other.status_code == 409

    def test_a_person_session_retried_is_the_same_session_and_its_token_is_not_stored_readable(self, client_for):
        person = PersonFactory()
        channel = client_for(channel="xm_wechat")
        body = {"id_number": person.id_number, "name": person.name}
        first = channel.post("/api/v1/person-sessions/", body, format="json", **with_key("s-1"))
        again = channel.post("/api/v1/person-sessions/", body, format="json", **with_key("s-1"))
        assert first.status_code == 201 and again.content == first.content
        assert PersonSession.objects.filter(person=person).count() == 1
        token = first.json()["token"].encode()
        stored = IdempotencyRecord.objects.get()
        assert token not in bytes(stored.response) and b"s-1" not in stored.key_hash.encode()
        assert stored.caller == "channel:xm_wechat"

    def test_a_person_created_twice_with_one_key_is_one_person(self, counter):
        body = {"id_number": valid_id_number(4711), "name": "李四", "insurance_type": "employee"}
        first = counter.post("/api/v1/persons/", body, format="json", **with_key("p-1"))
        again = counter.post("/api/v1/persons/", body, format="json", **with_key("p-1"))
        assert first.status_code == 201, first.content
        assert (again.status_code, again.content) == (201, first.content)
        assert Person.objects.filter(id_number=body["id_number"]).count() == 1


class TestTheHeader:
    @pytest.mark.parametrize("key", ["", "x" * 256, "键", "a\tb"])
    def test_a_malformed_key_is_400_naming_the_header(self, me, key):
        response = me.post(FILINGS, FilingRequestFactory(), format="json", **with_key(key))
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()["errors"]
        assert Filing.objects.count() == 0

    def test_255_printable_characters_are_a_key(self, me):
        assert me.post(FILINGS, FilingRequestFactory(), format="json", **with_key("~ " + "k" * 253)).status_code == 201

    def test_the_schema_documents_the_header_on_creates_and_transitions(self, client):
        schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
        paths = schema["paths"]
        for path in (
            "/api/v1/filings/",
            "/api/v1/claims/",
            "/api/v1/persons/",
            "/api/v1/person-sessions/",
            "/api/v1/filings/{reference}/approve/",
            "/api/v1/claims/{reference}/pay/",
            "/api/v1/filings/{reference}/materials/{item}/",
        ):
            operation = paths[path]["post"]
            headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            assert "Idempotency-Key" in headers, path
            assert "409" in operation["responses"], path
            assert "idempotency_key_reused" in next(
                p["description"] for p in operation["parameters"] if p["name"] == "Idempotency-Key"
            )
        get = paths["/api/v1/filings/{reference}/materials/{item}/"]["get"]
        assert "Idempotency-Key" not in [p["name"] for p in get.get("parameters", [])]


class TestKeeping:
    def test_expired_keys_are_purged_and_an_expired_key_is_free_again(self, me, person):
        key = "old-key"
        assert me.post(FILINGS, FilingRequestFactory(), format="json", **with_key(key)).status_code == 201
        IdempotencyRecord.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        # Expired: the key means nothing any more (here another filing is refused by the rules, not replayed).
        response = me.post(FILINGS, FilingRequestFactory(), format="json", **with_key(key))
        assert response.status_code == 409 and response.json()["code"] != "idempotency_key_reused"
        assert "Idempotent-Replayed" not in response
        assert idempotency_records_purge() == 1
        assert IdempotencyRecord.objects.count() == 0

    def test_keys_are_kept_for_the_configured_time_and_the_command_keeps_young_ones(self, me, settings):
        settings.IDEMPOTENCY_KEY_TTL = datetime.timedelta(hours=2)
        me.post(FILINGS, FilingRequestFactory(), format="json", **with_key("young"))
        record = IdempotencyRecord.objects.get()
        assert abs((record.expires_at - timezone.now()) - datetime.timedelta(hours=2)) < datetime.timedelta(minutes=1)
        call_command("purge_idempotency_keys")
        assert IdempotencyRecord.objects.count() == 1


@postgres_only("row locks under real concurrency")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_make_one_record_and_never_a_5xx():
    reseed_reference_data()
    person = PersonFactory()
    tokens = [person_token(person) for _ in range(12)]
    barrier = threading.Barrier(len(tokens))
    answers: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def submit(token):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            response = client.post(FILINGS, FilingRequestFactory(), format="json", **with_key("one-key"))
            with lock:
                answers.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == len(tokens)
    assert Filing.objects.filter(person=person).count() == 1
    assert IdempotencyRecord.objects.count() == 1
    created = {content for status, content in answers if status == 201}
    assert len(created) == 1  # the first answer, and replays of it
    conflicts = [content for status, content in answers if status == 409]
    assert all(b"idempotency_request_in_progress" in c for c in conflicts)
    assert all(status in (201, 409) for status, _ in answers)
