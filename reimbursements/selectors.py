"""Reads of the reimbursements app, each scoped to what the caller may see."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Case, Prefetch, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _

from config.actors import Actor
from config.errors import NotFound, ValidationFailed
from filings.choices import FilingType
from filings.models import Filing
from registry.selectors import scoped_to_actor
from reimbursements.calculator import BenefitRule, Calculation, ClaimAmounts, YearToDate, calculate
from reimbursements.choices import DECIDED_PAYABLE_STATES, INJURY, OWN_SHARE_REASONS, ClaimReason, MaterialStatus
from reimbursements.models import (
    BenefitPolicy,
    Claim,
    ClaimMaterial,
    ClaimMaterialRequirement,
    ClaimPolicy,
)


def _claims() -> QuerySet[Claim]:
    """Claims with what every listing and detail shows joined in once."""
    return Claim.objects.select_related("person", "city", "channel", "filing")


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
    *, claim_kind: str, injury: bool = False, on: datetime.date | None = None
) -> QuerySet[ClaimMaterialRequirement]:
    kinds = [claim_kind, INJURY] if injury else [claim_kind]
    injury_last = Case(When(claim_kind=INJURY, then=Value(1)), default=Value(0))
    return (
        ClaimMaterialRequirement.objects.in_force(on)
        .filter(claim_kind__in=kinds)
        .order_by(injury_last, "sort_order", "item")
    )


def claim_policy_in_force(*, on: datetime.date | None = None) -> ClaimPolicy:
    policy = ClaimPolicy.objects.in_force(on).order_by("-effective_from").first()
    return policy or ClaimPolicy(effective_from=datetime.date.min)


def benefit_rule(*, claim: Claim, on: datetime.date) -> BenefitRule:
    """The benefit rule for a claim: the insured place's policy in force on the discharge date."""
    benefit = (
        BenefitPolicy.objects.in_force(on)
        .filter(insurance_type=claim.person.insurance_type, institution_level=claim.institution_level)
        .order_by("-effective_from")
        .first()
    )
    if benefit is None:
        raise ValidationFailed(
            _("No benefit policy is in force for this insurance type and level on %(date)s.") % {"date": on},
            code="no_benefit_policy",
        )
    policy = claim_policy_in_force(on=on)
    return BenefitRule(
        deductible=benefit.deductible,
        ratio=benefit.ratio,
        annual_cap=benefit.annual_cap,
        reduction=_reduction(claim, policy),
        own_share_rate=policy.own_share_rate if claim.reason in OWN_SHARE_REASONS else Decimal("0"),
    )


def _reduction(claim: Claim, policy: ClaimPolicy) -> Decimal:
    """Temporary filers may get a lower ratio; long-term filers get the home ratio.

    Treatment without any filing is treated like another temporary trip, so a claim
    without a filing is never better off than one with a temporary filing.
    """
    filing_type = claim.filing.filing_type if claim.filing_id else None
    if filing_type in (FilingType.RETIREE_RESETTLED, FilingType.LONG_TERM_RESIDENT, FilingType.STATIONED_WORKER):
        return Decimal("0")
    if filing_type == FilingType.REFERRAL:
        return policy.referral_reduction
    if filing_type == FilingType.EMERGENCY or (filing_type is None and claim.reason == ClaimReason.EMERGENCY):
        return policy.emergency_reduction
    return policy.other_temporary_reduction


def year_to_date(*, claim: Claim) -> YearToDate:
    """What this person's earlier approved claims of the same year already used of deductible and cap."""
    year = claim.discharge_date.year
    totals = (
        Claim.objects.filter(person_id=claim.person_id, state__in=DECIDED_PAYABLE_STATES, discharge_date__year=year)
        .exclude(pk=claim.pk)
        .aggregate(deductible=Sum("deductible_applied"), fund=Sum("payable_amount"))
    )
    return YearToDate(deductible_used=totals["deductible"] or Decimal("0"), fund_paid=totals["fund"] or Decimal("0"))


def claim_calculation(*, claim: Claim) -> Calculation:
    """The amount the engine computes for a claim today (an estimate until approval freezes it)."""
    amounts = ClaimAmounts(
        total=claim.total_amount, excluded=claim.excluded_amount, category_b_self_pay=claim.category_b_self_pay
    )
    return calculate(amounts, benefit_rule(claim=claim, on=claim.discharge_date), year_to_date(claim=claim))


def claim_missing_items(*, claim: Claim) -> list[str]:
    """Required checklist items not yet accepted: what the person must still bring."""
    return [m.item for m in claim.materials.all() if m.required and m.status != MaterialStatus.ACCEPTED]


def filing_for_claim(*, person_id: int, on: datetime.date, city_code: str) -> Filing | None:
    """The filing that covered the person at that place on the admission day, if any."""
    return (
        Filing.objects.filter(
            Filing.covering(on), person_id=person_id, destination_id__in=[city_code, city_code[:2] + "0000"]
        )
        .order_by("-effective_at")
        .first()
    )
