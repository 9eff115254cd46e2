"""Reads of the reimbursements app, each scoped to what the caller may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.actors import Actor
from config.errors import NotFound, ValidationFailed
from filings.choices import FILING_CATEGORY, EligibilityBasis, FilingCategory, FilingType
from filings.models import Filing
from filings.selectors import coverage_on
from registry.choices import VisitKind
from registry.models import InsuredPeriod
from registry.selectors import scoped_to_actor
from reimbursements.calculator import BenefitRule, Calculation, ClaimAmounts, YearToDate, calculate, money
from reimbursements.choices import (
    BENEFIT_VISIT,
    CHECKLIST_KINDS,
    CHECKLIST_OPEN_STATES,
    DECIDED_PAYABLE_STATES,
    INJURY,
    OPEN_CLAIM_STATES,
    OWN_SHARE_BASES,
    RESCUE_RECORD_ITEM,
    ClaimAction,
    ClaimBasis,
    ClaimKind,
    DeductibleScope,
    MaterialStatus,
)
from reimbursements.models import (
    BenefitPolicy,
    Claim,
    ClaimEvent,
    ClaimMaterial,
    ClaimMaterialRequirement,
    ClaimPolicy,
    PoolUsageElsewhere,
)

ZERO = Decimal("0")


def _claims() -> QuerySet[Claim]:
    """Claims with what every listing and detail shows joined in once."""
    return Claim.objects.select_related("person", "city", "channel", "filing", "disease").prefetch_related("invoices")


def _with_checklist(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """The checklist (with who last changed each item) in one query, whatever its length."""
    return queryset.prefetch_related(Prefetch("materials", queryset=ClaimMaterial.objects.select_related("changed_by")))


def claim_list(*, actor: Actor | None) -> QuerySet[Claim]:
    """Claims the caller may see: staff all, a person their own, channels none."""
    return scoped_to_actor(_claims(), actor)


def claim_detail(*, actor: Actor | None, reference: str) -> Claim:
    claim = _with_checklist(claim_list(actor=actor)).filter(reference=reference).first()
    if claim is None:
        raise NotFound()
    return claim


def claim_reload(*, claim_id: int) -> Claim:
    """Re-read a claim the caller has just acted on, with its checklist."""
    return _with_checklist(_claims()).get(pk=claim_id)


def claim_material_with_file(*, claim: Claim, item: str) -> ClaimMaterial:
    """The checklist item's stored file, for a claim the caller may already see."""
    material = claim.materials.filter(item=item).exclude(file="").first()
    if material is None:
        raise NotFound(_("No file has been uploaded for %(item)s.") % {"item": item})
    return material


def claim_requirements(
    *, claim_kind: str, injury: bool = False, setting: str = "", on: datetime.date | None = None
) -> QuerySet[ClaimMaterialRequirement]:
    """The checklist of a claim kind (an emergency: its setting's items, then the rescue record)."""
    kinds = list(CHECKLIST_KINDS[claim_kind])
    if claim_kind == ClaimKind.EMERGENCY:
        kinds.insert(0, setting or "inpatient")
    if injury:
        kinds.append(INJURY)
    position = Case(*(When(claim_kind=kind, then=Value(index)) for index, kind in enumerate(kinds)))
    return (
        ClaimMaterialRequirement.objects.in_force(on)
        .filter(claim_kind__in=kinds)
        .order_by(position, "sort_order", "item")
    )


def claim_policy_in_force(*, on: datetime.date | None = None) -> ClaimPolicy:
    policy = ClaimPolicy.objects.in_force(on).order_by("-effective_from").first()
    return policy or ClaimPolicy(effective_from=datetime.date.min)


def insured_period_on(*, person_id: int, on: datetime.date) -> InsuredPeriod | None:
    """The person's insured period that covered ``on`` (active or suspended), if any."""
    return InsuredPeriod.objects.filter(InsuredPeriod.covering(on), person_id=person_id).first()


# --- what a claim rests on ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BasisFinding:
    basis: str
    filing: Filing | None
    explanation: str
    considered: tuple[dict, ...] = ()  # every basis the records support, with the amount each would pay


def covering_filings(*, person_id: int, city_code: str, on: datetime.date) -> QuerySet[Filing]:
    """The person's filings that covered treatment at that city (or its province) on that day."""
    return Filing.objects.filter(
        Filing.covering(on), person_id=person_id, destination_id__in=[city_code, city_code[:2] + "0000"]
    ).order_by("submitted_at")


# The kind of visit a claim kind is, at the point of care (an emergency claim: the emergency itself).
CLAIM_VISIT = {
    ClaimKind.INPATIENT: VisitKind.INPATIENT,
    ClaimKind.REFERRAL: VisitKind.INPATIENT,
    ClaimKind.OUTPATIENT: VisitKind.OUTPATIENT,
    ClaimKind.EMERGENCY: VisitKind.EMERGENCY,
    ClaimKind.CHRONIC_OUTPATIENT: VisitKind.CHRONIC_OUTPATIENT,
}
# When two bases would pay the same, the one earlier here is named (fewer conditions on the person).
BASIS_PREFERENCE = (
    ClaimBasis.IN_PROVINCE,
    ClaimBasis.FILED,
    ClaimBasis.EMERGENCY,
    ClaimBasis.RETROACTIVE_FILING,
    ClaimBasis.NO_FILING,
)


def claim_basis_candidates(*, claim: Claim, rescue_record: bool) -> list[BasisFinding]:
    """Every basis the records support for a claim, from the one coverage rule eligibility answers with.

    The grounds are those of ``filings.selectors.coverage_grounds`` for the person, the city, the
    admission day and the claim's kind of visit (an emergency filing backs emergency and inpatient
    care only, as at the point of care). They become claim bases so:

    - in-province or local care: ``in_province``, no own share (福建省内异地就医无需备案);
    - a covering filing submitted no later than the discharge day: ``filed``; after it:
      ``retroactive_filing`` (出院后补办备案的，需先自付10%);
    - emergency rescue, once its rescue record is received: ``emergency`` (急诊抢救视同已备案);
    - and always ``no_filing``: own share first.

    Where designated institutions bind (``filings.models.DesignatedInstitutionRule``), a filing backs care only at
    the institutions it names, as eligibility answers (``filings.selectors.designated_only``).
    """
    grounds = coverage_on(
        id_number=claim.person.id_number,
        city_code=claim.city_id,
        on=claim.admission_date,
        visit=CLAIM_VISIT[claim.claim_kind],
        institution_code=claim.institution_id or "",  # a hospital outside the catalogue is designated by no filing
    )
    found = []
    filings = {f.reference: f for f in Filing.objects.filter(reference__in=[g.filing for g in grounds if g.filing])}
    for ground in grounds:
        if ground.basis == EligibilityBasis.IN_PROVINCE:
            found.append(
                BasisFinding(ClaimBasis.IN_PROVINCE, None, _("Care inside the insured province needs no filing there."))
            )
        elif ground.basis == EligibilityBasis.FILING:
            filing = filings[ground.filing]
            submitted_on = timezone.localtime(filing.submitted_at).date()
            values = {"ref": filing.reference, "day": submitted_on.isoformat()}
            if submitted_on <= claim.discharge_date:
                found.append(
                    BasisFinding(
                        ClaimBasis.FILED,
                        filing,
                        _("Filing %(ref)s, made on %(day)s, covered the care: no own share.") % values,
                    )
                )
            else:
                found.append(
                    BasisFinding(
                        ClaimBasis.RETROACTIVE_FILING,
                        filing,
                        _("Filing %(ref)s was made on %(day)s, after discharge (补办备案): own share first.") % values,
                    )
                )
        elif ground.basis == EligibilityBasis.EMERGENCY and rescue_record:
            found.append(
                BasisFinding(ClaimBasis.EMERGENCY, None, _("Emergency rescue with its rescue record counts as filed."))
            )
    found.append(
        BasisFinding(
            ClaimBasis.NO_FILING, None, _("No filing covered the place on the admission day: own share first.")
        )
    )
    return found


@dataclass(frozen=True)
class Pricing:
    """What prices a claim whatever its basis: the benefit row, the pool standing and the claim policy, all on its
    discharge date. Read once for an approval, it serves both the choice of the basis and the amount."""

    benefit: BenefitPolicy
    standing: PoolStanding
    policy: ClaimPolicy


def claim_pricing(*, claim: Claim) -> Pricing:
    """The claim's ``Pricing`` as the records stand; ValidationFailed when no benefit row is in force."""
    benefit = benefit_row(claim=claim, on=claim.discharge_date)
    return Pricing(benefit, pool_standing(claim=claim, benefit=benefit), claim_policy_in_force(on=claim.discharge_date))


def claim_basis(*, claim: Claim, rescue_record: bool, pricing: Pricing | None = None) -> BasisFinding:
    """What a claim rests on: of every basis the records support, the one most favourable to the person.

    Each candidate is priced by the amount engine with the same benefit row and pool standing, and
    the one paying most is chosen (ties: ``BASIS_PREFERENCE``, then the earliest filing), so more
    evidence (a rescue record, a filing, a qualification) can only add candidates and never lowers
    the amount. The claimant's
    ``reason`` plays no part; a filing the claimant names is only checked. Without a benefit row in
    force the candidates cannot be priced and the preference order alone decides.
    The explanation is written in the bureau's language whoever asks (it is stored). ``pricing``: the claim's
    ``claim_pricing``, when the caller has read it already (read here otherwise).
    """
    with translation.override(settings.LANGUAGE_CODE):
        candidates = claim_basis_candidates(claim=claim, rescue_record=rescue_record)
        try:
            pricing = pricing or claim_pricing(claim=claim)
        except ValidationFailed:
            priced = [(None, finding) for finding in candidates]
        else:
            ytd = pricing.standing.year_to_date
            priced = [
                (
                    calculate(
                        _amounts(claim),
                        benefit_rule(
                            claim=claim, benefit=pricing.benefit, basis=f.basis, filing=f.filing, policy=pricing.policy
                        ),
                        ytd,
                    ).payable,
                    f,
                )
                for f in candidates
            ]
        rank = {basis: index for index, basis in enumerate(BASIS_PREFERENCE)}
        payable, chosen = min(
            priced,
            key=lambda pair: (
                -(pair[0] or ZERO),
                rank[pair[1].basis],
                pair[1].filing.submitted_at.timestamp() if pair[1].filing else 0,  # of two filings, the earlier
            ),
        )
        considered = tuple(
            {
                "code": f.basis,
                "filing": f.filing.reference if f.filing else None,
                "payable": None if amount is None else str(amount),
            }
            for amount, f in priced
        )
        explanation = chosen.explanation
        if len(priced) > 1:
            explanation = _("%(why)s Of %(count)d bases the records support, it pays the most.") % {
                "why": explanation,
                "count": len(priced),
            }
        return BasisFinding(chosen.basis, chosen.filing, explanation, considered)


def claim_basis_now(*, claim: Claim, pricing: Pricing | None = None) -> BasisFinding:
    """The basis of a stored claim as the records stand now (its checklist included)."""
    rescue_record = any(
        m.item == RESCUE_RECORD_ITEM and m.status in (MaterialStatus.RECEIVED, MaterialStatus.ACCEPTED)
        for m in claim.materials.all()
    )
    return claim_basis(claim=claim, rescue_record=rescue_record, pricing=pricing)


# --- the amount -------------------------------------------------------------------------------------


def benefit_visit(claim: Claim) -> str:
    """The benefit rows a claim is paid by: its kind's, an emergency's setting's."""
    return claim.setting if claim.claim_kind == ClaimKind.EMERGENCY else BENEFIT_VISIT[claim.claim_kind]


def benefit_row(*, claim: Claim, on: datetime.date) -> BenefitPolicy:
    """The benefit row for a claim: the insured place's policy in force on the discharge date.

    The insurance type is the one the person held on that day (their insured period), the
    visit kind the claim's, the level the institution's.
    """
    period = insured_period_on(person_id=claim.person_id, on=on)
    insurance_type = period.insurance_type if period is not None else claim.person.insurance_type
    benefit = (
        BenefitPolicy.objects.in_force(on)
        .select_related("pool")
        .filter(
            insurance_type=insurance_type, visit_kind=benefit_visit(claim), institution_level=claim.institution_level
        )
        .order_by("-effective_from")
        .first()
    )
    if benefit is None:
        raise ValidationFailed(
            _("No benefit policy is in force for this insurance type, visit kind and level on %(date)s.")
            % {"date": on},
            code="no_benefit_policy",
        )
    return benefit


def benefit_rule(
    *, claim: Claim, benefit: BenefitPolicy, basis: str, filing: Filing | None, policy: ClaimPolicy | None = None
) -> BenefitRule:
    """The engine's rule for a claim resting on ``basis`` (and ``filing``): the row's values, the basis's
    reduction and own share (``policy``: the claim policy on the discharge date, read here unless given)."""
    policy = policy or claim_policy_in_force(on=claim.discharge_date)
    return BenefitRule(
        deductible=benefit.deductible,
        ratio=benefit.ratio,
        annual_cap=benefit.annual_cap,
        reduction=_reduction(basis, filing, policy),
        own_share_rate=policy.own_share_rate if basis in OWN_SHARE_BASES else Decimal("0"),
    )


def _reduction(basis: str, filing: Filing | None, policy: ClaimPolicy) -> Decimal:
    """Temporary filers may get a lower ratio; long-term filers and in-province care get the home ratio.

    Care resting on no filing is treated like another temporary trip, so it is never better
    off than care under a temporary filing.
    """
    if basis == ClaimBasis.IN_PROVINCE:
        return Decimal("0")
    if basis == ClaimBasis.EMERGENCY:
        return policy.emergency_reduction
    filing_type = filing.filing_type if filing is not None else None
    if filing_type is not None and FILING_CATEGORY[filing_type] == FilingCategory.LONG_TERM:
        return Decimal("0")
    if filing_type == FilingType.REFERRAL:
        return policy.referral_reduction
    if filing_type == FilingType.EMERGENCY:
        return policy.emergency_reduction
    return policy.other_temporary_reduction


@dataclass(frozen=True)
class PoolStanding:
    """Where a person stands in a year before a claim: in its pool (against the cap) and its yearly deductible."""

    year: int
    fund_paid_here: Decimal  # earlier approved claims of this system, same pool and year
    fund_paid_elsewhere: Decimal  # settled elsewhere (PoolUsageElsewhere), same pool and year
    deductible_here: Decimal  # per-year deductibles of earlier approved claims of this visit kind and year
    deductible_elsewhere: Decimal

    @property
    def year_to_date(self) -> YearToDate:
        return YearToDate(
            deductible_used=self.deductible_here + self.deductible_elsewhere,
            fund_paid=self.fund_paid_here + self.fund_paid_elsewhere,
        )


def pool_standing(*, claim: Claim, benefit: BenefitPolicy) -> PoolStanding:
    """What the person's pool and yearly deductible already hold in the claim's year (the discharge date's).

    The cap is drawn per pool: only claims paid from the same pool count, whatever their visit kind.
    A per-year deductible is drawn per visit kind; a per-stay one starts afresh with every claim.
    Amounts settled elsewhere (``PoolUsageElsewhere``) count exactly like approved claims.
    """
    year = claim.discharge_date.year
    per_year = benefit.deductible_scope == DeductibleScope.PER_YEAR
    same_pool = Q(pool_id=benefit.pool_id)
    same_deductible = Q(benefit_visit=benefit.visit_kind, deductible_scope=DeductibleScope.PER_YEAR)
    here = (
        Claim.objects.filter(person_id=claim.person_id, state__in=DECIDED_PAYABLE_STATES, discharge_date__year=year)
        .exclude(pk=claim.pk)
        .aggregate(
            fund=Sum("payable_amount", filter=same_pool, default=ZERO),
            deductible=Sum("deductible_applied", filter=same_deductible, default=ZERO),
        )
    )
    elsewhere = PoolUsageElsewhere.objects.filter(person_id=claim.person_id, year=year).aggregate(
        fund=Sum("fund_paid", filter=same_pool, default=ZERO),
        deductible=Sum("deductible_paid", filter=Q(visit_kind=benefit.visit_kind), default=ZERO),
    )
    fund, fund_elsewhere = here["fund"], elsewhere["fund"]
    deductible = here["deductible"] if per_year else ZERO
    deductible_elsewhere = elsewhere["deductible"] if per_year else ZERO
    return PoolStanding(year, fund, fund_elsewhere, deductible, deductible_elsewhere)


def year_to_date(*, claim: Claim) -> YearToDate:
    """What the claim's pool and yearly deductible already hold this year."""
    return pool_standing(claim=claim, benefit=benefit_row(claim=claim, on=claim.discharge_date)).year_to_date


def claim_calculation(*, claim: Claim) -> Calculation:
    """The amount the engine computes for a claim today (an estimate until approval freezes it)."""
    return claim_assessment(claim=claim).calculation


def _amounts(claim: Claim) -> ClaimAmounts:
    return ClaimAmounts(
        total=claim.total_amount, excluded=claim.excluded_amount, category_b_self_pay=claim.category_b_self_pay
    )


@dataclass(frozen=True)
class Assessment:
    """A claim's amount as the records stand: the benefit row, the pool standing, the engine's answer."""

    benefit: BenefitPolicy
    standing: PoolStanding
    rule: BenefitRule
    calculation: Calculation


def claim_assessment(*, claim: Claim, pricing: Pricing | None = None) -> Assessment:
    """The amount of a claim resting on its stored basis (and filing); ``pricing`` as ``claim_basis`` takes it."""
    pricing = pricing or claim_pricing(claim=claim)
    benefit, standing = pricing.benefit, pricing.standing
    rule = benefit_rule(claim=claim, benefit=benefit, basis=claim.basis, filing=claim.filing, policy=pricing.policy)
    return Assessment(benefit, standing, rule, calculate(_amounts(claim), rule, standing.year_to_date))


def claim_estimate(*, claim: Claim) -> dict:
    """The breakdown of an open claim as the records stand now (an estimate until approval freezes it)."""
    assessment = claim_assessment(claim=claim)
    return claim_breakdown(claim=claim, calculation=assessment.calculation, assessment=assessment)


def claim_breakdown(
    *,
    claim: Claim,
    calculation: Calculation,
    assessment: Assessment | None = None,
    considered: tuple[dict, ...] = (),
) -> dict:
    """The amount's breakdown with the basis it rests on, the pool and the deductible it draws on, and the
    inputs it came from, so an auditor reads why it came out so and can recompute it to the fen."""
    basis = {
        "code": claim.basis,
        "explanation": claim.basis_explanation,
        "filing": claim.filing.reference if claim.filing_id else None,
    }
    if considered:
        basis["considered"] = list(considered)
    breakdown = {**calculation.as_dict(), "basis": basis}
    if assessment is None:
        return breakdown
    benefit, standing, rule = assessment.benefit, assessment.standing, assessment.rule
    used_before = standing.fund_paid_here + standing.fund_paid_elsewhere
    deductible_before = standing.deductible_here + standing.deductible_elsewhere
    per_year = benefit.deductible_scope == DeductibleScope.PER_YEAR
    breakdown["pool"] = {
        "code": benefit.pool_id,
        "name": benefit.pool.name,
        "year": standing.year,
        "cap": str(money(benefit.annual_cap)),
        "used_before": str(money(used_before)),
        "used_before_elsewhere": str(money(standing.fund_paid_elsewhere)),
        "this_claim": str(calculation.payable),
        "left": str(money(max(ZERO, benefit.annual_cap - used_before - calculation.payable))),
    }
    breakdown["deductible"] = {
        "scope": benefit.deductible_scope,
        "visit_kind": benefit.visit_kind,
        "amount": str(money(benefit.deductible)),
        "used_before": str(money(deductible_before)) if per_year else "0.00",
        "this_claim": str(calculation.deductible_applied),
        "left": str(money(max(ZERO, benefit.deductible - deductible_before - calculation.deductible_applied)))
        if per_year
        else "0.00",
    }
    breakdown["inputs"] = {
        "benefit_policy": benefit.pk,
        "rule": {
            "deductible": str(rule.deductible),
            "ratio": str(rule.ratio),
            "annual_cap": str(rule.annual_cap),
            "reduction": str(rule.reduction),
            "own_share_rate": str(rule.own_share_rate),
        },
        "year_to_date": {
            "deductible_used": str(money(deductible_before)),
            "fund_paid": str(money(used_before)),
        },
    }
    return breakdown


def claim_recalculation(*, claim: Claim) -> Calculation:
    """An approved claim's amount computed again from the inputs its breakdown stored (for auditors and tests)."""
    inputs = claim.breakdown["inputs"]
    rule = BenefitRule(**{name: Decimal(value) for name, value in inputs["rule"].items()})
    ytd = YearToDate(**{name: Decimal(value) for name, value in inputs["year_to_date"].items()})
    return calculate(_amounts(claim), rule, ytd)


def claim_missing_items(*, claim: Claim) -> list[str]:
    """Required checklist items not yet accepted: what the person must still bring."""
    return [m.item for m in claim.materials.all() if m.required and m.status != MaterialStatus.ACCEPTED]


@dataclass(frozen=True)
class MaterialsSummary:
    """A claim's checklist in four numbers and the names still missing: the line atop its page."""

    required: int
    received: int
    accepted: int
    missing: list[str]


def claim_materials_summary(*, materials: list) -> MaterialsSummary:
    """Counted over the required items of ``materials`` (a claim's checklist rows, already read): received
    counts what was handed in or uploaded (accepted included); missing names what has nothing usable."""
    required = [m for m in materials if m.required]
    handed_in = (MaterialStatus.RECEIVED, MaterialStatus.ACCEPTED)
    return MaterialsSummary(
        required=len(required),
        received=sum(1 for m in required if m.status in handed_in),
        accepted=sum(1 for m in required if m.status == MaterialStatus.ACCEPTED),
        missing=[m.name for m in required if m.status not in handed_in],
    )


def claim_undelivered_items(*, claim: Claim) -> list[str]:
    """Required checklist items with nothing usable delivered: missing, or rejected and not brought again.

    A received item (a scan uploaded, an original handed in) awaits the counter's check: it counts as
    delivered, so a person may resubmit after 补正 without waiting for the counter.
    """
    undelivered = (MaterialStatus.MISSING, MaterialStatus.REJECTED)
    return [m.item for m in claim.materials.all() if m.required and m.status in undelivered]


# --- the counter's own work ---------------------------------------------------------------------------

# What a counter clerk still has open on the index: claims they received (submitted or resubmitted at the
# counter) not yet decided, and of those the ones with items handed in that wait for their check.
OWN_CLAIM_WORK = ("open", "to_check")


def claims_received_by(*, user_id: int, work: str) -> QuerySet[Claim]:
    """``open``: claims ``user_id`` submitted or resubmitted, still open; ``to_check``: those of them whose
    checklist is open and holds an item received but not yet accepted or rejected."""
    received = Claim.objects.filter(
        pk__in=ClaimEvent.objects.filter(action=ClaimAction.SUBMIT, actor_id=user_id).values("claim_id")
    )
    if work == "to_check":
        return received.filter(
            state__in=CHECKLIST_OPEN_STATES,
            pk__in=ClaimMaterial.objects.filter(status=MaterialStatus.RECEIVED).values("claim_id"),
        )
    return received.filter(state__in=OPEN_CLAIM_STATES)
