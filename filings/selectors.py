"""Reads of the filings app, each scoped to what the caller may see."""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Exists, F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actors import Actor
from config.errors import NotFound, ValidationFailed
from config.models import joined_columns
from filings.choices import (
    FILING_CATEGORY,
    EligibilityBasis,
    EligibilityReasonCode,
    FilingAction,
    FilingCategory,
    FilingState,
    FilingType,
    ProofBasis,
)
from filings.models import (
    DesignatedInstitutionRule,
    Filing,
    FilingEvent,
    FilingMaterial,
    FilingMaterialRequirement,
    FilingPolicy,
    FilingTypeRule,
    InProvinceFilingCity,
)
from registry.choices import VISIT_SETTLEMENT_FIELD, PeriodStatus, RegionLevel, VisitKind
from registry.models import ChronicQualification, Institution, InsuredPeriod, Person, Region
from registry.selectors import due_date_after, scoped_to_actor
from registry.workdays import DueDate, WorkingCalendar, add_months


def filing_requirements(*, filing_type: str, on: datetime.date | None = None) -> QuerySet[FilingMaterialRequirement]:
    return FilingMaterialRequirement.objects.in_force(on).filter(filing_type=filing_type)


# The filing form's fields that only some filing types take (the rest every type takes).
REFERRAL_FIELDS = (
    "referring_institution",
    "referral_diagnosis",
    "referral_date",
    "referral_reason",
    "referral_opinion",
)
EMPLOYER_FIELDS = ("employer_name", "employer_credit_code")


def filing_type_fields(*, on: datetime.date | None = None) -> dict[str, list[str]]:
    """For each field only some types take, the filing types that take it (the policy in force on ``on``):
    an end date all but the open-ended long-term ones; the employer the types whose rule wants one; the
    proof basis the types where a commitment letter may replace documents; the referral fields referrals."""
    employer = sorted(
        FilingTypeRule.objects.in_force(on).filter(requires_employer=True).values_list("filing_type", flat=True)
    )
    commitment = sorted(
        set(
            FilingMaterialRequirement.objects.in_force(on)
            .filter(commitment_may_replace=True)
            .values_list("filing_type", flat=True)
        )
    )
    fields = {"end_date": [t for t in FilingType.values if FILING_CATEGORY[t] != FilingCategory.LONG_TERM]}
    fields |= {name: employer for name in EMPLOYER_FIELDS}
    fields["proof_basis"] = commitment
    fields |= {name: [FilingType.REFERRAL.value] for name in REFERRAL_FIELDS}
    return fields


def filing_policy_in_force(*, on: datetime.date | None = None) -> FilingPolicy:
    """The filing policy row in force on a date; falls back to the built-in defaults when none is."""
    policy = FilingPolicy.objects.in_force(on).order_by("-effective_from").first()
    return policy or FilingPolicy(effective_from=datetime.date.min)


def filing_type_rule(*, filing_type: str, on: datetime.date | None = None) -> FilingTypeRule | None:
    """Who the filing type is for, by the policy in force (None: anyone)."""
    return FilingTypeRule.objects.in_force(on).filter(filing_type=filing_type).order_by("-effective_from").first()


def in_province_city_needs_filing(*, city_code: str, on: datetime.date | None = None) -> bool:
    return InProvinceFilingCity.objects.in_force(on).filter(city_id=city_code).exists()


def review_due_date(*, submitted_on: datetime.date) -> datetime.date:
    """The fast-track review deadline: N Chinese working days after submission (policy)."""
    return review_due(submitted_on=submitted_on).day


def review_due(*, submitted_on: datetime.date, calendar: WorkingCalendar | None = None) -> DueDate:
    """The review deadline and whether it is provisional (a year it spans has no published calendar).

    ``calendar`` is one already read for a span covering the count (recounting many filings at once).
    """
    days = filing_policy_in_force(on=submitted_on).fast_track_review_working_days
    if calendar is None:
        return due_date_after(submitted_on, days)
    return calendar.add(submitted_on, days)


def _filings() -> QuerySet[Filing]:
    """Filings with what every listing and detail shows of their related rows joined in once (those columns only)."""
    return Filing.objects.select_related("person", "destination", "replaces", "replaced_by").defer(
        *joined_columns("person", Person, {"id_number", "name"}),
        *joined_columns("destination", Region, {"name"}),
        *joined_columns("replaces", Filing, {"reference"}),
        *joined_columns("replaced_by", Filing, {"reference"}),
    )


def filing_list(*, actor: Actor | None) -> QuerySet[Filing]:
    """Filings the caller may see: staff all, a person their own, channels and hospitals none."""
    return scoped_to_actor(_filings(), actor)


def _with_checklist(queryset: QuerySet[Filing]) -> QuerySet[Filing]:
    """Institutions and documents (with who uploaded each) in two queries, whatever their number; and whether the
    institutions bind (``institutions_binding``, as ``designated_institutions_required`` says), in the filing's."""
    materials = Prefetch("materials", queryset=FilingMaterial.objects.select_related("uploaded_by"))
    place = (
        Q(destination_id=OuterRef("destination_id"))
        | Q(destination__parent_id=OuterRef("destination_id"))
        | Q(destination_id=OuterRef("destination__parent_id"))
    )
    rules = DesignatedInstitutionRule.objects.in_force(timezone.localdate()).filter(
        place, Q(filing_type="") | Q(filing_type=OuterRef("filing_type"))
    )
    return queryset.annotate(institutions_binding=Exists(rules)).prefetch_related("institutions", materials)


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
    """The current document of an item (the one no later upload replaced) of a filing the caller may already see."""
    material = filing.materials.filter(item=item, superseded_at__isnull=True).first()
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
    *,
    id_number: str,
    city_code: str,
    on: datetime.date,
    visit: str,
    institution_code: str | None = None,
    default_institution: str | None = None,
) -> Eligibility:
    """Is this person covered for direct settlement at this place, on this day, for this visit, and why?

    The hot path of hospitals at every admission: exactly one query. It reads the place (with
    the in-province exception list, the institution and the retroactive bound as subqueries)
    joined to the person with the filings that cover the day, the insured period of the day
    and any filing still awaiting review.

    ``institution_code`` named in the question must lie in the city asked; a hospital key's own
    institution (``default_institution``) answers when none is named and it lies there.
    """
    code = institution_code or default_institution
    bound = {
        "city": city_code,
        "province": city_code[:2] + "0000",
        "on": on,
        "today": timezone.localdate(),
        "institution": code,
        "id_number": id_number,
    }
    chronic = visit == VisitKind.CHRONIC_OUTPATIENT
    place, rows = _eligibility_rows({"visit": visit, "with_institution": bool(code)}, {"chronic": chronic}, bound)
    errors, error_code = {}, "invalid"
    if place is None or place["level"] != RegionLevel.CITY:
        errors["city"] = [_("Unknown city code %(code)s.") % {"code": city_code}]
    elif institution_code and place["institution_name"] is None:
        errors["institution"] = [_("Unknown institution code %(code)s.") % {"code": institution_code}]
    elif institution_code and place["institution_city"] != city_code:
        errors["institution"] = [_("This institution is not in the city asked about.")]
        error_code = "institution_not_in_city"
    if errors:
        raise ValidationFailed(
            _("The eligibility question is invalid; see the errors per field."), code=error_code, errors=errors
        )

    institution = None
    if code and place["institution_name"] is not None and place["institution_city"] == city_code:
        institution = {
            "code": code,
            "name": place["institution_name"],
            "direct_settlement": bool(place["institution_settles"]),
        }

    def answer(covered, basis, reason_code, reason, remedy=None, filing=None, valid_until=None):
        # The institution's flags are about cross-province settlement; inside the province they do not apply.
        cross_province = basis != EligibilityBasis.IN_PROVINCE
        if covered and cross_province and institution is not None and not institution["direct_settlement"]:
            remedy = _(
                "The person is covered, but this institution does not settle this kind of visit directly: "
                "choose a connected institution, or the person pays in full and claims manual reimbursement."
            )
        return Eligibility(
            covered=covered,
            basis=basis,
            filing=filing,
            reason_code=EligibilityReasonCode(reason_code).value,  # a code outside the enum is a defect: ValueError
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
    if person["region_on"] is None:
        return answer(
            False,
            None,
            "not_actively_insured",
            _("The person was not insured on that day."),
            _("The person settles as self-paid; insurance status is handled by the insured place."),
        )
    grounds = coverage_grounds(place=place, rows=rows, city_code=city_code, visit=visit)
    designation = designated_only(
        grounds, place=place, city_code=city_code, on=on, institution_code=institution["code"] if institution else None
    )
    grounds = designation.kept
    if chronic:
        cross_province = city_code[:2] != person["region_on"][:2]
        refusal = _chronic_refusal(person, institution, cross_province=cross_province)
        if refusal is not None:
            return answer(False, None, *refusal)
    if grounds:
        ground = grounds[0]
        if ground.basis == EligibilityBasis.IN_PROVINCE:
            if city_code == person["region_on"]:
                return answer(True, ground.basis, "local", _("Care in the insured city is local care."))
            return answer(
                True, ground.basis, "in_province", _("Treatment inside the insured province needs no filing.")
            )
        if ground.basis == EligibilityBasis.FILING:
            where = None
            if designation.named is not None and institution is None:
                where = _("Covered only at the filing's designated institutions: %(names)s.") % {
                    "names": "、".join(designation.named.values()) or "-"
                }
            return answer(
                True,
                ground.basis,
                "filed",
                _("An effective filing covers this place and day."),
                where,
                filing=ground.filing,
                valid_until=ground.valid_until,
            )
        return answer(
            True,
            ground.basis,
            "emergency",
            _("Emergency rescue is treated as filed (视同已备案); keep the rescue record."),
        )
    if designation.refused is not None:
        return answer(
            False,
            None,
            "not_designated_institution",
            _(
                "Filing %(ref)s covers this place and day only at the institutions it designates; this "
                "institution is not one of them."
            )
            % {"ref": designation.refused.filing}
            if designation.named
            else _("Filing %(ref)s covers this place only at designated institutions, and names none.")
            % {"ref": designation.refused.filing},
            _(
                "Change the filing's designated institutions to name this one (a self-service change takes "
                "effect at once), or go to one of them: %(names)s. Otherwise the person pays in full and "
                "claims manual reimbursement."
            )
            % {"names": "、".join(designation.named.values())}
            if designation.named
            else _(
                "The filing names no designated institution: change it to name one to three, this one among "
                "them (a self-service change takes effect at once). Otherwise the person pays in full and "
                "claims manual reimbursement."
            ),
            filing=designation.refused.filing,
        )
    if person["pending__reference"]:
        due = person["pending__review_due"]
        return answer(
            False,
            None,
            "filing_pending",
            _("Filing %(ref)s for this place awaits review (due %(due)s).")
            % {"ref": person["pending__reference"], "due": due.isoformat() if due else "-"},
            _(
                "Settle directly once it is approved (the review is due by %(due)s); if the person is "
                "discharged before, they pay in full and claim manual reimbursement."
            )
            % {"due": due.isoformat() if due else "-"},
        )
    remedy = _remedy_without_filing(on=on, place=place)
    here = (city_code, city_code[:2] + "0000")
    elsewhere = next(
        (
            r["covering__reference"]
            for r in rows
            if r["covering__reference"] and r["covering__destination_id"] not in here
        ),
        None,
    )
    if elsewhere:
        if on < timezone.localdate():
            # A change starts today at the earliest, and a retroactive filing would overlap the one that
            # covers that day elsewhere: for a past day, only a manual claim is left.
            fix = _claim_manually(on=on, place=place)
        else:
            fix = _("Change the filing to this destination, then settle directly. %(remedy)s") % {"remedy": remedy}
        return answer(
            False,
            None,
            "filed_elsewhere",
            _("The person's filing %(ref)s is for another destination.") % {"ref": elsewhere},
            fix,
        )
    return answer(False, None, "no_filing", _("No effective filing covers this place and day."), remedy)


def _remedy_without_filing(*, on: datetime.date, place: dict) -> str:
    """What a person without a filing for the day can do. Dates are counted from today, as the filing's
    own rule counts them (``filings.services.rule_dates``): a retroactive filing (补办备案) starts at most
    that many months before today. Care on a day before that bound can no longer be filed for: the person
    claims manual reimbursement, by the claims' deadline after discharge (reimbursements' policy in force,
    read with the place: ``_place_query``)."""
    months = place["retroactive_months"] or FilingPolicy().retroactive_limit_months
    earliest = add_months(timezone.localdate(), -months)
    if on >= earliest:
        return _(
            "File now through any channel (self-service filings take effect at once), or file "
            "retroactively (补办备案) before discharge settlement with a start date on or before admission "
            "(at most %(months)d months back: on %(earliest)s or later); otherwise the person pays in full "
            "and claims manual reimbursement."
        ) % {"months": months, "earliest": earliest.isoformat()}
    return _(
        "This day lies beyond what a retroactive filing can still cover (at most %(months)d months back: "
        "on %(earliest)s or later). %(claim)s"
    ) % {"months": months, "earliest": earliest.isoformat(), "claim": _claim_manually(on=on, place=place)}


def _claim_manually(*, on: datetime.date, place: dict) -> str:
    """The manual claim left for care on ``on``: its deadline after discharge, and whether it has passed."""
    deadline_months = place["claim_deadline_months"] or CLAIM_DEADLINE_MONTHS_DEFAULT
    by = add_months(on, deadline_months)
    values = {"deadline": deadline_months, "on": on.isoformat(), "by": by.isoformat()}
    if by < timezone.localdate():
        return (
            _(
                "A manual claim (手工报销) is due within %(deadline)d months of discharge: for a discharge on %(on)s "
                "that was %(by)s, already past; only a later discharge leaves time."
            )
            % values
        )
    return (
        _(
            "The person pays in full and claims manual reimbursement (手工报销) within %(deadline)d months of "
            "discharge (for a discharge on %(on)s: by %(by)s)."
        )
        % values
    )


# Without a claims policy row in force: the model's default (SPEC §4: 12 months after discharge).
CLAIM_DEADLINE_MONTHS_DEFAULT = 12


@dataclass(frozen=True)
class Ground:
    """One ground on which a person's care at a place on a day is covered: in-province (or local) care, a
    filing that covers it, or emergency rescue (视同已备案, with its rescue record)."""

    basis: str  # EligibilityBasis
    filing: str | None = None  # the covering filing's reference
    filing_type: str | None = None
    submitted_at: datetime.datetime | None = None
    valid_until: datetime.date | None = None


def coverage_grounds(*, place: dict, rows: list[dict], city_code: str, visit: str) -> list[Ground]:
    """Every ground that covers this care, in the order the point of care answers with them.

    The one coverage rule: eligibility answers with the first ground; a claim for the same
    person, day, place and visit kind rests on the most favourable of the same grounds.

    - Care in the insured city is local care; elsewhere in the insured province it needs no
      filing, except in the cities the in-province list names on that day.
    - A filing covers the day when its destination is the city or its province; an emergency
      filing covers its rescue episode only (emergency and inpatient care), not ordinary visits.
    - Emergency rescue counts as filed (急诊抢救视同已备案).
    """
    person = rows[0] if rows else None
    if person is None or person["region_on"] is None:
        return []
    grounds = []
    home = person["region_on"]
    if city_code == home or (city_code[:2] == home[:2] and not place["needs_filing"]):
        grounds.append(Ground(EligibilityBasis.IN_PROVINCE))
    here = (city_code, city_code[:2] + "0000")
    for row in rows:
        if not row["covering__reference"] or row["covering__destination_id"] not in here:
            continue
        if row["covering__filing_type"] == FilingType.EMERGENCY and visit not in EMERGENCY_FILING_VISITS:
            continue  # an emergency filing covers its rescue episode, not ordinary care
        ends = [d for d in (row["covering__end_date"], row["covering__covered_until"]) if d]
        grounds.append(
            Ground(
                EligibilityBasis.FILING,
                filing=row["covering__reference"],
                filing_type=row["covering__filing_type"],
                submitted_at=row["covering__submitted_at"],
                valid_until=min(ends) if ends else None,
            )
        )
    if visit == VisitKind.EMERGENCY:
        grounds.append(Ground(EligibilityBasis.EMERGENCY))
    return grounds


def coverage_on(
    *, id_number: str, city_code: str, on: datetime.date, visit: str, institution_code: str | None = None
) -> list[Ground]:
    """The grounds covering a person's care at a city (and institution) on a day (what eligibility would answer
    with), for claims."""
    values = {
        "city": city_code,
        "province": city_code[:2] + "0000",
        "on": on,
        "today": timezone.localdate(),
        "institution": None,
    }
    place, rows = _eligibility_rows(
        {"visit": visit, "with_institution": False},
        {"chronic": visit == VisitKind.CHRONIC_OUTPATIENT},
        {**values, "id_number": id_number},
    )
    if place is None:
        return []
    grounds = coverage_grounds(place=place, rows=rows, city_code=city_code, visit=visit)
    return designated_only(grounds, place=place, city_code=city_code, on=on, institution_code=institution_code).kept


def designated_institutions_required(
    *, region: Region, filing_type: str, start: datetime.date, end: datetime.date | None
) -> bool:
    """Whether a filing of this type for this destination, covering ``start`` to ``end`` (None: open-ended),
    binds care to the institutions it names on any of its days: a rule for the destination, its province, or
    (for a province) one of its cities, in force on one of them. A filing made before a rule takes effect, or
    one running into it, names its institutions too. ``start == end``: that one day."""
    place = Q(destination_id=region.code) | Q(destination__parent_id=region.code)
    if region.parent_id:
        place |= Q(destination_id=region.parent_id)
    return (
        DesignatedInstitutionRule.objects.filter(place, Q(filing_type="") | Q(filing_type=filing_type))
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
        .filter(effective_from__lte=end or datetime.date.max)
        .exists()
    )


@dataclass(frozen=True)
class Designation:
    """Filing grounds checked against the designated-institution rule: what still covers, and for a filing whose
    named institutions bind, those institutions (code → name)."""

    kept: list[Ground]
    refused: Ground | None = None  # a filing that covers the day, but not at this institution
    named: dict[str, str] | None = None  # the binding filing's institutions, when one binds


def designated_only(
    grounds: list[Ground], *, place: dict, city_code: str, on: datetime.date, institution_code: str | None
) -> Designation:
    """The one rule for eligibility and claims alike: where a ``DesignatedInstitutionRule`` is in force for the place
    (its city or province) and the filing's type, a filing covers care only at the institutions it names. Without
    a rule here (``place["designated_here"]``, read with the place) nothing is asked; with one, one query more
    reads the rule for the filing's type and the filing's institutions. When the institution is not known (staff
    asking without one: ``None``) the ground stands, and ``named`` says where it holds; an institution outside the
    catalogue (``""``: a claim's hospital typed by name) is not a designated one."""
    filing_grounds = [g for g in grounds if g.basis == EligibilityBasis.FILING]
    if not place.get("designated_here") or not filing_grounds:
        return Designation(kept=grounds)
    province = city_code[:2] + "0000"
    rules = DesignatedInstitutionRule.objects.in_force(on).filter(destination_id__in=[city_code, province])
    refs = [g.filing for g in filing_grounds]
    rows = (
        Filing.objects.filter(reference__in=refs)
        .annotate(
            bound=Exists(rules.filter(Q(filing_type="") | Q(filing_type=OuterRef("filing_type")))),
        )
        .values_list("reference", "bound", "institutions__code", "institutions__name")
    )
    bound: dict[str, dict[str, str]] = {}
    for reference, binds, code, name in rows:
        if binds:
            named = bound.setdefault(reference, {})
            if code:
                named[code] = name
    kept, refused, named = [], None, None
    for ground in grounds:
        if ground.filing in bound:
            named = named or bound[ground.filing]
            # A filing that names none (made before the rule) is covered nowhere until it names some.
            if not bound[ground.filing] or (
                institution_code is not None and institution_code not in bound[ground.filing]
            ):
                refused = refused or ground
                continue
        kept.append(ground)
    return Designation(kept=kept, refused=refused, named=named)


# The visits an emergency filing (its rescue episode) covers.
EMERGENCY_FILING_VISITS = (VisitKind.EMERGENCY, VisitKind.INPATIENT)


def _chronic_refusal(person: dict, institution: dict | None, *, cross_province: bool) -> tuple[str, str, str] | None:
    """Why chronic/special outpatient care (门诊慢特病) is not settled directly, or None when it may be.

    Everywhere the person must hold the qualification on the day. Across provinces only a
    disease settled directly across provinces, at an institution connected for it, is settled
    directly; in the insured city and province those cross-province conditions do not apply.
    """
    if not person["qualified"]:
        return (
            "not_qualified",
            _("The person holds no chronic/special outpatient qualification (门诊慢特病资格) on that day."),
            _("Apply for the qualification at the insured place; meanwhile pay in full and claim manually."),
        )
    if not cross_province:
        return None
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


def _place_query(
    *,
    visit: str,
    with_institution: bool,
    city: str,
    province: str,
    on: datetime.date,
    today: datetime.date,
    institution: str,
    **_other,
):
    """The place asked: the city, whether it is on the in-province list, the institution; and for the remedies,
    the retroactive bound of a filing made today and the claims' deadline (the policies in force today; the
    claims' table is the app above this one's, found rather than imported)."""
    policy = FilingPolicy.objects.in_force(today).order_by("-effective_from")
    claims = apps.get_model("reimbursements", "ClaimPolicy").objects.in_force(today).order_by("-effective_from")
    place_qs = Region.objects.filter(code=city).annotate(
        needs_filing=Exists(InProvinceFilingCity.objects.in_force(on).filter(city_id=OuterRef("code"))),
        retroactive_months=Subquery(policy.values("retroactive_limit_months")[:1]),
        claim_deadline_months=Subquery(claims.values("submission_deadline_months")[:1]),
        designated_here=Exists(
            DesignatedInstitutionRule.objects.in_force(on).filter(destination_id__in=[city, province])
        ),
    )
    fields = ["code", "level", "needs_filing", "retroactive_months", "claim_deadline_months", "designated_here"]
    if with_institution:
        inst = Institution.objects.filter(code=institution)
        place_qs = place_qs.annotate(
            institution_name=Subquery(inst.values("name")[:1]),
            institution_city=Subquery(inst.values("city_id")[:1]),
            institution_settles=Subquery(inst.values(VISIT_SETTLEMENT_FIELD[visit])[:1]),
        )
        fields += ["institution_name", "institution_city", "institution_settles"]
    return place_qs.values(*fields)[:1]  # Region is ordered by code: what .first() would read


def _person_query(*, chronic: bool, id_number: str, city: str, province: str, on: datetime.date, **_other):
    """The person, with the filings covering the day and any filing for here awaiting review joined on, and the
    region of the insured period of the day (None: not insured that day).

    A person has at most one live filing (``one_live_filing_per_person``), so the pending join adds
    no rows.
    """
    insured = InsuredPeriod.objects.filter(
        InsuredPeriod.covering(on), person=OuterRef("pk"), status=PeriodStatus.ACTIVE
    ).order_by(F("starts_on").asc(nulls_first=True))
    qualified = ChronicQualification.objects.filter(ChronicQualification.covering(on), person=OuterRef("pk"))
    pending = Q(
        filings__state=FilingState.SUBMITTED,
        filings__destination_id__in=[city, province],
        filings__start_date__lte=on,
    )
    covering = Filing.covering(on, prefix="filings__")
    return (
        Person.objects.filter(id_number=id_number)
        .annotate(
            covering=FilteredRelation("filings", condition=covering),
            pending=FilteredRelation("filings", condition=pending),
            region_on=Subquery(insured.values("insured_region_id")[:1]),
            **(
                {
                    "qualified": Exists(qualified),
                    "qualified_direct": Exists(qualified.filter(disease__settled_directly=True)),
                }
                if chronic
                else {}
            ),
        )
        .values(
            "id",
            "region_on",
            "pending__reference",
            "pending__review_due",
            *(["qualified", "qualified_direct"] if chronic else []),
            "covering__reference",
            "covering__filing_type",
            "covering__destination_id",
            "covering__end_date",
            "covering__covered_until",
            "covering__state",
            "covering__submitted_at",
            PERSON_ORDER,
        )
    )


# The person's rows: the covering filing that took effect last first (``_CompiledLookup`` sorts by it).
PERSON_ORDER = "covering__effective_at"


# The eligibility lookup is built by the ORM once per shape (institution named or not, kind of
# visit) and database alias, with placeholder values, then kept compiled: a call binds its own
# values and runs the SQL. Building it anew cost most of the time of a call (annotations,
# subqueries and the SQL compiler), far more than the database did. The placeholders cannot be
# confused with real values (control characters; the year 1). The place and the person are two
# ORM queries sent as one statement (the place LEFT JOIN the person): one round trip, not two.
_PLACEHOLDERS = {
    "city": "\x00city\x00",
    "province": "\x00province\x00",
    "institution": "\x00institution\x00",
    "id_number": "\x00id_number\x00",
    "on": datetime.date(1, 2, 3),
    "today": datetime.date(1, 2, 4),
}
_compiled = threading.local()  # per thread, as Django's connections are


class _CompiledValues:
    """A ``values()`` query compiled once: its SQL, which parameter each placeholder fills, its converters."""

    def __init__(self, queryset: QuerySet, alias: str):
        self.compiler = queryset.query.get_compiler(alias)
        self.sql, params = self.compiler.as_sql()
        ops = self.compiler.connection.ops
        slots = {self.adapt(ops, value): name for name, value in _PLACEHOLDERS.items()}
        # Each parameter: the name of the value it takes, or (None, a constant of the query).
        self.params = [(slots[p], None) if _hashable(p) and p in slots else (None, p) for p in params]
        if any(isinstance(p, str) and "\x00" in p for name, p in self.params if name is None):
            # A placeholder the ORM transformed (a LIKE pattern, say): its value could not be bound here.
            raise ImproperlyConfigured(f"An eligibility query uses a placeholder it transformed: {params!r}")
        query = queryset.query
        self.names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )
        self.width = self.compiler.col_count
        self.converters = self.compiler.get_converters([s[0] for s in self.compiler.select[: self.width]])

    @staticmethod
    def adapt(ops, value):
        return ops.adapt_datefield_value(value) if isinstance(value, datetime.date) else value

    def bind(self, values: dict) -> list:
        ops = self.compiler.connection.ops
        return [self.adapt(ops, values[name]) if name else constant for name, constant in self.params]

    def dicts(self, rows: list) -> list[dict]:
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        return [dict(zip(self.names, row, strict=True)) for row in rows]


class _CompiledLookup:
    """The place query LEFT JOIN the person query, as one statement; rows ordered as the person query orders them."""

    def __init__(self, place: _CompiledValues, person: _CompiledValues, alias: str, order_by: str):
        self.alias, self.place, self.person = alias, place, person
        quote = place.compiler.connection.ops.quote_name
        # Portable "DESC NULLS LAST": SQLite and PostgreSQL both sort false before true.
        column = f"person.{quote(order_by)}"
        self.sql = (
            f"SELECT place.*, person.* FROM ({place.sql}) place LEFT JOIN ({person.sql}) person ON 1 = 1 "
            f"ORDER BY {column} IS NULL, {column} DESC"
        )

    def rows(self, values: dict) -> tuple[dict | None, list[dict]]:
        """(the place or None, the person's rows: none when the place or the person is unknown)."""
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, [*self.place.bind(values), *self.person.bind(values)])
            fetched = cursor.fetchall()
        if not fetched:
            return None, []
        width = self.place.width
        place = self.place.dicts([fetched[0][:width]])[0]
        person = [row[width:] for row in fetched if row[width] is not None]  # the person's id: NULL when unknown
        return place, self.person.dicts(person)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _eligibility_rows(place_shape: dict, person_shape: dict, values: dict) -> tuple[dict | None, list[dict]]:
    """The place asked and the person's rows, from SQL compiled once per shape and database alias."""
    alias = router.db_for_read(Person)
    cache = _compiled.__dict__.setdefault("queries", {})
    key = (alias, *sorted(place_shape.items()), *sorted(person_shape.items()))
    compiled = cache.get(key)
    if compiled is None or compiled.place.compiler.connection is not connections[alias]:
        place = _CompiledValues(_place_query(**place_shape, **_PLACEHOLDERS).using(alias), alias)
        person = _CompiledValues(_person_query(**person_shape, **_PLACEHOLDERS).using(alias), alias)
        compiled = cache[key] = _CompiledLookup(place, person, alias, order_by=PERSON_ORDER)
    return compiled.rows(values)


# --- the counter's own work ---------------------------------------------------------------------------


def filings_registered_by(*, user_id: int) -> QuerySet[Filing]:
    """Filings ``user_id`` registered at the counter that still wait on the bureau: submitted for review,
    or effective on a commitment letter whose documents are still due."""
    registered = Filing.objects.filter(
        pk__in=FilingEvent.objects.filter(action=FilingAction.SUBMIT, actor_id=user_id).values("filing_id")
    )
    awaiting_documents = Q(
        state=FilingState.EFFECTIVE, proof_basis=ProofBasis.COMMITMENT, commitment_fulfilled_at__isnull=True
    )
    return registered.filter(Q(state=FilingState.SUBMITTED) | awaiting_documents)
