"""Money rules of claims: annual pools and deductibles, one bill however spelt, catalogue names, bad input, bases."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from filings.selectors import eligibility_check
from reimbursements import services as claim_services
from reimbursements.models import Claim, ClaimEvent, ClaimInvoice, ClaimMaterial, PoolUsageElsewhere
from reimbursements.selectors import claim_recalculation
from tests.conftest import postgres_only
from tests.factories import (
    BenefitPolicyFactory,
    ChronicDiseaseFactory,
    ChronicQualificationFactory,
    ClaimFactory,
    ClaimPolicyFactory,
    ClaimRequestFactory,
    FilingFactory,
    InstitutionFactory,
    PersonFactory,
    UserFactory,
    claim_accept_all,
)
from tests.reference_data import reseed_reference_data

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/"

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _last_day_of_a_year_span() -> datetime.date:
    """A past day with 60 days of the same calendar year before it (all within the 12-month deadline)."""
    last = TODAY - DAY
    return last if (last - 60 * DAY).year == last.year else datetime.date(last.year - 1, 12, 31)


LAST = _last_day_of_a_year_span()
YEAR = LAST.year

# Employee benefit rows of this module's own (they outrank the seeded sample rows), level 3:
# (visit kind) -> deductible, ratio, annual cap; inpatient and chronic care share the `fund` pool.
ROWS = {
    "inpatient": ("1000.00", "0.8000", "10000.00"),
    "outpatient": ("200.00", "0.5000", "1000.00"),
    "chronic_outpatient": ("300.00", "0.9000", "10000.00"),
}


# --- helpers: bodies, the API walk, rows written ---------------------------------------------------------


def submit(client, body: dict) -> dict:
    response = client.post(URL, body)
    assert response.status_code == 201, response.content
    return response.json()


def approve(reviewer, reference: str) -> dict:
    """Counter staff accept the whole checklist; the reviewer starts the review and approves."""
    claim_accept_all(Claim.objects.get(reference=reference))
    assert reviewer.post(f"{URL}{reference}/start-review/").status_code == 200
    response = reviewer.post(f"{URL}{reference}/approve/")
    assert response.status_code == 200, response.content
    return response.json()


def written() -> tuple[int, int, int, int]:
    return (
        Claim.objects.count(),
        ClaimInvoice.objects.count(),
        ClaimEvent.objects.count(),
        ClaimMaterial.objects.count(),
    )


def refused(client, body: dict, status: int, code: str) -> dict:
    """POST a claim that is refused: the status and code, and not a row written anywhere."""
    before = written()
    response = client.post(URL, body)
    assert response.status_code == status, response.content
    answer = response.json()
    assert answer["code"] == code, answer
    assert written() == before
    return answer


def bill(number: str, amount: str, issued_on: datetime.date, code: str = "31000026") -> dict:
    return {"code": code, "number": number, "amount": amount, "issued_on": issued_on.isoformat()}


def care(kind: str, total: str, slot: int = 0, *, last: datetime.date = LAST, **overrides) -> dict:
    """Care in 福州 (in the insured province: no own share, no reduction) in slot ``slot`` (six days each,
    back from ``last``): a four-night stay for inpatient care, one day otherwise; one bill for the total.
    ``emergency_inpatient`` and ``emergency_outpatient`` are emergency claims in that setting."""
    discharge = last - 6 * slot * DAY
    admission = discharge - 4 * DAY if kind == "inpatient" else discharge
    fields = {
        "claim_kind": kind,
        "city": "350100",
        "institution_name": "福州某医院",
        "institution_level": 3,
        "admission_date": admission.isoformat(),
        "discharge_date": discharge.isoformat(),
        "total_amount": total,
    }
    if kind == "chronic_outpatient":
        fields["disease"] = "hypertension"
    if kind.startswith("emergency_"):  # emergency_inpatient, emergency_outpatient: an emergency in that setting
        fields.update(claim_kind="emergency", setting=kind.removeprefix("emergency_"), reason="emergency")
    return ClaimRequestFactory(**{**fields, **overrides})


def pool_of(claim: dict) -> dict:
    return claim["breakdown"]["pool"]


def deductible_of(claim: dict) -> dict:
    return claim["breakdown"]["deductible"]


@pytest.fixture
def person():
    person = PersonFactory(insurance_type="employee")
    ChronicQualificationFactory(person=person, disease_id="hypertension", starts_on=LAST - 365 * DAY)
    return person


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


def benefit_row(visit_kind: str, *, scope: str = "per_year", **values) -> None:
    deductible, ratio, cap = ROWS[visit_kind]
    fields = {"deductible": Decimal(deductible), "ratio": Decimal(ratio), "annual_cap": Decimal(cap), **values}
    BenefitPolicyFactory(visit_kind=visit_kind, institution_level=3, deductible_scope=scope, **fields)


@pytest.fixture
def rows():
    """This module's benefit rows, per-year deductibles, each in its sample pool."""
    for visit_kind in ROWS:
        benefit_row(visit_kind)


# --- 1. pools: which pool, which deductible, the cap to the fen ---------------------------------------


def pool_view(code: str, cap: str, used_before: str, this_claim: str, left: str) -> dict:
    return {"code": code, "cap": cap, "used_before": used_before, "this_claim": this_claim, "left": left}


def deductible_view(visit_kind: str, amount: str, used_before: str, this_claim: str, left: str) -> dict:
    return {
        "visit_kind": visit_kind,
        "amount": amount,
        "used_before": used_before,
        "this_claim": this_claim,
        "left": left,
    }


# (id, first claim (kind, total), second claim (kind, total), second's payable, its pool, its deductible)
# Inpatient 6000: (6000 − 1000) × 0.80 = 4000; outpatient 800: (800 − 200) × 0.50 = 300;
# chronic 1300: (1300 − 300) × 0.90 = 900. An emergency follows its setting.
SEPARATE_POOLS = [
    ("inpatient first does not touch the outpatient pool", ("inpatient", "6000.00"), ("outpatient", "800.00"),
     "300.00", pool_view("outpatient", "1000.00", "0.00", "300.00", "700.00"),
     deductible_view("outpatient", "200.00", "0.00", "200.00", "0.00")),
    ("outpatient first does not touch the fund pool", ("outpatient", "800.00"), ("inpatient", "6000.00"),
     "4000.00", pool_view("fund", "10000.00", "0.00", "4000.00", "6000.00"),
     deductible_view("inpatient", "1000.00", "0.00", "1000.00", "0.00")),
    ("chronic care shares the fund pool but has its own deductible", ("inpatient", "6000.00"),
     ("chronic_outpatient", "1300.00"),
     "900.00", pool_view("fund", "10000.00", "4000.00", "900.00", "5100.00"),
     deductible_view("chronic_outpatient", "300.00", "0.00", "300.00", "0.00")),
    # 6000 × 0.80 = 4800: no deductible left to pay.
    ("an emergency stay shares the inpatient deductible and pool", ("inpatient", "6000.00"),
     ("emergency_inpatient", "6000.00"),
     "4800.00", pool_view("fund", "10000.00", "4000.00", "4800.00", "1200.00"),
     deductible_view("inpatient", "1000.00", "1000.00", "0.00", "0.00")),
    # 800 × 0.50 = 400, out of the 700 left of the outpatient pool.
    ("an emergency visit shares the outpatient deductible and pool", ("outpatient", "800.00"),
     ("emergency_outpatient", "800.00"),
     "400.00", pool_view("outpatient", "1000.00", "300.00", "400.00", "300.00"),
     deductible_view("outpatient", "200.00", "200.00", "0.00", "0.00")),
    # Control: the same pool and visit kind do count.
    ("a second inpatient claim draws on both", ("inpatient", "6000.00"), ("inpatient", "6000.00"),
     "4800.00", pool_view("fund", "10000.00", "4000.00", "4800.00", "1200.00"),
     deductible_view("inpatient", "1000.00", "1000.00", "0.00", "0.00")),
]  # fmt: skip


@pytest.mark.parametrize(
    "first, second, payable, pool, deductible",
    [row[1:] for row in SEPARATE_POOLS],
    ids=[row[0] for row in SEPARATE_POOLS],
)
def test_a_claim_draws_only_on_its_own_pool_and_deductible(
    me, reviewer, person, rows, first, second, payable, pool, deductible
):
    approve(reviewer, submit(me, care(*first, slot=1))["reference"])
    claim = approve(reviewer, submit(me, care(*second, slot=0))["reference"])
    assert claim["payable_amount"] == payable
    assert {key: pool_of(claim)[key] for key in pool} == pool
    assert (pool_of(claim)["year"], pool_of(claim)["used_before_elsewhere"]) == (YEAR, "0.00")
    assert {key: deductible_of(claim)[key] for key in deductible} == deductible
    assert deductible_of(claim)["scope"] == "per_year"
    stored = Claim.objects.get(reference=claim["reference"])
    assert (stored.pool_id, stored.benefit_visit, stored.deductible_scope) == (
        pool["code"],
        deductible["visit_kind"],
        "per_year",
    )


# (id, kind, first total, second total, second's payable, left after it) — the third claim pays what is left.
# Inpatient: 9000 → (9000 − 1000) × 0.80 = 6400, 3600 left; a share of exactly 3600 is 4500 × 0.80.
# Outpatient: 1800 → (1800 − 200) × 0.50 = 800, 200 left; a share of exactly 200 is 400 × 0.50.
CAP_REACHED = [
    ("inpatient: share equals what is left", "inpatient", "9000.00", "4500.00", "3600.00", "0.00"),
    ("inpatient: one fen under", "inpatient", "9000.00", "4499.99", "3599.99", "0.01"),  # 3599.992
    ("inpatient: one fen over", "inpatient", "9000.00", "4500.02", "3600.00", "0.00"),  # 3600.016 → capped
    ("outpatient: share equals what is left", "outpatient", "1800.00", "400.00", "200.00", "0.00"),
    ("outpatient: one fen under", "outpatient", "1800.00", "399.98", "199.99", "0.01"),
    ("outpatient: one fen over", "outpatient", "1800.00", "400.02", "200.00", "0.00"),  # 200.01 → capped
]


@pytest.mark.parametrize(
    "kind, first_total, second_total, second_payable, left",
    [row[1:] for row in CAP_REACHED],
    ids=[row[0] for row in CAP_REACHED],
)
def test_the_cap_is_reached_to_the_fen(me, reviewer, rows, kind, first_total, second_total, second_payable, left):
    cap = Decimal(ROWS[kind][2])
    first = approve(reviewer, submit(me, care(kind, first_total, slot=2))["reference"])
    second = approve(reviewer, submit(me, care(kind, second_total, slot=1))["reference"])
    assert (second["payable_amount"], pool_of(second)["left"]) == (second_payable, left)
    assert pool_of(second)["used_before"] == first["payable_amount"]
    # A third claim whose share would be more than what is left pays exactly what is left.
    third = approve(reviewer, submit(me, care(kind, "1000.00", slot=0))["reference"])
    assert (third["payable_amount"], pool_of(third)["this_claim"], pool_of(third)["left"]) == (left, left, "0.00")
    paid = sum(Decimal(c["payable_amount"]) for c in (first, second, third))
    assert paid == cap


# (id, kind, first claim: (total, payable, deductible applied, left), second: (total, deductible applied, payable))
PER_YEAR_DEDUCTIBLE = [
    ("inpatient: first below the deductible", "inpatient", ("600.00", "0.00", "600.00", "400.00"),
     ("2000.00", "400.00", "1280.00")),  # (2000 − 400) × 0.80
    ("inpatient: first one fen below", "inpatient", ("999.99", "0.00", "999.99", "0.01"),
     ("2000.00", "0.01", "1599.99")),  # 1999.99 × 0.80 = 1599.992
    ("inpatient: first exactly the deductible", "inpatient", ("1000.00", "0.00", "1000.00", "0.00"),
     ("2000.00", "0.00", "1600.00")),
    ("inpatient: first one fen above", "inpatient", ("1000.01", "0.01", "1000.00", "0.00"),
     ("2000.00", "0.00", "1600.00")),  # 0.01 × 0.80 = 0.008 → 0.01
    ("outpatient: first below the deductible", "outpatient", ("150.00", "0.00", "150.00", "50.00"),
     ("400.00", "50.00", "175.00")),  # (400 − 50) × 0.50
]  # fmt: skip


@pytest.mark.parametrize(
    "kind, first_claim, second_claim",
    [row[1:] for row in PER_YEAR_DEDUCTIBLE],
    ids=[row[0] for row in PER_YEAR_DEDUCTIBLE],
)
def test_a_per_year_deductible_spans_two_claims(me, reviewer, rows, kind, first_claim, second_claim):
    first_total, first_payable, first_applied, first_left = first_claim
    second_total, second_applied, second_payable = second_claim
    first = approve(reviewer, submit(me, care(kind, first_total, slot=1))["reference"])
    assert first["payable_amount"] == first_payable
    assert (deductible_of(first)["this_claim"], deductible_of(first)["left"]) == (first_applied, first_left)
    second = approve(reviewer, submit(me, care(kind, second_total, slot=0))["reference"])
    assert second["payable_amount"] == second_payable
    assert deductible_of(second) == {
        "scope": "per_year",
        "visit_kind": kind,
        "amount": ROWS[kind][0],
        "used_before": first_applied,
        "this_claim": second_applied,
        "left": "0.00",
    }
    assert Claim.objects.get(reference=second["reference"]).deductible_applied == Decimal(second_applied)


@pytest.mark.parametrize(
    "scope, payables, second_deductible",
    [
        # Per stay: each claim pays the whole 1000 again: 600 → 0.00; (3000 − 1000) × 0.80 = 1600.00.
        ("per_stay", ("0.00", "1600.00"), {"used_before": "0.00", "this_claim": "1000.00", "left": "0.00"}),
        # Per year (control): 100 paid elsewhere and 600 by the first claim; the second pays the 300 left:
        # (3000 − 300) × 0.80 = 2160.00.
        ("per_year", ("0.00", "2160.00"), {"used_before": "700.00", "this_claim": "300.00", "left": "0.00"}),
    ],
)
def test_a_per_stay_deductible_applies_in_full_to_each_claim(me, reviewer, person, scope, payables, second_deductible):
    benefit_row("inpatient", scope=scope)
    # Deductible paid elsewhere counts only against a per-year deductible.
    PoolUsageElsewhere.objects.create(
        person=person, year=YEAR, pool_id="fund", fund_paid=0, visit_kind="inpatient", deductible_paid=100,
        source="异地结算平台",
    )  # fmt: skip
    first = approve(reviewer, submit(me, care("inpatient", "600.00", slot=1))["reference"])
    second = approve(reviewer, submit(me, care("inpatient", "3000.00", slot=0))["reference"])
    assert (first["payable_amount"], second["payable_amount"]) == payables
    assert deductible_of(first)["this_claim"] == "600.00"
    assert deductible_of(second) == {
        "scope": scope,
        "visit_kind": "inpatient",
        "amount": "1000.00",
        **second_deductible,
    }
    assert Claim.objects.get(reference=second["reference"]).deductible_scope == scope


def _new_year() -> int:
    """The year of the latest 2 January not after today: a stay admitted in December before it crosses New Year."""
    return TODAY.year if TODAY >= datetime.date(TODAY.year, 1, 2) else TODAY.year - 1


NEW_YEAR = _new_year()
CROSSING = {"admission_date": datetime.date(NEW_YEAR - 1, 12, 28), "discharge_date": datetime.date(NEW_YEAR, 1, 2)}


@pytest.mark.parametrize(
    "usage, payable, used_before",
    [
        # The pool of the year before is spent (an approved claim of 26–27 December, or settled elsewhere):
        # the stay discharged in January draws on the new year's pool, deductible afresh:
        # (6000 − 1000) × 0.80 = 4000.00.
        pytest.param("claim in December", "4000.00", "0.00", id="the old year's pool spent by a claim"),
        pytest.param("elsewhere in the old year", "4000.00", "0.00", id="the old year's pool spent elsewhere"),
        # Control: usage of the new year counts: 10000 − 7000 = 3000 left.
        pytest.param("elsewhere in the new year", "3000.00", "7000.00", id="the new year's usage counts"),
    ],
)
def test_a_stay_crossing_new_year_draws_on_the_discharge_years_pool(
    me, reviewer, person, rows, usage, payable, used_before
):
    old_year = NEW_YEAR - 1
    if usage == "claim in December":
        december = datetime.date(old_year, 12, 27)
        if TODAY > december.replace(year=NEW_YEAR):
            pytest.skip("a stay of 26–27 December is past the 12-month deadline on " + TODAY.isoformat())
        # (13500 − 1000) × 0.80 = 10000: the whole cap of the old year.
        spent = approve(reviewer, submit(me, care("inpatient", "13500.00", last=december))["reference"])
        assert (spent["payable_amount"], pool_of(spent)["year"], pool_of(spent)["left"]) == (
            "10000.00",
            old_year,
            "0.00",
        )
    else:
        year = old_year if usage == "elsewhere in the old year" else NEW_YEAR
        fund_paid = "10000.00" if year == old_year else "7000.00"
        PoolUsageElsewhere.objects.create(
            person=person, year=year, pool_id="fund", fund_paid=Decimal(fund_paid), visit_kind="inpatient",
            deductible_paid=Decimal("1000.00") if year == old_year else Decimal("0"), source="异地结算平台",
        )  # fmt: skip
    body = care("inpatient", "6000.00", **{name: day.isoformat() for name, day in CROSSING.items()})
    claim = approve(reviewer, submit(me, body)["reference"])
    assert claim["payable_amount"] == payable
    assert (pool_of(claim)["year"], pool_of(claim)["used_before"]) == (NEW_YEAR, used_before)
    assert (deductible_of(claim)["used_before"], deductible_of(claim)["this_claim"]) == ("0.00", "1000.00")


# (id, usage elsewhere: [(pool, years back, fund paid, visit kind, deductible paid)], an approved claim here first
#  (total) or None, then a 6000 inpatient claim's payable, pool used_before, of which elsewhere, left,
#  deductible used_before and this claim's deductible)
ELSEWHERE = [
    # Deductible 400 paid elsewhere: 600 left: (6000 − 600) × 0.80 = 4320, but only 3000 of the cap is left.
    ("fund usage and inpatient deductible", [("fund", 0, "7000.00", "inpatient", "400.00")], None,
     "3000.00", "7000.00", "7000.00", "0.00", "400.00", "600.00"),
    ("the whole cap used elsewhere", [("fund", 0, "10000.00", "", "0.00")], None,
     "0.00", "10000.00", "10000.00", "0.00", "0.00", "1000.00"),
    ("one fen of the cap left", [("fund", 0, "9999.99", "", "0.00")], None,
     "0.01", "9999.99", "9999.99", "0.00", "0.00", "1000.00"),
    ("two sources add up",
     [("fund", 0, "3000.00", "inpatient", "300.00"), ("fund", 0, "2000.00", "inpatient", "300.00")], None,
     "4480.00", "5000.00", "5000.00", "520.00", "600.00", "400.00"),
    # With an approved claim here first: 2500 → (2500 − 1000) × 0.80 = 1200; then 6000 × 0.80 = 4800,
    # capped at 10000 − 1200 − 7000 = 1800.
    ("added to approved claims here", [("fund", 0, "7000.00", "", "0.00")], "2500.00",
     "1800.00", "8200.00", "7000.00", "0.00", "1000.00", "0.00"),
    # Boundaries: another pool, another year, another visit kind's deductible count for nothing here.
    ("another pool", [("outpatient", 0, "1000.00", "outpatient", "200.00")], None,
     "4000.00", "0.00", "0.00", "6000.00", "0.00", "1000.00"),
    ("the year before", [("fund", 1, "10000.00", "inpatient", "1000.00")], None,
     "4000.00", "0.00", "0.00", "6000.00", "0.00", "1000.00"),
    ("another visit kind's deductible", [("fund", 0, "0.00", "chronic_outpatient", "300.00")], None,
     "4000.00", "0.00", "0.00", "6000.00", "0.00", "1000.00"),
]  # fmt: skip


@pytest.mark.parametrize(
    "usage, here_total, payable, used_before, elsewhere, left, deductible_before, deductible_now",
    [row[1:] for row in ELSEWHERE],
    ids=[row[0] for row in ELSEWHERE],
)
def test_usage_settled_elsewhere_counts_against_cap_and_deductible(
    me,
    reviewer,
    person,
    rows,
    usage,
    here_total,
    payable,
    used_before,
    elsewhere,
    left,
    deductible_before,
    deductible_now,
):
    for index, (pool, back, fund_paid, visit_kind, deductible_paid) in enumerate(usage):
        PoolUsageElsewhere.objects.create(
            person=person, year=YEAR - back, pool_id=pool, fund_paid=Decimal(fund_paid), visit_kind=visit_kind,
            deductible_paid=Decimal(deductible_paid), source=f"异地结算平台 批次{index}",
        )  # fmt: skip
    if here_total is not None:
        approve(reviewer, submit(me, care("inpatient", here_total, slot=1))["reference"])
    claim = approve(reviewer, submit(me, care("inpatient", "6000.00", slot=0))["reference"])
    assert claim["payable_amount"] == payable
    pool = pool_of(claim)
    assert (pool["code"], pool["used_before"], pool["used_before_elsewhere"], pool["left"]) == (
        "fund",
        used_before,
        elsewhere,
        left,
    )
    assert (deductible_of(claim)["used_before"], deductible_of(claim)["this_claim"]) == (
        deductible_before,
        deductible_now,
    )
    stored = Claim.objects.get(reference=claim["reference"])  # the inputs are stored, not shown by the API
    assert stored.breakdown["inputs"]["year_to_date"] == {
        "deductible_used": deductible_before,
        "fund_paid": used_before,
    }
    assert claim_recalculation(claim=stored).payable == Decimal(payable)


# Four stays whose shares together exceed the cap: 4750 each → 3000 (the first approved pays the deductible),
# then 3800 each, until the cap (less what was settled elsewhere) is reached.
@pytest.mark.parametrize(
    "order, elsewhere, payables",
    [
        pytest.param((0, 1, 2, 3), None, ("3000.00", "3800.00", "3200.00", "0.00"), id="in submission order"),
        pytest.param((3, 2, 1, 0), None, ("3000.00", "3800.00", "3200.00", "0.00"), id="in reverse order"),
        pytest.param((1, 3, 0, 2), None, ("3000.00", "3800.00", "3200.00", "0.00"), id="shuffled"),
        pytest.param(
            (0, 2, 1, 3),
            "2500.00",
            ("3000.00", "3800.00", "700.00", "0.00"),
            id="with usage elsewhere after submission",
        ),
    ],
)
def test_approvals_never_pay_more_than_the_cap_in_one_pool_and_year(
    me, reviewer, person, rows, order, elsewhere, payables
):
    cap = Decimal(ROWS["inpatient"][2])
    refs = [submit(me, care("inpatient", "4750.00", slot=slot))["reference"] for slot in range(4)]
    # Every estimate at submission sees the whole pool: 3000.00 each; together they would exceed the cap.
    assert all(me.get(f"{URL}{ref}/").json()["estimate"]["payable"] == "3000.00" for ref in refs)
    if elsewhere is not None:
        PoolUsageElsewhere.objects.create(
            person=person, year=YEAR, pool_id="fund", fund_paid=Decimal(elsewhere), source="异地结算平台"
        )
    drawn = Decimal(elsewhere or 0)
    for index, payable in zip(order, payables, strict=True):
        claim = approve(reviewer, refs[index])
        pool = pool_of(claim)
        assert claim["payable_amount"] == payable
        assert Decimal(pool["used_before"]) == drawn  # everything approved before, here and elsewhere
        drawn += Decimal(payable)
        assert drawn <= cap and Decimal(pool["left"]) == cap - drawn
        for open_ref in refs:  # an open claim's estimate never offers more than what is left
            opened = me.get(f"{URL}{open_ref}/").json()
            if opened["state"] == "submitted":
                assert Decimal(opened["estimate"]["payable"]) <= cap - drawn
    approved = Claim.objects.filter(person=person, pool_id="fund", state="approved")
    assert sum(claim.payable_amount for claim in approved) == cap - Decimal(elsewhere or 0)


@postgres_only("two approvals at the same moment need row locks")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_of_one_person_stay_within_the_cap():
    """Two reviewers approve two claims of one person at once: together they pay the cap, never more."""
    reseed_reference_data()
    for visit_kind in ROWS:
        benefit_row(visit_kind)
    person = PersonFactory(insurance_type="employee")
    # The first approved: (8500 − 1000) × 0.80 = 6000; the second's 8500 × 0.80 = 6800 exceeds the 4000 left.
    claims = [
        ClaimFactory(person=person, state="under_review", **_factory_fields(care("inpatient", "8500.00", slot=slot)))
        for slot in range(2)
    ]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def approve_now(claim):
        reviewer = UserFactory(role="reviewer")
        try:
            barrier.wait()
            claim_services.claim_transition(claim_id=claim.pk, action="approve", actor=reviewer.actor)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve_now, args=(claim,)) for claim in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    payables = sorted(Claim.objects.filter(person=person).values_list("payable_amount", flat=True))
    assert sum(payables) == Decimal("10000.00")
    # Whichever goes first pays the deductible (6000.00); the other gets what is left of the cap.
    assert payables == [Decimal("4000.00"), Decimal("6000.00")]


def _factory_fields(body: dict) -> dict:
    """A request body as ClaimFactory takes it (dates as dates)."""
    fields = {name: value for name, value in body.items() if name != "invoices"}
    for name in ("admission_date", "discharge_date"):
        fields[name] = datetime.date.fromisoformat(fields[name])
    fields["invoices"] = [
        {**invoice, "issued_on": datetime.date.fromisoformat(invoice["issued_on"])} for invoice in body["invoices"]
    ]
    return fields


# --- 2. one bill, however it is spelt, whoever issued it ----------------------------------------------

PUMC = "H11010000001"  # 北京协和医院（示例）, level 3, Beijing (110100)
VISIT_DAY = TODAY - 15 * DAY
CODE, NUMBER = "31000026", "AB12345678"

SPELLINGS = [
    ("full-width digits and letters", "３１００００２６", "ＡＢ１２３４５６７８"),
    ("lower case", CODE, "ab12345678"),
    ("spaces", "3100 0026", " AB 1234 5678 "),
    ("ideographic spaces", "3100\u30000026", "AB\u300012345678"),
    ("hyphens", "3100-0026", "AB-1234-5678"),
    ("en dash", "3100\u20130026", "AB\u201312345678"),
    ("slash", "3100/0026", "AB/1234/5678"),
    ("dot", "3100.0026", "AB.1234.5678"),
    ("zero-width space", "\u200b31000026", "AB\u200b12345678"),
    ("BOM", "\ufeff31000026", "AB12345678\ufeff"),
    ("soft hyphen", "3100\u00ad0026", "AB1234\u00ad5678"),
    ("all at once", "３１００－００２６\u200b", "ａｂ\u00ad１２３４ ５６７８\ufeff"),
]
NAMINGS = [
    ("catalogue code", {"institution": PUMC}),
    ("catalogue name", {"institution_name": "北京协和医院（示例）", "institution_level": 3}),
    ("name without the suffix", {"institution_name": "北京协和医院", "institution_level": 1}),
    ("free name and level", {"institution_name": "某私立诊所", "institution_level": 1}),
]


def visit(naming: dict, code: str = CODE, number: str = NUMBER, **overrides) -> dict:
    """An outpatient visit in Beijing, paid with one bill of 500.00."""
    body = ClaimRequestFactory(
        claim_kind="outpatient",
        city="110100",
        admission_date=VISIT_DAY.isoformat(),
        discharge_date=VISIT_DAY.isoformat(),
        total_amount="500.00",
        invoices=[bill(number, "500.00", VISIT_DAY, code=code)],
        **overrides,
    )
    del body["institution_name"], body["institution_level"]
    return {**body, **naming}


@pytest.fixture
def pumc():
    """The catalogue entry these tests name (the catalogue is imported, not seeded by migrations)."""
    return InstitutionFactory(code=PUMC, name="北京协和医院（示例）", city_id="110100", level=3)


@pytest.mark.parametrize("naming", [n[1] for n in NAMINGS], ids=[n[0] for n in NAMINGS])
@pytest.mark.parametrize("code, number", [s[1:] for s in SPELLINGS], ids=[s[0] for s in SPELLINGS])
def test_each_spelling_of_one_invoice_is_the_same_bill(me, pumc, naming, code, number):
    first = submit(me, visit({"institution": PUMC}))
    assert first["invoices"][0]["code"] == CODE and first["invoices"][0]["number"] == NUMBER
    answer = refused(me, visit(naming, code, number), 409, "invoice_already_claimed")
    assert first["reference"] in answer["message"] and first["reference"] in answer["errors"]["invoices"][0]
    assert f"{CODE} {NUMBER}" in answer["message"]


@pytest.mark.parametrize(
    "caller, told",
    [
        pytest.param("owner", True, id="the person who holds the claim is told its reference"),
        pytest.param("another person", False, id="another person's session is not told it"),
        pytest.param("counter", True, id="counter staff are told it"),
    ],
)
def test_who_is_told_which_claim_holds_the_bill(client_for, me, counter, pumc, caller, told):
    first = submit(me, visit({"institution": PUMC}))["reference"]
    again = visit(NAMINGS[2][1], "3100-0026", "ab 1234\u200b5678")
    if caller == "owner":
        client = me
    elif caller == "another person":
        client = client_for(person=PersonFactory())
    else:
        client, again = counter, {**again, "id_number": PersonFactory().id_number}
    answer = refused(client, again, 409, "invoice_already_claimed")
    assert (first in str(answer)) is told
    assert list(answer["errors"]) == ["invoices"]


# --- 3. an institution named by name is the catalogue's entry in that city -------------------------------


@pytest.mark.parametrize(
    "name, city, extra_entry, resolved",
    [
        pytest.param("北京协和医院", "110100", None, True, id="the name without the suffix"),
        pytest.param("北京协和医院（示例）", "110100", None, True, id="the catalogue name"),
        pytest.param("北京协和医院(示例)", "110100", None, True, id="ASCII parentheses"),
        pytest.param(" 北京 协和医院\u200b", "110100", None, True, id="spaces and invisible characters"),
        pytest.param("北京协和医院", "310100", None, False, id="in another city"),
        pytest.param("北京协和医院西院", "110100", None, False, id="a longer name"),
        pytest.param("北京协和医院", "110100", "北京协和医院（东院）", False, id="two entries answer to it"),
    ],
)
def test_an_institution_named_by_name_resolves_to_the_catalogue(me, pumc, name, city, extra_entry, resolved):
    if extra_entry:
        InstitutionFactory(code="H11010000009", name=extra_entry, city_id="110100", level=2)
    stay = {"admission_date": (TODAY - 20 * DAY).isoformat(), "discharge_date": (TODAY - 10 * DAY).isoformat()}
    claim = submit(me, ClaimRequestFactory(institution_name=name, institution_level=1, city=city, **stay))
    if resolved:
        assert (claim["institution"], claim["institution_level"], claim["institution_name"]) == (
            PUMC,
            3,
            "北京协和医院（示例）",
        )
        assert ClaimInvoice.objects.get(claim__reference=claim["reference"]).issuer == PUMC
        # Level 3 sample row (1000, 0.85), no filing: (10000 − 1000 own share − 1000) × 0.75.
        assert claim["estimate"]["payable"] == "6000.00"
    else:
        assert (claim["institution"], claim["institution_level"], claim["institution_name"]) == (None, 1, name.strip())
        # Level 1 sample row (300, 0.90), no filing: (10000 − 1000 − 300) × 0.80.
        assert claim["estimate"]["payable"] == "6960.00"


# --- 4. bad invoices: 400 with the code and the field, nothing written ------------------------------------

ADMISSION = TODAY - 45 * DAY
DISCHARGE = TODAY - 35 * DAY


def stay_body(invoices: list[dict]) -> dict:
    """An inpatient stay of ADMISSION–DISCHARGE in 福州 for 10000.00, paid with the bills given."""
    return ClaimRequestFactory(
        city="350100",
        institution_name="福州某医院",
        admission_date=ADMISSION.isoformat(),
        discharge_date=DISCHARGE.isoformat(),
        invoices=invoices,
    )


def one_bill(**fields) -> list[dict]:
    return [{**bill("QP0001", "10000.00", DISCHARGE), **fields}]


BAD_INVOICES = [
    ("number of invisible characters only", one_bill(number="\u200b\ufeff\u00ad"), "invoice_number_missing",
     "invoices.0.number"),
    ("number of separators only", one_bill(number="-\u2013/."), "invoice_number_missing", "invoices.0.number"),
    ("number of full-width separators", one_bill(number="\uff0d\u3000\uff0f"), "invoice_number_missing",
     "invoices.0.number"),
    ("code of invisible characters only", one_bill(code="\u200b\u00ad"), "invoice_code_missing", "invoices.0.code"),
    ("one bill twice in two spellings",
     [bill("QP-0002", "5000.00", DISCHARGE), bill("ｑｐ０００２", "5000.00", DISCHARGE, code="3100 0026")],
     "duplicate_invoice", "invoices.1.number"),
    ("dated after today", one_bill(issued_on=(TODAY + DAY).isoformat()), "invoice_date", "invoices.0.issued_on"),
    ("dated the day before admission", one_bill(issued_on=(ADMISSION - DAY).isoformat()), "invoice_date",
     "invoices.0.issued_on"),
    ("dated 31 days after discharge", one_bill(issued_on=(DISCHARGE + 31 * DAY).isoformat()), "invoice_date",
     "invoices.0.issued_on"),
]  # fmt: skip


@pytest.mark.parametrize("invoices, code, key", [row[1:] for row in BAD_INVOICES], ids=[row[0] for row in BAD_INVOICES])
def test_a_bad_invoice_is_refused_naming_its_field(me, invoices, code, key):
    answer = refused(me, stay_body(invoices), 400, code)
    assert list(answer["errors"]) == [key], answer


# Bills whose shape is wrong: the input layer refuses them (code `invalid`) under the bill's field.
MISSHAPEN = [
    ("code left out", [{k: v for k, v in one_bill()[0].items() if k != "code"}], "invoices.0.code"),
    ("code empty", one_bill(code=""), "invoices.0.code"),
    ("amount zero", one_bill(amount="0.00"), "invoices.0.amount"),
]


@pytest.mark.parametrize("invoices, key", [row[1:] for row in MISSHAPEN], ids=[row[0] for row in MISSHAPEN])
def test_a_misshapen_invoice_is_refused_under_its_field(me, invoices, key):
    answer = refused(me, stay_body(invoices), 400, "invalid")
    assert key in answer["errors"], answer


@pytest.mark.parametrize("invoices, key", [row[1:] for row in MISSHAPEN], ids=[row[0] for row in MISSHAPEN])
def test_a_misshapen_invoice_is_the_only_error(me, invoices, key):
    answer = refused(me, stay_body(invoices), 400, "invalid")
    assert list(answer["errors"]) == [key], answer


@pytest.mark.parametrize(
    "issued_on",
    [
        pytest.param(ADMISSION, id="on the admission day"),
        pytest.param(DISCHARGE, id="on the discharge day"),
        pytest.param(DISCHARGE + 30 * DAY, id="exactly 30 days after discharge"),
    ],
)
def test_an_invoice_dated_within_the_care_is_accepted(me, issued_on):
    claim = submit(me, stay_body(one_bill(issued_on=issued_on.isoformat())))
    assert claim["invoices"][0]["issued_on"] == issued_on.isoformat()


@pytest.mark.parametrize("days, accepted", [(10, True), (11, False)], ids=["on the policy's last day", "a day later"])
def test_the_invoice_window_is_the_policys(me, days, accepted):
    ClaimPolicyFactory(invoice_days_after_discharge=10)
    body = stay_body(one_bill(issued_on=(DISCHARGE + days * DAY).isoformat()))
    if accepted:
        submit(me, body)
    else:
        answer = refused(me, body, 400, "invoice_date")
        assert "10" in answer["errors"]["invoices.0.issued_on"][0]


# --- 5. two bases at once: the one paying more is chosen ----------------------------------------------------

# The seeded sample row (employee, inpatient, level 3: deductible 1000, ratio 0.85), a 10000 emergency stay:
FILED_LONG_TERM = "7650.00"  # 9000 × 0.85
FILED_TEMPORARY = "6750.00"  # 9000 × (0.85 − 0.10)
EMERGENCY = "7200.00"  # 9000 × (0.85 − 0.05)
IN_PROVINCE = "7650.00"  # 9000 × 0.85
OWN_SHARE_TEMPORARY = "6000.00"  # (10000 − 1000 own share − 1000) × 0.75
OWN_SHARE_LONG_TERM = "6800.00"  # 8000 × 0.85
STAY = {"admission_date": TODAY - 20 * DAY, "discharge_date": TODAY - 10 * DAY}


def local(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


# (id, filing type or None, filed after discharge, city, basis before the record, payable before,
#  chosen basis after, payable after, considered after: [(code, names the filing, payable)])
BASIS_PAIRS = [
    ("long-term filing and rescue record", "retiree_resettled", False, "310100", "filed", FILED_LONG_TERM,
     "filed", FILED_LONG_TERM, [("filed", True, FILED_LONG_TERM), ("emergency", False, EMERGENCY),
                                ("no_filing", False, OWN_SHARE_TEMPORARY)]),
    ("temporary filing and rescue record", "other_temporary", False, "310100", "filed", FILED_TEMPORARY,
     "emergency", EMERGENCY, [("filed", True, FILED_TEMPORARY), ("emergency", False, EMERGENCY),
                              ("no_filing", False, OWN_SHARE_TEMPORARY)]),
    ("in-province care and rescue record", None, False, "350100", "in_province", IN_PROVINCE,
     "in_province", IN_PROVINCE, [("in_province", False, IN_PROVINCE), ("emergency", False, EMERGENCY),
                                  ("no_filing", False, OWN_SHARE_TEMPORARY)]),
    ("retroactive temporary filing and rescue record", "other_temporary", True, "310100", "retroactive_filing",
     OWN_SHARE_TEMPORARY, "emergency", EMERGENCY,
     [("retroactive_filing", True, OWN_SHARE_TEMPORARY), ("emergency", False, EMERGENCY),
      ("no_filing", False, OWN_SHARE_TEMPORARY)]),
    ("retroactive long-term filing and rescue record", "retiree_resettled", True, "310100", "retroactive_filing",
     OWN_SHARE_LONG_TERM, "emergency", EMERGENCY,
     [("retroactive_filing", True, OWN_SHARE_LONG_TERM), ("emergency", False, EMERGENCY),
      ("no_filing", False, OWN_SHARE_TEMPORARY)]),
]  # fmt: skip


@pytest.mark.parametrize(
    "filing_type, late, city, basis_before, payable_before, basis_after, payable_after, considered",
    [row[1:] for row in BASIS_PAIRS],
    ids=[row[0] for row in BASIS_PAIRS],
)
def test_of_two_bases_the_better_one_is_chosen(
    me,
    counter,
    reviewer,
    person,
    filing_type,
    late,
    city,
    basis_before,
    payable_before,
    basis_after,
    payable_after,
    considered,
):
    filing = None
    if filing_type is not None:
        submitted = local(TODAY) if late else local(STAY["admission_date"] - 30 * DAY)
        filing = FilingFactory(
            person=person,
            filing_type=filing_type,
            destination_id="310000",
            start_date=STAY["admission_date"] - 30 * DAY,
            end_date=None if filing_type == "retiree_resettled" else STAY["admission_date"] + 150 * DAY,
            submitted_at=submitted,
        )
    body = ClaimRequestFactory(
        claim_kind="emergency", setting="inpatient", reason="emergency", city=city,
        **{name: day.isoformat() for name, day in STAY.items()},
    )  # fmt: skip
    claim = submit(me, body)
    ref = claim["reference"]
    assert (claim["basis"], claim["estimate"]["payable"]) == (basis_before, payable_before)

    received = counter.post(f"{URL}{ref}/materials/rescue_record/status/", {"status": "received"})
    assert received.status_code == 200, received.content
    claim = me.get(f"{URL}{ref}/").json()
    assert (claim["basis"], claim["estimate"]["payable"]) == (basis_after, payable_after)
    assert Decimal(claim["estimate"]["payable"]) >= Decimal(payable_before)  # more evidence never lowers it
    chosen_filing = filing.reference if filing is not None and basis_after in ("filed", "retroactive_filing") else None
    assert claim["filing"] == chosen_filing

    approved = approve(reviewer, ref)
    assert (approved["basis"], approved["payable_amount"]) == (basis_after, payable_after)
    assert approved["breakdown"]["basis"]["considered"] == [
        {"code": code, "filing": filing.reference if names_filing else None, "payable": payable}
        for code, names_filing, payable in considered
    ]
    assert max(Decimal(row[2]) for row in considered) == Decimal(approved["payable_amount"])


# (claim kind, setting, eligibility visit, basis, names the filing, payable, eligibility: covered, basis, reason)
EMERGENCY_FILING = [
    # Outpatient sample row (100, 0.60), 1000, no filing: (1000 − 100 − 100) × 0.50.
    ("ordinary outpatient care", "outpatient", "", "outpatient", "no_filing", False, "400.00",
     (False, None, "no_filing")),
    # Under the emergency filing: (10000 − 1000) × (0.85 − 0.05).
    ("an inpatient stay", "inpatient", "", "inpatient", "filed", True, EMERGENCY, (True, "filing", "filed")),
    # An emergency visit as an outpatient: (1000 − 100) × (0.60 − 0.05).
    ("an emergency visit", "emergency", "outpatient", "emergency", "filed", True, "495.00",
     (True, "filing", "filed")),
]  # fmt: skip


@pytest.mark.parametrize(
    "kind, setting, visit, basis, names_filing, payable, eligibility",
    [row[1:] for row in EMERGENCY_FILING],
    ids=[row[0] for row in EMERGENCY_FILING],
)
def test_an_emergency_filing_backs_its_rescue_episode_only(
    me, reviewer, person, kind, setting, visit, basis, names_filing, payable, eligibility
):
    filing = FilingFactory(
        person=person,
        filing_type="emergency",
        destination_id="310000",
        start_date=STAY["admission_date"] - DAY,
        submitted_at=local(STAY["admission_date"] - DAY),
    )
    total = "10000.00" if kind == "inpatient" else "1000.00"
    fields = {"claim_kind": kind, "total_amount": total, "city": "310100"}
    if setting:
        fields.update(setting=setting, reason="emergency")
    claim = submit(me, ClaimRequestFactory(**fields, **{name: day.isoformat() for name, day in STAY.items()}))
    expected_filing = filing.reference if names_filing else None
    assert (claim["basis"], claim["filing"], claim["estimate"]["payable"]) == (basis, expected_filing, payable)
    approved = approve(reviewer, claim["reference"])
    assert (approved["basis"], approved["payable_amount"]) == (basis, payable)

    answer = eligibility_check(id_number=person.id_number, city_code="310100", on=STAY["admission_date"], visit=visit)
    assert (answer.covered, answer.basis, answer.reason_code) == eligibility
    assert answer.filing == (filing.reference if eligibility[1] == "filing" else None)


# --- 6. chronic care by place ---------------------------------------------------------------------------------


def chronic_patient():
    """A person qualified, from a year ago, for one disease only: one not settled directly across provinces
    (the module's ``person`` also holds hypertension, which is)."""
    person = PersonFactory(insurance_type="employee")
    disease = ChronicDiseaseFactory(settled_directly=False)
    ChronicQualificationFactory(person=person, disease_id=disease.code, starts_on=TODAY - 365 * DAY)
    return person, disease.code


def chronic_visit(disease: str, city: str, on: datetime.date) -> dict:
    """One chronic/special outpatient visit on ``on`` in ``city`` for 1000.00."""
    return ClaimRequestFactory(
        claim_kind="chronic_outpatient", reason="chronic_not_settled", disease=disease, city=city,
        total_amount="1000.00", admission_date=on.isoformat(), discharge_date=on.isoformat(),
    )  # fmt: skip


def sanming_filing(person, on: datetime.date):
    """A long-term filing for 三明 (350400), made and in force three months before ``on``."""
    start = on - 90 * DAY
    return FilingFactory(
        person=person,
        filing_type="stationed_worker",
        destination_id="350400",
        start_date=start,
        end_date=None,
        submitted_at=local(start),
    )


@pytest.mark.parametrize(
    "city, basis, payable, eligibility",
    [
        # Chronic sample row (employee, level 3: no deductible, ratio 0.75), 1000: 1000 × 0.75.
        pytest.param("350200", "in_province", "750.00", (True, "in_province", "local"), id="in the insured city"),
        pytest.param("350100", "in_province", "750.00", (True, "in_province", "in_province"), id="elsewhere in Fujian"),
        # Control, across provinces: the disease is not settled directly; no filing: 900 × (0.75 − 0.10).
        pytest.param("310100", "no_filing", "585.00", (False, None, "not_settled_directly"), id="across provinces"),
        # 三明 is in Fujian but on the list of cities needing a filing: no filing, own share; eligibility
        # should say a filing is missing, not that the disease is not settled across provinces.
        pytest.param("350400", "no_filing", "585.00", (False, None, "no_filing"), id="listed Fujian city"),
    ],
)
def test_chronic_care_inside_the_province_rests_on_in_province(client_for, reviewer, city, basis, payable, eligibility):
    person, disease = chronic_patient()
    on = TODAY - 10 * DAY
    claim = submit(client_for(person=person), chronic_visit(disease, city, on))
    assert (claim["basis"], claim["filing"], claim["estimate"]["payable"]) == (basis, None, payable)
    approved = approve(reviewer, claim["reference"])
    assert (approved["breakdown"]["basis"]["code"], approved["payable_amount"]) == (basis, payable)

    answer = eligibility_check(id_number=person.id_number, city_code=city, on=on, visit="chronic_outpatient")
    assert (answer.covered, answer.basis, answer.reason_code) == eligibility


@pytest.mark.parametrize(
    "filed, basis, payable",
    [
        pytest.param(True, "filed", "750.00", id="with a filing for 三明"),  # long-term filing: 1000 × 0.75
        pytest.param(False, "no_filing", "585.00", id="without"),
    ],
)
def test_chronic_care_in_a_listed_fujian_city_rests_on_its_filing(client_for, filed, basis, payable):
    person, disease = chronic_patient()
    on = TODAY - 10 * DAY
    filing = sanming_filing(person, on) if filed else None
    claim = submit(client_for(person=person), chronic_visit(disease, "350400", on))
    expected_filing = filing.reference if filing else None
    assert (claim["basis"], claim["filing"], claim["estimate"]["payable"]) == (basis, expected_filing, payable)


def test_eligibility_agrees_with_the_claim_for_chronic_care_under_a_filing_in_a_listed_fujian_city():
    person, _disease = chronic_patient()
    on = TODAY - 10 * DAY
    filing = sanming_filing(person, on)
    answer = eligibility_check(id_number=person.id_number, city_code="350400", on=on, visit="chronic_outpatient")
    assert (answer.covered, answer.basis, answer.reason_code) == (True, "filing", "filed")
    assert answer.filing == filing.reference
