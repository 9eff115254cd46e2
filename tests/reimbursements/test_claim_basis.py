"""A claim's basis comes from the records, never from the claimant's word (SPEC §4.3, §9).

Each basis is shown with its boundary, through the API: the estimate at submission, and the amount
frozen at approval. Unless a row says otherwise the care is an inpatient stay of an employee at a
tertiary institution, total 10 000.00, nothing outside the catalogue, and the sample benefit row in
force (reimbursements/migrations/0002_policy_data.py: employee, inpatient, level 3 → deductible
1 000.00, ratio 0.85). The claim policy's defaults apply: own share 10 % for retroactive_filing and
no_filing only; ratio reductions referral 0.05, emergency 0.05, other temporary (and no filing) 0.10;
long-term filings and in-province care 0.
"""

import datetime

import pytest
from django.utils import timezone

from filings.models import Filing
from reimbursements.models import Claim, ClaimEvent
from tests.factories import ClaimRequestFactory, FilingFactory, InsuredPeriodFactory, PersonFactory, claim_accept_all

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/"

TODAY = timezone.localdate()
ADMISSION = TODAY - datetime.timedelta(days=20)
DISCHARGE = TODAY - datetime.timedelta(days=10)
DAY = datetime.timedelta(days=1)

# The payable amounts of the default stay (eligible 10 000.00), worked by hand:
FILED_TEMPORARY = "6750.00"  # no own share: (10000 − 1000 deductible) × (0.85 − 0.10) = 9000 × 0.75
FILED_LONG_TERM = "7650.00"  # no own share, no reduction: 9000 × 0.85
FILED_REFERRAL = "7200.00"  # no own share: 9000 × (0.85 − 0.05)
IN_PROVINCE = "7650.00"  # no own share, no reduction: 9000 × 0.85
EMERGENCY = "7200.00"  # no own share: 9000 × (0.85 − 0.05 emergency)
OWN_SHARE_TEMPORARY = "6000.00"  # own share 1000: (10000 − 1000 − 1000) × 0.75 = 8000 × 0.75
OWN_SHARE_LONG_TERM = "6800.00"  # own share 1000, long-term filing: 8000 × 0.85


def local(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    """An instant in Xiamen's time (Asia/Shanghai), as a filing's submitted_at is judged by its local date."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def claim_body(**overrides) -> dict:
    """A claim body for this module's stay (ADMISSION–DISCHARGE), one bill for the whole total."""
    stay = {"admission_date": ADMISSION.isoformat(), "discharge_date": DISCHARGE.isoformat()}
    return ClaimRequestFactory(**{**stay, **overrides})


def approve(reviewer, reference: str) -> dict:
    """Counter staff accept the whole checklist; the reviewer starts the review and approves."""
    claim_accept_all(Claim.objects.get(reference=reference))
    assert reviewer.post(f"{URL}{reference}/start-review/").status_code == 200
    response = reviewer.post(f"{URL}{reference}/approve/")
    assert response.status_code == 200, response.content
    return response.json()


def approve_event(reference: str) -> ClaimEvent:
    return ClaimEvent.objects.get(claim__reference=reference, action="approve")


@pytest.fixture
def person():
    return PersonFactory(insurance_type="employee")


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


def filing_for(person, **kwargs):
    """A temporary filing for Shanghai covering the whole stay, submitted well before admission."""
    defaults = {
        "filing_type": "other_temporary",
        "destination_id": "310000",
        "start_date": ADMISSION - datetime.timedelta(days=5),
        "end_date": ADMISSION + datetime.timedelta(days=180),
        "submitted_at": local(ADMISSION - datetime.timedelta(days=5), 9, 0),
    }
    defaults.update(kwargs)
    return FilingFactory(person=person, **defaults)


# (case, filing fields or None for no filing, body overrides, basis, names the filing, own share, payable)
BASIS_TABLE = [
    # Submission day against the discharge day, judged by the local (Xiamen) date.
    (
        "filing submitted at 23:59 on the discharge day",
        {"submitted_at": local(DISCHARGE, 23, 59)},
        {},
        "filed",
        True,
        "0.00",
        FILED_TEMPORARY,
    ),
    (
        # 00:01 in Xiamen is still the discharge day in UTC: the local date decides.
        "filing submitted at 00:01 the day after discharge",
        {"submitted_at": local(DISCHARGE + DAY, 0, 1)},
        {},
        "retroactive_filing",
        True,
        "1000.00",  # 10 % of the eligible 10000
        OWN_SHARE_TEMPORARY,
    ),
    (
        "long-term filing made after discharge keeps the home ratio but not the own share",
        {"filing_type": "retiree_resettled", "end_date": None, "submitted_at": local(TODAY, 10, 0)},
        {},
        "retroactive_filing",
        True,
        "1000.00",
        OWN_SHARE_LONG_TERM,
    ),
    # The filing's first day against the admission day.
    (
        "admission the day before the filing starts",
        {"start_date": ADMISSION + DAY},
        {},
        "no_filing",
        False,
        "1000.00",
        OWN_SHARE_TEMPORARY,
    ),
    ("admission on the filing's first day", {"start_date": ADMISSION}, {}, "filed", True, "0.00", FILED_TEMPORARY),
    ("admission on the filing's last day", {"end_date": ADMISSION}, {}, "filed", True, "0.00", FILED_TEMPORARY),
    (
        "admission the day after the filing ended",
        {"end_date": ADMISSION - DAY},
        {},
        "no_filing",
        False,
        "1000.00",
        OWN_SHARE_TEMPORARY,
    ),
    # The place of care.
    (
        "listed Fujian city 三明 without a filing",
        None,
        {"city": "350400"},
        "no_filing",
        False,
        "1000.00",
        OWN_SHARE_TEMPORARY,
    ),
    (
        "listed Fujian city 三明 with a long-term filing for it",
        {"filing_type": "stationed_worker", "destination_id": "350400", "end_date": None},
        {"city": "350400"},
        "filed",
        True,
        "0.00",
        FILED_LONG_TERM,
    ),
    ("another Fujian city 福州: no filing needed", None, {"city": "350100"}, "in_province", False, "0.00", IN_PROVINCE),
    ("the home city 厦门 itself", None, {"city": "350200"}, "in_province", False, "0.00", IN_PROVINCE),
    ("another province without a filing", None, {}, "no_filing", False, "1000.00", OWN_SHARE_TEMPORARY),
    (
        "another province, filed for a third one",
        {"destination_id": "440000"},
        {},
        "no_filing",
        False,
        "1000.00",
        OWN_SHARE_TEMPORARY,
    ),
    ("a city filing covers its city", {"destination_id": "310100"}, {}, "filed", True, "0.00", FILED_TEMPORARY),
    ("a referral filing", {"filing_type": "referral"}, {}, "filed", True, "0.00", FILED_REFERRAL),
    # The filing's state on the admission day.
    (
        "revoked after the stay: it covered the admission day",
        {"state": "revoked", "covered_until": DISCHARGE, "end_reason": "x"},
        {},
        "filed",
        True,
        "0.00",
        FILED_TEMPORARY,
    ),
    (
        "revoked before the admission",
        {"state": "revoked", "covered_until": ADMISSION - DAY, "end_reason": "x"},
        {},
        "no_filing",
        False,
        "1000.00",
        OWN_SHARE_TEMPORARY,
    ),
    (
        "still awaiting review: it covers nothing yet",
        {"state": "submitted", "effective_at": None},
        {},
        "no_filing",
        False,
        "1000.00",
        OWN_SHARE_TEMPORARY,
    ),
]


@pytest.mark.parametrize(
    "case, filing_fields, overrides, basis, names_filing, own_share, payable",
    BASIS_TABLE,
    ids=[row[0] for row in BASIS_TABLE],
)
def test_basis_table(me, reviewer, person, case, filing_fields, overrides, basis, names_filing, own_share, payable):
    filing = filing_for(person, **filing_fields) if filing_fields is not None else None
    response = me.post(URL, claim_body(**overrides))
    assert response.status_code == 201, response.content
    claim = response.json()
    expected_filing = filing.reference if names_filing else None
    assert (claim["basis"], claim["filing"]) == (basis, expected_filing)
    assert claim["basis_explanation"]
    estimate = claim["estimate"]
    assert (estimate["own_share"], estimate["payable"]) == (own_share, payable)
    assert estimate["basis"] == {"code": basis, "explanation": claim["basis_explanation"], "filing": expected_filing}

    # Approval derives it again from unchanged records: the same basis, the amount frozen as estimated.
    approved = approve(reviewer, claim["reference"])
    assert (approved["state"], approved["basis"], approved["filing"]) == ("approved", basis, expected_filing)
    assert approved["payable_amount"] == payable
    breakdown = approved["breakdown"]
    assert (breakdown["own_share"], breakdown["payable"]) == (own_share, payable)
    assert (breakdown["basis"]["code"], breakdown["basis"]["filing"]) == (basis, expected_filing)
    assert "basis" not in approve_event(claim["reference"]).changes


def test_of_two_covering_filings_the_earliest_submitted_is_taken(me, person):
    """A filing changed on the day of admission (the old one covers until then, the new one from then)."""
    old = filing_for(
        person, state="changed", covered_until=ADMISSION, submitted_at=local(ADMISSION - 30 * DAY, 9, 0), end_reason=""
    )
    filing_for(person, start_date=ADMISSION, submitted_at=local(ADMISSION, 8, 0))
    claim = me.post(URL, claim_body()).json()
    assert (claim["basis"], claim["filing"]) == ("filed", old.reference)


# --- emergency: treated as filed once the rescue record is there --------------------------------------


@pytest.mark.parametrize(
    "setting, total, with_record, without_record, checklist",
    [
        (
            "inpatient",
            "10000.00",
            # with the record: no own share, emergency reduction: (10000 − 1000) × (0.85 − 0.05)
            ("emergency", "0.00", EMERGENCY),
            # without: no filing, own share 1000: 8000 × (0.85 − 0.10)
            ("no_filing", "1000.00", OWN_SHARE_TEMPORARY),
            ["hospital_invoice", "expense_list", "discharge_summary", "id_copy", "rescue_record"],
        ),
        (
            # The outpatient sample row: employee, level 3 → deductible 100.00, ratio 0.60.
            "outpatient",
            "1000.00",
            # with the record: (1000 − 100) × (0.60 − 0.05) = 900 × 0.55
            ("emergency", "0.00", "495.00"),
            # without: own share 100: (1000 − 100 − 100) × (0.60 − 0.10) = 800 × 0.50
            ("no_filing", "100.00", "400.00"),
            ["outpatient_invoice", "expense_list", "prescription", "medical_record_copy", "rescue_record"],
        ),
    ],
)
def test_emergency_is_treated_as_filed_only_with_its_rescue_record(
    me, counter, reviewer, setting, total, with_record, without_record, checklist
):
    body = claim_body(claim_kind="emergency", setting=setting, reason="emergency", total_amount=total)
    claim = me.post(URL, body).json()
    ref = claim["reference"]
    assert [m["item"] for m in claim["materials"]] == checklist  # an outpatient is never asked for a discharge summary
    # Without the rescue record the claimant's "emergency" is only their account: no filing, own share first.
    assert (claim["basis"], claim["filing"]) == (without_record[0], None)
    assert (claim["estimate"]["own_share"], claim["estimate"]["payable"]) == without_record[1:]

    received = counter.post(f"{URL}{ref}/materials/rescue_record/status/", {"status": "received"})
    assert received.status_code == 200, received.content
    claim = me.get(f"{URL}{ref}/").json()
    assert claim["basis"] == with_record[0]
    assert (claim["estimate"]["own_share"], claim["estimate"]["payable"]) == with_record[1:]

    # A rescue record found wanting takes the basis away again.
    counter.post(f"{URL}{ref}/materials/rescue_record/status/", {"status": "rejected", "reason": "无抢救记录"})
    assert me.get(f"{URL}{ref}/").json()["basis"] == without_record[0]

    approved = approve(reviewer, ref)  # accepting it restores the basis
    assert (approved["basis"], approved["breakdown"]["basis"]["code"]) == ("emergency", "emergency")
    assert (approved["breakdown"]["own_share"], approved["payable_amount"]) == with_record[1:]


def test_rescue_record_outranks_a_retroactive_filing(me, counter, person):
    filing_for(person, submitted_at=local(TODAY, 9, 0))  # made after discharge
    claim = me.post(URL, claim_body(claim_kind="emergency", setting="inpatient", reason="emergency")).json()
    assert claim["basis"] == "retroactive_filing"
    counter.post(f"{URL}{claim['reference']}/materials/rescue_record/status/", {"status": "accepted"})
    claim = me.get(f"{URL}{claim['reference']}/").json()
    assert (claim["basis"], claim["filing"], claim["estimate"]["payable"]) == ("emergency", None, EMERGENCY)


def test_a_non_emergency_claim_is_never_treated_as_filed(me):
    """The rescue record belongs to emergency claims; an inpatient claim saying "emergency" is not one."""
    claim = me.post(URL, claim_body(reason="emergency")).json()
    assert "rescue_record" not in [m["item"] for m in claim["materials"]]
    assert (claim["basis"], claim["estimate"]["own_share"]) == ("no_filing", "1000.00")


# --- the claimant's account never decides money ----------------------------------------------------


@pytest.mark.parametrize(
    "records, reason, basis, own_share, payable",
    [
        # The claimant's account would spare the own share; the records say there was no filing.
        ("none", "settlement_failed", "no_filing", "1000.00", OWN_SHARE_TEMPORARY),
        ("none", "emergency", "no_filing", "1000.00", OWN_SHARE_TEMPORARY),
        ("none", "chronic_not_settled", "no_filing", "1000.00", OWN_SHARE_TEMPORARY),
        # The filing was made after discharge, whatever the claimant says.
        ("filed after discharge", "settlement_failed", "retroactive_filing", "1000.00", OWN_SHARE_TEMPORARY),
        ("filed after discharge", "not_filed", "retroactive_filing", "1000.00", OWN_SHARE_TEMPORARY),
        # The claimant says they had no filing (or filed late); the records show a timely one: no own share.
        ("filed before admission", "not_filed", "filed", "0.00", FILED_TEMPORARY),
        ("filed before admission", "retroactive_filing", "filed", "0.00", FILED_TEMPORARY),
    ],
)
def test_the_claimants_reason_never_changes_basis_or_own_share(
    me, reviewer, person, records, reason, basis, own_share, payable
):
    if records == "filed before admission":
        filing_for(person)
    elif records == "filed after discharge":
        filing_for(person, submitted_at=local(TODAY, 9, 0))
    claim = me.post(URL, claim_body(reason=reason)).json()
    assert (claim["reason"], claim["basis"]) == (reason, basis)
    assert (claim["estimate"]["own_share"], claim["estimate"]["payable"]) == (own_share, payable)
    approved = approve(reviewer, claim["reference"])
    assert (approved["basis"], approved["breakdown"]["own_share"], approved["payable_amount"]) == (
        basis,
        own_share,
        payable,
    )


def test_a_filing_named_by_the_claimant_is_checked_but_never_chooses_the_basis(me, person):
    filing = filing_for(person, submitted_at=local(TODAY, 9, 0))  # covers the stay, made after discharge
    claim = me.post(URL, claim_body(reason="settlement_failed", filing=filing.reference)).json()
    assert (claim["basis"], claim["filing"], claim["estimate"]["own_share"]) == (
        "retroactive_filing",
        filing.reference,
        "1000.00",
    )


def test_counter_staff_get_the_same_basis_as_the_person(counter, person):
    filing = filing_for(person, submitted_at=local(DISCHARGE, 12, 0))
    claim = counter.post(URL, claim_body(id_number=person.id_number, reason="not_filed")).json()
    assert (claim["channel"], claim["basis"], claim["filing"]) == ("counter", "filed", filing.reference)
    assert claim["estimate"]["payable"] == FILED_TEMPORARY


# --- records change between submission and approval: approval follows them --------------------------


def test_a_filing_made_after_submission_is_found_at_approval(me, reviewer, auditor, person):
    ref = me.post(URL, claim_body(reason="not_filed")).json()["reference"]
    assert Claim.objects.get(reference=ref).basis == "no_filing"
    # The person files retroactively (补办备案) for the stay, a long-term filing, after discharge.
    filing = filing_for(person, filing_type="long_term_resident", end_date=None, submitted_at=timezone.now())

    approved = approve(reviewer, ref)
    assert (approved["basis"], approved["filing"]) == ("retroactive_filing", filing.reference)
    # Own share still first, but the long-term filer's home ratio: (10000 − 1000 − 1000) × 0.85.
    assert approved["payable_amount"] == OWN_SHARE_LONG_TERM  # the estimate at submission was 6000.00
    assert approved["breakdown"]["basis"] == {
        "code": "retroactive_filing",
        "explanation": approved["basis_explanation"],
        "filing": filing.reference,
        "considered": [
            {"code": "retroactive_filing", "filing": filing.reference, "payable": OWN_SHARE_LONG_TERM},
            {"code": "no_filing", "filing": None, "payable": "6000.00"},
        ],
    }
    event = [e for e in auditor.get(f"{URL}{ref}/events/").json() if e["action"] == "approve"][0]
    assert event["changes"]["basis"] == ["no_filing", "retroactive_filing"]
    assert event["changes"]["filing"] == [None, filing.reference]
    assert event["changes"]["payable_amount"] == OWN_SHARE_LONG_TERM
    assert event["reason"]  # the event says the records changed


def test_a_filing_corrected_away_before_approval_takes_the_basis_with_it(me, reviewer, person):
    filing = filing_for(person, submitted_at=local(ADMISSION - 5 * DAY, 9, 0))
    claim = me.post(URL, claim_body()).json()
    assert (claim["basis"], claim["estimate"]["payable"]) == ("filed", FILED_TEMPORARY)
    # The record is corrected: the filing was revoked from before the admission.
    Filing.objects.filter(pk=filing.pk).update(state="revoked", covered_until=ADMISSION - DAY, end_reason="更正")

    approved = approve(reviewer, claim["reference"])
    assert (approved["basis"], approved["filing"]) == ("no_filing", None)
    assert (approved["breakdown"]["own_share"], approved["payable_amount"]) == ("1000.00", OWN_SHARE_TEMPORARY)
    assert approved["breakdown"]["basis"]["code"] == "no_filing"
    changes = approve_event(claim["reference"]).changes
    assert (changes["basis"], changes["filing"]) == (["filed", "no_filing"], [filing.reference, None])


def test_revoking_the_filing_today_does_not_rewrite_the_past(me, reviewer, person):
    """A revocation takes effect from today: the stay it covered stays filed, approval changes nothing."""
    filing = filing_for(person, filing_type="other_temporary", submitted_at=local(ADMISSION - 5 * DAY, 9, 0))
    ref = me.post(URL, claim_body()).json()["reference"]
    revoked = me.post(f"/api/v1/filings/{filing.reference}/revoke/", {"reason": "不再需要"})
    assert revoked.status_code == 200, revoked.content

    approved = approve(reviewer, ref)
    assert (approved["basis"], approved["filing"], approved["payable_amount"]) == (
        "filed",
        filing.reference,
        FILED_TEMPORARY,
    )
    assert "basis" not in approve_event(ref).changes


def test_an_insured_period_corrected_before_approval_refuses_it(me, reviewer, person):
    ref = me.post(URL, claim_body()).json()["reference"]
    # The enrolment record is corrected: insurance ended before the admission.
    person.insured_periods.update(ends_on=ADMISSION - 5 * DAY)
    InsuredPeriodFactory(person=person, starts_on=TODAY - 2 * DAY)
    claim_accept_all(Claim.objects.get(reference=ref))
    reviewer.post(f"{URL}{ref}/start-review/")
    response = reviewer.post(f"{URL}{ref}/approve/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_insured_on_dates"
    claim = Claim.objects.get(reference=ref)
    assert (claim.state, claim.payable_amount, claim.breakdown) == ("under_review", None, {})
    assert not ClaimEvent.objects.filter(claim=claim, action="approve").exists()
