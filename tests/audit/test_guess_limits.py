"""No oracles: a personal number that matches nobody is a counted guess, per caller, on every path that
looks a person up by number; past the limit every such lookup is refused, hit or miss."""

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import FilingFactory, PersonFactory, UserFactory, valid_id_number

pytestmark = pytest.mark.django_db
LIMIT = 3


@pytest.fixture(autouse=True)
def limited(settings):
    cache.clear()
    current = settings.REST_FRAMEWORK
    rates = {**current["DEFAULT_THROTTLE_RATES"], "personal_lookups": f"{LIMIT}/hour"}
    settings.REST_FRAMEWORK = {**current, "DEFAULT_THROTTLE_RATES": rates}
    yield
    cache.clear()


def nobody(n: int) -> str:
    """A well-formed ID number of nobody insured here."""
    return valid_id_number(900_000 + n)


@pytest.mark.parametrize("path", ["/api/v1/filings/", "/api/v1/claims/", "/api/v1/persons/"])
def test_staff_filtering_by_numbers_of_nobody_is_limited(counter, path):
    person = PersonFactory()
    FilingFactory(person=person)
    for n in range(LIMIT - 1):
        assert counter.get(path, {"id_number": nobody(n)}).status_code == 200
    assert counter.get(path, {"id_number": person.id_number}).status_code == 200  # a hit is no guess
    assert counter.get(path, {"id_number": nobody(LIMIT)}).status_code == 200  # the last guess allowed
    # At the limit, a real number is refused like a wrong one: the answer tells nothing.
    assert counter.get(path, {"id_number": nobody(LIMIT + 1)}).status_code == 429
    refused = counter.get(path, {"id_number": person.id_number})
    assert refused.status_code == 429 and refused.json()["code"] == "throttled" and "Retry-After" in refused


def test_the_limit_is_per_caller(client_for):
    first, second = client_for(role="counter"), client_for(role="counter")
    for n in range(LIMIT):
        first.get("/api/v1/filings/", {"id_number": nobody(n)})
    assert first.get("/api/v1/filings/", {"id_number": nobody(LIMIT)}).status_code == 429
    assert second.get("/api/v1/filings/", {"id_number": nobody(LIMIT)}).status_code == 200


def test_a_hospital_asking_about_numbers_of_nobody_is_limited(hospital):
    person = PersonFactory()
    ask = {"city": "310100", "visit": "inpatient"}
    for n in range(LIMIT):
        answer = hospital.get("/api/v1/eligibility/", {**ask, "id_number": nobody(n)})
        assert answer.status_code == 200 and answer.json()["reason_code"] == "not_insured_here"
    assert hospital.get("/api/v1/eligibility/", {**ask, "id_number": person.id_number}).status_code == 429


def test_a_channel_guessing_persons_is_limited(settings, client_for):
    """A channel opens person sessions by ID number and name: failures count per channel too."""
    current = settings.REST_FRAMEWORK
    rates = {**current["DEFAULT_THROTTLE_RATES"], "person_session_channel": f"{LIMIT}/hour"}
    settings.REST_FRAMEWORK = {**current, "DEFAULT_THROTTLE_RATES": rates}
    channel = client_for(channel="xm_wechat")
    for n in range(LIMIT):
        response = channel.post("/api/v1/person-sessions/", {"id_number": nobody(n), "name": "张三"})
        assert response.status_code in (400, 403, 404), response.content
    person = PersonFactory(name="李四")
    response = channel.post("/api/v1/person-sessions/", {"id_number": person.id_number, "name": "李四"})
    assert response.status_code == 429


def test_admin_searches_for_numbers_of_nobody_are_limited():
    person = PersonFactory()
    staff = Client()
    staff.force_login(UserFactory(role="counter"))
    for n in range(LIMIT):
        assert staff.get("/admin/registry/person/", {"q": nobody(n)}).status_code == 200
    found = staff.get("/admin/registry/person/", {"q": person.id_number}).content.decode()
    assert person.name not in found and "请稍后再试" in found


# --- side doors a hostile review found open ----------------------------------------------------------------------


def exhaust(client, path="/api/v1/filings/"):
    for n in range(LIMIT):
        client.get(path, {"id_number": nobody(n)})
    assert client.get(path, {"id_number": nobody(LIMIT)}).status_code == 429


@pytest.mark.parametrize(
    "typed",
    [
        lambda number: f'"{number}"',
        lambda number: f"{number} {number}",
        lambda number: f"{number[:6]}-{number[6:]}",
    ],
    ids=["quoted", "twice", "dashed"],
)
def test_admin_searches_past_the_limit_find_nothing_however_the_number_is_typed(typed):
    person = PersonFactory(phone="13906001234")
    FilingFactory(person=person)
    staff = Client()
    staff.force_login(UserFactory(role="reviewer"))
    for n in range(LIMIT):
        staff.get("/admin/registry/person/", {"q": typed(nobody(n))})
    for url, term in [
        ("/admin/registry/person/", typed(person.id_number)),
        ("/admin/filings/filing/", typed(person.id_number)),
        ("/admin/registry/person/", "13906001234"),
    ]:
        page = staff.get(url, {"q": term})
        assert page.status_code == 200 and page.context["cl"].result_count == 0, (url, term)
    answer = staff.get(
        "/admin/autocomplete/",
        {"app_label": "filings", "model_name": "filing", "field_name": "person", "term": typed(person.id_number)},
    )
    assert answer.status_code == 200 and answer.json()["results"] == []


def test_admin_phone_searches_that_find_nobody_are_counted():
    staff = Client()
    staff.force_login(UserFactory(role="counter"))
    for n in range(LIMIT):
        staff.get("/admin/registry/person/", {"q": f"1390600{n:04d}"})
    person = PersonFactory(phone="13906009999")
    page = staff.get("/admin/registry/person/", {"q": person.phone})
    assert page.context["cl"].result_count == 0


def test_a_counter_filing_for_a_number_past_the_limit_is_refused_whoever_it_is(counter):
    person = PersonFactory()
    exhaust(counter)
    for number in (person.id_number, nobody(99)):
        response = counter.post("/api/v1/filings/", {"id_number": number, "filing_type": "other_temporary"})
        assert response.status_code == 429, response.content


def test_a_counter_filing_for_nobody_counts_as_a_guess(counter):
    for n in range(LIMIT):
        response = counter.post("/api/v1/filings/", {"id_number": nobody(n), "filing_type": "other_temporary"})
        assert response.status_code == 400
    assert counter.get("/api/v1/filings/", {"id_number": nobody(LIMIT)}).status_code == 429


def test_registering_a_person_past_the_limit_does_not_say_whether_they_exist(counter):
    person = PersonFactory()
    exhaust(counter)
    body = {"id_number": person.id_number, "name": "王五", "insurance_type": "employee"}
    response = counter.post("/api/v1/persons/", body)
    assert response.status_code == 429


def test_the_auditors_as_of_view_and_event_feed_count_their_lookups(auditor):
    person = PersonFactory()
    at = {"at": "2026-06-01T00:00:00+08:00"}
    for n in range(LIMIT):
        assert auditor.get(f"/api/v1/audit/persons/{nobody(n)}/as-of/", at).status_code == 404
    assert auditor.get(f"/api/v1/audit/persons/{person.id_number}/as-of/", at).status_code == 429
    assert auditor.get("/api/v1/audit/events/", {"id_number": person.id_number}).status_code == 429


def test_the_admin_event_browser_counts_its_number_filter():
    person = PersonFactory()
    staff = Client()
    staff.force_login(UserFactory(role="auditor"))
    for n in range(LIMIT):
        staff.get("/admin/audit/auditevent/", {"id_number": nobody(n)})
    page = staff.get("/admin/audit/auditevent/", {"id_number": person.id_number})
    assert page.status_code == 200 and page.context["rows"] == [] and page.context["cursor_error"]


def test_a_hospital_past_its_limit_gets_no_referral_answer(hospital):
    person = PersonFactory(name="赵六")
    ask = {"city": "310100", "visit": "inpatient"}
    for n in range(LIMIT):
        hospital.get("/api/v1/eligibility/", {**ask, "id_number": nobody(n)})
    body = {"filing_type": "referral", "id_number": person.id_number, "name": "赵六"}
    assert hospital.post("/api/v1/filings/", body, format="json").status_code == 429
