"""Eligibility says what to do: the remedies, the emergency episode, one query (SPEC §3.5; docs/policy/filings.md).

Remedies are asserted by what they must carry (a due date, the earliest retroactive start
date, the institution's flag), not by their wording, which is translated.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from filings.models import Filing
from filings.selectors import eligibility_check
from registry.workdays import add_months
from tests.factories import (
    ClaimPolicyFactory,
    FilingFactory,
    FilingPolicyFactory,
    InstitutionFactory,
    PersonFactory,
    RegionFactory,
    filing_attach_required_documents,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/eligibility/"
FILINGS = "/api/v1/filings/"


def today() -> datetime.date:
    return timezone.localdate()


def day(offset: int) -> datetime.date:
    return today() + datetime.timedelta(days=offset)


def ask(person, city="310100", *, on=None, visit="inpatient", institution=None, default_institution=None):
    """The selector's answer, checked to take exactly its one query whatever the outcome."""
    with CaptureQueriesContext(connection) as queries:
        answer = eligibility_check(
            id_number=person.id_number,
            city_code=city,
            on=on or today(),
            visit=visit,
            institution_code=institution,
            default_institution=default_institution,
        )
    assert len(queries) == 1, [q["sql"] for q in queries]
    return answer


@pytest.fixture
def person():
    return PersonFactory(name="张三")


# --- a fast-track filing awaiting review ------------------------------------------------------------------


class TestPendingFastTrack:
    @pytest.fixture
    def pending(self, client_for, person) -> Filing:
        """A fast-track filing for Shanghai submitted today through the API (its review due date computed)."""
        response = client_for(person=person).post(
            FILINGS,
            {
                "filing_type": "long_term_resident",
                "destination": "310000",
                "start_date": today().isoformat(),
                "contact_name": "张三",
                "contact_phone": "13906001234",
                "consent": True,
                "mode": "fast_track",
                "proof_basis": "documents",
            },
        )
        assert response.json()["state"] == "submitted", response.content
        return Filing.objects.get(reference=response.json()["reference"])

    @pytest.mark.parametrize("visit", ["inpatient", "outpatient"])
    def test_not_yet_covered_wait_for_the_review_due_date(self, person, pending, visit):
        assert pending.review_due is not None and pending.review_due > today()
        answer = ask(person, visit=visit)
        assert (answer.covered, answer.basis, answer.reason_code, answer.filing) == (
            False,
            None,
            "filing_pending",
            None,
        )
        assert pending.reference in answer.reason
        assert pending.review_due.isoformat() in answer.reason
        assert pending.review_due.isoformat() in answer.remedy

    def test_a_pending_city_filing_answers_for_that_city_only(self, person):
        pending = FilingFactory(
            person=person, destination_id="440100", state="submitted", effective_at=None, review_due=day(3)
        )
        assert ask(person, "440100").reason_code == "filing_pending"
        assert day(3).isoformat() in ask(person, "440100").remedy
        assert ask(person, "440300").reason_code == "no_filing"  # a sibling city
        assert ask(person, "310100").reason_code == "no_filing"
        assert pending.reference not in ask(person, "310100").reason

    def test_a_pending_filing_starting_later_is_not_the_answer_today(self, person):
        FilingFactory(person=person, state="submitted", effective_at=None, start_date=day(10), review_due=day(3))
        assert ask(person).reason_code == "no_filing"
        assert ask(person, on=day(10)).reason_code == "filing_pending"

    def test_emergency_care_is_covered_while_the_filing_waits(self, person, pending):
        answer = ask(person, visit="emergency")
        assert (answer.covered, answer.basis) == (True, "emergency")

    def test_once_approved_it_covers(self, person, pending, reviewer):
        filing_attach_required_documents(pending)
        assert reviewer.post(f"{FILINGS}{pending.reference}/approve/").status_code == 200
        answer = ask(person)
        assert (answer.covered, answer.reason_code, answer.filing) == (True, "filed", pending.reference)

    def test_through_the_api_for_a_hospital(self, hospital, person, pending, django_assert_num_queries):
        query = {"id_number": person.id_number, "city": "310100", "visit": "inpatient"}
        with django_assert_num_queries(3):  # the key; the place with the person and their filings; the record
            body = hospital.get(URL, query).json()
        assert (body["covered"], body["reason_code"]) == (False, "filing_pending")
        assert pending.review_due.isoformat() in body["remedy"]


# --- an institution not connected for the visit ---------------------------------------------------------------

CONNECTIONS = [
    ("inpatient at an institution settling only outpatient", "inpatient", {"settles_outpatient": True}, False),
    ("outpatient at an institution settling only inpatient", "outpatient", {"settles_inpatient": True}, False),
    ("inpatient at a connected institution", "inpatient", {"settles_inpatient": True}, True),
    ("outpatient at a connected institution", "outpatient", {"settles_outpatient": True}, True),
    ("emergency settles as inpatient", "emergency", {"settles_inpatient": True}, True),
    ("emergency at an institution without inpatient", "emergency", {"settles_outpatient": True}, False),
]


@pytest.mark.parametrize("case, visit, flags, connected", CONNECTIONS, ids=[c[0] for c in CONNECTIONS])
def test_covered_at_an_institution_not_connected_names_the_remedy(person, case, visit, flags, connected):
    institution = InstitutionFactory(
        city_id="310100",
        **{"settles_inpatient": False, "settles_outpatient": False, "settles_chronic_outpatient": False, **flags},
    )
    filing = FilingFactory(person=person)
    answer = ask(person, visit=visit, institution=institution.code)
    assert (answer.covered, answer.basis, answer.filing) == (True, "filing", filing.reference), case
    assert answer.institution == {"code": institution.code, "name": institution.name, "direct_settlement": connected}
    if connected:
        assert answer.remedy is None, case
    else:
        assert answer.remedy, case
        assert answer.remedy != ask(person, visit=visit).remedy  # the same question without an institution


def test_the_non_connected_remedy_through_the_api(counter, person):
    institution = InstitutionFactory(city_id="310100", settles_inpatient=False, settles_outpatient=True)
    FilingFactory(person=person)
    query = {"id_number": person.id_number, "city": "310100", "institution": institution.code}
    inpatient = counter.get(URL, {**query, "visit": "inpatient"}).json()
    assert (inpatient["covered"], inpatient["institution"]["direct_settlement"]) == (True, False)
    assert inpatient["remedy"]
    outpatient = counter.get(URL, {**query, "visit": "outpatient"}).json()
    assert (outpatient["covered"], outpatient["institution"]["direct_settlement"], outpatient["remedy"]) == (
        True,
        True,
        None,
    )


def test_not_covered_at_a_non_connected_institution_keeps_the_filing_remedy(person):
    institution = InstitutionFactory(city_id="310100", settles_inpatient=False)
    answer = ask(person, institution=institution.code)
    assert (answer.covered, answer.reason_code) == (False, "no_filing")
    assert add_months(today(), -12).isoformat() in answer.remedy


def test_inside_the_insured_province_the_cross_province_flag_asks_for_no_remedy(hospital, person):
    """The flags are about cross-province settlement: a Xiamen hospital's local admission needs no remedy."""
    body = hospital.get(URL, {"id_number": person.id_number, "city": "350200", "visit": "inpatient"}).json()
    assert (body["covered"], body["basis"]) == (True, "in_province")
    assert body["remedy"] is None


# --- the retroactive bound --------------------------------------------------------------------------------------


# The bound is counted from today, as the filing's own rule counts it (a remedy a person follows must not
# be answered 400), with the policy in force today; beyond it, a retroactive filing can no longer cover the
# day, and the remedy says so and gives the claims' deadline instead.


def filing_for(day_of_care: datetime.date, person) -> dict:
    """A retroactive 补办备案 as the remedy proposes it: starting on the day of care, for six months."""
    return {
        "filing_type": "other_temporary",
        "destination": "310000",
        "start_date": day_of_care.isoformat(),
        "end_date": add_months(day_of_care, 6).isoformat(),
        "contact_name": person.name,
        "contact_phone": "13906001234",
        "consent": True,
    }


@pytest.mark.parametrize("months_ago, within", [(11, True), (12, True), (13, False)])
def test_a_remedy_for_care_months_ago_counts_from_today_and_following_it_works(client_for, person, months_ago, within):
    on = add_months(today(), -months_ago)
    answer = ask(person, on=on)
    assert (answer.covered, answer.reason_code) == (False, "no_filing")
    earliest = add_months(today(), -12)
    assert earliest.isoformat() in answer.remedy and "12" in answer.remedy
    assert add_months(on, -12).isoformat() not in answer.remedy  # not counted from the day of care
    deadline = add_months(on, 12).isoformat()  # the claims' deadline after a discharge that day
    assert (deadline in answer.remedy) is not within
    response = client_for(person=person).post(FILINGS, filing_for(on, person))
    if within:  # the remedy's retroactive filing is accepted, and then the day is covered
        assert response.status_code == 201, response.content
        assert ask(person, on=on).covered
    else:  # as the remedy said: no retroactive filing covers that day any more
        assert response.status_code == 400 and "start_date" in response.json()["errors"]
        assert earliest.isoformat() in response.json()["errors"]["start_date"][0]


def test_the_bound_and_the_deadline_follow_the_policies_in_force_today_not_on_the_day_of_care(person):
    on = add_months(today(), -8)
    within = ask(person, on=on).remedy
    assert add_months(today(), -12).isoformat() in within and add_months(on, 12).isoformat() not in within
    FilingPolicyFactory(effective_from=today() - datetime.timedelta(days=30), retroactive_limit_months=6)
    ClaimPolicyFactory(effective_from=today() - datetime.timedelta(days=30), submission_deadline_months=9)
    FilingPolicyFactory(effective_from=today() + datetime.timedelta(days=10), retroactive_limit_months=3)  # not yet
    beyond = ask(person, on=on).remedy
    assert add_months(today(), -6).isoformat() in beyond  # 6 months, in force today
    assert add_months(on, 9).isoformat() in beyond  # claims: 9 months after discharge


def test_filed_elsewhere_also_names_the_bound(person):
    FilingFactory(person=person, destination_id="440000")
    answer = ask(person)
    assert answer.reason_code == "filed_elsewhere"
    assert add_months(today(), -12).isoformat() in answer.remedy


# --- an emergency filing covers its rescue episode only ------------------------------------------------------


class TestEmergencyEpisode:
    @pytest.fixture
    def episode(self, person) -> Filing:
        return FilingFactory(
            person=person, filing_type="emergency", destination_id="310100", start_date=day(-5), end_date=day(4)
        )

    @pytest.mark.parametrize("visit", ["emergency", "inpatient"])
    def test_it_covers_emergency_and_inpatient_care_during_the_episode(self, person, episode, visit):
        for on in (day(-5), today(), day(4)):
            answer = ask(person, on=on, visit=visit)
            assert (answer.covered, answer.basis, answer.filing) == (True, "filing", episode.reference), on
            assert answer.valid_until == day(4)

    @pytest.mark.parametrize("visit", ["outpatient", "chronic_outpatient"])
    def test_it_does_not_cover_ordinary_visits(self, person, episode, visit):
        answer = ask(person, visit=visit)
        assert answer.covered is False
        assert answer.filing is None

    def test_after_the_episode_only_the_general_emergency_rule_remains(self, person, episode):
        assert ask(person, on=day(5)).reason_code == "no_filing"
        assert ask(person, on=day(-6)).reason_code == "no_filing"
        answer = ask(person, on=day(5), visit="emergency")
        assert (answer.covered, answer.basis, answer.filing) == (True, "emergency", None)

    def test_it_covers_its_city_only(self, person, episode):
        another_shanghai_city = RegionFactory()
        answer = ask(person, another_shanghai_city.code)
        assert (answer.covered, answer.reason_code) == (False, "filed_elsewhere")

    def test_a_history_emergency_filing_covers_its_days(self, client_for, person):
        response = client_for(person=person).post(
            FILINGS,
            {
                "filing_type": "emergency",
                "destination": "440100",
                "start_date": day(-20).isoformat(),
                "end_date": day(-11).isoformat(),
                "contact_name": "张三",
                "contact_phone": "13906001234",
                "consent": True,
            },
        )
        assert response.json()["state"] == "expired", response.content
        reference = response.json()["reference"]
        assert ask(person, "440100", on=day(-11)).filing == reference
        assert ask(person, "440100", on=day(-11), visit="outpatient").covered is False
        assert ask(person, "440100", on=day(-10)).reason_code == "no_filing"

    def test_an_ordinary_visit_is_not_told_the_filing_is_for_another_place(self, person, episode):
        """The emergency filing is for this very place: not 'filed elsewhere', but not filed for ordinary care."""
        answer = ask(person, visit="outpatient")
        assert (answer.covered, answer.filing, answer.reason_code) == (False, None, "no_filing")
        assert add_months(today(), -12).isoformat() in answer.remedy  # file now, or retroactively within the bound


# --- query budget in each outcome --------------------------------------------------------------------------------


def test_every_outcome_of_this_issue_takes_one_query(person):
    """``ask`` counts the queries; here each outcome meets every optional part of the question at once."""
    institution = InstitutionFactory(city_id="310100", settles_inpatient=False)
    FilingPolicyFactory(retroactive_limit_months=9)
    other = PersonFactory()
    FilingFactory(person=other, state="submitted", effective_at=None, review_due=day(3))
    emergency = PersonFactory()
    FilingFactory(person=emergency, filing_type="emergency", destination_id="310100", end_date=day(9))
    FilingFactory(person=person)
    outcomes = {
        "covered, not connected": ask(person, institution=institution.code).reason_code,
        "pending": ask(other, institution=institution.code).reason_code,
        "retroactive bound": ask(PersonFactory(), institution=institution.code).reason_code,
        "emergency episode": ask(emergency, visit="inpatient", institution=institution.code).reason_code,
        "emergency filing, ordinary visit": ask(emergency, visit="outpatient").reason_code,
        "default institution": ask(person, default_institution=institution.code).reason_code,
        "default institution elsewhere": ask(person, "440100", default_institution=institution.code).reason_code,
    }
    assert outcomes["pending"] == "filing_pending"
    assert outcomes["retroactive bound"] == "no_filing"
    assert outcomes["covered, not connected"] == outcomes["emergency episode"] == "filed"


def test_filed_elsewhere_on_a_past_day_leaves_only_a_manual_claim(client_for, person):
    """A change starts today at the earliest and a retroactive filing would overlap: the remedy says claim."""
    filing = FilingFactory(person=person, destination_id="440000", start_date=day(-200), end_date=None)
    on = day(-30)
    answer = ask(person, on=on)
    assert answer.reason_code == "filed_elsewhere"
    assert add_months(on, 12).isoformat() in answer.remedy  # the claims' deadline after a discharge that day
    assert add_months(today(), -12).isoformat() not in answer.remedy  # no retroactive filing proposed
    refused = client_for(person=person).post(
        f"{FILINGS}{filing.reference}/change/", {"destination": "310000", "start_date": on.isoformat()}
    )
    assert refused.status_code == 400  # what the remedy no longer proposes
    assert "change" not in answer.remedy.lower() and "变更" not in answer.remedy
