"""Writes of the reimbursements app: claims are made and moved through the one state machine.

``CLAIMS`` is the claims' table, capacities and per-action rules on the shared machine
(``config.transitions``); the API and the admin call ``claim_submit``, ``claim_transition``
and ``claim_material_update``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from config.actors import COUNTER_CHANNEL, Actor
from config.errors import Conflict, NotFound, ValidationFailed
from config.files import document_name
from config.transitions import StateMachine, Step, authorize
from filings.models import Filing
from registry.choices import RegionLevel
from registry.models import Person, Region
from registry.references import next_reference
from registry.selectors import person_for_request
from registry.validators import normalize_id_number
from registry.workdays import add_months
from reimbursements import selectors
from reimbursements.calculator import InvalidAmounts
from reimbursements.choices import (
    CHECKLIST_OPEN_STATES,
    CLAIM_TRANSITIONS,
    ClaimAction,
    ClaimKind,
    ClaimReason,
    ClaimState,
    MaterialStatus,
)
from reimbursements.models import Claim, ClaimEvent, ClaimMaterial
from reimbursements.rules import CLAIM_ACTION_CAPACITIES, MATERIAL_STATUS_CAPACITIES, UPLOAD_CAPACITIES

REQUIRED = gettext_lazy("This field is required.")
ZERO = Decimal("0")


# --- the rules a new claim must satisfy, one function each --------------------------------------


@dataclass
class ClaimDraft:
    """A claim being checked: the input, the model values found so far, and every error.

    Each rule reads what it needs and skips what is missing (its shape was already refused).
    """

    data: dict
    person: Person | None
    today: datetime.date
    out: dict = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(str(message))

    def require(self, *names: str) -> bool:
        """Whether every named input is there; a missing one is reported once."""
        present = True
        for name in names:
            if self.data.get(name) in (None, ""):
                self.error(name, REQUIRED)
                present = False
        return present


def rule_kind_and_treatment(draft: ClaimDraft) -> None:
    """The claim kind, the claimant's account of why, and where the care took place."""
    for name, choices in (("claim_kind", ClaimKind), ("reason", ClaimReason)):
        if draft.require(name):
            if draft.data[name] not in choices.values:
                draft.error(name, _("Unknown value."))
            draft.out[name] = draft.data[name]
    draft.out["injury"] = bool(draft.data.get("injury"))
    if draft.require("institution_name", "institution_level"):
        draft.out["institution_name"] = draft.data["institution_name"].strip()
        draft.out["institution_level"] = draft.data["institution_level"]
    if draft.require("city"):
        city = Region.objects.filter(code=draft.data["city"]).first()
        if city is None or city.level != RegionLevel.CITY:
            draft.error("city", _("Unknown city code %(code)s.") % {"code": draft.data["city"]})
        draft.out["city"] = city


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
    """What is excluded or paid first cannot exceed what was paid."""
    if not draft.require("total_amount"):
        return
    total = draft.data["total_amount"]
    excluded = draft.data.get("excluded_amount") or ZERO
    category_b = draft.data.get("category_b_self_pay") or ZERO
    if excluded > total:
        draft.error("excluded_amount", _("Cannot exceed the total amount."))
    elif excluded + category_b > total:
        draft.error("category_b_self_pay", _("Together with the excluded amount it cannot exceed the total."))
    draft.out.update(total_amount=total, excluded_amount=excluded, category_b_self_pay=category_b)


def rule_filing(draft: ClaimDraft) -> None:
    """The filing the claim rests on: the one named, or the one that covered the admission day there."""
    draft.out["filing"] = None
    city, admission = draft.out.get("city"), draft.out.get("admission_date")
    if draft.person is None or city is None or admission is None or "discharge_date" in draft.errors:
        return
    reason = draft.out.get("reason")
    reference = draft.data.get("filing")
    if reference:
        filing = Filing.objects.filter(reference=reference, person=draft.person).first()
        if filing is None:
            draft.error("filing", _("No filing %(ref)s of this person.") % {"ref": reference})
        draft.out["filing"] = filing
    else:
        draft.out["filing"] = selectors.filing_for_claim(person_id=draft.person.pk, on=admission, city_code=city.code)
    if reason == ClaimReason.RETROACTIVE_FILING and draft.out["filing"] is None and "filing" not in draft.errors:
        draft.error("filing", _("A claim on a retroactive filing needs that filing (补办备案) first."))
    if reason == ClaimReason.NOT_FILED:
        draft.out["filing"] = None


def rule_payment_and_proxy(draft: ClaimDraft) -> None:
    """The account the money goes to, and who applies on the person's behalf."""
    names = ("bank_name", "bank_account", "account_holder", "proxy_name", "proxy_relationship")
    draft.out.update({name: (draft.data.get(name) or "").strip() for name in names})
    account = draft.out["bank_account"].replace(" ", "")
    if account and not account.isdigit():
        draft.error("bank_account", _("A bank account number has digits only."))
    draft.out["bank_account"] = account
    draft.out["proxy_id_number"] = ""
    if draft.out["proxy_name"]:
        try:
            draft.out["proxy_id_number"] = normalize_id_number(draft.data.get("proxy_id_number") or "")
        except ValidationError as exc:
            for message in exc.messages:
                draft.error("proxy_id_number", message)


CLAIM_RULES = (rule_kind_and_treatment, rule_dates, rule_amounts, rule_filing, rule_payment_and_proxy)


def _clean_claim(data: dict, *, person: Person | None, today: datetime.date) -> dict:
    """Check a new claim against every rule; every field's error in one ValidationFailed."""
    draft = ClaimDraft(data=data, person=person, today=today)
    for rule in CLAIM_RULES:
        rule(draft)
    if draft.errors:
        raise ValidationFailed(_("The claim is invalid; see the errors per field."), errors=draft.errors)
    return draft.out


# --- the rules of each transition ------------------------------------------------------------------


def _on_resubmit(claim: Claim, step: Step) -> None:
    """Resubmitted after supplementing materials: the event says what was still missing then."""
    step.changes["missing"] = selectors.claim_missing_items(claim=claim)


def _on_request_materials(claim: Claim, step: Step) -> None:
    missing = selectors.claim_missing_items(claim=claim)
    if not missing:
        raise Conflict(_("Every required item is accepted; nothing is missing."), code="nothing_missing")
    names = dict(claim.materials.values_list("item", "name"))
    step.reason = step.reason or _("Please supply: %(items)s.") % {"items": "、".join(names[i] for i in missing)}
    step.changes["missing"] = missing


def _on_start_review(claim: Claim, step: Step) -> None:
    missing = selectors.claim_missing_items(claim=claim)
    if missing:
        raise Conflict(
            _("Required materials are not all accepted: %(items)s.") % {"items": ", ".join(missing)},
            code="materials_missing",
            errors={"materials": missing},
        )
    claim.review_started_at = step.now


def _on_approve(claim: Claim, step: Step) -> None:
    """Compute the amount with the policy in force on the discharge date, and freeze it with its breakdown."""
    # Serialise approvals of one person so the year's deductible and cap are counted once.
    Person.objects.select_for_update().filter(pk=claim.person_id).first()
    try:
        calculation = selectors.claim_calculation(claim=claim)
    except InvalidAmounts as exc:
        raise Conflict(str(exc), code="invalid_amounts") from exc
    claim.payable_amount = calculation.payable
    claim.deductible_applied = calculation.deductible_applied
    claim.breakdown = calculation.as_dict()
    claim.decided_at = step.now
    step.changes["payable_amount"] = str(calculation.payable)


def _on_reject(claim: Claim, step: Step) -> None:
    if not step.reason:
        raise ValidationFailed(_("A rejection needs a reason."), errors={"reason": [_("Required.")]})
    claim.decided_at = step.now
    claim.end_reason = step.reason


def _on_pay(claim: Claim, step: Step) -> None:
    payment_reference = (step.params.get("payment_reference") or "").strip()
    if not payment_reference:
        raise ValidationFailed(_("Give the payment reference."), errors={"payment_reference": [_("Required.")]})
    claim.payment_reference, claim.paid_at = payment_reference, step.now
    step.changes["payment_reference"] = payment_reference


def _on_withdraw(claim: Claim, step: Step) -> None:
    if step.reason:
        claim.end_reason = step.reason


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
    },
    lock_related=("person", "filing"),
)


# --- the services ------------------------------------------------------------------------------------


def claim_validate(*, actor: Actor, data: dict, person: Person | None = None) -> tuple[Person, dict]:
    """Check a new claim without writing; returns the person and the model field values.

    Without ``person`` the person is the one ``data["id_number"]`` names (or the session's own).
    """
    CLAIMS.authorize(actor, ClaimAction.SUBMIT, owner_id=person.pk if person else None)
    errors: dict[str, list[str]] = {}
    if person is None:
        try:
            person = person_for_request(actor=actor, id_number=data.get("id_number"))
        except ValidationFailed as exc:
            errors.update(exc.errors)
    fields: dict = {}
    try:
        fields = _clean_claim(data, person=person, today=timezone.localdate())
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(_("The claim is invalid; see the errors per field."), errors=errors)
    return person, fields


def claim_submit(*, actor: Actor, data: dict, person: Person | None = None) -> Claim:
    """Create a claim, copy its checklist from the requirements in force, and record the event."""
    person, fields = claim_validate(actor=actor, data=data, person=person)
    requirements = list(
        selectors.claim_requirements(claim_kind=fields["claim_kind"], injury=fields["injury"], on=timezone.localdate())
    )
    with transaction.atomic():
        claim = Claim(
            person=person,
            channel_id=actor.channel_code or COUNTER_CHANNEL,
            reference=next_reference("BX"),
            **fields,
        )
        changes = {
            "total_amount": str(claim.total_amount),
            "excluded_amount": str(claim.excluded_amount),
            "filing": claim.filing.reference if claim.filing else None,
        }
        CLAIMS.create(claim, actor=actor, changes=changes)
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
    """A person uploads a file for an item (it becomes received); counter staff set its status."""
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
        reason = (reason or "").strip()
        if status == MaterialStatus.REJECTED and not reason:
            raise ValidationFailed(_("Say why the item is rejected."), errors={"reason": [_("Required.")]})
        if upload is not None:
            name = document_name(reference=claim.reference, item=item, content_type=content_type)
            material.file.save(name, upload, save=False)
            material.content_type, material.size = content_type, upload.size
            status = status or MaterialStatus.RECEIVED
        if status is None:
            raise ValidationFailed(_("Upload a file or set a status."), errors={"status": [_("Required.")]})
        material.status = status
        material.status_reason = reason if status == MaterialStatus.REJECTED else ""
        material.changed_by = actor.user
        material.changed_at = timezone.now()
        material._history_user = actor.user
        material.save()
        claim.save(update_fields=["updated_at"])  # bumps the claim's version: its checklist changed
    return material
