"""Writes of the reimbursements app: claims, their checklists and every change of state.

Every change of a claim's state goes through ``claim_transition`` (creation through
``claim_submit``): lock the row, check the table and the rule, write the state and its event
in one transaction.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts.actors import Actor
from accounts.choices import COUNTER_CHANNEL
from config.errors import Conflict, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from filings.choices import RegionLevel
from filings.models import Filing, Person, Region
from filings.references import next_reference
from filings.rules import authorize
from filings.validators import normalize_id_number
from filings.workdays import add_months
from reimbursements import selectors
from reimbursements.calculator import InvalidAmounts
from reimbursements.choices import CLAIM_TRANSITIONS, ClaimAction, ClaimReason, ClaimState, MaterialStatus
from reimbursements.models import Claim, ClaimEvent, ClaimMaterial
from reimbursements.rules import CLAIM_ACTION_CAPACITIES, MATERIAL_STATUS_CAPACITIES, UPLOAD_CAPACITIES

# States in which the checklist may still change.
CHECKLIST_OPEN_STATES = (ClaimState.SUBMITTED, ClaimState.MATERIALS_INCOMPLETE)


def _authorize(actor: Actor, capacities: frozenset[str], *, owner_id: int, action_label: str) -> None:
    authorize(
        actor, capacities, owner_id=owner_id, refusal=_("You may not %(action)s this claim.") % {"action": action_label}
    )


def _record_event(claim, *, action: str, from_state: str, actor: Actor, reason: str = "", changes: dict | None = None):
    return ClaimEvent.record(
        claim=claim,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=claim.state,
        reason=reason,
        changes=changes,
    )


def _clean_claim(data: dict, *, person: Person, today: datetime.date) -> dict:
    """Check a new claim against the rules; collect every field error before raising."""
    errors: dict[str, list[str]] = {}
    out = {
        name: data.get(name)
        for name in (
            "claim_kind",
            "reason",
            "institution_name",
            "institution_level",
            "admission_date",
            "discharge_date",
        )
    }
    out["injury"] = bool(data.get("injury"))
    admission, discharge = data["admission_date"], data["discharge_date"]
    if discharge < admission:
        errors["discharge_date"] = [_("The discharge date cannot be before the admission date.")]
    elif discharge > today:
        errors["discharge_date"] = [_("The discharge date cannot be in the future.")]
    else:
        months = selectors.claim_policy_in_force(on=today).submission_deadline_months
        deadline = add_months(discharge, months)
        if today > deadline:
            errors["discharge_date"] = [
                _("Claims must be made within %(months)d months of discharge; the deadline was %(date)s.")
                % {"months": months, "date": deadline.isoformat()}
            ]

    total = data["total_amount"]
    excluded = data.get("excluded_amount") or Decimal("0")
    category_b = data.get("category_b_self_pay") or Decimal("0")
    if excluded > total:
        errors["excluded_amount"] = [_("Cannot exceed the total amount.")]
    elif excluded + category_b > total:
        errors["category_b_self_pay"] = [_("Together with the excluded amount it cannot exceed the total.")]
    out.update(total_amount=total, excluded_amount=excluded, category_b_self_pay=category_b)

    city = Region.objects.filter(code=data["city"]).first()
    if city is None or city.level != RegionLevel.CITY:
        errors["city"] = [_("Unknown city code %(code)s.") % {"code": data["city"]}]
    out["city"] = city

    # The filing the claim rests on: named, or the one that covered the admission day there.
    out["filing"] = None
    if city is not None and "discharge_date" not in errors:
        reference = data.get("filing")
        if reference:
            filing = Filing.objects.filter(reference=reference, person=person).first()
            if filing is None:
                errors["filing"] = [_("No filing %(ref)s of this person.") % {"ref": reference}]
            out["filing"] = filing
        else:
            out["filing"] = selectors.filing_for_claim(person_id=person.pk, on=admission, city_code=city.code)
        if data["reason"] == ClaimReason.RETROACTIVE_FILING and out["filing"] is None and "filing" not in errors:
            errors["filing"] = [_("A claim on a retroactive filing needs that filing (补办备案) first.")]
        if data["reason"] == ClaimReason.NOT_FILED:
            out["filing"] = None

    out.update(
        {
            name: (data.get(name) or "").strip()
            for name in ("bank_name", "bank_account", "account_holder", "proxy_name", "proxy_relationship")
        }
    )
    if out["bank_account"] and not out["bank_account"].replace(" ", "").isdigit():
        errors["bank_account"] = [_("A bank account number has digits only.")]
    out["bank_account"] = out["bank_account"].replace(" ", "")
    out["proxy_id_number"] = ""
    if out["proxy_name"]:
        try:
            out["proxy_id_number"] = normalize_id_number(data.get("proxy_id_number") or "")
        except ValidationError as exc:
            errors["proxy_id_number"] = list(exc.messages)
    if errors:
        raise ValidationFailed(_("The claim is invalid; see the errors per field."), errors=errors)
    return out


def claim_submit(*, actor: Actor, person: Person, data: dict) -> Claim:
    """Create a claim, copy its checklist from the requirements in force, and record the event."""
    _authorize(actor, CLAIM_ACTION_CAPACITIES[ClaimAction.SUBMIT], owner_id=person.pk, action_label=_("submit"))
    today = timezone.localdate()
    fields = _clean_claim(data, person=person, today=today)
    requirements = list(
        selectors.claim_requirements(claim_kind=fields["claim_kind"], injury=fields["injury"], on=today)
    )
    with transaction.atomic():
        claim = Claim.objects.create(
            person=person,
            channel_id=actor.channel_code or COUNTER_CHANNEL,
            state=ClaimState.SUBMITTED,
            reference=next_reference("BX"),
            **fields,
        )
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
        _record_event(
            claim,
            action=ClaimAction.SUBMIT,
            from_state="",
            actor=actor,
            changes={
                "total_amount": str(claim.total_amount),
                "excluded_amount": str(claim.excluded_amount),
                "filing": claim.filing.reference if claim.filing else None,
            },
        )
    return claim


def _lock(claim_id: int, expected_version: int | None) -> Claim:
    claim = Claim.objects.select_for_update(of=("self",)).select_related("person", "filing").get(pk=claim_id)
    if expected_version is not None and claim.version != expected_version:
        raise StaleVersion()
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
    """Every change of a claim's state after creation: one locked row, one event, one transaction."""
    reason = (reason or "").strip()
    with transaction.atomic():
        claim = _lock(claim_id, expected_version)
        _authorize(
            actor,
            CLAIM_ACTION_CAPACITIES[action],
            owner_id=claim.person_id,
            action_label=ClaimAction(action).label.lower(),
        )
        target = CLAIM_TRANSITIONS.get((claim.state, action))
        if target is None:
            raise InvalidTransition(
                _("A claim that is %(state)s cannot be %(action)s.")
                % {"state": ClaimState(claim.state).label, "action": ClaimAction(action).label.lower()},
                errors={"state": [claim.state]},
            )
        now = timezone.now()
        from_state = claim.state
        changes: dict = {}
        missing = selectors.claim_missing_items(claim=claim)

        if action == ClaimAction.REQUEST_MATERIALS:
            if not missing:
                raise Conflict(_("Every required item is accepted; nothing is missing."), code="nothing_missing")
            names = dict(claim.materials.values_list("item", "name"))
            reason = reason or _("Please supply: %(items)s.") % {"items": "、".join(names[i] for i in missing)}
            changes["missing"] = missing
        elif action == ClaimAction.START_REVIEW:
            if missing:
                raise Conflict(
                    _("Required materials are not all accepted: %(items)s.") % {"items": ", ".join(missing)},
                    code="materials_missing",
                    errors={"materials": missing},
                )
            claim.review_started_at = now
        elif action == ClaimAction.APPROVE:
            # Serialise approvals of one person so the year's deductible and cap are counted once.
            Person.objects.select_for_update().filter(pk=claim.person_id).first()
            try:
                calculation = selectors.claim_calculation(claim=claim)
            except InvalidAmounts as exc:
                raise Conflict(str(exc), code="invalid_amounts") from exc
            claim.payable_amount = calculation.payable
            claim.deductible_applied = calculation.deductible_applied
            claim.breakdown = calculation.as_dict()
            claim.decided_at = now
            changes["payable_amount"] = str(calculation.payable)
        elif action == ClaimAction.REJECT:
            if not reason:
                raise ValidationFailed(_("A rejection needs a reason."), errors={"reason": [_("Required.")]})
            claim.decided_at = now
        elif action == ClaimAction.PAY:
            payment_reference = (payment_reference or "").strip()
            if not payment_reference:
                raise ValidationFailed(_("Give the payment reference."), errors={"payment_reference": [_("Required.")]})
            claim.payment_reference, claim.paid_at = payment_reference, now
            changes["payment_reference"] = payment_reference
        elif action == ClaimAction.SUBMIT:  # resubmitted after supplementing materials
            changes["missing"] = missing

        claim.state = target
        if action in (ClaimAction.REJECT, ClaimAction.WITHDRAW) and reason:
            claim.end_reason = reason
        claim.save()
        _record_event(claim, action=action, from_state=from_state, actor=actor, reason=reason, changes=changes)
    return claim


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
        claim = _lock(claim_id, None)
        capacities = MATERIAL_STATUS_CAPACITIES if status else UPLOAD_CAPACITIES
        _authorize(actor, capacities, owner_id=claim.person_id, action_label=_("change the checklist of"))
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
            material.file.save(f"{claim.reference}-{item}.{content_type.rsplit('/', 1)[-1]}", upload, save=False)
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
