"""Insured persons through the API: validation, conflicts, updates and filters."""

import pytest
from stdnum.cn import ric

from registry.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/persons/"


def with_check_digit(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


VALID = {"id_number": "11010519491231002x", "name": "王五", "insurance_type": "employee", "phone": "139 0600 1234"}


def test_counter_creates_a_person_with_normalised_id_and_phone(counter):
    response = counter.post(URL, VALID)
    assert response.status_code == 201, response.content
    body = response.json()
    stored = Person.objects.get(pk=body["id"])
    assert (stored.id_number, stored.phone) == ("11010519491231002X", "13906001234")
    assert (body["id_number"], body["phone"]) == ("110105********002X", "139****1234")  # masked for staff
    assert body["insurance_code"] == "310"
    assert body["insured_region"] == "350200"
    assert body["insured_status"] == "active"
    assert body["version"] == 1


@pytest.mark.parametrize(
    "id_number, reason",
    [
        ("110105194912310021", "wrong checksum"),
        (with_check_digit("11010519490230002"), "30 February"),
        (with_check_digit("11010519491332002"), "month 13"),
        ("11010519491231002", "17 characters"),
        ("1101051949123100XX", "letters inside"),
        ("", "blank"),
        (with_check_digit("35020320990101001"), "born in the future"),
    ],
)
def test_bad_id_numbers_are_refused_naming_id_number(counter, id_number, reason):
    response = counter.post(URL, {**VALID, "id_number": id_number})
    assert response.status_code == 400, reason
    body = response.json()
    assert body["code"] == "invalid"
    assert "id_number" in body["errors"], reason
    assert Person.objects.count() == 0


@pytest.mark.parametrize("phone", ["12345", "1390600123", "+1 212 555 0100", "abc"])
def test_invalid_phone_is_refused_naming_phone(counter, phone):
    response = counter.post(URL, {**VALID, "phone": phone})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["phone"]
    assert Person.objects.count() == 0


def test_landline_is_accepted(counter):
    response = counter.post(URL, {**VALID, "phone": "0592-5551234"})
    assert response.status_code == 201
    assert Person.objects.get(pk=response.json()["id"]).phone == "05925551234"
    assert response.json()["phone"] == "0592***1234"


def test_missing_fields_and_wrong_types_name_each_field(counter):
    response = counter.post(URL, {"name": ["not", "a", "string"], "insurance_type": "gold"}, format="json")
    assert response.status_code == 400
    assert {"id_number", "name", "insurance_type"} <= set(response.json()["errors"])
    assert Person.objects.count() == 0


def test_unknown_region_is_refused(counter):
    response = counter.post(URL, {**VALID, "insured_region": "999999"})
    assert response.status_code == 400
    assert "insured_region" in response.json()["errors"]


def test_second_person_with_the_same_id_number_is_a_conflict(counter):
    assert counter.post(URL, VALID).status_code == 201
    response = counter.post(URL, VALID)
    assert response.status_code == 409
    assert response.json()["code"] == "person_exists"
    assert Person.objects.count() == 1


def test_malformed_json_is_a_400_in_the_error_format(counter):
    response = counter.generic("POST", URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert set(response.json()) == {"code", "message", "errors"}


def test_body_over_one_megabyte_is_refused_with_413(counter):
    response = counter.generic("POST", URL, '{"name": "' + "x" * (1024 * 1024) + '"}', content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert Person.objects.count() == 0


def test_patch_changes_fields_and_bumps_the_version(counter):
    person = PersonFactory(insured_status="active")
    response = counter.patch(f"{URL}{person.pk}/", {"insured_status": "suspended", "phone": "13800138000"})
    assert response.status_code == 200, response.content
    assert response.json()["insured_status"] == "suspended"
    assert response.json()["version"] == 2
    person.refresh_from_db()
    assert (person.insured_status, person.phone, person.version) == ("suspended", "13800138000", 2)
    assert person.history.count() == 2


def test_id_number_cannot_be_changed(counter):
    person = PersonFactory()
    response = counter.patch(f"{URL}{person.pk}/", {"id_number": "11010519491231002X"})
    assert response.status_code == 400
    assert "id_number" in response.json()["errors"]


def test_filters_by_id_number_name_and_status(auditor):
    target = PersonFactory(name="林小华", insured_status="terminated")
    PersonFactory.create_batch(3)
    assert [p["id"] for p in auditor.get(URL, {"id_number": target.id_number.lower()}).json()["results"]] == [target.pk]
    assert [p["id"] for p in auditor.get(URL, {"name": "小华"}).json()["results"]] == [target.pk]
    assert [p["id"] for p in auditor.get(URL, {"insured_status": "terminated"}).json()["results"]] == [target.pk]
    assert auditor.get(URL).json()["count"] == 4


def test_unknown_person_is_404_in_the_error_format(auditor):
    response = auditor.get(f"{URL}999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_list_pages_and_caps_page_size_at_200(auditor, django_assert_max_num_queries):
    PersonFactory.create_batch(205)
    with django_assert_max_num_queries(4):
        body = auditor.get(URL, {"page_size": 500}).json()
    assert body["count"] == 205
    assert len(body["results"]) == 200
    assert body["next"]


@pytest.mark.parametrize("area, birth", [("350203", "19560312"), ("350211", "19480101"), ("350206", "19700101")])
def test_xiamen_district_numbers_issued_after_birth_are_valid(counter, area, birth):
    """stdnum alone would refuse these: the district code is younger than the person."""
    response = counter.post(URL, {**VALID, "id_number": with_check_digit(area + birth + "031")})
    assert response.status_code == 201, response.content
