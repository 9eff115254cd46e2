"""Eligibility for chronic/special outpatient care (门诊慢特病): qualified that day, for a disease settled
directly across provinces, at a connected institution; otherwise why, and what to do (SPEC §3.5, §9).

Seeded diseases: hypertension, diabetes, cancer_outpatient_therapy, uremia_dialysis and
transplant_anti_rejection are settled directly; chronic_heart_failure, parkinsons and lupus are not.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from filings.selectors import eligibility_check
from tests.factories import ChronicQualificationFactory, FilingFactory, InstitutionFactory, PersonFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/eligibility/"
ON = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)
VISIT = "chronic_outpatient"


def ask(person, city: str = "310100", *, on: datetime.date = ON, institution: str | None = None):
    return eligibility_check(
        id_number=person.id_number, city_code=city, on=on, visit=VISIT, institution_code=institution
    )


def qualify(person, disease: str = "hypertension", *, starts_on=ON - 100 * DAY, ends_on=None):
    return ChronicQualificationFactory(person=person, disease_id=disease, starts_on=starts_on, ends_on=ends_on)


def file_for_shanghai(person):
    return FilingFactory(person=person, destination_id="310000", start_date=ON - 10 * DAY, end_date=ON + 170 * DAY)


@pytest.fixture
def person():
    return PersonFactory()


# --- covered: qualified that day for a directly settled disease -------------------------------------------


@pytest.mark.parametrize(
    "disease",
    ["hypertension", "diabetes", "cancer_outpatient_therapy", "uremia_dialysis", "transplant_anti_rejection"],
)
def test_qualified_for_a_directly_settled_disease_and_filed_is_covered(person, disease):
    qualify(person, disease)
    filing = file_for_shanghai(person)
    result = ask(person)
    assert (result.covered, result.basis, result.reason_code, result.filing) == (
        True,
        "filing",
        "filed",
        filing.reference,
    )
    assert result.remedy is None


def test_qualified_in_the_province_needs_no_filing(person):
    qualify(person, "diabetes")
    result = ask(person, "350100")  # 福州
    assert (result.covered, result.basis, result.reason_code) == (True, "in_province", "in_province")


def test_qualified_but_not_filed_across_provinces_is_told_to_file(person):
    qualify(person)
    result = ask(person)
    assert (result.covered, result.reason_code) == (False, "no_filing")
    assert "补办" in result.remedy or "retroactively" in result.remedy


def test_a_directly_settled_qualification_besides_another_is_enough(person):
    qualify(person, "lupus")
    qualify(person, "hypertension")
    file_for_shanghai(person)
    assert ask(person).covered is True


# --- not covered: the disease is claimed manually --------------------------------------------------------


@pytest.mark.parametrize("disease", ["chronic_heart_failure", "parkinsons", "lupus"])
def test_a_disease_not_settled_directly_is_claimed_manually_across_provinces(person, disease):
    qualify(person, disease)
    file_for_shanghai(person)
    result = ask(person, "310100")
    assert (result.covered, result.basis, result.filing, result.reason_code) == (
        False,
        None,
        None,
        "not_settled_directly",
    )
    assert result.reason
    assert "手工报销" in result.remedy or "manual" in result.remedy


@pytest.mark.parametrize(
    "city, reason_code", [("350200", "local"), ("350100", "in_province")], ids=["insured city", "insured province"]
)
@pytest.mark.parametrize("disease", ["chronic_heart_failure", "parkinsons", "lupus"])
def test_cross_province_conditions_do_not_apply_at_home(person, disease, city, reason_code):
    """The direct-settlement disease list and connected institutions are cross-province rules: in the insured
    city the care is local, elsewhere in the province the in-province rules apply."""
    qualify(person, disease)
    unconnected = InstitutionFactory(city_id=city, settles_chronic_outpatient=False).code
    for institution in (None, unconnected):
        result = ask(person, city, institution=institution)
        assert (result.covered, result.basis, result.reason_code) == (True, "in_province", reason_code)


def test_a_qualification_is_needed_even_at_home(person):
    result = ask(person, "350200")
    assert (result.covered, result.reason_code) == (False, "not_qualified")


# --- not covered: no qualification on that day ----------------------------------------------------------

START, END = ON - 30 * DAY, ON + 30 * DAY


@pytest.mark.parametrize(
    "on, covered",
    [
        pytest.param(START - DAY, False, id="the day before it starts"),
        pytest.param(START, True, id="its first day"),
        pytest.param(END, True, id="its last day"),
        pytest.param(END + DAY, False, id="the day after it ends"),
    ],
)
def test_qualification_is_judged_by_the_day(person, on, covered):
    qualify(person, starts_on=START, ends_on=END)
    FilingFactory(person=person, destination_id="310000", start_date=START - 10 * DAY, end_date=END + 10 * DAY)
    result = ask(person, on=on)
    assert result.covered is covered
    if not covered:
        assert (result.reason_code, result.basis) == ("not_qualified", None)
        assert "资格" in result.remedy or "qualification" in result.remedy


def test_no_qualification_at_all_is_not_qualified_even_in_the_province(person):
    result = ask(person, "350100")
    assert (result.covered, result.reason_code) == (False, "not_qualified")


def test_another_persons_qualification_does_not_count(person):
    qualify(PersonFactory())
    file_for_shanghai(person)
    assert ask(person).reason_code == "not_qualified"


def test_a_day_outside_every_insured_period_comes_first(person):
    ended = PersonFactory(insured_periods=[(None, ON - DAY)])
    qualify(ended)
    assert ask(ended).reason_code == "not_actively_insured"


# --- the institution ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settles, covered, reason_code",
    [(False, False, "institution_not_connected"), (True, True, "filed")],
    ids=["not connected", "connected"],
)
def test_the_institution_must_settle_chronic_outpatient_care(person, settles, covered, reason_code):
    qualify(person)
    file_for_shanghai(person)
    institution = InstitutionFactory(city_id="310100", settles_outpatient=True, settles_chronic_outpatient=settles)
    result = ask(person, institution=institution.code)
    assert (result.covered, result.reason_code) == (covered, reason_code)
    assert result.institution == {"code": institution.code, "name": institution.name, "direct_settlement": settles}
    if not covered:
        assert "手工报销" in result.remedy or "manual" in result.remedy


def test_the_qualification_is_asked_about_before_the_institution(person):
    institution = InstitutionFactory(settles_chronic_outpatient=False)
    assert ask(person, institution=institution.code).reason_code == "not_qualified"
    qualify(person, "lupus")
    assert ask(person, institution=institution.code).reason_code == "not_settled_directly"


def test_the_endpoint_answers_the_chronic_reason(hospital, person):
    qualify(person, "parkinsons")
    file_for_shanghai(person)
    response = hospital.get(
        URL, {"id_number": person.id_number, "city": "310100", "visit": VISIT, "date": ON.isoformat()}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["covered"], body["basis"], body["reason_code"]) == (False, None, "not_settled_directly")


# --- still one query, whatever the outcome --------------------------------------------------------------


def _not_qualified(person):
    return {}


def _not_settled_directly(person):
    qualify(person, "lupus")
    return {}


def _not_connected(person):
    qualify(person)
    return {"institution": InstitutionFactory(settles_chronic_outpatient=False).code}


def _covered_filed(person):
    qualify(person)
    file_for_shanghai(person)
    return {"institution": InstitutionFactory(settles_chronic_outpatient=True).code}


def _covered_in_province(person):
    qualify(person, "uremia_dialysis")
    return {"city": "350100"}


def _no_filing(person):
    qualify(person)
    return {}


def _not_insured(person):
    person.insured_periods.update(ends_on=ON - DAY)
    qualify(person)
    return {}


@pytest.mark.parametrize(
    "setup, reason_code",
    [
        (_not_qualified, "not_qualified"),
        (_not_settled_directly, "not_settled_directly"),
        (_not_connected, "institution_not_connected"),
        (_covered_filed, "filed"),
        (_covered_in_province, "in_province"),
        (_no_filing, "no_filing"),
        (_not_insured, "not_actively_insured"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_every_outcome_takes_one_query(person, django_assert_num_queries, setup, reason_code):
    # Noise the queries must not fetch row by row: other people's qualifications and filings.
    for _ in range(3):
        other = PersonFactory()
        qualify(other, "lupus")
        qualify(other, "hypertension")
    kwargs = setup(person)
    with django_assert_num_queries(1):  # the place (with the institution) joined to the person with what covers the day
        result = ask(person, **kwargs)
    assert result.reason_code == reason_code


def test_many_qualifications_of_the_person_still_take_one_query(person):
    for disease in ("lupus", "parkinsons", "chronic_heart_failure", "diabetes"):
        qualify(person, disease)
    qualify(person, "hypertension", starts_on=ON - 400 * DAY, ends_on=ON - 200 * DAY)  # an old one
    file_for_shanghai(person)
    with CaptureQueriesContext(connection) as queries:
        result = ask(person)
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert (result.covered, result.reason_code) == (True, "filed")
