"""The money invariants of the whole claims policy, over random sequences of records (hypothesis, stateful).

A state machine builds persons, filings, claims (bills spelt many ways, institutions named many
ways), rescue records, approvals, refusals and amounts settled elsewhere, in random order, through
the real services, and after every step checks:

- per person, year and pool, the fund paid by this system never exceeds the pool's cap, and each
  approval's year-to-date figures equal those of an independent ledger kept by the test (so pooling
  two kinds together again, or counting the deductible across visit kinds, is caught);
- per-year deductibles are applied at most once per person, year and visit kind; per-stay ones at
  most once per claim;
- every bill (its true code and number, whatever the spelling) backs at most one live claim;
- adding evidence (a filing, a rescue record) never lowers any open claim's best amount, and never
  changes an approved one;
- an open claim's basis, derived now, agrees with eligibility's answer for its admission day;
- every approved claim recomputed from the inputs its breakdown stored gives the stored figures.

``HYPOTHESIS_PROFILE=long`` runs many more and longer sequences; CI runs the fixed-seed ``ci`` profile.
"""

from __future__ import annotations

import copy
import datetime
import os
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, precondition, rule

from accounts.choices import Role
from config.errors import ApplicationError
from filings.selectors import eligibility_check
from registry.identifiers import invoice_identity
from reimbursements import selectors, services
from reimbursements.calculator import money
from reimbursements.choices import DECIDED_PAYABLE_STATES, OPEN_CLAIM_STATES, ClaimAction, ClaimState
from reimbursements.models import BenefitPool, Claim, ClaimInvoice, PoolUsageElsewhere
from reimbursements.selectors import CLAIM_VISIT, benefit_visit
from tests.factories import (
    BenefitPolicyFactory,
    FilingFactory,
    PersonFactory,
    UserFactory,
    claim_accept_all,
)

settings.register_profile(
    "ci",
    max_examples=50,
    stateful_step_count=15,
    derandomize=True,  # a fixed seed: CI runs the same sequences every time
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "long",
    max_examples=400,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TODAY = datetime.date.today()
# Days of care lie within the last 11 months (the claim deadline is 12), across a New Year when the
# calendar allows; the test ledger keys pools by the discharge date's year.
FIRST_DAY = TODAY - datetime.timedelta(days=360)
CITIES = ("310100", "110100", "350100")  # Shanghai, Beijing (other provinces), Fuzhou (insured province)
POOL_OF_VISIT = {"inpatient": "fund", "chronic_outpatient": "chronic", "outpatient": "outpatient"}
# True bills: (code, number); the machine submits them spelt in the ways people type them.
BILLS = [("31000026", f"FP{n:04d}") for n in range(12)]
SPELLINGS = (
    lambda s: s,
    lambda s: s.lower(),
    lambda s: " ".join(s),
    lambda s: s[:2] + "-" + s[2:],
    lambda s: s.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    lambda s: s[:3] + "\u200b" + s[3:],
    lambda s: "\ufeff" + s + " ",
    lambda s: s.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + "\u3164",  # Arabic-Indic, a filler
)
CLAIM_KINDS = ("inpatient", "outpatient", "emergency")
FILING_TYPES = ("retiree_resettled", "other_temporary", "emergency", "referral")


def _day(offset: int) -> datetime.date:
    return FIRST_DAY + datetime.timedelta(days=offset)


class MoneyMachine(RuleBasedStateMachine):
    """One bureau's claims, built step by step; ``teardown`` rolls everything back."""

    claims = Bundle("claims")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.counter = UserFactory(role=Role.COUNTER)
        self.reviewer = UserFactory(role=Role.REVIEWER)
        self.bills_of: dict[int, set[tuple[str, str]]] = {}  # claim pk -> the true bills it was submitted with
        self.approved: list[int] = []  # claim pks in the order they were approved
        self.filed: set[int] = set()  # persons with a filing (one each keeps filings from overlapping)

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- the policy of this bureau: drawn once per sequence -------------------------------------------

    @initialize(
        inpatient_scope=st.sampled_from(["per_year", "per_stay"]),
        fund_cap=st.sampled_from([Decimal("6000.00"), Decimal("15000.00"), Decimal("400000.00")]),
        outpatient_cap=st.sampled_from([Decimal("800.00"), Decimal("3000.00")]),
        deductible=st.sampled_from([Decimal("0.00"), Decimal("300.00"), Decimal("1200.00")]),
    )
    def policy(self, inpatient_scope, fund_cap, outpatient_cap, deductible):
        # Two persons: their claims meet in the same pools and years often enough to matter.
        self.people = [PersonFactory(), PersonFactory()]
        self.caps = {"fund": fund_cap, "outpatient": outpatient_cap}
        self.scopes = {"inpatient": inpatient_scope, "outpatient": "per_year"}
        self.deductibles = {"inpatient": deductible, "outpatient": min(deductible, Decimal("200.00"))}
        since = FIRST_DAY - datetime.timedelta(days=400)
        for visit in ("inpatient", "outpatient"):
            for level in (1, 2, 3):
                BenefitPolicyFactory(
                    effective_from=since,
                    visit_kind=visit,
                    institution_level=level,
                    deductible=self.deductibles[visit],
                    deductible_scope=self.scopes[visit],
                    ratio=Decimal("0.8500") if visit == "inpatient" else Decimal("0.6000"),
                    annual_cap=self.caps[POOL_OF_VISIT[visit]],
                    pool=BenefitPool.objects.get(code=POOL_OF_VISIT[visit]),
                )

    # --- records ---------------------------------------------------------------------------------------

    @precondition(lambda self: hasattr(self, "caps"))
    @rule(
        who=st.integers(0, 1),
        filing_type=st.sampled_from(FILING_TYPES),
        destination=st.sampled_from(["310000", "110000"]),
        start=st.integers(0, 300),
        submitted=st.integers(-30, 330),
    )
    def file(self, who, filing_type, destination, start, submitted):
        """A filing arrives (evidence): no open claim's best amount may fall, no approved one may move."""
        person = self.people[who]
        if person.pk in self.filed:
            return
        before = self._best_amounts()
        frozen = self._frozen()
        submitted_at = min(
            datetime.datetime.combine(_day(submitted), datetime.time(9), tzinfo=datetime.UTC),
            datetime.datetime.now(datetime.UTC),
        )
        FilingFactory(
            person=person,
            filing_type=filing_type,
            destination_id=destination,
            start_date=_day(start),
            end_date=None if filing_type == "retiree_resettled" else _day(start + 120),
            submitted_at=submitted_at,
            effective_at=submitted_at,
        )
        self.filed.add(person.pk)
        self._assert_not_lower(before, "a filing")
        assert self._frozen() == frozen

    @precondition(lambda self: hasattr(self, "caps"))
    @rule(
        target=claims,
        who=st.integers(0, 1),
        kind=st.sampled_from(CLAIM_KINDS),
        setting=st.sampled_from(["inpatient", "outpatient"]),
        city=st.sampled_from(CITIES),
        admission=st.integers(0, 350),
        length=st.integers(0, 12),
        total=st.integers(100, 40000),
        excluded_share=st.sampled_from([0, 10, 35]),
        bills=st.lists(st.integers(-3, 11), min_size=1, max_size=2, unique=True),
        spelling=st.sampled_from(range(len(SPELLINGS))),
        level=st.sampled_from([1, 2, 3]),
        approve_now=st.booleans(),
    )
    def claim(
        self, who, kind, setting, city, admission, length, total, excluded_share, bills, spelling, level, approve_now
    ):
        person = self.people[who]
        # A negative draw is a bill never seen before; 0–11 may repeat one.
        bills = [BILLS[b] if b >= 0 else self._new_bill() for b in bills]
        admitted = _day(admission)
        discharged = min(admitted + datetime.timedelta(days=length), TODAY)
        total = Decimal(total)
        amounts = [money(total / len(bills))] * len(bills)
        amounts[-1] = total - sum(amounts[:-1])
        spell = SPELLINGS[spelling]
        data = {
            "claim_kind": kind,
            "reason": "settlement_failed",
            "institution_name": "某医院",
            "institution_level": level,
            "city": city,
            "admission_date": admitted,
            "discharge_date": discharged,
            "total_amount": total,
            "excluded_amount": money(total * excluded_share / 100),
            "invoices": [
                {"code": spell(code), "number": spell(number), "amount": amount, "issued_on": discharged}
                for (code, number), amount in zip(bills, amounts, strict=True)
            ],
        }
        if kind == "emergency":
            data["setting"] = setting
        try:
            claim = services.claim_submit(actor=self.counter.actor, person=person, data=data)
        except ApplicationError as refusal:
            # A bill already backing a live claim is the one refusal the ledger must predict.
            taken = self._live_bills() & set(bills)
            if refusal.code == "invoice_already_claimed":
                assert taken, refusal.message
            return None
        assert not (self._live_bills(exclude=claim.pk) & set(bills)), "a bill backs two live claims"
        self.bills_of[claim.pk] = set(bills)
        if approve_now:
            self.approve(claim.pk)
        return claim.pk

    @precondition(lambda self: hasattr(self, "caps"))
    @rule(claim=claims)
    def rescue_record(self, claim):
        """The rescue record of an emergency arrives (evidence)."""
        record = Claim.objects.filter(pk=claim, claim_kind="emergency", state__in=("submitted",)).first()
        if record is None:
            return
        before = self._best_amounts()
        frozen = self._frozen()
        services.claim_material_update(
            claim_id=claim, item="rescue_record", actor=self.counter.actor, status="received"
        )
        self._assert_not_lower(before, "a rescue record")
        assert self._frozen() == frozen

    @precondition(lambda self: hasattr(self, "caps"))
    @rule(claim=claims)
    def approve(self, claim):
        record = Claim.objects.filter(pk=claim, state=ClaimState.SUBMITTED).first()
        if record is None:
            return
        claim_accept_all(record, user=self.counter)
        for action in (ClaimAction.START_REVIEW, ClaimAction.APPROVE):
            try:
                services.claim_transition(claim_id=claim, action=action, actor=self.reviewer.actor)
            except ApplicationError:
                return  # e.g. a stay claimed twice: refused, nothing paid
        record.refresh_from_db()
        self._check_against_ledger(record)
        self.approved.append(claim)

    @precondition(lambda self: hasattr(self, "caps"))
    @rule(claim=claims, action=st.sampled_from([ClaimAction.REJECT, ClaimAction.WITHDRAW]))
    def end(self, claim, action):
        record = Claim.objects.filter(pk=claim, state__in=OPEN_CLAIM_STATES).first()
        if record is not None:
            actor = (self.reviewer if action == ClaimAction.REJECT else self.counter).actor
            services.claim_transition(claim_id=claim, action=action, actor=actor, reason="测试")

    @precondition(lambda self: hasattr(self, "caps"))
    @rule(
        who=st.integers(0, 1),
        year=st.sampled_from(sorted({FIRST_DAY.year, TODAY.year})),
        pool=st.sampled_from(["fund", "outpatient"]),
        fund_paid=st.integers(0, 8000),
        deductible_paid=st.sampled_from([0, 100, 500]),
    )
    def settled_elsewhere(self, who, year, pool, fund_paid, deductible_paid):
        PoolUsageElsewhere.objects.create(
            person=self.people[who],
            year=year,
            pool_id=pool,
            fund_paid=Decimal(fund_paid),
            visit_kind="inpatient" if pool == "fund" else "outpatient",
            deductible_paid=Decimal(deductible_paid),
            source=f"异地结算 {PoolUsageElsewhere.objects.count()}",
        )

    def _new_bill(self) -> tuple[str, str]:
        self.fresh = getattr(self, "fresh", 0) + 1
        return ("35020026", f"NEW{self.fresh:04d}")

    # --- what the test knows on its own ---------------------------------------------------------------

    def _live_bills(self, exclude: int | None = None) -> set[tuple[str, str]]:
        live = Claim.objects.filter(pk__in=self.bills_of, state__in=(*OPEN_CLAIM_STATES, *DECIDED_PAYABLE_STATES))
        return {bill for pk in live.exclude(pk=exclude).values_list("pk", flat=True) for bill in self.bills_of[pk]}

    def _best_amounts(self) -> dict[int, Decimal]:
        """Every open claim's amount on the best basis the records support now."""
        found = {}
        for record in Claim.objects.filter(pk__in=self.bills_of, state__in=OPEN_CLAIM_STATES):
            considered = selectors.claim_basis_now(claim=record).considered
            found[record.pk] = max(Decimal(c["payable"]) for c in considered)
        return found

    def _assert_not_lower(self, before: dict[int, Decimal], evidence: str) -> None:
        after = self._best_amounts()
        for pk, amount in before.items():
            if pk in after:
                assert after[pk] >= amount, f"{evidence} lowered claim {pk}: {amount} -> {after[pk]}"

    def _frozen(self) -> list[tuple]:
        return list(
            Claim.objects.filter(pk__in=self.approved).order_by("pk").values_list("pk", "payable_amount", "basis")
        )

    def _check_against_ledger(self, record: Claim) -> None:
        """The approval's year-to-date figures equal the test's own ledger of earlier approvals and settlements."""
        visit = benefit_visit(record)
        pool, year = POOL_OF_VISIT[visit], record.discharge_date.year
        assert record.pool_id == pool
        earlier = Claim.objects.filter(
            pk__in=self.approved,
            person_id=record.person_id,
            discharge_date__year=year,
            state__in=DECIDED_PAYABLE_STATES,
        )
        elsewhere = PoolUsageElsewhere.objects.filter(person_id=record.person_id, year=year)
        fund_before = sum(
            (c.payable_amount for c in earlier if POOL_OF_VISIT[benefit_visit(c)] == pool), Decimal("0")
        ) + sum((u.fund_paid for u in elsewhere if u.pool_id == pool), Decimal("0"))
        deductible_before = Decimal("0")
        if self.scopes[visit] == "per_year":
            deductible_before = sum(
                (c.deductible_applied for c in earlier if benefit_visit(c) == visit), Decimal("0")
            ) + sum((u.deductible_paid for u in elsewhere if u.visit_kind == visit), Decimal("0"))
        inputs = record.breakdown["inputs"]["year_to_date"]
        assert Decimal(inputs["fund_paid"]) == fund_before, (record.breakdown, fund_before)
        assert Decimal(inputs["deductible_used"]) == deductible_before, (record.breakdown, deductible_before)
        assert record.payable_amount <= max(Decimal("0"), self.caps[pool] - fund_before)
        assert record.deductible_applied <= max(Decimal("0"), self.deductibles[visit] - deductible_before)

    # --- invariants after every step ------------------------------------------------------------------

    @invariant()
    def pools_never_exceeded(self):
        if not hasattr(self, "caps"):
            return
        paid = defaultdict(Decimal)
        deductibles = defaultdict(Decimal)
        for record in Claim.objects.filter(state__in=DECIDED_PAYABLE_STATES):
            visit = benefit_visit(record)
            paid[record.person_id, record.discharge_date.year, record.pool_id] += record.payable_amount
            if record.deductible_scope == "per_year":
                deductibles[record.person_id, record.discharge_date.year, visit] += record.deductible_applied
            else:
                assert record.deductible_applied <= self.deductibles[visit]
        for (_person, _year, pool), total in paid.items():
            assert total <= self.caps[pool], f"pool {pool} paid {total} over its cap {self.caps[pool]}"
        for (_person, _year, visit), total in deductibles.items():
            assert total <= self.deductibles[visit], f"{visit} deductible applied {total} times over"

    @invariant()
    def one_live_claim_per_bill(self):
        live = defaultdict(list)
        for pk in Claim.objects.filter(
            pk__in=self.bills_of, state__in=(*OPEN_CLAIM_STATES, *DECIDED_PAYABLE_STATES)
        ).values_list("pk", flat=True):
            for bill in self.bills_of[pk]:
                live[bill].append(pk)
        assert all(len(holders) == 1 for holders in live.values()), dict(live)
        identities = list(ClaimInvoice.objects.filter(live=True).values_list("identity", flat=True))
        assert len(identities) == len(set(identities))
        known = {bill for bills in self.bills_of.values() for bill in bills}
        assert set(identities) <= {invoice_identity(code, number) for code, number in known}

    @invariant()
    def basis_agrees_with_eligibility(self):
        """For every day of care, the bases a claim judged on that day could rest on are exactly what
        eligibility answers for the person, city, day and visit kind; the stored claim is judged on its
        admission day (SPEC §9), and its basis is the best of that day's."""
        for record in Claim.objects.filter(pk__in=self.bills_of, state__in=OPEN_CLAIM_STATES).select_related("person"):
            rescue_record = record.materials.filter(item="rescue_record", status__in=("received", "accepted")).exists()
            day = record.admission_date
            while day <= record.discharge_date:
                judged = copy.copy(record)
                judged.admission_date = day
                bases = selectors.claim_basis_candidates(claim=judged, rescue_record=rescue_record)
                answer = eligibility_check(
                    id_number=record.person.id_number,
                    city_code=record.city_id,
                    on=day,
                    visit=CLAIM_VISIT[record.claim_kind],
                )
                _assert_agree(answer, bases, rescue_record=rescue_record)
                day += datetime.timedelta(days=1)
            finding = selectors.claim_basis_now(claim=record)
            codes = {c["code"] for c in finding.considered}
            admission_bases = selectors.claim_basis_candidates(claim=record, rescue_record=rescue_record)
            assert codes == {b.basis for b in admission_bases} and finding.basis in codes

    @invariant()
    def approved_claims_recompute_to_the_fen(self):
        for record in Claim.objects.filter(pk__in=self.approved):
            again = selectors.claim_recalculation(claim=record).as_dict()
            stored = {key: record.breakdown[key] for key in again}
            assert again == stored
            assert Decimal(record.breakdown["payable"]) == record.payable_amount


def _assert_agree(answer, bases, *, rescue_record: bool) -> None:
    """Eligibility's answer and a claim's bases for one person, city, day and visit: one rule, two readings."""
    codes = {b.basis for b in bases}
    assert "no_filing" in codes  # always a candidate: the own share first
    grounds = codes - {"no_filing"}
    filings = {b.filing.reference for b in bases if b.filing is not None}
    if answer.basis == "in_province":
        assert "in_province" in grounds, (answer, codes)
    elif answer.basis == "filing":
        assert {"filed", "retroactive_filing"} & grounds and answer.filing in filings, (answer, codes)
        assert "in_province" not in grounds
    elif answer.basis == "emergency":
        assert grounds == ({"emergency"} if rescue_record else set()), (answer, codes)
    elif answer.reason_code in ("not_settled_directly", "institution_not_connected"):
        pass  # chronic care across provinces: covered grounds, but not settled directly
    else:
        assert not grounds, (answer, codes)


@pytest.mark.django_db
def test_money_holds_in_every_combination():
    MoneyMachine.TestCase.settings = PROFILE
    state_machine = MoneyMachine.TestCase("runTest")
    state_machine.runTest()
