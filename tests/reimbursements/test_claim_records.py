"""One claim per bill and per stay, on days the person was insured (and qualified): SPEC §4, §9.

Bad input is a 400 naming every field; a claim the records refuse is a 409 naming why (and the other
claim); either way nothing is written. A bill backs one live claim, which the database itself
enforces (a partial unique index), shown under real concurrency on PostgreSQL.
"""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from registry.services import person_sync_current
from reimbursements.models import Claim, ClaimEvent, ClaimInvoice, ClaimMaterial
from tests.conftest import postgres_only
from tests.factories import (
    ChronicDiseaseFactory,
    ChronicQualificationFactory,
    ClaimRequestFactory,
    FilingFactory,
    InstitutionFactory,
    InsuredPeriodFactory,
    PersonFactory,
    claim_accept_all,
    person_token,
)
from tests.reference_data import reseed_reference_data

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/"

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
ADMISSION = TODAY - 20 * DAY
DISCHARGE = TODAY - 10 * DAY
SHANGHAI_HOSPITAL = "H31010000001"  # level 3, in Shanghai (310100)
SHANGHAI_OTHER = "H31010000002"  # level 3, in Shanghai
PUDONG_HOSPITAL = "H31010000004"  # level 2, in Shanghai
FUZHOU_HOSPITAL = "H35010000001"  # in Fuzhou (350100)


def claim_body(**overrides) -> dict:
    """A claim body for this module's stay (ADMISSION–DISCHARGE), one bill for the whole total."""
    stay = {"admission_date": ADMISSION.isoformat(), "discharge_date": DISCHARGE.isoformat()}
    return ClaimRequestFactory(**{**stay, **overrides})


def invoice(number: str, amount: str, issued_on: datetime.date = DISCHARGE) -> dict:
    return {"code": "31000026", "number": number, "amount": amount, "issued_on": issued_on.isoformat()}


def written() -> tuple[int, int, int, int]:
    return (
        Claim.objects.count(),
        ClaimEvent.objects.count(),
        ClaimInvoice.objects.count(),
        ClaimMaterial.objects.count(),
    )


def refused(client, body: dict, status: int, code: str | None = None) -> dict:
    """POST a claim the rules refuse: the status (and code), and not a row written anywhere."""
    before = written()
    response = client.post(URL, body)
    assert response.status_code == status, response.content
    answer = response.json()
    if code is not None:
        assert answer["code"] == code, answer
    assert written() == before
    return answer


def created(client, body: dict) -> dict:
    response = client.post(URL, body)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def hospitals():
    """The designated institutions these tests name (the catalogue is imported, not seeded)."""
    InstitutionFactory(code=SHANGHAI_HOSPITAL, name="上海市第一人民医院", city_id="310100", level=3)
    InstitutionFactory(code=SHANGHAI_OTHER, name="复旦大学附属中山医院", city_id="310100", level=3)
    InstitutionFactory(code=PUDONG_HOSPITAL, name="上海市浦东新区人民医院", city_id="310100", level=2)
    InstitutionFactory(code=FUZHOU_HOSPITAL, name="福建医科大学附属协和医院", city_id="350100", level=3)


@pytest.fixture
def person():
    return PersonFactory(insurance_type="employee")


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


# --- bad input: 400 with a code and every field's error, nothing written ------------------------------


def test_invoices_that_do_not_add_up(me):
    body = claim_body(invoices=[invoice("A1", "6000.00"), invoice("A2", "3999.99")])
    answer = refused(me, body, 400)
    assert list(answer["errors"]) == ["invoices"]
    assert "9999.99" in answer["errors"]["invoices"][0] and "10000.00" in answer["errors"]["invoices"][0]


@pytest.mark.parametrize("second", ["A1", " A1 "], ids=["same", "same once trimmed"])
def test_one_invoice_twice_in_a_claim(me, second):
    body = claim_body(invoices=[invoice("A1", "5000.00"), invoice(second, "5000.00")])
    answer = refused(me, body, 400, "duplicate_invoice")
    assert list(answer["errors"]) == ["invoices.1.number"] and "A1" in answer["errors"]["invoices.1.number"][0]


def test_invoices_adding_up_are_stored_with_the_claim(me):
    bills = [invoice("B1", "2500.50"), invoice("B2", "7499.50", DISCHARGE - DAY)]
    claim = created(me, claim_body(invoices=bills))
    assert claim["invoices"] == bills


def test_an_institution_of_another_city(me, hospitals):
    answer = refused(me, claim_body(institution=FUZHOU_HOSPITAL), 400)
    assert list(answer["errors"]) == ["institution"]


def test_an_unknown_institution(me, hospitals):
    answer = refused(me, claim_body(institution="H99999999999"), 400)
    assert list(answer["errors"]) == ["institution"]


def test_a_catalogue_institution_gives_its_name_and_level(me, hospitals):
    """What the claimant types is ignored once the code names a catalogue institution."""
    claim = created(me, claim_body(institution=PUDONG_HOSPITAL, institution_name="冒名医院", institution_level=3))
    assert (claim["institution"], claim["institution_level"]) == (PUDONG_HOSPITAL, 2)
    assert claim["institution_name"].startswith("上海市浦东新区人民医院")
    # Level 2 sample row: deductible 600, ratio 0.87; no filing: own share 1000, reduction 0.10:
    # (10000 − 1000 − 600) × (0.87 − 0.10) = 8400 × 0.77 = 6468.00
    assert claim["estimate"]["payable"] == "6468.00"


def test_a_named_institution_needs_its_level(me):
    body = claim_body()
    del body["institution_level"]
    answer = refused(me, body, 400, "invalid")
    assert "institution_level" in answer["errors"]


@pytest.mark.parametrize(
    "disease",
    ["scurvy", pytest.param("inactive", id="no longer in the catalogue")],
)
def test_an_unknown_disease(me, disease):
    if disease == "inactive":
        disease = ChronicDiseaseFactory(is_active=False).code
    body = claim_body(claim_kind="chronic_outpatient", reason="chronic_not_settled", disease=disease)
    answer = refused(me, body, 400)
    assert list(answer["errors"]) == ["disease"]


@pytest.mark.parametrize(
    "overrides, code",
    [
        (
            {"invoices": [{"code": "31000026", "number": "D1", "amount": "1.00", "issued_on": DISCHARGE.isoformat()}]},
            "invoices_do_not_add_up",
        ),
        ({"institution": FUZHOU_HOSPITAL}, "institution_not_in_city"),
        ({"institution": "H99999999999"}, "unknown_institution"),
        ({"claim_kind": "chronic_outpatient", "disease": "scurvy"}, "unknown_disease"),
    ],
)
def test_bad_input_answers_with_its_specific_code(me, hospitals, overrides, code):
    refused(me, claim_body(**overrides), 400, code)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"claim_kind": "chronic_outpatient"}, "disease"),
        ({"claim_kind": "emergency"}, "setting"),
    ],
)
def test_a_visit_kind_names_what_it_needs(me, overrides, field):
    answer = refused(me, claim_body(**overrides), 400, "invalid")
    assert field in answer["errors"]


def test_another_persons_filing(me):
    other = FilingFactory(start_date=ADMISSION - 5 * DAY)  # covers the stay, but is not the claimant's
    answer = refused(me, claim_body(filing=other.reference), 400, "invalid")
    assert list(answer["errors"]) == ["filing"]


@pytest.mark.parametrize(
    "filing_fields",
    [
        pytest.param({"destination_id": "440000"}, id="for another destination"),
        pytest.param({"start_date": ADMISSION + DAY}, id="starting after admission"),
        pytest.param({"state": "rejected", "effective_at": None, "end_reason": "x"}, id="rejected"),
    ],
)
def test_an_own_filing_that_did_not_cover_the_care(me, person, filing_fields):
    filing = FilingFactory(person=person, **{"start_date": ADMISSION - 5 * DAY, **filing_fields})
    answer = refused(me, claim_body(filing=filing.reference), 400, "invalid")
    assert list(answer["errors"]) == ["filing"]


def test_an_unknown_filing_reference(me):
    assert "filing" in refused(me, claim_body(filing="BA20990101000001"), 400, "invalid")["errors"]


def test_every_bad_field_is_named_in_one_answer(me, hospitals):
    body = claim_body(
        claim_kind="chronic_outpatient",
        disease="scurvy",
        institution=FUZHOU_HOSPITAL,
        filing="BA20990101000001",
        invoices=[invoice("C1", "1.00")],
    )
    answer = refused(me, body, 400, "invalid")  # several codes: the answer's code is the general one
    assert {"disease", "institution", "filing", "invoices"} <= set(answer["errors"])


# --- insured on the days of care: 409 not_insured_on_dates ----------------------------------------------


@pytest.mark.parametrize(
    "periods, gap",
    [
        pytest.param([(None, ADMISSION + 2 * DAY)], (ADMISSION + 3 * DAY, DISCHARGE), id="ended during the stay"),
        pytest.param([(ADMISSION + DAY, None)], (ADMISSION, ADMISSION), id="began the day after admission"),
        pytest.param(
            [(None, ADMISSION + DAY), (ADMISSION + 5 * DAY, None)],
            (ADMISSION + 2 * DAY, ADMISSION + 4 * DAY),
            id="a gap between two periods",
        ),
        pytest.param([(None, ADMISSION - DAY)], (ADMISSION, DISCHARGE), id="ended before admission"),
    ],
)
def test_days_of_care_outside_every_insured_period(client_for, periods, gap):
    person = PersonFactory(insured_periods=periods)
    answer = refused(client_for(person=person), claim_body(), 409, "not_insured_on_dates")
    first, last = gap
    span = first.isoformat() if first == last else f"{first.isoformat()}–{last.isoformat()}"
    assert span in answer["message"] and span in answer["errors"]["admission_date"][0]


def test_a_suspended_period_does_not_insure(client_for):
    person = PersonFactory(insured_periods=[(None, ADMISSION - DAY)])
    InsuredPeriodFactory(person=person, starts_on=ADMISSION, status="suspended")
    refused(client_for(person=person), claim_body(), 409, "not_insured_on_dates")


def test_consecutive_periods_insure_every_day(client_for):
    """A change of insurance type in the middle of the stay leaves no day uninsured."""
    person = PersonFactory(insured_periods=[(None, ADMISSION + 3 * DAY)])
    InsuredPeriodFactory(person=person, starts_on=ADMISSION + 4 * DAY, insurance_type="resident")
    created(client_for(person=person), claim_body())


# --- a person whose insurance ended ---------------------------------------------------------------------

ENDED = TODAY - 30 * DAY  # the last insured day


@pytest.fixture
def ended():
    return PersonFactory(insurance_type="employee", insured_periods=[(None, ENDED)])


def test_an_ended_insurance_is_the_persons_current_status(ended):
    assert ended.insured_status == "terminated"


@pytest.mark.parametrize(
    "city, with_filing, basis, payable",
    [
        # In Fujian outside the listed cities: no own share, no reduction: (10000 − 1000) × 0.85
        ("350100", False, "in_province", "7650.00"),
        # Shanghai under a filing the system revoked when insurance ended (it covered the stay):
        # no own share, other-temporary reduction: 9000 × (0.85 − 0.10)
        ("310100", True, "filed", "6750.00"),
        # Shanghai without a filing: own share 1000 first: (10000 − 1000 − 1000) × 0.75
        ("310100", False, "no_filing", "6000.00"),
    ],
)
def test_care_while_insured_is_paid_on_its_basis_after_insurance_ended(
    client_for, reviewer, ended, city, with_filing, basis, payable
):
    filing = None
    if with_filing:
        filing = FilingFactory(
            person=ended,
            start_date=ENDED - 60 * DAY,
            submitted_at=timezone.now() - 60 * DAY,
            state="revoked",
            covered_until=ENDED,
            end_reason="参保终止",
        )
    body = claim_body(
        city=city,
        admission_date=(ENDED - 15 * DAY).isoformat(),
        discharge_date=ENDED.isoformat(),  # discharged on the last insured day
    )
    claim = created(client_for(person=ended), body)
    assert (claim["basis"], claim["filing"]) == (basis, filing.reference if filing else None)
    ref = claim["reference"]
    claim_accept_all(Claim.objects.get(reference=ref))
    reviewer.post(f"{URL}{ref}/start-review/")
    approved = reviewer.post(f"{URL}{ref}/approve/").json()
    assert (approved["state"], approved["payable_amount"], approved["breakdown"]["basis"]["code"]) == (
        "approved",
        payable,
        basis,
    )
    paid = client_for(role="admin").post(f"{URL}{ref}/pay/", {"payment_reference": "ZF-ENDED-1"}).json()
    assert (paid["state"], paid["payable_amount"]) == ("paid", payable)


@pytest.mark.parametrize(
    "admission, discharge, gap",
    [
        pytest.param(ENDED + DAY, ENDED + 8 * DAY, (ENDED + DAY, ENDED + 8 * DAY), id="after it ended"),
        pytest.param(ENDED - 2 * DAY, ENDED + 3 * DAY, (ENDED + DAY, ENDED + 3 * DAY), id="across its end"),
    ],
)
def test_care_after_insurance_ended_is_refused(client_for, ended, admission, discharge, gap):
    body = claim_body(city="350100", admission_date=admission.isoformat(), discharge_date=discharge.isoformat())
    answer = refused(client_for(person=ended), body, 409, "not_insured_on_dates")
    assert f"{gap[0].isoformat()}–{gap[1].isoformat()}" in answer["message"]


def test_benefits_follow_the_insurance_type_of_the_period_that_covered_the_care(client_for, reviewer):
    """Resident until ENDED, employee since: care while a resident is paid by the resident rows."""
    person = PersonFactory(insurance_type="resident", insured_periods=[(None, ENDED)])
    InsuredPeriodFactory(person=person, starts_on=ENDED + DAY, insurance_type="employee")
    person_sync_current(person)
    assert person.insurance_type == "employee"  # today's type
    body = claim_body(city="350100", admission_date=(ENDED - 9 * DAY).isoformat(), discharge_date=ENDED.isoformat())
    claim = created(client_for(person=person), body)
    # Resident, inpatient, level 3 sample row: deductible 800, ratio 0.60; in province: no own share, no
    # reduction: (10000 − 800) × 0.60 = 5520.00 (the employee row would pay 9000 × 0.85 = 7650.00).
    assert claim["estimate"]["payable"] == "5520.00"


# --- 门诊慢特病: qualified on the days of care ----------------------------------------------------------


def chronic_body(**overrides) -> dict:
    return claim_body(
        claim_kind="chronic_outpatient",
        reason="chronic_not_settled",
        disease="lupus",
        total_amount="1000.00",
        **overrides,
    )


def test_chronic_claim_without_qualification(me):
    answer = refused(me, chronic_body(), 409, "not_qualified")
    assert list(answer["errors"]) == ["disease"]


@pytest.mark.parametrize(
    "qualification",
    [
        pytest.param({"disease_id": "parkinsons"}, id="for another disease"),
        pytest.param({"starts_on": ADMISSION + DAY}, id="from the day after admission"),
        pytest.param({"starts_on": ADMISSION - 90 * DAY, "ends_on": DISCHARGE - DAY}, id="ending before discharge"),
    ],
)
def test_chronic_claim_with_a_qualification_that_does_not_cover_the_care(me, person, qualification):
    ChronicQualificationFactory(person=person, **{"disease_id": "lupus", **qualification})
    refused(me, chronic_body(), 409, "not_qualified")


def test_chronic_claim_with_a_qualification(me, person):
    ChronicQualificationFactory(person=person, disease_id="lupus", starts_on=ADMISSION, ends_on=DISCHARGE)
    claim = created(me, chronic_body())
    assert (claim["claim_kind"], claim["disease"]) == ("chronic_outpatient", "lupus")
    assert [m["item"] for m in claim["materials"]][-2:] == ["test_reports", "disease_qualification"]
    # Employee chronic-outpatient level 3 sample row: no deductible, ratio 0.75; no filing: own share 100,
    # reduction 0.10: (1000 − 100) × (0.75 − 0.10) = 900 × 0.65 = 585.00
    assert claim["estimate"]["payable"] == "585.00"


def test_chronic_claim_across_a_renewed_qualification(me, person):
    middle = ADMISSION + 4 * DAY
    ChronicQualificationFactory(person=person, disease_id="lupus", starts_on=ADMISSION - 365 * DAY, ends_on=middle)
    ChronicQualificationFactory(person=person, disease_id="lupus", starts_on=middle + DAY, ends_on=None)
    created(me, chronic_body())


# --- one stay, one live claim: 409 overlapping_stay -----------------------------------------------------


def stay(first: datetime.date, last: datetime.date, **overrides) -> dict:
    return claim_body(admission_date=first.isoformat(), discharge_date=last.isoformat(), **overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({}, id="inpatient"),
        pytest.param({"claim_kind": "referral"}, id="referral"),
        pytest.param({"claim_kind": "emergency", "setting": "inpatient", "reason": "emergency"}, id="emergency stay"),
    ],
)
def test_overlapping_stays_are_refused_naming_the_other_claim(me, overrides):
    first = created(me, stay(ADMISSION, DISCHARGE))["reference"]
    answer = refused(me, stay(DISCHARGE - DAY, DISCHARGE + 3 * DAY, **overrides), 409, "overlapping_stay")
    assert first in answer["message"] and first in answer["errors"]["admission_date"][0]
    refused(me, stay(ADMISSION, DISCHARGE, **overrides), 409, "overlapping_stay")  # the very same stay


def test_a_transfer_on_the_discharge_day_is_a_new_stay(me):
    """Discharged from one hospital and admitted to the next on the same day: two stays, two claims."""
    created(me, stay(ADMISSION, DISCHARGE))
    created(me, stay(DISCHARGE, DISCHARGE + 3 * DAY, claim_kind="referral"))


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"claim_kind": "outpatient"}, id="outpatient"),
        pytest.param({"claim_kind": "emergency", "setting": "outpatient", "reason": "emergency"}, id="emergency visit"),
    ],
)
def test_outpatient_visits_during_a_stay_are_no_second_stay(me, overrides):
    created(me, stay(ADMISSION, DISCHARGE))
    created(me, stay(ADMISSION + 2 * DAY, ADMISSION + 2 * DAY, total_amount="300.00", **overrides))


def test_a_stay_may_follow_the_day_after_discharge_and_others_may_stay_the_same_days(client_for, me):
    created(me, stay(ADMISSION, DISCHARGE))
    created(me, stay(DISCHARGE + DAY, DISCHARGE + 3 * DAY))
    created(client_for(person=PersonFactory()), stay(ADMISSION, DISCHARGE))


@pytest.mark.parametrize("end", ["withdraw", "reject"])
def test_a_withdrawn_or_rejected_claim_frees_its_stay(me, reviewer, end):
    first = created(me, stay(ADMISSION, DISCHARGE))["reference"]
    client = me if end == "withdraw" else reviewer
    assert client.post(f"{URL}{first}/{end}/", {"reason": "重复申请"}).status_code == 200
    created(me, stay(ADMISSION, DISCHARGE))


# --- one bill, one live claim: 409 invoice_already_claimed ----------------------------------------------


def visit(day: datetime.date, number: str, **overrides) -> dict:
    """An outpatient visit at the Shanghai catalogue institution, paid with one bill."""
    data = {
        "claim_kind": "outpatient",
        "institution": SHANGHAI_HOSPITAL,
        "admission_date": day.isoformat(),
        "discharge_date": day.isoformat(),
        "total_amount": "800.00",
        "invoices": [invoice(number, "800.00", day)],
    }
    data.update(overrides)
    body = claim_body(**data)
    del body["institution_name"], body["institution_level"]
    return body


def test_the_same_invoice_on_a_second_live_claim_is_refused_naming_it(client_for, me, hospitals):
    first = created(me, visit(ADMISSION, "FP-0001"))["reference"]
    answer = refused(me, visit(ADMISSION + DAY, "FP-0001"), 409, "invoice_already_claimed")
    assert "FP0001" in answer["message"] and first in answer["message"]
    assert first in answer["errors"]["invoices"][0]
    # The bill is the institution's: whoever claims it, it backs one live claim.
    refused(client_for(person=PersonFactory()), visit(ADMISSION, "FP-0001"), 409, "invoice_already_claimed")


def test_the_same_number_under_another_code_is_another_bill(me, hospitals):
    created(me, visit(ADMISSION, "FP-0002"))
    other = visit(ADMISSION, "FP-0002", invoices=[{**invoice("FP-0002", "800.00", ADMISSION), "code": "31000027"}])
    assert created(me, other)["invoices"][0] == {
        "code": "31000027",
        "number": "FP0002",
        "amount": "800.00",
        "issued_on": ADMISSION.isoformat(),
    }


def test_the_same_code_and_number_from_another_institution_is_the_same_bill(me, hospitals):
    """票据代码 and 票据号码 identify a bill nationally: naming another issuer does not make it another bill."""
    first = created(me, visit(ADMISSION, "FP-0004"))["reference"]
    other = visit(ADMISSION + DAY, "FP-0004", institution=SHANGHAI_OTHER)
    assert first in refused(me, other, 409, "invoice_already_claimed")["message"]


def test_a_bill_of_a_named_institution_is_known_by_its_code_and_number(me):
    """Outside the catalogue too the bill is its code and number, whatever the name."""
    body = stay(ADMISSION, DISCHARGE, institution_name="某 县 人民医院", invoices=[invoice("X-9", "10000.00")])
    first = created(me, body)["reference"]
    again = stay(
        DISCHARGE + 5 * DAY,
        DISCHARGE + 6 * DAY,
        institution_name="某县人民医院",
        invoices=[invoice("X-9", "10000.00", DISCHARGE + 6 * DAY)],
    )
    assert first in refused(me, again, 409, "invoice_already_claimed")["message"]


@pytest.mark.parametrize("end", ["withdraw", "reject"])
def test_an_invoice_is_free_again_once_its_claim_is_withdrawn_or_rejected(me, hospitals, reviewer, end):
    first = created(me, visit(ADMISSION, "FP-0003"))["reference"]
    client = me if end == "withdraw" else reviewer
    assert client.post(f"{URL}{first}/{end}/", {"reason": "票据有误"}).status_code == 200
    second = created(me, visit(ADMISSION, "FP-0003"))
    assert second["invoices"][0]["number"] == "FP0003"
    assert ClaimInvoice.objects.filter(number="FP0003", live=True).get().claim.reference == second["reference"]


# --- PostgreSQL: two claims on the same bill at the same moment -------------------------------------------


@postgres_only("a partial unique index and row locks under real concurrency")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claims_on_the_same_invoice_in_two_spellings_leave_one_claim():
    """Two persons (so the person lock does not serialise them) claim the same bill at once, spelt two ways."""
    reseed_reference_data()
    InstitutionFactory(code=SHANGHAI_HOSPITAL, city_id="310100", level=3)
    tokens = [person_token(PersonFactory()) for _ in range(2)]
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def submit(token, spelling):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait()
            response = client.post(URL, visit(ADMISSION, spelling), format="json")
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    spellings = ("FP-RACE-1", "ｆｐ race\u200b１")
    threads = [threading.Thread(target=submit, args=pair) for pair in zip(tokens, spellings, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(status for status, _ in answers) == [201, 409], answers
    winner = next(body for status, body in answers if status == 201)
    loser = next(body for status, body in answers if status == 409)
    assert loser["code"] == "invoice_already_claimed"
    # The loser is another person: told the bill is claimed, never which claim holds it.
    assert winner["reference"] not in str(loser)
    assert ClaimInvoice.objects.filter(identity="31000026/FPRACE1").count() == 1
    assert list(Claim.objects.values_list("reference", flat=True)) == [winner["reference"]]
    assert ClaimEvent.objects.count() == 1
