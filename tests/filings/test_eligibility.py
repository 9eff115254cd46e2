"""Eligibility at the point of care (就医时确认): the table of cases, and the one-query budget."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from filings.models import InProvinceFilingCity
from filings.selectors import eligibility_check
from registry.services import person_update
from tests.factories import FilingFactory, InstitutionFactory, InsuredPeriodFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/eligibility/"
TODAY = datetime.date(2026, 6, 15)


def ask(person, city, *, on=TODAY, visit="inpatient", institution=None):
    return eligibility_check(
        id_number=person.id_number, city_code=city, on=on, visit=visit, institution_code=institution
    )


@pytest.fixture
def person():
    return PersonFactory()


def filing(person, **kwargs):
    defaults = {
        "start_date": datetime.date(2026, 6, 1),
        "end_date": datetime.date(2026, 11, 30),
        "destination_id": "310000",
    }
    return FilingFactory(person=person, **{**defaults, **kwargs})


@pytest.mark.parametrize(
    "case, setup, city, on, visit, expected",
    [
        ("in province, no filing needed", None, "350100", TODAY, "inpatient", (True, "in_province", "in_province")),
        ("home city", None, "350200", TODAY, "outpatient", (True, "in_province", "local")),
        ("listed city without filing", None, "350400", TODAY, "inpatient", (False, None, "no_filing")),
        (
            "listed city with filing",
            {"destination_id": "350400"},
            "350400",
            TODAY,
            "inpatient",
            (True, "filing", "filed"),
        ),
        ("other province, no filing", None, "310100", TODAY, "inpatient", (False, None, "no_filing")),
        ("province filing covers its city", {}, "310100", TODAY, "inpatient", (True, "filing", "filed")),
        (
            "city filing covers that city",
            {"destination_id": "440100"},
            "440100",
            TODAY,
            "outpatient",
            (True, "filing", "filed"),
        ),
        (
            "city filing does not cover a sibling city",
            {"destination_id": "440100"},
            "440300",
            TODAY,
            "inpatient",
            (False, None, "filed_elsewhere"),
        ),
        (
            "filing elsewhere",
            {"destination_id": "110000"},
            "310100",
            TODAY,
            "inpatient",
            (False, None, "filed_elsewhere"),
        ),
        ("before start", {}, "310100", datetime.date(2026, 5, 31), "inpatient", (False, None, "no_filing")),
        ("first day", {}, "310100", datetime.date(2026, 6, 1), "inpatient", (True, "filing", "filed")),
        ("last day", {}, "310100", datetime.date(2026, 11, 30), "inpatient", (True, "filing", "filed")),
        ("after end", {}, "310100", datetime.date(2026, 12, 1), "inpatient", (False, None, "no_filing")),
        (
            "revoked: after",
            {"state": "revoked", "covered_until": datetime.date(2026, 6, 10)},
            "310100",
            TODAY,
            "inpatient",
            (False, None, "no_filing"),
        ),
        (
            "revoked: before revocation",
            {"state": "revoked", "covered_until": datetime.date(2026, 6, 20)},
            "310100",
            TODAY,
            "inpatient",
            (True, "filing", "filed"),
        ),
        (
            "changed: after",
            {"state": "changed", "covered_until": datetime.date(2026, 6, 1)},
            "310100",
            TODAY,
            "inpatient",
            (False, None, "no_filing"),
        ),
        (
            "submitted, not yet approved",
            {"state": "submitted", "effective_at": None},
            "310100",
            TODAY,
            "inpatient",
            (False, None, "filing_pending"),
        ),
        (
            "rejected",
            {"state": "rejected", "effective_at": None, "end_reason": "x"},
            "310100",
            TODAY,
            "inpatient",
            (False, None, "no_filing"),
        ),
        ("emergency without filing", None, "310100", TODAY, "emergency", (True, "emergency", "emergency")),
        (
            "open-ended long-term",
            {"filing_type": "retiree_resettled", "end_date": None},
            "310100",
            datetime.date(2030, 1, 1),
            "outpatient",
            (True, "filing", "filed"),
        ),
    ],
)
def test_eligibility_table(person, case, setup, city, on, visit, expected):
    if setup is not None:
        filing(person, **setup)
    result = ask(person, city, on=on, visit=visit)
    assert (result.covered, result.basis, result.reason_code) == expected, case
    assert result.reason, case
    assert (result.remedy is None) == result.covered, case


def test_a_day_outside_every_active_insured_period_is_never_covered():
    """Judged by the period that covered the day: insured until 10 June, suspended from 11 June."""
    person = PersonFactory(insured_periods=[(None, datetime.date(2026, 6, 10))])
    InsuredPeriodFactory(person=person, starts_on=datetime.date(2026, 6, 11), status="suspended")
    filing(person)
    for city, visit in (("310100", "inpatient"), ("350100", "inpatient"), ("310100", "emergency")):
        result = ask(person, city, visit=visit)
        assert (result.covered, result.reason_code) == (False, "not_actively_insured")
    assert ask(person, "310100", on=datetime.date(2026, 6, 10)).covered is True


def test_a_suspension_recorded_today_leaves_earlier_days_covered(person):
    filing(person, end_date=None, filing_type="retiree_resettled")
    person_update(person=person, data={"insured_status": "suspended"}, actor=UserFactory(role="counter").actor)
    today = timezone.localdate()
    assert ask(person, "310100", on=today).reason_code == "not_actively_insured"
    assert ask(person, "310100", on=today - datetime.timedelta(days=1)).covered is True


def test_unknown_person_is_not_covered():
    result = eligibility_check(id_number="11010519491231002X", city_code="310100", on=TODAY, visit="inpatient")
    assert (result.covered, result.reason_code) == (False, "not_insured_here")


def test_covered_answer_names_the_filing_and_its_end(person):
    f = filing(person)
    result = ask(person, "310100")
    assert (result.filing, result.valid_until) == (f.reference, datetime.date(2026, 11, 30))
    unfiled = ask(PersonFactory(), "310100")
    assert (unfiled.filing, unfiled.valid_until) == (None, None)


def test_revoked_filing_is_valid_until_its_last_covered_day(person):
    filing(person, state="revoked", covered_until=datetime.date(2026, 6, 20))
    assert ask(person, "310100").valid_until == datetime.date(2026, 6, 20)


def test_remedy_says_to_file_retroactively_before_discharge(person):
    result = ask(person, "310100")
    assert "retroactively" in result.remedy or "补办" in result.remedy


def test_listed_city_follows_the_policy_period(person):
    InProvinceFilingCity.objects.filter(city_id="350400").update(effective_to=datetime.date(2026, 6, 1))
    assert ask(person, "350400").basis == "in_province"


@pytest.mark.parametrize(
    "visit, flags, settles",
    [
        ("inpatient", {"settles_inpatient": True}, True),
        ("inpatient", {"settles_inpatient": False}, False),
        ("outpatient", {"settles_outpatient": False}, False),
        ("chronic_outpatient", {"settles_chronic_outpatient": True}, True),
        ("chronic_outpatient", {"settles_chronic_outpatient": False}, False),
        ("emergency", {"settles_inpatient": True}, True),
    ],
)
def test_institution_flags(person, visit, flags, settles):
    institution = InstitutionFactory(**flags)
    filing(person)
    result = ask(person, "310100", visit=visit, institution=institution.code)
    assert result.institution == {"code": institution.code, "name": institution.name, "direct_settlement": settles}


def test_eligibility_takes_one_query(person):
    filing(person)
    filing(PersonFactory(), state="revoked", covered_until=TODAY)
    institution = InstitutionFactory()
    for kwargs in ({}, {"institution": institution.code}, {"visit": "emergency"}):
        with CaptureQueriesContext(connection) as queries:
            ask(person, "310100", **kwargs)
        assert len(queries) == 1, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        eligibility_check(id_number="11010519491231002X", city_code="310100", on=TODAY, visit="inpatient")
    assert len(queries) == 1


class TestEndpoint:
    def test_hospital_asks_and_gets_the_contract_shape(self, hospital, person):
        f = filing(person, start_date=timezone.localdate(), end_date=timezone.localdate() + datetime.timedelta(180))
        response = hospital.get(URL, {"id_number": person.id_number, "city": "310100", "visit": "inpatient"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert {k: body[k] for k in ("covered", "basis", "filing")} == {
            "covered": True,
            "basis": "filing",
            "filing": f.reference,
        }
        assert {"reason_code", "reason", "remedy", "valid_until", "institution"} <= set(body)

    def test_whole_request_is_three_queries_for_a_hospital(self, hospital, person, django_assert_num_queries):
        filing(person)
        with django_assert_num_queries(3):  # the API key (then cached), the place with the person, the record
            hospital.get(
                URL, {"id_number": person.id_number, "city": "310100", "visit": "inpatient", "date": "2026-06-15"}
            )

    def test_staff_may_ask_persons_and_channels_may_not(self, client_for, counter, person):
        params = {"id_number": person.id_number, "city": "310100", "visit": "inpatient"}
        assert counter.get(URL, params).status_code == 200
        assert client_for(channel="xm_wechat").get(URL, params).status_code == 403
        assert client_for(person=person).get(URL, params).status_code == 403

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"city": "999900"}, "city"),
            ({"city": "310000"}, "city"),  # a province is not a place of treatment
            ({"city": "abc"}, "city"),
            ({"date": "2026-13-01"}, "date"),
            ({"visit": "dental"}, "visit"),
            ({"institution": "H1"}, "institution"),
            ({"institution": "H99999999999"}, "institution"),
            ({"id_number": ""}, "id_number"),
        ],
    )
    def test_bad_questions_are_400_naming_the_field(self, hospital, person, params, field):
        query = {"id_number": person.id_number, "city": "310100", "visit": "inpatient", **params}
        response = hospital.get(URL, query)
        assert response.status_code == 400, response.content
        assert field in response.json()["errors"]
