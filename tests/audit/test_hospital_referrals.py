"""A hospital's referral names the person by ID number and name; misses are counted guesses; the answer says
nothing the request did not; the person hears of the filing made for them."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from filings.models import Filing
from notifications.models import Notification
from tests.factories import FilingFactory, PersonFactory, referring_hospital

pytestmark = pytest.mark.django_db
URL = "/api/v1/filings/"


def referral(id_number: str, name: str) -> dict:
    return {
        "filing_type": "referral",
        "id_number": id_number,
        "name": name,
        "destination": "310000",
        "start_date": timezone.localdate().isoformat(),
        "contact_name": "张三",
        "contact_phone": "13906001234",
        "consent": True,
        "referring_institution": referring_hospital().code,
        "referral_diagnosis": "肺癌",
        "referral_date": timezone.localdate().isoformat(),
    }


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def test_the_id_number_and_the_name_must_both_match(hospital):
    person = PersonFactory(name="王小明")
    wrong_name = hospital.post(URL, referral(person.id_number, "王大明"))
    nobody = hospital.post(URL, referral("110105194912310021", "王小明"))
    assert wrong_name.status_code == nobody.status_code == 400
    # The same answer whether the number is somebody's or nobody's: neither is confirmed.
    assert wrong_name.json() == nobody.json()
    assert wrong_name.json()["code"] == "person_not_found" and "王小明" not in wrong_name.content.decode()
    assert not Filing.objects.exists()
    missing = hospital.post(URL, {**referral(person.id_number, ""), "name": ""})
    assert missing.status_code == 400 and "name" in missing.json()["errors"]


def test_the_answer_carries_nothing_the_request_did_not(hospital):
    person = PersonFactory(name="王小明")
    response = hospital.post(URL, referral(person.id_number, " 王 小明 "))  # spaces aside, the same name
    assert response.status_code == 201, response.content
    shown = response.json()["person"]
    assert shown["id"] is None and shown["name"] == "王小明"
    assert shown["id_number"] == f"{person.id_number[:6]}********{person.id_number[-4:]}"


def test_misses_count_like_person_session_guesses(hospital, settings):
    current = settings.REST_FRAMEWORK
    rates = {**current["DEFAULT_THROTTLE_RATES"], "person_session_channel": "3/hour"}
    settings.REST_FRAMEWORK = {**current, "DEFAULT_THROTTLE_RATES": rates}
    person = PersonFactory(name="王小明")
    for guess in ("王一", "王二", "王三"):
        assert hospital.post(URL, referral(person.id_number, guess)).status_code == 400
    assert hospital.post(URL, referral(person.id_number, "王小明")).status_code == 429
    assert not Filing.objects.exists()


def test_the_person_hears_of_the_filing_made_for_them(hospital, client_for):
    person = PersonFactory(name="王小明")
    reference = hospital.post(URL, referral(person.id_number, "王小明")).json()["reference"]
    notification = Notification.objects.get(person=person, reference=reference)
    assert notification.kind == "filing_effective"
    feed = client_for(person=person).get("/api/v1/notifications/").json()["results"]
    assert reference in str(feed)


def test_a_live_filing_is_named_only_to_whoever_may_read_it(hospital, counter):
    """Item 7: an error never names a record the caller may not read; a hospital learns only that one exists."""
    person = PersonFactory(name="王小明")
    reference = FilingFactory(person=person).reference
    refused = hospital.post(URL, referral(person.id_number, "王小明"))
    assert refused.status_code == 409 and refused.json()["code"] == "live_filing_exists"
    assert reference not in refused.content.decode()
    again = counter.post(URL, referral(person.id_number, "王小明"))
    assert again.status_code == 409 and reference in again.content.decode()
