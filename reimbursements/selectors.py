"""Reads of the reimbursements app, each scoped to what the caller may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Prefetch, QuerySet, Sum, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.actors import Actor
from config.errors import NotFound, ValidationFailed
from filings.choices import FILING_CATEGORY, FilingCategory, FilingType
from filings.models import Filing, InProvinceFilingCity
from registry.models import InsuredPeriod, Person
from registry.selectors import scoped_to_actor
from reimbursements.calculator import BenefitRule, Calculation, ClaimAmounts, YearToDate, calculate
from reimbursements.choices import (
    BENEFIT_VISIT,
    CHECKLIST_KINDS,
    DECIDED_PAYABLE_STATES,
    INJURY,
    OWN_SHARE_BASES,
    RESCUE_RECORD_ITEM,
    ClaimBasis,
    ClaimKind,
    MaterialStatus,
)
from reimbursements.models import (
    BenefitPolicy,
    Claim,
    ClaimMaterial,
    ClaimMaterialRequirement,
    ClaimPolicy,
)


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


def covering_filings(*, person_id: int, city_code: str, on: datetime.date) -> QuerySet[Filing]:
    """The person's filings that covered treatment at that city (or its province) on that day."""
    return Filing.objects.filter(
        Filing.covering(on), person_id=person_id, destination_id__in=[city_code, city_code[:2] + "0000"]
    ).order_by("submitted_at")


def claim_basis(**facts) -> BasisFinding:
    """The derivation below, its explanation written in the bureau's language whoever asks (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _derive_basis(**facts)


def _derive_basis(
    *,
    person: Person,
    claim_kind: str,
    city_code: str,
    admission: datetime.date,
    discharge: datetime.date,
    rescue_record: bool,
) -> BasisFinding:
    """What a claim rests on, derived from the records alone; the claimant's ``reason`` plays no part.

    The seeds' rules, in order:

    1. 急诊抢救视同已备案 — emergency care with its rescue record (received or accepted) counts
       as filed: ``emergency``, no own share.
    2. 福建省内异地就医无需备案（漳州、三明、南平等地除外）— care inside the insured province,
       outside the cities the policy lists on the admission day: ``in_province``, no own share.
    3. A filing of the person covered the place on the admission day: submitted no later than
       the discharge day, ``filed`` (the claim exists because direct settlement failed); submitted
       after it, ``retroactive_filing`` — 出院后补办备案的，需先自付10%.
    4. Otherwise ``no_filing``: the own share first, as for a filing made after the fact.

    Of several covering filings the earliest submitted is taken. A filing the claimant names is
    only checked (it must be one of these); it never chooses the basis.
    """
    if claim_kind == ClaimKind.EMERGENCY and rescue_record:
        return BasisFinding(ClaimBasis.EMERGENCY, None, _("Emergency rescue with its rescue record counts as filed."))
    period = insured_period_on(person_id=person.pk, on=admission)
    home = period.insured_region_id if period is not None else person.insured_region_id
    if city_code[:2] == home[:2]:
        listed = InProvinceFilingCity.objects.in_force(admission).filter(city_id=city_code).exists()
        if not listed:
            return BasisFinding(
                ClaimBasis.IN_PROVINCE, None, _("Care inside the insured province needs no filing there.")
            )
    found = covering_filings(person_id=person.pk, city_code=city_code, on=admission).first()
    if found is None:
        return BasisFinding(
            ClaimBasis.NO_FILING, None, _("No filing covered the place on the admission day: own share first.")
        )
    submitted_on = timezone.localtime(found.submitted_at).date()
    if submitted_on <= discharge:
        return BasisFinding(
            ClaimBasis.FILED,
            found,
            _("Filing %(ref)s, made on %(day)s, covered the care: no own share.")
            % {"ref": found.reference, "day": submitted_on.isoformat()},
        )
    return BasisFinding(
        ClaimBasis.RETROACTIVE_FILING,
        found,
        _("Filing %(ref)s was made on %(day)s, after discharge (补办备案): own share first.")
        % {"ref": found.reference, "day": submitted_on.isoformat()},
    )


def claim_basis_now(*, claim: Claim) -> BasisFinding:
    """The basis of a stored claim as the records stand now (its checklist included)."""
    rescue_record = any(
        m.item == RESCUE_RECORD_ITEM and m.status in (MaterialStatus.RECEIVED, MaterialStatus.ACCEPTED)
        for m in claim.materials.all()
    )
    return claim_basis(
        person=claim.person,
        claim_kind=claim.claim_kind,
        city_code=claim.city_id,
        admission=claim.admission_date,
        discharge=claim.discharge_date,
        rescue_record=rescue_record,
    )


# --- the amount -------------------------------------------------------------------------------------


def benefit_visit(claim: Claim) -> str:
    """The benefit rows a claim is paid by: its kind's, an emergency's setting's."""
    return claim.setting if claim.claim_kind == ClaimKind.EMERGENCY else BENEFIT_VISIT[claim.claim_kind]


def benefit_rule(*, claim: Claim, on: datetime.date) -> BenefitRule:
    """The benefit rule for a claim: the insured place's policy in force on the discharge date.

    The insurance type is the one the person held on that day (their insured period), the
    visit kind the claim's, the level the institution's.
    """
    period = insured_period_on(person_id=claim.person_id, on=on)
    insurance_type = period.insurance_type if period is not None else claim.person.insurance_type
    visit = benefit_visit(claim)
    benefit = (
        BenefitPolicy.objects.in_force(on)
        .filter(insurance_type=insurance_type, visit_kind=visit, institution_level=claim.institution_level)
        .order_by("-effective_from")
        .first()
    )
    if benefit is None:
        raise ValidationFailed(
            _("No benefit policy is in force for this insurance type, visit kind and level on %(date)s.")
            % {"date": on},
            code="no_benefit_policy",
        )
    policy = claim_policy_in_force(on=on)
    return BenefitRule(
        deductible=benefit.deductible,
        ratio=benefit.ratio,
        annual_cap=benefit.annual_cap,
        reduction=_reduction(claim, policy),
        own_share_rate=policy.own_share_rate if claim.basis in OWN_SHARE_BASES else Decimal("0"),
    )


def _reduction(claim: Claim, policy: ClaimPolicy) -> Decimal:
    """Temporary filers may get a lower ratio; long-term filers and in-province care get the home ratio.

    Care resting on no filing is treated like another temporary trip, so it is never better
    off than care under a temporary filing.
    """
    if claim.basis == ClaimBasis.IN_PROVINCE:
        return Decimal("0")
    if claim.basis == ClaimBasis.EMERGENCY:
        return policy.emergency_reduction
    filing_type = claim.filing.filing_type if claim.filing_id else None
    if filing_type is not None and FILING_CATEGORY[filing_type] == FilingCategory.LONG_TERM:
        return Decimal("0")
    if filing_type == FilingType.REFERRAL:
        return policy.referral_reduction
    if filing_type == FilingType.EMERGENCY:
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


def claim_breakdown(*, claim: Claim, calculation: Calculation) -> dict:
    """The amount's breakdown with the basis it rests on, so an auditor reads why it came out so."""
    basis = {
        "code": claim.basis,
        "explanation": claim.basis_explanation,
        "filing": claim.filing.reference if claim.filing_id else None,
    }
    return {**calculation.as_dict(), "basis": basis}


def claim_missing_items(*, claim: Claim) -> list[str]:
    """Required checklist items not yet accepted: what the person must still bring."""
    return [m.item for m in claim.materials.all() if m.required and m.status != MaterialStatus.ACCEPTED]
