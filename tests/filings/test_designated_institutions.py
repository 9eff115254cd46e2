"""Designated institutions as policy (issue 22, SPEC §3.6): where a ``DesignatedInstitutionRule`` is in force
for a destination (and filing type), a filing covers care only at the institutions it names — eligibility
answers ``not_designated_institution`` elsewhere, with the remedy, and a claim does not rest on the filing;
where no rule is in force the filing's list is informative, and the API says so."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from filings.models import DesignatedInstitutionRule, Filing
from filings.selectors import eligibility_check
from registry.workdays import add_months
from reimbursements.selectors import claim_basis
from tests.factories import ClaimFactory, FilingFactory, InstitutionFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/eligibility/"
FILINGS = "/api/v1/filings/"


def today() -> datetime.date:
    return timezone.localdate()


def day(offset: int) -> datetime.date:
    return today() + datetime.timedelta(days=offset)


@pytest.fixture
def named():
    return InstitutionFactory(name="上海指定医院", city_id="310100")


@pytest.fixture
def other():
    return InstitutionFactory(name="上海另一医院", city_id="310100")


@pytest.fixture
def filing(named) -> Filing:
    """An effective long-term filing for Shanghai (the province) naming one designated institution."""
    filing = FilingFactory(
        person=PersonFactory(),
        filing_type="long_term_resident",
        destination_id="310000",
        start_date=day(-100),
        end_date=None,
    )
    filing.institutions.set([named])
    return filing


def ask(filing, institution=None, visit="inpatient", on=None):
    with CaptureQueriesContext(connection) as queries:
        answer = eligibility_check(
            id_number=filing.person.id_number,
            city_code="310100",
            on=on or today(),
            visit=visit,
            institution_code=institution.code if institution else None,
        )
    return answer, len(queries)


# (case, rule fields or None, binds)
SETTINGS = [
    ("no rule", None, False),
    ("the province, every type", {"destination_id": "310000"}, True),
    ("the city, every type", {"destination_id": "310100"}, True),
    ("the province, this type", {"destination_id": "310000", "filing_type": "long_term_resident"}, True),
    ("the province, another type", {"destination_id": "310000", "filing_type": "stationed_worker"}, False),
    ("another province", {"destination_id": "440000"}, False),
    ("ended yesterday", {"destination_id": "310000", "effective_to": day(-1)}, False),
    ("from tomorrow", {"destination_id": "310000", "effective_from": day(1)}, False),
]


def rule(fields):
    if fields is not None:
        DesignatedInstitutionRule.objects.create(**{"effective_from": day(-400), **fields})


@pytest.mark.parametrize("case, fields, binds", SETTINGS, ids=[s[0] for s in SETTINGS])
def test_eligibility_at_a_designated_and_a_non_designated_institution(filing, named, other, case, fields, binds):
    rule(fields)
    at_named, _queries = ask(filing, named)
    assert (at_named.covered, at_named.reason_code, at_named.filing) == (True, "filed", filing.reference)
    at_other, queries = ask(filing, other)
    if binds:
        assert (at_other.covered, at_other.reason_code) == (False, "not_designated_institution")
        assert filing.reference in at_other.reason and at_other.filing == filing.reference
        assert named.name in at_other.remedy  # go to the one named, or change the filing's list
    else:
        assert (at_other.covered, at_other.reason_code) == (True, "filed")
    # Whether a rule is in force at the place is read with the place; only then, one query more for the filing.
    here = DesignatedInstitutionRule.objects.in_force(today()).filter(destination_id__in=["310100", "310000"])
    assert queries == (2 if here.exists() else 1)


def test_a_hospital_key_is_answered_for_its_own_institution(client_for, filing, other):
    rule({"destination_id": "310000"})
    hospital = client_for(channel="hospital", institution=other)
    body = hospital.get(URL, {"id_number": filing.person.id_number, "city": "310100", "visit": "inpatient"}).json()
    assert (body["covered"], body["reason_code"]) == (False, "not_designated_institution")


def test_staff_asking_without_an_institution_hear_where_the_filing_holds(filing, named):
    rule({"destination_id": "310000"})
    answer, _queries = ask(filing)
    assert (answer.covered, answer.reason_code) == (True, "filed")
    assert named.name in answer.remedy


def test_emergency_rescue_is_covered_at_any_institution(filing, other):
    rule({"destination_id": "310000"})
    answer, _queries = ask(filing, other, visit="emergency")
    assert (answer.covered, answer.basis) == (True, "emergency")


@pytest.mark.parametrize("binds", [True, False], ids=["rule in force", "no rule"])
def test_claims_follow_the_same_rule(filing, named, other, binds):
    if binds:
        rule({"destination_id": "310000"})
    at_named = ClaimFactory(person=filing.person, institution=named.code, admission_date=day(-40))
    at_other = ClaimFactory(person=filing.person, institution=other.code, admission_date=day(-25))
    outside = ClaimFactory(person=filing.person, institution_name="目录外医院", admission_date=day(-10))
    on_the_filing = claim_basis(claim=at_named, rescue_record=False).basis
    assert on_the_filing in ("filed", "retroactive_filing")  # the filing backs it (made after this stay)
    expected = "no_filing" if binds else on_the_filing
    assert claim_basis(claim=at_other, rescue_record=False).basis == expected
    assert claim_basis(claim=outside, rescue_record=False).basis == expected


def filing_body(person, **overrides):
    return {
        "filing_type": "long_term_resident",
        "destination": "310000",
        "start_date": today().isoformat(),
        "contact_name": person.name,
        "contact_phone": "13906001234",
        "consent": True,
        **overrides,
    }


def test_where_the_rule_is_in_force_a_filing_names_its_institutions_and_the_api_says_they_bind(client_for, named):
    rule({"destination_id": "310100"})  # a city of the province filed for
    person = PersonFactory()
    me = client_for(person=person)
    refused = me.post(FILINGS, filing_body(person), format="json")
    assert refused.status_code == 400 and "institutions" in refused.json()["errors"]
    assert not Filing.objects.filter(person=person).exists()
    made = me.post(FILINGS, filing_body(person, institutions=[named.code]), format="json")
    assert made.status_code == 201, made.content
    detail = me.get(f"{FILINGS}{made.json()['reference']}/").json()
    assert (detail["institutions"], detail["institutions_binding"]) == ([named.code], True)


def test_where_no_rule_is_in_force_the_list_is_informative(client_for, named):
    rule({"destination_id": "440000"})  # another province's rule
    person = PersonFactory()
    me = client_for(person=person)
    made = me.post(FILINGS, filing_body(person, institutions=[named.code]), format="json")
    assert made.status_code == 201, made.content
    assert me.get(f"{FILINGS}{made.json()['reference']}/").json()["institutions_binding"] is False
    other = PersonFactory()
    without = client_for(person=other).post(FILINGS, filing_body(other), format="json")
    assert without.status_code == 201, without.content  # no institutions needed here


# --- bad input: an overlapping row -------------------------------------------------------------------------------


def test_an_overlapping_rule_is_refused_naming_effective_from():
    DesignatedInstitutionRule.objects.create(destination_id="310000", effective_from=day(-100))
    overlapping = DesignatedInstitutionRule(destination_id="310000", effective_from=day(-10))
    with pytest.raises(ValidationError) as refused:
        overlapping.full_clean()
    assert "effective_from" in refused.value.message_dict
    # Another type, or the day after the first row ends, does not overlap.
    DesignatedInstitutionRule(destination_id="310000", filing_type="referral", effective_from=day(-10)).full_clean()
    DesignatedInstitutionRule.objects.filter(destination_id="310000").update(effective_to=day(-11))
    overlapping.full_clean()


def test_the_admin_refuses_an_overlapping_rule_and_writes_nothing():
    DesignatedInstitutionRule.objects.create(destination_id="310000", effective_from=day(-100))
    admin = Client()
    admin.force_login(UserFactory(role="admin"))
    response = admin.post(
        "/admin/filings/designatedinstitutionrule/add/",
        {"destination": "310000", "filing_type": "", "note": "", "effective_from": day(-10).isoformat()},
    )
    assert response.status_code == 200
    assert "effective_from" in response.context["adminform"].form.errors
    assert DesignatedInstitutionRule.objects.count() == 1


def test_a_filing_running_into_a_rule_that_takes_effect_later_names_its_institutions(client_for, named):
    rule({"destination_id": "310100", "effective_from": day(200)})
    person = PersonFactory()
    open_ended = client_for(person=person).post(FILINGS, filing_body(person), format="json")
    assert open_ended.status_code == 400 and "institutions" in open_ended.json()["errors"]
    other = PersonFactory()
    ends_before = filing_body(other, filing_type="other_temporary", end_date=add_months(today(), 6).isoformat())
    response = client_for(person=other).post(FILINGS, ends_before, format="json")
    assert response.status_code == 201, response.content


def test_a_filing_made_before_the_rule_and_naming_none_is_covered_nowhere_until_changed(named):
    bare = FilingFactory(person=PersonFactory(), filing_type="long_term_resident", destination_id="310000")
    rule({"destination_id": "310000"})
    for institution in (named, None):
        answer, _queries = ask(bare, institution)
        assert (answer.covered, answer.reason_code) == (False, "not_designated_institution")
        assert bare.reference in answer.reason and "未选定" in answer.reason  # names none: the remedy says so
