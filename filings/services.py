"""Writes of the filings app: every filing is made and moved through the one state machine.

``FILINGS`` is the filings' table, capacities and per-action rules on the shared machine
(``config.transitions``): the API views, the admin actions and the scheduled jobs all call
``filing_submit``, ``filing_transition`` and ``filing_change``, which go through it.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from config.actors import COUNTER_CHANNEL, Actor, Capacity
from config.errors import Conflict, InvalidTransition, NotFound, PermissionRefused, ValidationFailed
from config.files import check_upload_quota, document_name, upload_rate
from config.personal import mask_free_text
from config.transitions import StateMachine, Step, authorize
from filings import selectors
from filings.choices import (
    FILING_CATEGORY,
    FILING_TRANSITIONS,
    LIVE_STATES,
    FilingAction,
    FilingCategory,
    FilingMode,
    FilingState,
    FilingType,
    ProofBasis,
)
from filings.models import Filing, FilingEvent, FilingMaterial, FilingPolicy
from filings.rules import FILING_ACTION_CAPACITIES, MATERIAL_UPLOAD_CAPACITIES
from registry.calendar import DueRecord, due_dates_recount, on_recompute_due
from registry.choices import InsuranceType, InsuredStatus, RegionLevel
from registry.models import Institution, Person, Region
from registry.references import next_reference
from registry.selectors import scoped_to_actor
from registry.services import insured_days_missing, person_and_fields
from registry.spans import common
from registry.validators import normalize_id_number, normalize_phone
from registry.workdays import add_months

MAX_DESIGNATED_INSTITUTIONS = 3
# Fields a change may carry; everything else is copied from the filing it replaces.
CHANGEABLE_FIELDS = (
    "filing_type",
    "destination",
    "start_date",
    "end_date",
    "contact_name",
    "contact_phone",
    "institutions",
    "mode",
    "proof_basis",
    "employer_name",
    "employer_credit_code",
)
COPIED_FIELDS = (
    "filing_type",
    "destination",
    "start_date",
    "end_date",
    "contact_name",
    "contact_phone",
    "mode",
    "proof_basis",
    "proxy_name",
    "proxy_id_number",
    "proxy_authorization",
    "referring_institution",
    "referral_diagnosis",
    "referral_date",
    "referral_reason",
    "referral_opinion",
    "employer_name",
    "employer_credit_code",
)
REQUIRED = gettext_lazy("This field is required.")


def _json_value(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (Region, Institution)):
        return value.pk
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def _live_conflict(person_id: int, actor: Actor) -> Conflict:
    """409: the person has a live filing, named only to whoever may read it (a hospital is told it exists)."""
    live = scoped_to_actor(Filing.objects.filter(person_id=person_id, state__in=LIVE_STATES), actor)
    reference = live.values_list("reference", flat=True).first()
    if reference is None:
        message, detail = _("This person already has a live filing."), _("A live filing exists.")
    else:
        message = _("This person already has a live filing (%(ref)s); change or revoke it first.") % {"ref": reference}
        detail = _("A live filing exists: %(ref)s.") % {"ref": reference}
    return Conflict(message, code="live_filing_exists", errors={"person": [detail]})


# --- the rules a new filing must satisfy, one function each --------------------------------------


@dataclass
class FilingDraft:
    """A filing being checked: the input, the model values found so far, and every error.

    Each rule reads what it needs and skips what is missing (the input's shape was already
    refused for it), so one pass reports every field at once.
    """

    data: dict
    person: Person | None
    actor: Actor
    replaces: Filing | None
    today: datetime.date
    policy: FilingPolicy
    out: dict = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(str(message))

    @property
    def filing_type(self) -> str | None:
        return self.out.get("filing_type")


def rule_filing_type(draft: FilingDraft) -> None:
    """A known type; referrals are made at the referring hospital or the counter, hospitals make only those."""
    filing_type = draft.data.get("filing_type")
    if filing_type not in FilingType.values:
        draft.error("filing_type", REQUIRED if filing_type is None else _("Unknown filing type."))
        return
    draft.out["filing_type"] = filing_type
    if draft.actor.is_hospital and filing_type != FilingType.REFERRAL:
        raise PermissionRefused(_("A hospital credential may only make referral filings."), code="action_not_allowed")
    if filing_type == FilingType.REFERRAL and draft.actor.capacity == Capacity.PERSON:
        draft.error("filing_type", _("Referral filings are made at the referring hospital or the counter."))


def rule_destination(draft: FilingDraft) -> None:
    """A region outside the insured province, or a listed city inside it (SPEC §3.3)."""
    destination = draft.data.get("destination")
    if not destination:
        draft.error("destination", REQUIRED)
        return
    region = destination if isinstance(destination, Region) else Region.objects.filter(code=destination).first()
    if region is None:
        draft.error("destination", _("Unknown region code %(code)s.") % {"code": destination})
        return
    draft.out["destination"] = region
    if draft.filing_type == FilingType.EMERGENCY and region.level != RegionLevel.CITY:
        draft.error("destination", _("An emergency filing names the city of the rescue, not a province."))
    if draft.person is not None and region.code[:2] == draft.person.insured_region_id[:2]:
        listed = region.level == RegionLevel.CITY and selectors.in_province_city_needs_filing(
            city_code=region.code, on=draft.today
        )
        if not listed:
            draft.error("destination", _("Treatment inside the insured province needs no filing here."))


def rule_dates(draft: FilingDraft) -> None:
    """Start within the policy's bounds; a change from today on; each category's length (SPEC §3.2, §9).

    Back: the retroactive limit (补办备案); ahead: a few months. Long-term filings are
    open-ended; an emergency covers its rescue episode only; other temporary filings last at
    least the policy's months.
    """
    start, end = draft.data.get("start_date"), draft.data.get("end_date")
    if start is None:
        draft.error("start_date", REQUIRED)
        return
    draft.out["start_date"], draft.out["end_date"] = start, end
    policy, today = draft.policy, draft.today
    earliest = add_months(today, -policy.retroactive_limit_months)
    latest = add_months(today, policy.advance_limit_months)
    if draft.replaces is not None and start < today:
        draft.error("start_date", _("A change takes effect no earlier than today (%(today)s).") % {"today": today})
    elif start < earliest:
        draft.error(
            "start_date",
            _("A filing starts at most %(months)d months back: on %(date)s or later.")
            % {"months": policy.retroactive_limit_months, "date": earliest.isoformat()},
        )
    elif start > latest:
        draft.error(
            "start_date",
            _("A filing starts at most %(months)d months ahead: on %(date)s or earlier.")
            % {"months": policy.advance_limit_months, "date": latest.isoformat()},
        )
    if end is not None and end < start:
        draft.error("end_date", _("The end date cannot be before the start date."))
        return
    category = FILING_CATEGORY.get(draft.filing_type)
    if category == FilingCategory.LONG_TERM:
        if end is not None:
            draft.error("end_date", _("Long-term filings are open-ended; leave the end date empty."))
        draft.out["end_date"] = None
    elif draft.filing_type == FilingType.EMERGENCY:
        if start > today:
            draft.error("start_date", _("An emergency filing starts on the day the rescue began, not ahead."))
        if end is None:
            draft.error("end_date", _("An emergency filing ends with its rescue episode: give the end date."))
        elif (end - start).days + 1 > policy.emergency_max_days:
            draft.error(
                "end_date",
                _("An emergency filing covers at most %(days)d days: until %(date)s.")
                % {
                    "days": policy.emergency_max_days,
                    "date": (start + datetime.timedelta(days=policy.emergency_max_days - 1)).isoformat(),
                },
            )
    elif category == FilingCategory.TEMPORARY:
        months = policy.temporary_validity_months
        replaces = draft.replaces
        minimum_start = replaces.start_date if replaces is not None and replaces.start_date < start else start
        minimum_end = add_months(minimum_start, months) - datetime.timedelta(days=1)
        if end is None:
            draft.out["end_date"] = max(minimum_end, start)
        elif end < minimum_end:
            draft.error(
                "end_date",
                _("A temporary filing lasts at least %(months)d months: until %(date)s or later.")
                % {"months": months, "date": minimum_end.isoformat()},
            )


def rule_type_fits_person(draft: FilingDraft) -> None:
    """The filing type is for whom the policy says: insurance type, retired, an employer's posting."""
    draft.out["employer_name"] = (draft.data.get("employer_name") or "").strip()
    draft.out["employer_credit_code"] = ""
    if draft.filing_type is None:
        return
    rule = selectors.filing_type_rule(filing_type=draft.filing_type, on=draft.today)
    if rule is None:
        return
    if draft.person is not None and rule.insurance_type and draft.person.insurance_type != rule.insurance_type:
        draft.error(
            "filing_type",
            _("%(type)s is for persons with %(insurance)s.")
            % {"type": FilingType(draft.filing_type).label, "insurance": InsuranceType(rule.insurance_type).label},
        )
    if draft.person is not None and rule.requires_retired and not draft.person.retired:
        draft.error(
            "filing_type",
            _("%(type)s is for retired persons; the enrolment records do not show this person as retired.")
            % {"type": FilingType(draft.filing_type).label},
        )
    if not rule.requires_employer:
        return
    if not draft.out["employer_name"]:
        draft.error("employer_name", _("Name the employer that posted the person."))
    code = draft.data.get("employer_credit_code") or ""
    try:
        draft.out["employer_credit_code"] = uscc.validate(code)
    except StdnumError:
        draft.error(
            "employer_credit_code",
            _("Give the employer's unified social credit code (统一社会信用代码, 18 characters with its check digit)."),
        )


def rule_consent_and_contact(draft: FilingDraft) -> None:
    """The person's signed consent, and a contact person with a reachable phone."""
    if draft.data.get("consent") is not True:
        draft.error("consent", _("The person's consent is required."))
    contact_name = (draft.data.get("contact_name") or "").strip()
    if not contact_name:
        draft.error("contact_name", REQUIRED)
    draft.out["contact_name"] = contact_name
    try:
        draft.out["contact_phone"] = normalize_phone(draft.data.get("contact_phone") or "")
    except ValidationError as exc:
        for message in exc.messages:
            draft.error("contact_phone", message)


def rule_mode_and_proof(draft: FilingDraft) -> None:
    """Self-service filings rest on a commitment letter where one may replace the documents; fast track on documents."""
    mode = FilingMode.SELF_SERVICE if draft.actor.is_hospital else draft.data.get("mode") or FilingMode.SELF_SERVICE
    draft.out["mode"] = mode
    if draft.filing_type is None:
        return
    replaceable = (
        selectors.filing_requirements(filing_type=draft.filing_type, on=draft.today)
        .filter(commitment_may_replace=True)
        .exists()
    )
    default_basis = ProofBasis.COMMITMENT if replaceable and mode == FilingMode.SELF_SERVICE else ProofBasis.DOCUMENTS
    proof_basis = draft.data.get("proof_basis") or default_basis
    if proof_basis == ProofBasis.COMMITMENT and not replaceable:
        draft.error("proof_basis", _("A commitment letter cannot replace the documents of this filing type."))
    elif replaceable and mode == FilingMode.SELF_SERVICE and proof_basis == ProofBasis.DOCUMENTS:
        draft.error(
            "proof_basis",
            _("Self-service filings rest on a commitment letter; choose fast_track to have documents reviewed."),
        )
    draft.out["proof_basis"] = proof_basis
    draft.out["commitment_due_date"] = (
        add_months(draft.today, draft.policy.commitment_due_months) if proof_basis == ProofBasis.COMMITMENT else None
    )


def rule_proxy(draft: FilingDraft) -> None:
    """Someone filing on the person's behalf gives their ID number and the power of attorney (授权委托书)."""
    proxy_name = (draft.data.get("proxy_name") or "").strip()
    authorization = bool(draft.data.get("proxy_authorization"))
    draft.out.update(proxy_name=proxy_name, proxy_id_number="", proxy_authorization=authorization)
    if not proxy_name:
        return
    try:
        draft.out["proxy_id_number"] = normalize_id_number(draft.data.get("proxy_id_number") or "")
    except ValidationError as exc:
        for message in exc.messages:
            draft.error("proxy_id_number", message)
    if not authorization:
        draft.error("proxy_authorization", _("A proxy needs the power of attorney (授权委托书)."))


def rule_referral(draft: FilingDraft) -> None:
    """A referral names a tertiary (三级) designated institution of the insured city, a diagnosis and a date."""
    draft.out.update(
        {
            name: mask_free_text(draft.data.get(name) or "")
            for name in ("referral_diagnosis", "referral_reason", "referral_opinion")
        }
    )
    draft.out["referral_date"] = draft.data.get("referral_date")
    draft.out["referring_institution"] = None
    if draft.filing_type != FilingType.REFERRAL:
        return
    code = draft.data.get("referring_institution")
    if draft.actor.is_hospital:
        # A hospital files referrals as itself: the institution its key belongs to.
        if draft.actor.institution_code is None:
            draft.error(
                "referring_institution",
                _("This hospital key belongs to no institution; ask the bureau for a key of your institution."),
            )
            return
        if code and str(getattr(code, "pk", code)) != draft.actor.institution_code:
            draft.error("referring_institution", _("A hospital files referrals as itself."))
            return
        code = draft.actor.institution_code
    institution = code if isinstance(code, Institution) else Institution.objects.filter(code=code or "").first()
    if institution is None:
        draft.error("referring_institution", _("Name the referring designated institution by its code."))
    elif institution.level != 3 or (draft.person is not None and institution.city_id != draft.person.insured_region_id):
        draft.error(
            "referring_institution",
            _("Referrals come from a tertiary (三级) designated institution of the insured city."),
        )
    draft.out["referring_institution"] = institution
    for name in ("referral_diagnosis", "referral_date"):
        if not draft.out[name]:
            draft.error(name, _("Required for a referral."))


def rule_designated_institutions(draft: FilingDraft) -> None:
    """At most three designated institutions, inside the destination; where the older regional rule is in force
    (``DesignatedInstitutionRule``) at least one, since care is covered only at those named."""
    codes = list(dict.fromkeys(draft.data.get("institutions") or []))
    draft.out["institutions"] = []
    if len(codes) > MAX_DESIGNATED_INSTITUTIONS:
        draft.error("institutions", _("At most three designated institutions."))
        return
    institutions = list(Institution.objects.select_related("city").filter(code__in=codes)) if codes else []
    region = draft.out.get("destination")
    if len(institutions) != len(codes):
        missing = sorted(set(codes) - {i.code for i in institutions})
        draft.error("institutions", _("Unknown institution codes: %(codes)s.") % {"codes": ", ".join(missing)})
    elif region is not None and any(region.code not in (i.city_id, i.city.parent_id) for i in institutions):
        draft.error("institutions", _("Designated institutions must be inside the destination."))
    elif not codes and region is not None and draft.filing_type is not None:
        start, end = draft.out.get("start_date") or draft.today, draft.out.get("end_date")
        if selectors.designated_institutions_required(
            region=region, filing_type=draft.filing_type, start=start, end=end
        ):
            draft.error(
                "institutions",
                _("Filings for this destination name their designated institutions (one to three): name them."),
            )
    draft.out["institutions"] = institutions


FILING_RULES = (
    rule_filing_type,
    rule_destination,
    rule_dates,
    rule_type_fits_person,
    rule_consent_and_contact,
    rule_mode_and_proof,
    rule_proxy,
    rule_referral,
    rule_designated_institutions,
)


def _clean_filing(
    data: dict, *, person: Person | None, actor: Actor, replaces: Filing | None, today: datetime.date
) -> dict:
    """Check a filing's fields against every rule and the policy in force; return the model field values."""
    draft = FilingDraft(
        data=data,
        person=person,
        actor=actor,
        replaces=replaces,
        today=today,
        policy=selectors.filing_policy_in_force(on=today),
    )
    for rule in FILING_RULES:
        rule(draft)
    if draft.errors:
        raise ValidationFailed(_("The filing is invalid; see the errors per field."), errors=draft.errors)
    return draft.out


# --- the rules of each transition ------------------------------------------------------------------


def _ended(filing: Filing, step: Step) -> None:
    filing.ended_at = step.now
    if step.reason:
        filing.end_reason = step.reason


def _require_reason(step: Step, message) -> None:
    if not step.reason:
        raise ValidationFailed(message, errors={"reason": [_("Required.")]})


def _check_holding_period(filing: Filing, today: datetime.date) -> None:
    if filing.category != FilingCategory.LONG_TERM or filing.effective_at is None:
        return
    months = selectors.filing_policy_in_force(on=today).long_term_min_holding_months
    allowed_from = add_months(timezone.localtime(filing.effective_at).date(), months)
    if months and today < allowed_from:
        raise Conflict(
            _("A long-term filing must be held %(months)d months; it may be changed or revoked from %(date)s.")
            % {"months": months, "date": allowed_from.isoformat()},
            code="minimum_holding_period",
        )


def _on_activate(filing: Filing, step: Step) -> None:
    filing.effective_at = step.now
    step.reason = _("Takes effect at once (自助开通).")


def _on_approve(filing: Filing, step: Step) -> None:
    """A reviewer approves: the person is insured, and a filing resting on documents has them all."""
    if not filing.person.is_actively_insured:
        raise Conflict(_("The person is not actively insured."), code="not_actively_insured")
    if filing.proof_basis == ProofBasis.DOCUMENTS:
        missing = [
            item["name"]
            for item in selectors.filing_checklist(filing=filing)
            if item["required"] and not item["present"]
        ]
        if missing:
            raise Conflict(
                _("The required documents have not all been received: %(items)s.") % {"items": "、".join(missing)},
                code="materials_missing",
                errors={"materials": missing},
            )
    filing.effective_at = filing.decided_at = step.now


def _on_reject(filing: Filing, step: Step) -> None:
    _require_reason(step, _("A rejection needs a reason."))
    filing.decided_at = step.now
    _ended(filing, step)


def _on_revoke(filing: Filing, step: Step) -> None:
    """Revocation takes effect from a given day, never reaching back before today."""
    _require_reason(step, _("A revocation needs a reason."))
    if step.actor.capacity != Capacity.SYSTEM:
        _check_holding_period(filing, step.today)
    yesterday = step.today - datetime.timedelta(days=1)
    last_day = step.params.get("effective_to") or yesterday
    if last_day < yesterday:
        raise ValidationFailed(
            _("A revocation cannot reach back before today."),
            errors={"effective_to": [_("Use today or a later date.")]},
        )
    if filing.end_date is not None and last_day > filing.end_date:
        raise ValidationFailed(
            _("The filing ends on %(date)s anyway.") % {"date": filing.end_date},
            errors={"effective_to": [_("After the filing's end date.")]},
        )
    filing.covered_until = last_day
    step.changes["covered_until"] = [None, last_day.isoformat()]
    _ended(filing, step)


def _on_expire(filing: Filing, step: Step) -> None:
    if filing.end_date is None or filing.end_date >= step.today:
        raise InvalidTransition(_("Only a fixed-period filing past its end date expires."))
    filing.covered_until = filing.end_date
    _ended(filing, step)


def _on_change(filing: Filing, step: Step) -> None:
    """Check the replacing filing's fields; the old one covers every day before the new one starts.

    The cleaned fields are handed back through ``step.params["prepared"]`` for the new filing.
    """
    _check_holding_period(filing, step.today)
    data = step.params["data"]
    merged = {name: getattr(filing, name) for name in COPIED_FIELDS}
    old_codes = sorted(filing.institutions.values_list("code", flat=True))
    merged["institutions"] = old_codes
    merged["start_date"] = max(filing.start_date, step.today)
    merged.update(data)
    merged["consent"] = True
    if "end_date" not in data and FILING_CATEGORY[merged["filing_type"]] == FilingCategory.LONG_TERM:
        merged["end_date"] = None
    fields = _clean_filing(merged, person=filing.person, actor=step.actor, replaces=filing, today=step.today)
    step.changes.update(
        {
            name: [_json_value(getattr(filing, name)), _json_value(fields[name])]
            for name in CHANGEABLE_FIELDS
            if name != "institutions" and _json_value(getattr(filing, name)) != _json_value(fields[name])
        }
    )
    if "institutions" in data:
        step.changes["institutions"] = [old_codes, sorted(i.code for i in fields["institutions"])]
    carried = _carried_by_change(filing, fields, step.today)
    fields.update(carried.fields)
    step.changes["carried"] = carried.summary
    step.params["prepared"]["materials"] = carried.materials
    filing.covered_until = fields["start_date"] - datetime.timedelta(days=1)
    step.changes["covered_until"] = [None, filing.covered_until.isoformat()]
    _coverage_conflict(
        person_id=filing.person_id,
        start=fields["start_date"],
        end=fields["end_date"],
        exclude=[filing.pk],
        actor=step.actor,
    )
    _ended(filing, step)
    step.params["prepared"]["fields"] = fields


@dataclass(frozen=True)
class Carried:
    """What a change carries from the filing it replaces: documents, and the commitment's fields."""

    materials: list[FilingMaterial]
    fields: dict
    summary: dict


def _chain(filing: Filing) -> list[Filing]:
    """The filing and every one it replaced, newest first (a change's ancestry; bounded by its changes)."""
    chain = [filing]
    while chain[-1].replaces_id is not None:
        chain.append(Filing.objects.get(pk=chain[-1].replaces_id))
    return chain


def _promised(requirements) -> set[str]:
    """The items a commitment letter promises among ``requirements``: the required ones a letter may replace."""
    return {r.item for r in requirements if r.commitment_may_replace and r.required}


def _promised_items(filing: Filing) -> set[str]:
    """What a filing resting on a commitment letter promised, by the requirements in force when it was submitted."""
    if filing.proof_basis != ProofBasis.COMMITMENT:
        return set()
    on = timezone.localtime(filing.submitted_at).date()
    return _promised(selectors.filing_requirements(filing_type=filing.filing_type, on=on))


def _carried_by_change(old: Filing, fields: dict, today: datetime.date) -> Carried:
    """What the new filing inherits from the whole chain it continues, so that a change never costs the person
    what they already gave and never postpones what they owe (SPEC §3.4):

    - the documents delivered anywhere in the chain (each item's latest current file) that the new type asks
      for: the same files, readable from every filing; only what is still missing is asked for;
    - a commitment letter's fulfilment, when the documents carried are all it promises;
    - its due date, never moved later: a promise of the chain never kept holds its due date, and each item
      still missing keeps the first due date at which any filing of the chain promised it, however often and
      through whatever types the filing is changed; only after every earlier promise was kept is an item
      never promised before due from the change (a new promise, not a postponed one).
    """
    requirements = list(selectors.filing_requirements(filing_type=fields["filing_type"], on=today))
    wanted = {r.item for r in requirements}
    chain = _chain(old)
    latest: dict[str, FilingMaterial] = {}
    for filing in chain:  # newest first: an item's latest delivery wins
        for material in filing.materials.filter(superseded_at__isnull=True):
            latest.setdefault(material.item, material)
    materials = [m for item, m in sorted(latest.items()) if item in wanted]
    delivered = {m.item for m in materials}
    carried: dict = {}
    if fields["proof_basis"] == ProofBasis.COMMITMENT:
        promised = _promised(requirements)
        if promised <= delivered:
            fulfilled_before = [f.commitment_fulfilled_at for f in chain if f.commitment_fulfilled_at]
            carried["commitment_fulfilled_at"] = max(fulfilled_before) if fulfilled_before else timezone.now()
        first_due: dict[str, datetime.date] = {}
        for filing in chain:
            if filing.commitment_due_date is None:
                continue
            for item in _promised_items(filing):
                first_due[item] = min(first_due.get(item, filing.commitment_due_date), filing.commitment_due_date)
        missing = promised - delivered
        earlier = [first_due[item] for item in (missing or promised) if item in first_due]
        # A promise of the chain never kept: its due date holds whatever the new type asks for.
        earlier += [
            f.commitment_due_date
            for f in chain
            if f.proof_basis == ProofBasis.COMMITMENT and f.commitment_due_date and f.commitment_fulfilled_at is None
        ]
        if earlier:
            carried["commitment_due_date"] = min([fields["commitment_due_date"], *earlier])
    due = carried.get("commitment_due_date", fields.get("commitment_due_date"))
    summary = {
        "materials": sorted(delivered),
        "commitment_due_date": due.isoformat() if due else None,
        "commitment_fulfilled": "commitment_fulfilled_at" in carried,
    }
    return Carried(materials=materials, fields=carried, summary=summary)


def _carry_materials(filing: Filing, materials: list[FilingMaterial]) -> None:
    """The documents carried by a change, attached to the new filing: the same stored files."""
    FilingMaterial.objects.bulk_create(
        FilingMaterial(
            filing=filing,
            item=m.item,
            file=m.file.name,
            content_type=m.content_type,
            size=m.size,
            uploaded_at=m.uploaded_at,
            uploaded_by_id=m.uploaded_by_id,
            channel_id=m.channel_id,
            carried_from=m,
        )
        for m in materials
    )


def _on_withdraw(filing: Filing, step: Step) -> None:
    _ended(filing, step)


def _on_correct_contact(filing: Filing, step: Step) -> None:
    """A corrected contact name or phone: no new filing, no holding period, an event with the change."""
    errors: dict[str, list[str]] = {}
    wanted = {name: step.params.get(name) for name in ("contact_name", "contact_phone") if step.params.get(name)}
    if not wanted:
        raise ValidationFailed(
            _("Give the contact name or phone to correct."), errors={"contact_name": [_("Nothing to correct.")]}
        )
    if "contact_name" in wanted:
        wanted["contact_name"] = wanted["contact_name"].strip()
    if "contact_phone" in wanted:
        try:
            wanted["contact_phone"] = normalize_phone(wanted["contact_phone"])
        except ValidationError as exc:
            errors["contact_phone"] = list(exc.messages)
    if errors:
        raise ValidationFailed(_("The contact is invalid; see the errors per field."), errors=errors)
    for name, value in wanted.items():
        if getattr(filing, name) != value:
            step.changes[name] = [getattr(filing, name), value]
            setattr(filing, name, value)
    if not step.changes:
        raise ValidationFailed(
            _("The contact is already so; nothing to correct."), errors={"contact_name": [_("Nothing to correct.")]}
        )


FILINGS = StateMachine(
    model=Filing,
    event_model=FilingEvent,
    subject="filing",
    transitions=FILING_TRANSITIONS,
    capacities=FILING_ACTION_CAPACITIES,
    states=FilingState,
    actions=FilingAction,
    noun=gettext_lazy("filing"),
    rules={
        FilingAction.ACTIVATE: _on_activate,
        FilingAction.APPROVE: _on_approve,
        FilingAction.REJECT: _on_reject,
        FilingAction.WITHDRAW: _on_withdraw,
        FilingAction.CHANGE: _on_change,
        FilingAction.REVOKE: _on_revoke,
        FilingAction.EXPIRE: _on_expire,
        FilingAction.CORRECT_CONTACT: _on_correct_contact,
        FilingAction.RECOMPUTE_DUE: on_recompute_due,
    },
)


# --- the services ------------------------------------------------------------------------------------


def _store_new_filing(*, person: Person, actor: Actor, fields: dict, replaces: Filing | None) -> Filing:
    """Insert a filing as submitted, with its event; it takes effect at once when it qualifies."""
    fields = dict(fields)
    institutions = fields.pop("institutions")
    now = timezone.now()
    filing = Filing(
        person=person,
        channel_id=actor.channel_code or COUNTER_CHANNEL,
        submitted_at=now,
        consent=True,
        consent_at=now,
        replaces=replaces,
        reference=next_reference("BA"),
        **fields,
    )
    changes = {name: _json_value(value) for name, value in fields.items() if value not in ("", None)}
    if _is_history(fields):
        # Care already over (补办备案 after the fact): effective for its days, expired from the start.
        filing.effective_at = filing.ended_at = now
        filing.covered_until = fields["end_date"]
        reason = _("The whole period is already over: recorded as history, effective for its days.")
        FILINGS.create(filing, actor=actor, changes=changes, action=FilingAction.RECORD, reason=reason)
        if institutions:
            filing.institutions.set(institutions)
        return filing
    instant = fields["mode"] == FilingMode.SELF_SERVICE or actor.is_hospital
    if not instant:
        due = selectors.review_due(submitted_on=timezone.localdate(now))
        filing.review_due, filing.review_due_provisional = due.day, due.provisional
    try:
        FILINGS.create(filing, actor=actor, changes=changes, then=FilingAction.ACTIVATE if instant else None)
    except IntegrityError:
        raise _live_conflict(person.pk, actor) from None
    if institutions:
        filing.institutions.set(institutions)
    return filing


def _is_history(fields: dict) -> bool:
    """A filing whose whole period lies before today: it only records coverage that was."""
    return fields.get("end_date") is not None and fields["end_date"] < timezone.localdate()


def _coverage_conflict(
    *,
    person_id: int,
    start: datetime.date,
    end: datetime.date | None,
    exclude=(),
    actor: Actor | None = None,
    live_conflict: bool = False,
    any_live: bool = False,
) -> None:
    """409 when another filing of the person still covers a day of ``start``..``end``.

    Two filings of one person never cover the same day: not a live one, and not one that ended
    (changed, revoked with a later date, expired) but still covers days up to its last. With
    ``live_conflict`` (a current filing, which no live one may accompany) a live one — one that took
    effect while this request was being checked — is the live-filing conflict; with ``any_live`` a live
    one is that conflict whatever days it covers (checked first, from the same rows). The other filing is
    named only to a caller who may read it.
    """
    others = (
        Filing.objects.filter(person_id=person_id)
        .filter(Q(state__in=LIVE_STATES) | Q(covered_until__isnull=False))
        .exclude(pk__in=exclude)
        .only("reference", "state", "start_date", "end_date", "covered_until")
    )
    found = list(others)
    if any_live and any(other.state in LIVE_STATES for other in found):
        raise _live_conflict(person_id, actor)
    for other in found:
        last_days = [d for d in (other.end_date, other.covered_until) if d is not None]
        shared = common((start, end), (other.start_date, min(last_days) if last_days else None))
        if shared is None:
            continue
        if live_conflict and other.state in LIVE_STATES:
            raise _live_conflict(person_id, actor)
        first, last = shared
        span = f"{first.isoformat()}–{last.isoformat()}" if last else f"{first.isoformat()}–"
        # Named only to a caller who may read it (asked only now that there is one to name).
        readable = actor is None or scoped_to_actor(others.filter(pk=other.pk), actor).exists()
        reference = other.reference if readable else _("another filing")
        raise Conflict(
            _("Filing %(ref)s still covers %(span)s; two filings never cover the same day.")
            % {"ref": reference, "span": span},
            code="coverage_overlap",
            errors={"start_date": [_("Covered by %(ref)s on %(span)s.") % {"ref": reference, "span": span}]},
        )


def filing_validate(
    *, actor: Actor, data: dict, person: Person | None = None, person_checked: bool = True
) -> tuple[Person, dict]:
    """Check a new filing without writing anything; returns the person and the model field values.

    Without ``person`` the person is the one ``data["id_number"]`` names (or the session's own).
    Every field's error comes in one ValidationFailed. ``filing_submit`` calls this first; the
    API calls it to add rule errors to shape errors, the admin's counter form to show them on
    its fields. ``person_checked=False`` leaves out whether the person may file (insured, no live or
    overlapping filing): ``filing_submit`` checks that once, with the person locked.
    """
    FILINGS.authorize(actor, FilingAction.SUBMIT, owner_id=person.pk if person else None)
    person, fields = person_and_fields(
        actor=actor,
        data=data,
        person=person,
        clean=lambda data, person: _clean_filing(
            data, person=person, actor=actor, replaces=None, today=timezone.localdate()
        ),
        message=_("The filing is invalid; see the errors per field."),
    )
    if person_checked:
        _check_person_may_file(person, fields, actor)
    return person, fields


def _check_person_may_file(person: Person, fields: dict, actor: Actor) -> None:
    """A current filing needs a person insured now and no live filing; a past one, insurance on its days."""
    if _is_history(fields):
        gaps = insured_days_missing(person_id=person.pk, first=fields["start_date"], last=fields["end_date"])
        if gaps:
            raise Conflict(
                _("The person was not insured on every day of the period."),
                code="not_insured_on_dates",
                errors={"start_date": [f"{a.isoformat()}–{b.isoformat()}" for a, b in gaps]},
            )
    else:
        if not person.is_actively_insured:
            raise Conflict(
                _("The person is not actively insured; a filing cannot be made."), code="not_actively_insured"
            )
    # A current filing: any live filing of the person is the live-filing conflict (read with the others).
    _coverage_conflict(
        person_id=person.pk,
        start=fields["start_date"],
        end=fields["end_date"],
        actor=actor,
        live_conflict=not _is_history(fields),
        any_live=not _is_history(fields),
    )


def filing_submit(*, actor: Actor, data: dict, person: Person | None = None) -> Filing:
    """Submit a new filing; self-service filings and hospital referrals take effect at once."""
    # Whether the person may file is checked once, below, with the person locked: checked before the lock as
    # well, it answered the same and cost its queries twice.
    person, fields = filing_validate(actor=actor, data=data, person=person, person_checked=False)
    with transaction.atomic():
        # Lock the person so concurrent submissions queue; the partial unique index is the final guard.
        locked = Person.objects.select_for_update().get(pk=person.pk)
        _check_person_may_file(locked, fields, actor)
        return _store_new_filing(person=locked, actor=actor, fields=fields, replaces=None)


def filings_recount_review_due(*, years: Collection[int], actor: Actor) -> int:
    """Count again the due dates of filings awaiting review that the calendar of ``years`` can move.

    A due date before the first of those years cannot move (it is counted forwards); each one that
    does is moved by the action ``recompute_due``, with its event. Returns how many moved.
    """
    waiting = Filing.objects.filter(
        state=FilingState.SUBMITTED, review_due__gte=datetime.date(min(years), 1, 1)
    ).values_list("pk", "version", "submitted_at", "review_due", "review_due_provisional")
    days_on: dict[datetime.date, int] = {}  # the policy's working days, read once per submission day
    records = []
    for pk, version, submitted_at, due, provisional in waiting:
        start = timezone.localdate(submitted_at)
        if start not in days_on:
            days_on[start] = selectors.filing_policy_in_force(on=start).fast_track_review_working_days
        records.append(DueRecord(pk, version, start, days_on[start], due, provisional))
    return due_dates_recount(
        machine=FILINGS, action=FilingAction.RECOMPUTE_DUE, records=records, years=years, actor=actor
    )


def filing_transition(
    *,
    filing_id: int,
    action: str,
    actor: Actor,
    reason: str = "",
    expected_version: int | None = None,
    **params,
) -> Filing:
    """Approve, reject, withdraw, revoke, expire a filing or correct its contact.

    ``params`` carry what the action needs: ``effective_to`` for a revocation, ``contact_name``
    and ``contact_phone`` for a correction.
    """
    if action == FilingAction.CHANGE:
        raise ValueError("a change names what changes: call filing_change")
    return FILINGS.transition(
        pk=filing_id, action=action, actor=actor, reason=reason, expected_version=expected_version, **params
    )


def filing_change(
    *, filing_id: int, actor: Actor, data: dict, reason: str = "", expected_version: int | None = None
) -> Filing:
    """Replace an effective filing by a new one carrying the changes; the old one becomes ``changed``.

    The new filing starts today unless a start date is given, and the old one covers every
    day before it, so coverage has no gap and history stays answerable.
    """
    unknown = set(data) - set(CHANGEABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            errors={name: [_("Cannot be changed.")] for name in unknown},
        )
    if not data:
        raise ValidationFailed(
            _("Name at least one field to change."), errors={"non_field_errors": [_("Nothing to change.")]}
        )
    prepared: dict = {}
    with transaction.atomic():
        old = FILINGS.transition(
            pk=filing_id,
            action=FilingAction.CHANGE,
            actor=actor,
            reason=reason,
            expected_version=expected_version,
            data=data,
            prepared=prepared,
        )
        new = _store_new_filing(person=old.person, actor=actor, fields=prepared["fields"], replaces=old)
        _carry_materials(new, prepared["materials"])
        return new


def filing_material_upload(*, filing_id: int, item: str, upload, actor: Actor, content_type: str) -> FilingMaterial:
    """Attach a document to a filing awaiting review, or one promised by a commitment letter.

    It replaces the item's current file, which is kept as evidence (``superseded_at``) but no longer
    counts towards the filing's total; the upload quotas (``config.files``) are checked before
    anything is stored, for the API and the admin alike.
    """
    with transaction.atomic():
        filing = FILINGS.lock(filing_id)
        authorize(
            actor,
            MATERIAL_UPLOAD_CAPACITIES,
            owner_id=filing.person_id,
            refusal=_("You may not upload documents for this filing."),
        )
        requirements = {
            r.item: r
            for r in selectors.filing_requirements(
                filing_type=filing.filing_type, on=timezone.localtime(filing.submitted_at).date()
            )
        }
        if item not in requirements:
            raise NotFound(
                _("This filing type has no material %(item)s.") % {"item": item}, code="unknown_material_item"
            )
        awaiting_commitment = (
            filing.state == FilingState.EFFECTIVE
            and filing.proof_basis == ProofBasis.COMMITMENT
            and requirements[item].commitment_may_replace
        )
        if filing.state != FilingState.SUBMITTED and not awaiting_commitment:
            raise Conflict(
                _("Documents are uploaded while a filing awaits review, or for a commitment letter."),
                code="not_accepting_materials",
            )
        rate = upload_rate(actor)
        rate.check()
        stored = filing.materials.all()
        current = stored.filter(superseded_at__isnull=True)
        replaced = current.filter(item=item).first()
        check_upload_quota(
            policy=selectors.filing_policy_in_force(),
            size=upload.size,
            item_files=stored.filter(item=item).count(),
            record_bytes=current.aggregate(total=Sum("size"))["total"] or 0,
            replaced_bytes=replaced.size if replaced else 0,
        )
        now = timezone.now()
        if replaced is not None:
            replaced.superseded_at = now
            replaced.save(update_fields=["superseded_at"])
        material = FilingMaterial(
            filing=filing,
            item=item,
            content_type=content_type,
            size=upload.size,
            uploaded_at=now,
            uploaded_by=actor.user,
            channel_id=actor.channel_code or COUNTER_CHANNEL,
        )
        name = document_name(reference=filing.reference, item=item, content_type=content_type)
        material.file.save(name, upload, save=False)
        material.save()
        rate.record()
        if filing.proof_basis == ProofBasis.COMMITMENT and filing.commitment_fulfilled_at is None:
            promised = _promised(requirements.values())
            received = set(filing.materials.values_list("item", flat=True))
            if promised <= received:
                filing.commitment_fulfilled_at = timezone.now()
                filing.save(update_fields=["commitment_fulfilled_at"])
    return material


def _system_transitions(ids, action: str, reason: str = "") -> list[Filing]:
    return [filing_transition(filing_id=pk, action=action, actor=Actor.system(), reason=reason) for pk in ids]


def filings_expire(*, today: datetime.date | None = None) -> list[Filing]:
    """System: fixed-period filings past their end date become expired."""
    today = today or timezone.localdate()
    ids = Filing.objects.filter(state=FilingState.EFFECTIVE, end_date__lt=today).values_list("pk", flat=True)
    return _system_transitions(list(ids), FilingAction.EXPIRE)


def filings_revoke_overdue_commitments(*, today: datetime.date | None = None) -> list[Filing]:
    """System: filings on a commitment whose documents never arrived by the due date are revoked."""
    today = today or timezone.localdate()
    ids = Filing.objects.filter(
        state=FilingState.EFFECTIVE,
        proof_basis=ProofBasis.COMMITMENT,
        commitment_fulfilled_at__isnull=True,
        commitment_due_date__lt=today,
    ).values_list("pk", flat=True)
    reason = _("The documents promised by the commitment letter were not received by their due date.")
    return _system_transitions(list(ids), FilingAction.REVOKE, reason)


def filings_revoke_uninsured() -> list[Filing]:
    """System: effective filings of persons no longer actively insured are revoked."""
    ids = (
        Filing.objects.filter(state=FilingState.EFFECTIVE)
        .exclude(person__insured_status=InsuredStatus.ACTIVE)
        .values_list("pk", flat=True)
    )
    return _system_transitions(list(ids), FilingAction.REVOKE, _("The person is no longer actively insured."))
