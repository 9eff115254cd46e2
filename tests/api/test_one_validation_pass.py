"""One validation pass: limits come from the columns, and every field's error comes back in one answer."""

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from config.api.inputs import parse_input
from config.errors import ValidationFailed
from filings import services as filing_services
from filings.api.serializers import EligibilityQuerySerializer
from filings.models import Filing, FilingEvent
from registry.models import Person
from reimbursements import services as claim_services
from reimbursements.models import Claim, ClaimEvent
from tests.factories import ClaimFactory, FilingFactory, PersonFactory, UserFactory, claim_accept_all

pytestmark = pytest.mark.django_db

LONG = "理" * 700  # longer than any reason column (500), shorter than the event's (1000)

# Each transition that takes a reason, from the state where it is legal, and who may take it.
FILING_TRANSITIONS = [
    ("approve", "submitted", "reviewer"),
    ("reject", "submitted", "reviewer"),
    ("withdraw", "submitted", "counter"),
    ("revoke", "effective", "counter"),
    ("change", "effective", "counter"),
]
CLAIM_TRANSITIONS = [
    ("submit", "materials_incomplete", "counter"),
    ("request_materials", "submitted", "counter"),
    ("start_review", "submitted", "reviewer"),
    ("approve", "under_review", "reviewer"),
    ("reject", "under_review", "reviewer"),
    ("withdraw", "submitted", "counter"),
]


def filing_in(state: str) -> Filing:
    return FilingFactory(state=state, effective_at=timezone.now() if state == "effective" else None)


def claim_ready_for(action: str, state: str) -> Claim:
    claim = ClaimFactory(state=state)
    if action == "start_review":
        claim_accept_all(claim)
    return claim


@pytest.mark.parametrize("action, state, role", FILING_TRANSITIONS, ids=[t[0] for t in FILING_TRANSITIONS])
def test_a_700_character_reason_on_a_filing_transition_is_400_and_writes_nothing(client_for, action, state, role):
    filing = filing_in(state)
    body = {"reason": LONG, "contact_name": "新联系人"} if action == "change" else {"reason": LONG}
    response = client_for(role=role).post(f"/api/v1/filings/{filing.reference}/{action}/", body)
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["reason"]
    filing.refresh_from_db()
    assert (filing.state, filing.version) == (state, 1)
    assert not FilingEvent.objects.filter(filing=filing).exists()
    assert Filing.objects.count() == 1


@pytest.mark.parametrize("action, state, role", FILING_TRANSITIONS, ids=[t[0] for t in FILING_TRANSITIONS])
def test_a_700_character_reason_reaching_the_filing_service_is_refused_not_a_database_error(action, state, role):
    """The admin and the jobs call the service directly: the machine bounds the reason too."""
    filing = filing_in(state)
    actor = UserFactory(role=role).actor
    with pytest.raises(ValidationFailed) as refused:
        if action == "change":
            filing_services.filing_change(filing_id=filing.pk, actor=actor, data={"contact_name": "x"}, reason=LONG)
        else:
            filing_services.filing_transition(filing_id=filing.pk, action=action, actor=actor, reason=LONG)
    assert list(refused.value.errors) == ["reason"]
    filing.refresh_from_db()
    assert filing.state == state


@pytest.mark.parametrize("action, state, role", CLAIM_TRANSITIONS, ids=[t[0] for t in CLAIM_TRANSITIONS])
def test_a_700_character_reason_on_a_claim_transition_is_400_and_writes_nothing(client_for, action, state, role):
    claim = claim_ready_for(action, state)
    events = ClaimEvent.objects.filter(claim=claim).count()
    url = f"/api/v1/claims/{claim.reference}/{action.replace('_', '-')}/"
    response = client_for(role=role).post(url, {"reason": LONG})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["reason"]
    claim.refresh_from_db()
    assert claim.state == state
    assert ClaimEvent.objects.filter(claim=claim).count() == events


@pytest.mark.parametrize("action, state, role", CLAIM_TRANSITIONS, ids=[t[0] for t in CLAIM_TRANSITIONS])
def test_a_700_character_reason_reaching_the_claim_service_is_refused(action, state, role):
    claim = claim_ready_for(action, state)
    with pytest.raises(ValidationFailed) as refused:
        claim_services.claim_transition(
            claim_id=claim.pk, action=action, actor=UserFactory(role=role).actor, reason=LONG
        )
    assert list(refused.value.errors) == ["reason"]
    claim.refresh_from_db()
    assert claim.state == state


def test_an_overlong_payment_reference_is_400(client_for):
    claim = ClaimFactory(state="approved")
    response = client_for(role="admin").post(f"/api/v1/claims/{claim.reference}/pay/", {"payment_reference": "P" * 65})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["payment_reference"]
    claim.refresh_from_db()
    assert claim.state == "approved"


def test_four_bad_person_fields_come_back_in_one_answer(counter):
    body = {
        "id_number": "110105194912310021",  # wrong check digit: a rule of the person service
        "name": "名" * 51,  # longer than the column: the shape
        "insurance_type": "gold",  # not a choice: the shape
        "phone": "12345",  # not a phone number: a rule
    }
    response = counter.post("/api/v1/persons/", body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"id_number", "name", "insurance_type", "phone"}
    assert not Person.objects.exists()


def test_four_bad_filing_fields_come_back_in_one_answer(client_for):
    person = PersonFactory()
    body = {
        "filing_type": "holiday",  # not a choice: the shape
        "destination": "999999",  # no such region: a rule
        "start_date": "next week",  # not a date: the shape
        "contact_name": "联系人",
        "contact_phone": "123",  # not a phone number: a rule
        "consent": True,
    }
    response = client_for(person=person).post("/api/v1/filings/", body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"filing_type", "destination", "start_date", "contact_phone"}
    assert not Filing.objects.exists()


def test_counter_filing_with_an_unknown_person_names_that_too(counter):
    body = {"id_number": "110105194912310021", "filing_type": "other_temporary", "destination": "000000"}
    response = counter.post("/api/v1/filings/", {**body, "start_date": "2026-13-01", "consent": True})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"id_number", "destination", "start_date", "contact_name", "contact_phone"} <= set(errors)
    assert not Filing.objects.exists()


def test_five_bad_claim_fields_come_back_in_one_answer(counter):
    person = PersonFactory()
    today = timezone.localdate()
    body = {
        "id_number": person.id_number,
        "claim_kind": "dental",  # not a choice: the shape
        "reason": "not_filed",
        "institution_name": "某医院",
        "institution_level": 3,
        "city": "999999",  # no such city: a rule
        "admission_date": str(today - datetime.timedelta(days=2)),
        "discharge_date": str(today - datetime.timedelta(days=5)),  # before admission: a rule
        "total_amount": "lots",  # not a decimal: the shape
        "bank_account": "6222-abc",  # not digits: a rule
        "invoices": [{"code": "35020026", "number": "FP1", "amount": "100.00", "issued_on": str(today)}],
    }
    response = counter.post("/api/v1/claims/", body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"claim_kind", "city", "discharge_date", "total_amount", "bank_account"}
    assert not Claim.objects.exists()


def test_national_insurance_codes_are_accepted_by_the_api_as_by_the_import(counter):
    body = {"id_number": "11010519491231002X", "name": "王五", "insurance_type": "390"}
    response = counter.post("/api/v1/persons/", body)
    assert response.status_code == 201, response.content
    assert response.json()["insurance_type"] == "resident"


def test_the_shared_input_serializer_keeps_nothing_between_calls():
    """``parse_input`` checks valid input on one shared instance; a bad call must not colour the next ones."""
    good = QueryDict("id_number=11010519491231002X&city=310100&visit=inpatient&date=2026-06-15")
    bad = QueryDict("id_number=11010519491231002X&city=31&visit=nowhere&date=2026-13-01")
    first = parse_input(EligibilityQuerySerializer, good)
    with pytest.raises(ValidationFailed) as refused:
        parse_input(EligibilityQuerySerializer, bad)
    assert set(refused.value.errors) == {"city", "visit", "date"}
    assert parse_input(EligibilityQuerySerializer, good) == first
    assert first == {
        "id_number": "11010519491231002X",
        "city": "310100",
        "visit": "inpatient",
        "date": datetime.date(2026, 6, 15),
    }
    other = parse_input(EligibilityQuerySerializer, QueryDict("id_number=X&city=350200&visit=emergency"))
    assert other == {"id_number": "X", "city": "350200", "visit": "emergency"}  # no date carried over
