"""Writes of the reimbursements app: claims are made and moved through the one state machine.

``CLAIMS`` is the claims' table, capacities and per-action rules on the shared machine
(``config.transitions``); the API and the admin call ``claim_submit``, ``claim_transition``
and ``claim_material_update``.
"""

from __future__ import annotations

import csv
import datetime
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from config.actors import COUNTER_CHANNEL, Actor
from config.errors import Conflict, NotFound, ValidationFailed
from config.files import check_upload_quota, document_name, upload_rate
from config.personal import mask_free_text
from config.transitions import StateMachine, Step, authorize
from registry.calendar import DueRecord, due_dates_recount, on_recompute_due
from registry.choices import RegionLevel
from registry.identifiers import (
    institution_name_key,
    institution_name_keys,
    invoice_identity,
    is_identifier,
    normalize_identifier,
)
from registry.models import ChronicDisease, ChronicQualification, Institution, Person, Region, overlapping
from registry.references import next_reference
from registry.selectors import due_date_after, scoped_to_actor
from registry.services import insured_days_missing, person_and_fields, personal_data_reveal
from registry.spans import uncovered
from registry.validators import normalize_account_number, normalize_id_number
from registry.workdays import DueDate, add_months
from reimbursements import selectors
from reimbursements.calculator import InvalidAmounts
from reimbursements.choices import (
    AWAITING_DECISION,
    CHECKLIST_OPEN_STATES,
    CLAIM_TRANSITIONS,
    LIVE_CLAIM_STATES,
    RESCUE_RECORD_ITEM,
    BenefitVisit,
    ClaimAction,
    ClaimKind,
    ClaimReason,
    ClaimState,
    MaterialStatus,
    Setting,
)
from reimbursements.models import BenefitPool, Claim, ClaimEvent, ClaimInvoice, ClaimMaterial, PoolUsageElsewhere
from reimbursements.rules import (
    CLAIM_ACTION_CAPACITIES,
    CLAIM_REVEAL_CAPACITIES,
    MATERIAL_STATUS_CAPACITIES,
    UPLOAD_CAPACITIES,
)

REQUIRED = gettext_lazy("This field is required.")
ZERO = Decimal("0")


# --- the rules a new claim must satisfy, one function each --------------------------------------


@dataclass
class ClaimDraft:
    """A claim being checked: the input, the model values found so far, and every error.

    Each rule reads what it needs and skips what is missing (its shape was already refused).
    An error may carry a code; when every error shares one, the answer carries it.
    """

    data: dict
    person: Person | None
    today: datetime.date
    out: dict = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)

    def error(self, name: str, message, code: str = "invalid") -> None:
        self.errors.setdefault(name, []).append(str(message))
        self.codes.add(code)

    def require(self, *names: str) -> bool:
        """Whether every named input is there; a missing one is reported once."""
        present = True
        for name in names:
            if self.data.get(name) in (None, "", []):
                self.error(name, REQUIRED)
                present = False
        return present


def rule_kind(draft: ClaimDraft) -> None:
    """The claim kind and the claimant's account; an emergency says where it was, a chronic claim which disease."""
    for name, choices in (("claim_kind", ClaimKind), ("reason", ClaimReason)):
        if draft.require(name):
            if draft.data[name] not in choices.values:
                draft.error(name, _("Unknown value."))
            draft.out[name] = draft.data[name]
    draft.out["injury"] = bool(draft.data.get("injury"))
    kind = draft.out.get("claim_kind")
    draft.out["setting"] = ""
    if kind == ClaimKind.EMERGENCY and draft.require("setting"):
        draft.out["setting"] = draft.data["setting"]
    draft.out["disease"] = None
    if kind == ClaimKind.CHRONIC_OUTPATIENT and draft.require("disease"):
        disease = ChronicDisease.objects.filter(code=draft.data["disease"], is_active=True).first()
        if disease is None:
            draft.error(
                "disease", _("Unknown disease code %(code)s.") % {"code": draft.data["disease"]}, "unknown_disease"
            )
        draft.out["disease"] = disease


def rule_place(draft: ClaimDraft) -> None:
    """The city of care, and the institution: from the catalogue by code (in that city), or named with its level."""
    city = None
    if draft.require("city"):
        city = Region.objects.filter(code=draft.data["city"], level=RegionLevel.CITY).first()
        if city is None:
            draft.error("city", _("Unknown city code %(code)s.") % {"code": draft.data["city"]})
    draft.out["city"] = city
    draft.out["institution"] = None
    code = draft.data.get("institution")
    if code:
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            draft.error("institution", _("Unknown institution code %(code)s.") % {"code": code}, "unknown_institution")
            return
        if city is not None and institution.city_id != city.code:
            draft.error(
                "institution",
                _("%(name)s is in another city than the care.") % {"name": institution.name},
                "institution_not_in_city",
            )
        draft.out.update(
            institution=institution, institution_name=institution.name, institution_level=institution.level
        )
        draft.out["issuer"] = institution.code
    elif draft.data.get("institution_name") and city is not None and (found := _catalogue_entry(draft, city)):
        draft.out.update(institution=found, institution_name=found.name, institution_level=found.level)
        draft.out["issuer"] = found.code
    elif draft.require("institution_name", "institution_level"):
        name = draft.data["institution_name"].strip()
        if not institution_name_key(name):
            draft.error("institution_name", _("The institution's name is empty once invisible characters go."))
        draft.out.update(institution_name=name, institution_level=draft.data["institution_level"])
        draft.out["issuer"] = ("name:" + institution_name_key(name))[
            : ClaimInvoice._meta.get_field("issuer").max_length
        ]


def _catalogue_entry(draft: ClaimDraft, city: Region) -> Institution | None:
    """The city's catalogue entry an institution name means: the very name, or the name without the
    catalogue's suffix (``某医院`` for ``某医院（示例）``), compared after normalisation; None when no entry,
    or more than one, answers to it."""
    key = institution_name_key(draft.data["institution_name"])
    matches = [
        institution
        for institution in Institution.objects.filter(city=city).only("code", "name", "level", "city_id")
        if key in institution_name_keys(institution.name)
    ]
    return matches[0] if len(matches) == 1 else None


def rule_dates(draft: ClaimDraft) -> None:
    """Discharge on or after admission, not in the future, and within the policy's deadline."""
    if not draft.require("admission_date", "discharge_date"):
        return
    admission, discharge = draft.data["admission_date"], draft.data["discharge_date"]
    draft.out.update(admission_date=admission, discharge_date=discharge)
    if discharge < admission:
        draft.error("discharge_date", _("The discharge date cannot be before the admission date."))
    elif discharge > draft.today:
        draft.error("discharge_date", _("The discharge date cannot be in the future."))
    else:
        months = selectors.claim_policy_in_force(on=draft.today).submission_deadline_months
        deadline = add_months(discharge, months)
        if draft.today > deadline:
            draft.error(
                "discharge_date",
                _("Claims must be made within %(months)d months of discharge; the deadline was %(date)s.")
                % {"months": months, "date": deadline.isoformat()},
            )


def rule_amounts(draft: ClaimDraft) -> None:
    """What is excluded or paid first cannot exceed what was paid; the invoices add up to the total."""
    total = draft.data.get("total_amount")
    excluded = draft.data.get("excluded_amount") or ZERO
    category_b = draft.data.get("category_b_self_pay") or ZERO
    if draft.require("total_amount"):
        if excluded > total:
            draft.error("excluded_amount", _("Cannot exceed the total amount."))
        elif excluded + category_b > total:
            draft.error("category_b_self_pay", _("Together with the excluded amount it cannot exceed the total."))
    draft.out.update(total_amount=total, excluded_amount=excluded, category_b_self_pay=category_b)
    if not draft.require("invoices"):
        return
    paid = sum((invoice["amount"] for invoice in draft.data["invoices"]), ZERO)
    if total is not None and paid != total:
        draft.error(
            "invoices",
            _("The invoices add up to %(paid)s, not the total %(total)s.") % {"paid": paid, "total": total},
            "invoices_do_not_add_up",
        )


INVOICE_PART_LENGTH = 40  # ClaimInvoice.code and .number
MAX_INVOICES = 50


def rule_invoices(draft: ClaimDraft) -> None:
    """Each bill names its 票据代码 and 票据号码 (compared normalised: one bill, once), and is dated within the care:
    on or after admission, not after today, at most the policy's number of days after discharge."""
    if not draft.data.get("invoices"):
        return  # reported by rule_amounts
    admission, discharge = draft.data.get("admission_date"), draft.data.get("discharge_date")
    days = selectors.claim_policy_in_force(on=draft.today).invoice_days_after_discharge
    latest = discharge + datetime.timedelta(days=days) if discharge else None
    if len(draft.data["invoices"]) > MAX_INVOICES:
        draft.error("invoices", _("At most %(count)d invoices in one claim.") % {"count": MAX_INVOICES}, "too_many")
        return
    seen: dict[str, int] = {}
    invoices = []
    for index, invoice in enumerate(draft.data["invoices"]):
        row = f"invoices.{index}"
        code, number = normalize_identifier(invoice.get("code") or ""), normalize_identifier(invoice.get("number"))
        if not code:
            draft.error(f"{row}.code", _("Give the invoice code (票据代码)."), "invoice_code_missing")
        if not number:
            draft.error(f"{row}.number", _("Give the invoice number (票据号码)."), "invoice_number_missing")
        for name, value in (("code", code), ("number", number)):
            if value and (not is_identifier(value) or len(value) > INVOICE_PART_LENGTH):
                draft.error(
                    f"{row}.{name}",
                    _("Digits and Latin letters only, at most %(length)d of them.") % {"length": INVOICE_PART_LENGTH},
                    "invalid_invoice_number",
                )
        identity = invoice_identity(code, number)
        if code and number and f"{row}.code" not in draft.errors and f"{row}.number" not in draft.errors:
            if identity in seen:
                draft.error(
                    f"{row}.number",
                    _("The same invoice as row %(row)d (%(code)s %(number)s).")
                    % {"row": seen[identity] + 1, "code": code, "number": number},
                    "duplicate_invoice",
                )
            seen.setdefault(identity, index)
        issued = invoice["issued_on"]
        if admission is not None and issued < admission:
            draft.error(f"{row}.issued_on", _("An invoice cannot be issued before admission."), "invoice_date")
        elif issued > draft.today:
            draft.error(f"{row}.issued_on", _("An invoice cannot be issued in the future."), "invoice_date")
        elif latest is not None and issued > latest:
            draft.error(
                f"{row}.issued_on",
                _("An invoice is issued at most %(days)d days after discharge (by %(date)s).")
                % {"days": days, "date": latest.isoformat()},
                "invoice_date",
            )
        invoices.append(
            {"code": code, "number": number, "identity": identity, "amount": invoice["amount"], "issued_on": issued}
        )
    draft.out["invoices"] = invoices


def rule_named_filing(draft: ClaimDraft) -> None:
    """A filing the claimant names must be theirs and must have covered the care; it never decides the basis."""
    reference = draft.data.get("filing")
    city, admission = draft.out.get("city"), draft.out.get("admission_date")
    if not reference or draft.person is None or city is None or admission is None:
        return
    covering = selectors.covering_filings(person_id=draft.person.pk, city_code=city.code, on=admission)
    if not covering.filter(reference=reference).exists():
        draft.error("filing", _("No filing %(ref)s of this person covered this care.") % {"ref": reference})


def rule_payment_and_proxy(draft: ClaimDraft) -> None:
    """The account the money goes to, and who applies on the person's behalf."""
    names = ("bank_name", "bank_account", "account_holder", "proxy_name", "proxy_relationship")
    draft.out.update({name: (draft.data.get(name) or "").strip() for name in names})
    try:
        draft.out["bank_account"] = normalize_account_number(draft.out["bank_account"])
    except ValidationError as exc:
        draft.error("bank_account", exc.messages[0])
    draft.out["proxy_id_number"] = ""
    if draft.out["proxy_name"]:
        try:
            draft.out["proxy_id_number"] = normalize_id_number(draft.data.get("proxy_id_number") or "")
        except ValidationError as exc:
            for message in exc.messages:
                draft.error("proxy_id_number", message)


CLAIM_RULES = (
    rule_kind,
    rule_place,
    rule_dates,
    rule_amounts,
    rule_invoices,
    rule_named_filing,
    rule_payment_and_proxy,
)


def _clean_claim(data: dict, *, person: Person | None, today: datetime.date) -> dict:
    """Check a new claim against every rule; every field's error in one ValidationFailed."""
    draft = ClaimDraft(data=data, person=person, today=today)
    for rule in CLAIM_RULES:
        rule(draft)
    if draft.errors:
        specific = draft.codes - {"invalid"}
        code = specific.pop() if len(specific) == 1 and "invalid" not in draft.codes else "invalid"
        raise ValidationFailed(_("The claim is invalid; see the errors per field."), code=code, errors=draft.errors)
    return draft.out


# --- what the records must show before a claim is taken or paid -------------------------------------


INPATIENT_KINDS = (ClaimKind.INPATIENT, ClaimKind.REFERRAL)


def _is_stay(claim_kind: str, setting: str) -> bool:
    return claim_kind in INPATIENT_KINDS or (claim_kind == ClaimKind.EMERGENCY and setting == Setting.INPATIENT)


def _check_records(*, person: Person, fields: dict, exclude_pk: int | None = None) -> None:
    """409 when the records refuse the care: not insured on its days, not qualified, or a stay claimed twice.

    Two stays may share their boundary day (discharged from one hospital and admitted to the next
    the same day); any other shared day, or the very same stay, is one stay claimed twice.
    """
    admission, discharge = fields["admission_date"], fields["discharge_date"]
    gaps = insured_days_missing(person_id=person.pk, first=admission, last=discharge)
    if gaps:
        spans = "、".join(f"{a.isoformat()}–{b.isoformat()}" if a != b else a.isoformat() for a, b in gaps)
        raise Conflict(
            _("The person was not insured on every day of the care: %(spans)s.") % {"spans": spans},
            code="not_insured_on_dates",
            errors={"admission_date": [_("Not insured on: %(spans)s.") % {"spans": spans}]},
        )
    disease = fields.get("disease")
    if disease is not None:
        qualifications = ChronicQualification.objects.filter(
            overlapping(admission, discharge, start="starts_on", end="ends_on"), person=person, disease=disease
        ).values_list("starts_on", "ends_on")
        if uncovered(qualifications, admission, discharge):
            raise Conflict(
                _("The person holds no qualification for %(disease)s over the days of care.") % {"disease": disease},
                code="not_qualified",
                errors={"disease": [_("Not qualified on the days of care.")]},
            )
    if _is_stay(fields["claim_kind"], fields.get("setting", "")):
        stays = Claim.objects.filter(
            Q(claim_kind__in=INPATIENT_KINDS) | Q(claim_kind=ClaimKind.EMERGENCY, setting=Setting.INPATIENT),
            Q(admission_date__lt=discharge, discharge_date__gt=admission)
            | Q(admission_date=admission, discharge_date=discharge),
            person=person,
            state__in=LIVE_CLAIM_STATES,
        ).exclude(pk=exclude_pk)
        other = stays.values_list("reference", flat=True).first()
        if other is not None:
            raise Conflict(
                _("Claim %(ref)s already covers a stay on these days.") % {"ref": other},
                code="overlapping_stay",
                errors={"admission_date": [_("Overlaps the stay of claim %(ref)s.") % {"ref": other}]},
            )


def _legacy_identities(issuer: str, fields: dict, invoices: list[dict]) -> list[str]:
    """The identities bills stored before 票据代码 was asked for would carry (migration 0007): the issuer as it
    was keyed then (catalogue code, or ``name:`` and the name without spaces) and the normalised number."""
    issuers = {issuer}
    if issuer.startswith("name:"):
        issuers.add("name:" + "".join(fields["institution_name"].split()))
    return [
        f"legacy:{key}/{invoice_identity('', invoice['number']).lstrip('/')}"[:120]
        for key in sorted(issuers)
        for invoice in invoices
    ]


def _invoice_conflict(actor: Actor, identities: list[str]) -> Conflict | None:
    """409 when a bill already backs a live claim; the other claim is named only to whoever may read it."""
    taken = (
        ClaimInvoice.objects.filter(identity__in=identities, live=True)
        .values_list("code", "number", "claim_id", "claim__reference")
        .first()
    )
    if taken is None:
        return None
    code, number, claim_id, reference = taken
    bill = f"{code} {number}".strip()
    if scoped_to_actor(Claim.objects.filter(pk=claim_id), actor).exists():
        message = _("Invoice %(number)s already backs claim %(ref)s.") % {"number": bill, "ref": reference}
    else:
        message = _("Invoice %(number)s is already claimed.") % {"number": bill}
    return Conflict(message, code="invoice_already_claimed", errors={"invoices": [message]})


def _apply_basis(claim: Claim, finding: selectors.BasisFinding) -> dict:
    """Store what the claim rests on; returns the change for the event, empty when nothing changed."""
    before = (claim.basis, claim.filing.reference if claim.filing_id else None)
    claim.basis, claim.filing, claim.basis_explanation = finding.basis, finding.filing, finding.explanation
    after = (claim.basis, claim.filing.reference if claim.filing else None)
    return {} if before == after else {"basis": [before[0] or None, after[0]], "filing": [before[1], after[1]]}


# --- the rules of each transition ------------------------------------------------------------------


def review_due_from(day: datetime.date) -> DueDate:
    """The decision is due this many working days (the claim policy's) after a (re)submission."""
    return due_date_after(day, selectors.claim_policy_in_force(on=day).review_working_days)


def _item_names(claim: Claim, items: list[str]) -> str:
    """Checklist items by their names, as staff and persons read them: 出院小结、费用清单."""
    names = dict(claim.materials.values_list("item", "name"))
    return "、".join(names[item] for item in items)


def _refuse_missing(claim: Claim, items: list[str], message) -> None:
    """409 ``materials_missing`` naming ``items`` (their codes in ``errors.materials``), when there are any."""
    if items:
        raise Conflict(
            message % {"items": _item_names(claim, items)}, code="materials_missing", errors={"materials": items}
        )


def _on_resubmit(claim: Claim, step: Step) -> None:
    """Resubmitted after supplementing materials: refused while a required item has nothing delivered (the
    list named), since the review clock would restart for nothing; else the event says what still awaits the
    counter's check, and the review time starts again."""
    undelivered = selectors.claim_undelivered_items(claim=claim)
    _refuse_missing(claim, undelivered, _("Required materials are still missing: %(items)s."))
    step.changes["missing"] = selectors.claim_missing_items(claim=claim)
    due = review_due_from(step.today)
    claim.review_due, claim.review_due_provisional = due.day, due.provisional
    step.changes["review_due"] = claim.review_due.isoformat()


def materials_request_reason(claim: Claim) -> str:
    """What a 补正 asks for when staff write nothing else: the required items not yet accepted, by name."""
    missing = selectors.claim_missing_items(claim=claim)
    return _("Please supply: %(items)s.") % {"items": _item_names(claim, missing)} if missing else ""


def _on_request_materials(claim: Claim, step: Step) -> None:
    missing = selectors.claim_missing_items(claim=claim)
    if not missing:
        raise Conflict(_("Every required item is accepted; nothing is missing."), code="nothing_missing")
    step.reason = step.reason or materials_request_reason(claim)
    step.changes["missing"] = missing


def _on_start_review(claim: Claim, step: Step) -> None:
    missing = selectors.claim_missing_items(claim=claim)
    _refuse_missing(claim, missing, _("Required materials are not all accepted: %(items)s."))
    claim.review_started_at = step.now


def _on_approve(claim: Claim, step: Step) -> None:
    """Derive the basis again from the records, then compute the amount and freeze it with its breakdown.

    If the records changed since submission (a filing made or revoked, a rescue record received,
    an insured period corrected) the basis and the amount follow them, and the event says so.
    """
    # Serialise approvals of one person so the year's deductible and cap are counted once.
    Person.objects.select_for_update().filter(pk=claim.person_id).first()
    fields = {
        "admission_date": claim.admission_date,
        "discharge_date": claim.discharge_date,
        "disease": claim.disease,
        "claim_kind": claim.claim_kind,
        "setting": claim.setting,
    }
    _check_records(person=claim.person, fields=fields, exclude_pk=claim.pk)
    # The benefit row, the pool standing and the claim policy are the basis's and the amount's alike (none
    # depends on the basis): read once, with the person locked, for both.
    try:
        pricing = selectors.claim_pricing(claim=claim)
    except ValidationFailed:
        pricing = None  # no benefit row: the basis goes by preference, the amount refuses as before
    finding = selectors.claim_basis_now(claim=claim, pricing=pricing)
    changed = _apply_basis(claim, finding)
    if changed:
        step.changes.update(changed)
        step.reason = step.reason or _("The records changed since submission; the basis was derived again.")
    try:
        assessment = selectors.claim_assessment(claim=claim, pricing=pricing)
    except InvalidAmounts as exc:
        raise Conflict(str(exc), code="invalid_amounts") from exc
    calculation = assessment.calculation
    claim.payable_amount = calculation.payable
    claim.deductible_applied = calculation.deductible_applied
    claim.pool = assessment.benefit.pool
    claim.deductible_scope = assessment.benefit.deductible_scope
    claim.benefit_visit = assessment.benefit.visit_kind
    claim.breakdown = selectors.claim_breakdown(
        claim=claim, calculation=calculation, assessment=assessment, considered=finding.considered
    )
    claim.decided_at = step.now
    step.changes["payable_amount"] = str(calculation.payable)
    step.changes["pool"] = claim.pool_id


def _release_invoices(claim: Claim) -> None:
    """A rejected or withdrawn claim no longer holds its bills: they may back another claim."""
    claim.invoices.update(live=False)


def _on_reject(claim: Claim, step: Step) -> None:
    if not step.reason:
        raise ValidationFailed(_("Refusing payment needs a reason."), errors={"reason": [_("Required.")]})
    claim.decided_at = step.now
    claim.end_reason = step.reason
    _release_invoices(claim)


def _on_pay(claim: Claim, step: Step) -> None:
    # Stored with any identifier typed into it masked, as reasons are: a bank's reference may name the payee.
    payment_reference = mask_free_text((step.params.get("payment_reference") or "").strip())
    if not payment_reference:
        raise ValidationFailed(_("Give the payment reference."), errors={"payment_reference": [_("Required.")]})
    claim.payment_reference, claim.paid_at = payment_reference, step.now
    step.changes["payment_reference"] = payment_reference


def _on_withdraw(claim: Claim, step: Step) -> None:
    if step.reason:
        claim.end_reason = step.reason
    _release_invoices(claim)


CLAIMS = StateMachine(
    model=Claim,
    event_model=ClaimEvent,
    subject="claim",
    transitions=CLAIM_TRANSITIONS,
    capacities=CLAIM_ACTION_CAPACITIES,
    states=ClaimState,
    actions=ClaimAction,
    noun=gettext_lazy("claim"),
    rules={
        ClaimAction.SUBMIT: _on_resubmit,
        ClaimAction.REQUEST_MATERIALS: _on_request_materials,
        ClaimAction.START_REVIEW: _on_start_review,
        ClaimAction.APPROVE: _on_approve,
        ClaimAction.REJECT: _on_reject,
        ClaimAction.PAY: _on_pay,
        ClaimAction.WITHDRAW: _on_withdraw,
        ClaimAction.RECOMPUTE_DUE: on_recompute_due,
    },
    lock_related=("person", "filing"),
)


# --- the services ------------------------------------------------------------------------------------


def claim_validate(*, actor: Actor, data: dict, person: Person | None = None) -> tuple[Person, dict]:
    """Check a new claim without writing; returns the person and the model field values.

    Without ``person`` the person is the one ``data["id_number"]`` names (or the session's own).
    """
    CLAIMS.authorize(actor, ClaimAction.SUBMIT, owner_id=person.pk if person else None)
    return person_and_fields(
        actor=actor,
        data=data,
        person=person,
        clean=lambda data, person: _clean_claim(data, person=person, today=timezone.localdate()),
        message=_("The claim is invalid; see the errors per field."),
    )


def claim_submit(*, actor: Actor, data: dict, person: Person | None = None) -> Claim:
    """Create a claim on the basis the records give, with its invoices, checklist and event.

    The person's row is locked, so two claims of one person are checked one after the other
    (overlapping stays); the partial unique index on live invoices is the final guard across
    persons.
    """
    person, fields = claim_validate(actor=actor, data=data, person=person)
    fields.pop("filing", None)  # a filing the claimant names is checked, never chosen (claim_basis chooses)
    invoices, issuer = fields.pop("invoices"), fields.pop("issuer")
    identities = [invoice["identity"] for invoice in invoices] + _legacy_identities(issuer, fields, invoices)
    requirements = list(
        selectors.claim_requirements(
            claim_kind=fields["claim_kind"], injury=fields["injury"], setting=fields["setting"], on=timezone.localdate()
        )
    )
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        _check_records(person=person, fields=fields)
        conflict = _invoice_conflict(actor, identities)
        if conflict is not None:
            raise conflict
        due = review_due_from(timezone.localdate())
        claim = Claim(
            person=person,
            channel_id=actor.channel_code or COUNTER_CHANNEL,
            reference=next_reference("BX"),
            review_due=due.day,
            review_due_provisional=due.provisional,
            **fields,
        )
        # A new claim's checklist holds nothing yet: no rescue record.
        _apply_basis(claim, selectors.claim_basis(claim=claim, rescue_record=False))
        changes = {
            "total_amount": str(claim.total_amount),
            "excluded_amount": str(claim.excluded_amount),
            "basis": claim.basis,
            "filing": claim.filing.reference if claim.filing else None,
            "invoices": [f"{invoice['code']} {invoice['number']}" for invoice in invoices],
        }
        CLAIMS.create(claim, actor=actor, changes=changes)
        try:
            with transaction.atomic():
                ClaimInvoice.objects.bulk_create(
                    ClaimInvoice(claim=claim, issuer=issuer, **invoice) for invoice in invoices
                )
        except IntegrityError:
            raise _invoice_conflict(actor, identities) or Conflict(
                _("An invoice of this claim already backs another claim."), code="invoice_already_claimed"
            ) from None
        bulk_create_with_history(
            [
                ClaimMaterial(
                    claim=claim, item=r.item, name=r.name, required=r.required, original=r.original, sort_order=order
                )
                for order, r in enumerate(requirements)
            ],
            ClaimMaterial,
            default_user=actor.user,
        )
    return claim


def claims_recount_review_due(*, years: Collection[int], actor: Actor) -> int:
    """Count again the due dates of claims awaiting a decision that the calendar of ``years`` can move.

    A claim is due in working days from its last (re)submission, the day of its newest ``submit``
    event; a due date before the first of ``years`` cannot move. Returns how many moved.
    """
    last_submitted = (
        ClaimEvent.objects.filter(claim=OuterRef("pk"), action=ClaimAction.SUBMIT).order_by("-at").values("at")[:1]
    )
    waiting = (
        Claim.objects.filter(state__in=AWAITING_DECISION, review_due__gte=datetime.date(min(years), 1, 1))
        .annotate(last_submitted=Subquery(last_submitted))
        .values_list("pk", "version", "last_submitted", "submitted_at", "review_due", "review_due_provisional")
    )
    days_on: dict[datetime.date, int] = {}  # the policy's working days, read once per submission day
    records = []
    for pk, version, last_submitted_at, submitted_at, due, provisional in waiting:
        start = timezone.localdate(last_submitted_at or submitted_at)
        if start not in days_on:
            days_on[start] = selectors.claim_policy_in_force(on=start).review_working_days
        records.append(DueRecord(pk, version, start, days_on[start], due, provisional))
    return due_dates_recount(
        machine=CLAIMS, action=ClaimAction.RECOMPUTE_DUE, records=records, years=years, actor=actor
    )


def claim_transition(
    *,
    claim_id: int,
    action: str,
    actor: Actor,
    reason: str = "",
    payment_reference: str = "",
    expected_version: int | None = None,
) -> Claim:
    """Every change of a claim's state after creation."""
    return CLAIMS.transition(
        pk=claim_id,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        payment_reference=payment_reference,
    )


def claim_material_update(
    *,
    claim_id: int,
    item: str,
    actor: Actor,
    status: str | None = None,
    reason: str = "",
    upload=None,
    content_type: str = "",
) -> ClaimMaterial:
    """A person uploads a file for an item (it becomes received); counter staff set its status.

    A file replaces the item's current one, which stays in storage (named by the item's history) but
    no longer counts towards the claim's total; the upload quotas (``config.files``) are checked
    before anything is stored, for the API and the admin alike.
    """
    with transaction.atomic():
        claim = CLAIMS.lock(claim_id)
        authorize(
            actor,
            MATERIAL_STATUS_CAPACITIES if status else UPLOAD_CAPACITIES,
            owner_id=claim.person_id,
            refusal=_("You may not change the checklist of this claim."),
        )
        material = ClaimMaterial.objects.select_for_update().filter(claim=claim, item=item).first()
        if material is None:
            raise NotFound(
                _("This claim has no checklist item %(item)s.") % {"item": item}, code="unknown_material_item"
            )
        if claim.state not in CHECKLIST_OPEN_STATES:
            raise Conflict(
                _("The checklist of a claim that is %(state)s cannot change.")
                % {"state": ClaimState(claim.state).label},
                code="checklist_closed",
            )
        reason = mask_free_text((reason or "").strip())
        if status == MaterialStatus.REJECTED and not reason:
            raise ValidationFailed(_("Say why the item is rejected."), errors={"reason": [_("Required.")]})
        rate = None
        if upload is not None:
            rate = upload_rate(actor)
            rate.check()
            check_upload_quota(
                policy=selectors.claim_policy_in_force(),
                size=upload.size,
                item_files=material.files_uploaded,
                record_bytes=claim.materials.exclude(file="").aggregate(total=Sum("size"))["total"] or 0,
                replaced_bytes=(material.size or 0) if material.file else 0,
            )
            name = document_name(reference=claim.reference, item=item, content_type=content_type)
            material.file.save(name, upload, save=False)
            material.content_type, material.size = content_type, upload.size
            material.files_uploaded += 1
            # A new file never lowers the item: received or accepted stays; missing or rejected becomes received.
            if status is None:
                lowered = material.status in (MaterialStatus.MISSING, MaterialStatus.REJECTED)
                status = MaterialStatus.RECEIVED if lowered else material.status
        if status is None:
            raise ValidationFailed(_("Upload a file or set a status."), errors={"status": [_("Required.")]})
        material.status = status
        material.status_reason = reason if status == MaterialStatus.REJECTED else ""
        material.changed_by = actor.user
        material.changed_at = timezone.now()
        material._history_user = actor.user
        material.save()
        if rate is not None:
            rate.record()
        updated = ["updated_at"]  # the claim's version goes up: its checklist changed
        if item == RESCUE_RECORD_ITEM and _apply_basis(claim, selectors.claim_basis_now(claim=claim)):
            updated += ["basis", "filing", "basis_explanation"]  # 急诊抢救视同已备案 once the record is there
        claim.save(update_fields=updated)
    return material


# --- amounts settled elsewhere ------------------------------------------------------------------------

POOL_USAGE_COLUMNS = ("id_number", "year", "pool", "fund_paid", "visit_kind", "deductible_paid", "source")
MAX_AMOUNT = Decimal("10000000000")  # 12 digits, 2 of them after the point (the model's amounts)
SOURCE_LENGTH = 200


def _nfkc(value: str | None) -> str:
    """A cell as ASCII text where it has an ASCII form (full-width digits and signs), trimmed."""
    return unicodedata.normalize("NFKC", value or "").strip()


def _pool_usage_row(row: dict, pools: set[str]) -> tuple[dict, dict[str, str]]:
    """One CSV row as model values, and its errors by column."""
    errors: dict[str, str] = {}
    # The source is compared as written once normalised (平台Ａ is 平台A), so one figure is recorded once.
    values: dict = {"source": mask_free_text(" ".join(_nfkc(row.get("source")).split()))}
    if None in row:  # csv.DictReader puts cells beyond the header under None
        errors["row"] = _("The row has more cells than the header.")
    person = Person.objects.filter(id_number=normalize_identifier(row.get("id_number") or "")).first()
    if person is None:
        errors["id_number"] = _("Not an insured person here.")
    values["person"] = person
    try:
        values["year"] = int(_nfkc(row.get("year")))
        if not 2000 <= values["year"] <= 2100:
            raise ValueError
    except ValueError:
        errors["year"] = _("A year between 2000 and 2100.")
    values["pool_id"] = (row.get("pool") or "").strip()
    if values["pool_id"] not in pools:
        errors["pool"] = _("Unknown pool %(code)s; the pools are %(pools)s.") % {
            "code": values["pool_id"] or "—",
            "pools": ", ".join(sorted(pools)),
        }
    for name in ("fund_paid", "deductible_paid"):
        raw = _nfkc(row.get(name)) or ("0" if name == "deductible_paid" else "")
        try:
            values[name] = Decimal(raw)
            if (
                not values[name].is_finite()
                or values[name] < 0
                or values[name] != values[name].quantize(Decimal("0.01"))
                or values[name] >= MAX_AMOUNT
            ):
                raise ArithmeticError
        except ArithmeticError:
            errors[name] = _("An amount in yuan, not negative, to the fen, below %(max)s.") % {"max": MAX_AMOUNT}
    values["visit_kind"] = (row.get("visit_kind") or "").strip()
    if values["visit_kind"] and values["visit_kind"] not in BenefitVisit.values:
        errors["visit_kind"] = _("Unknown visit kind.")
    elif not values["visit_kind"] and values.get("deductible_paid"):
        errors["visit_kind"] = _("A deductible paid elsewhere names its visit kind.")
    if not values["source"]:
        errors["source"] = _("Say where the figure comes from.")
    elif len(values["source"]) > SOURCE_LENGTH or any(unicodedata.category(ch) == "Cc" for ch in values["source"]):
        errors["source"] = _("At most %(length)d characters, no control characters.") % {"length": SOURCE_LENGTH}
    return values, errors


def pool_usage_import(*, lines, user=None) -> int:
    """Record amounts settled elsewhere from CSV (``POOL_USAGE_COLUMNS``): every row or none.

    A figure once recorded is not edited here: the same person, year, pool and source again is
    refused, so a correction is recorded as what it is (another source). Raises ValidationFailed
    naming each bad row and column.
    """
    reader = csv.DictReader(lines)
    try:
        header = reader.fieldnames or []
        missing = [name for name in ("id_number", "year", "pool", "fund_paid", "source") if name not in header]
        if missing or len(set(header)) != len(header):
            raise ValidationFailed(
                _("The header lacks %(columns)s or names a column twice.") % {"columns": ", ".join(missing) or "—"},
                code="missing_columns",
            )
        pools = set(BenefitPool.objects.values_list("code", flat=True))
        rows, errors, seen = [], {}, set()
        for line, row in enumerate(reader, start=2):
            values, row_errors = _pool_usage_row(row, pools)
            key = (values["person"] and values["person"].pk, values.get("year"), values["pool_id"], values["source"])
            if not row_errors and (
                key in seen
                or PoolUsageElsewhere.objects.filter(
                    person=values["person"], year=values["year"], pool_id=values["pool_id"], source=values["source"]
                ).exists()
            ):
                row_errors["source"] = _("Already recorded for this person, year and pool.")
            seen.add(key)
            errors.update({f"row {line}.{column}": [message] for column, message in row_errors.items()})
            rows.append(values)
    except csv.Error as exc:
        raise ValidationFailed(
            _("Line %(line)d is not CSV: %(error)s") % {"line": reader.line_num, "error": exc}, code="invalid_csv"
        ) from None
    if errors:
        raise ValidationFailed(_("No row was recorded; see the errors per row."), code="invalid_rows", errors=errors)
    with transaction.atomic():
        for values in rows:
            usage = PoolUsageElsewhere(**values)
            usage._history_user = user
            usage.save()
    return len(rows)


def claim_reveal(*, claim: Claim, fields, purpose: str, reason: str = "", actor: Actor) -> dict[str, str]:
    """A claim's full bank account or proxy ID number, read for a purpose and recorded (PIPL).

    Each field has its readers (``CLAIM_REVEAL_CAPACITIES``: the bank account only the roles that
    pay); the access records name the claim. Returns ``{field: full value}``.
    """
    fields = set(fields)
    for name in sorted(fields & set(CLAIM_REVEAL_CAPACITIES)):
        authorize(
            actor,
            CLAIM_REVEAL_CAPACITIES[name],
            refusal=_("Your role may not read this claim's %(field)s in full.")
            % {"field": Claim._meta.get_field(name).verbose_name},
        )
    names = personal_data_reveal(
        person=claim.person,
        fields=fields,
        revealable=CLAIM_REVEAL_CAPACITIES,
        purpose=purpose,
        reason=reason,
        actor=actor,
        record=claim.reference,
    )
    return {name: getattr(claim, name) for name in sorted(names)}
