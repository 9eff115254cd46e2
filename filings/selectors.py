"""Reads of the filings app, each scoped to what the caller may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, FilteredRelation, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actors import Actor
from config.errors import NotFound, ValidationFailed
from filings.choices import EligibilityBasis
from filings.models import Filing, FilingMaterial, FilingMaterialRequirement, FilingPolicy, InProvinceFilingCity
from registry.choices import VISIT_SETTLEMENT_FIELD, PeriodStatus, RegionLevel, VisitKind
from registry.models import ChronicQualification, Institution, InsuredPeriod, Person, Region
from registry.selectors import scoped_to_actor, working_days_after


def filing_requirements(*, filing_type: str, on: datetime.date | None = None) -> QuerySet[FilingMaterialRequirement]:
    return FilingMaterialRequirement.objects.in_force(on).filter(filing_type=filing_type)


def filing_policy_in_force(*, on: datetime.date | None = None) -> FilingPolicy:
    """The filing policy row in force on a date; falls back to the built-in defaults when none is."""
    policy = FilingPolicy.objects.in_force(on).order_by("-effective_from").first()
    return policy or FilingPolicy(effective_from=datetime.date.min)


def in_province_city_needs_filing(*, city_code: str, on: datetime.date | None = None) -> bool:
    return InProvinceFilingCity.objects.in_force(on).filter(city_id=city_code).exists()


def review_due_date(*, submitted_on: datetime.date) -> datetime.date:
    """The fast-track review deadline: N Chinese working days after submission (policy)."""
    return working_days_after(submitted_on, filing_policy_in_force(on=submitted_on).fast_track_review_working_days)


def _filings() -> QuerySet[Filing]:
    """Filings with what every listing and detail shows joined in once."""
    return Filing.objects.select_related("person", "destination", "channel", "replaces", "replaced_by")


def filing_list(*, actor: Actor | None) -> QuerySet[Filing]:
    """Filings the caller may see: staff all, a person their own, channels and hospitals none."""
    return scoped_to_actor(_filings(), actor)


def _with_checklist(queryset: QuerySet[Filing]) -> QuerySet[Filing]:
    """Institutions and documents (with who uploaded each) in two queries, whatever their number."""
    materials = Prefetch("materials", queryset=FilingMaterial.objects.select_related("uploaded_by"))
    return queryset.prefetch_related("institutions", materials)


def filing_detail(*, actor: Actor | None, reference: str) -> Filing:
    """One filing with its institutions and materials, or 404 when it does not exist or is not the caller's."""
    filing = _with_checklist(filing_list(actor=actor)).filter(reference=reference).first()
    if filing is None:
        raise NotFound()
    return filing


def filing_reload(*, filing_id: int) -> Filing:
    """Re-read a filing the caller has just acted on (no scoping: the action itself was authorised)."""
    return _with_checklist(_filings()).get(pk=filing_id)


def filing_material_latest(*, filing: Filing, item: str) -> FilingMaterial:
    """The latest document uploaded for an item of a filing the caller may already see."""
    material = filing.materials.filter(item=item).order_by("-uploaded_at", "-id").first()
    if material is None:
        raise NotFound(_("No document has been uploaded for %(item)s.") % {"item": item})
    return material


def filing_checklist(*, filing: Filing) -> list[dict]:
    """The materials the filing type requires (policy on the day it was submitted) and which are present."""
    on = timezone.localtime(filing.submitted_at).date()
    present: dict[str, list] = {}
    for material in filing.materials.all():
        present.setdefault(material.item, []).append(material)
    return [
        {
            "item": r.item,
            "name": r.name,
            "required": r.required,
            "commitment_may_replace": r.commitment_may_replace,
            "present": r.item in present,
            "materials": present.get(r.item, []),
        }
        for r in filing_requirements(filing_type=filing.filing_type, on=on)
    ]


@dataclass(frozen=True)
class Eligibility:
    covered: bool
    basis: str | None
    filing: str | None
    reason_code: str
    reason: str
    remedy: str | None
    valid_until: datetime.date | None
    institution: dict | None = None


def eligibility_check(
    *, id_number: str, city_code: str, on: datetime.date, visit: str, institution_code: str | None = None
) -> Eligibility:
    """Is this person covered for direct settlement at this place, on this day, for this visit, and why?

    The hot path of hospitals at every admission: exactly two queries. The first reads the
    place (with the in-province exception list and the institution's flags as subqueries);
    the second reads the person with the filings that cover the day joined on.
    """
    place_qs = Region.objects.filter(code=city_code).annotate(
        needs_filing=Exists(InProvinceFilingCity.objects.in_force(on).filter(city_id=OuterRef("code"))),
    )
    if institution_code:
        inst = Institution.objects.filter(code=institution_code)
        place_qs = place_qs.annotate(
            institution_name=Subquery(inst.values("name")[:1]),
            institution_settles=Subquery(inst.values(VISIT_SETTLEMENT_FIELD[visit])[:1]),
        )
    place = place_qs.values(
        *(["code", "level", "needs_filing"] + (["institution_name", "institution_settles"] if institution_code else []))
    ).first()
    errors = {}
    if place is None or place["level"] != RegionLevel.CITY:
        errors["city"] = [_("Unknown city code %(code)s.") % {"code": city_code}]
    elif institution_code and place["institution_name"] is None:
        errors["institution"] = [_("Unknown institution code %(code)s.") % {"code": institution_code}]
    if errors:
        raise ValidationFailed(_("The eligibility question is invalid; see the errors per field."), errors=errors)

    institution = None
    if institution_code:
        institution = {
            "code": institution_code,
            "name": place["institution_name"],
            "direct_settlement": bool(place["institution_settles"]),
        }

    insured = InsuredPeriod.objects.filter(
        InsuredPeriod.covering(on), person=OuterRef("pk"), status=PeriodStatus.ACTIVE
    )
    qualified = ChronicQualification.objects.filter(ChronicQualification.covering(on), person=OuterRef("pk"))
    covering = Filing.covering(on, prefix="filings__")
    rows = list(
        Person.objects.filter(id_number=id_number)
        .annotate(
            covering=FilteredRelation("filings", condition=covering),
            insured_on=Exists(insured),
            region_on=Subquery(insured.values("insured_region_id")[:1]),
            **(
                {
                    "qualified": Exists(qualified),
                    "qualified_direct": Exists(qualified.filter(disease__settled_directly=True)),
                }
                if visit == VisitKind.CHRONIC_OUTPATIENT
                else {}
            ),
        )
        .values(
            "insured_on",
            "region_on",
            *(["qualified", "qualified_direct"] if visit == VisitKind.CHRONIC_OUTPATIENT else []),
            "covering__reference",
            "covering__destination_id",
            "covering__end_date",
            "covering__covered_until",
            "covering__state",
        )
        .order_by(F("covering__effective_at").desc(nulls_last=True))
    )

    def answer(covered, basis, reason_code, reason, remedy=None, filing=None, valid_until=None):
        return Eligibility(
            covered=covered,
            basis=basis,
            filing=filing,
            reason_code=reason_code,
            reason=str(reason),
            remedy=str(remedy) if remedy else None,
            valid_until=valid_until,
            institution=institution,
        )

    if not rows:
        return answer(
            False,
            None,
            "not_insured_here",
            _("This person is not insured with this bureau."),
            _("Ask the person for the insured place's settlement route, or settle as self-paid."),
        )
    person = rows[0]
    if not person["insured_on"]:
        return answer(
            False,
            None,
            "not_actively_insured",
            _("The person was not insured on that day."),
            _("The person settles as self-paid; insurance status is handled by the insured place."),
        )
    if visit == VisitKind.CHRONIC_OUTPATIENT:
        refusal = _chronic_refusal(person, institution)
        if refusal is not None:
            return answer(False, None, *refusal)
    if city_code[:2] == person["region_on"][:2] and not place["needs_filing"]:
        return answer(
            True,
            EligibilityBasis.IN_PROVINCE,
            "in_province",
            _("Treatment inside the insured province needs no filing."),
        )
    for row in rows:
        destination = row["covering__destination_id"]
        if destination in (city_code, city_code[:2] + "0000"):
            ends = [d for d in (row["covering__end_date"], row["covering__covered_until"]) if d]
            return answer(
                True,
                EligibilityBasis.FILING,
                "filed",
                _("An effective filing covers this place and day."),
                filing=row["covering__reference"],
                valid_until=min(ends) if ends else None,
            )
    if visit == VisitKind.EMERGENCY:
        return answer(
            True,
            EligibilityBasis.EMERGENCY,
            "emergency",
            _("Emergency rescue is treated as filed (视同已备案); keep the rescue record."),
        )
    elsewhere = next((r["covering__reference"] for r in rows if r["covering__reference"]), None)
    remedy = _(
        "File now through any channel (self-service filings take effect at once), or file "
        "retroactively (补办备案) before discharge settlement with a start date on or before admission; "
        "otherwise the person pays in full and claims manual reimbursement."
    )
    if elsewhere:
        return answer(
            False,
            None,
            "filed_elsewhere",
            _("The person's filing %(ref)s is for another destination.") % {"ref": elsewhere},
            _("Change the filing to this destination, then settle directly. ") + remedy,
        )
    return answer(False, None, "no_filing", _("No effective filing covers this place and day."), remedy)


def _chronic_refusal(person: dict, institution: dict | None) -> tuple[str, str, str] | None:
    """Why chronic/special outpatient care (门诊慢特病) is not settled directly, or None when it may be.

    Only a person qualified on the day, for a disease settled directly across provinces, at an
    institution connected for it, is settled directly; everyone else pays and claims manually.
    """
    if not person["qualified"]:
        return (
            "not_qualified",
            _("The person holds no chronic/special outpatient qualification (门诊慢特病资格) on that day."),
            _("Apply for the qualification at the insured place; meanwhile pay in full and claim manually."),
        )
    if not person["qualified_direct"]:
        return (
            "not_settled_directly",
            _("The person's chronic disease is not settled directly across provinces."),
            _("Pay in full and claim manual reimbursement at the insured place."),
        )
    if institution is not None and not institution["direct_settlement"]:
        return (
            "institution_not_connected",
            _("This institution is not connected for direct settlement of chronic/special outpatient care."),
            _("Choose a connected institution, or pay in full and claim manual reimbursement."),
        )
    return None
