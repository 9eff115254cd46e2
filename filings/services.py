"""Writes of the filings app: insured persons and filings, each in one transaction.

Every change of a filing's state goes through ``filing_transition`` (or ``filing_submit``
and ``filing_change``, which use the same pieces): lock the row, check the table and the
rule, write the state and its event together.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.actors import Actor
from accounts.choices import COUNTER_CHANNEL, HOSPITAL_CHANNEL
from config.errors import Conflict, InvalidTransition, NotFound, PermissionRefused, StaleVersion, ValidationFailed
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
    InsuranceType,
    InsuredStatus,
    ProofBasis,
    RegionLevel,
)
from filings.models import Filing, FilingEvent, FilingMaterial, Institution, Person, Region
from filings.references import next_reference
from filings.rules import FILING_ACTION_CAPACITIES, MATERIAL_UPLOAD_CAPACITIES, authorize
from filings.validators import normalize_id_number, normalize_phone
from filings.workdays import add_months

PERSON_INPUT_FIELDS = (
    "id_number",
    "name",
    "insurance_type",
    "social_security_card",
    "phone",
    "insured_region",
    "insured_status",
)
PERSON_FIELDS = ("name", "insurance_type", "social_security_card", "phone", "insured_region_id", "insured_status")
# Enrolment exports may carry the national insurance type codes instead of ours.
INSURANCE_TYPE_ALIASES = {"310": InsuranceType.EMPLOYEE, "390": InsuranceType.RESIDENT}


def person_validate(data: dict, *, partial: bool = False) -> dict:
    """Normalise person fields; raises ValidationFailed naming every bad field.

    The API, the admin form and the CSV import all use this, so a person is valid or not
    the same way wherever it comes from.
    """
    cleaned: dict = {}
    errors: dict[str, list[str]] = {}

    def check(name, fn):
        if name in data:
            try:
                cleaned[name] = fn(data[name])
            except ValidationError as exc:
                errors[name] = list(exc.messages)

    check("id_number", normalize_id_number)
    check("name", _clean_name)
    check("insurance_type", _clean_insurance_type)
    check("social_security_card", lambda v: (v or "").strip())
    check("phone", lambda v: normalize_phone(v) if (v or "").strip() else "")
    check("insured_status", _clean_insured_status)
    if "insured_region" in data:
        code = (data["insured_region"] or "").strip()
        if code and not Region.objects.filter(code=code).exists():
            errors["insured_region"] = [_("Unknown region code %(code)s.") % {"code": code}]
        elif code:
            cleaned["insured_region_id"] = code
    if not partial:
        for required in ("id_number", "name", "insurance_type"):
            if required not in data and required not in errors:
                errors[required] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(_("The person's data is invalid; see the errors per field."), errors=errors)
    return cleaned


def _clean_name(value) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("This field may not be blank."))
    if len(value) > 50:
        raise ValidationError(_("At most 50 characters."))
    return value


def _clean_insurance_type(value) -> str:
    value = INSURANCE_TYPE_ALIASES.get((value or "").strip(), (value or "").strip())
    if value not in InsuranceType.values:
        raise ValidationError(_("Choose employee (310) or resident (390)."))
    return value


def _clean_insured_status(value) -> str:
    value = (value or "").strip() or InsuredStatus.ACTIVE
    if value not in InsuredStatus.values:
        raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(InsuredStatus.values)})
    return value


def person_create(*, data: dict, actor=None) -> Person:
    cleaned = person_validate(data)
    if Person.objects.filter(id_number=cleaned["id_number"]).exists():
        raise Conflict(
            _("A person with this ID number already exists."),
            code="person_exists",
            errors={"id_number": [_("Already registered.")]},
        )
    person = Person(**cleaned)
    person._history_user = actor if getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise Conflict(
            _("A person with this ID number already exists."),
            code="person_exists",
            errors={"id_number": [_("Already registered.")]},
        ) from None
    return person


def person_update(*, person: Person, data: dict, actor=None) -> Person:
    """Change a person's data; the ID number itself never changes."""
    if "id_number" in data and normalize_id_number_or_none(data["id_number"]) != person.id_number:
        raise ValidationFailed(
            _("The ID number of a person cannot be changed."), errors={"id_number": [_("Cannot be changed.")]}
        )
    cleaned = person_validate({k: v for k, v in data.items() if k != "id_number"}, partial=True)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked._history_user = actor if getattr(actor, "pk", None) else None
        locked.save()
    return locked


def normalize_id_number_or_none(value) -> str | None:
    try:
        return normalize_id_number(value)
    except ValidationError:
        return None


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, message)


def persons_import(*, lines: Iterable[str], batch_size: int = 2000) -> ImportReport:
    """Create or update persons from CSV lines (header row first), keyed by ``id_number``.

    A bad row is refused with its line number and field while the good rows load; a row
    identical to what is stored changes nothing, so importing a file twice is harmless.
    """
    report = ImportReport()
    reader = csv.DictReader(lines)
    missing = {"id_number", "name", "insurance_type"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationFailed(
            _("The CSV header lacks the columns: %(cols)s.") % {"cols": ", ".join(sorted(missing))},
            errors={"header": [", ".join(sorted(missing))]},
        )
    known_regions = set(Region.objects.values_list("code", flat=True))
    seen: set[str] = set()
    batch: list[dict] = []
    for line_no, row in _numbered(reader):
        cleaned = _clean_import_row(row, line_no, known_regions, report)
        if cleaned is None:
            continue
        if cleaned["id_number"] in seen:
            report.refused.append((line_no, "id_number", _("This ID number appears earlier in the file.")))
            continue
        seen.add(cleaned["id_number"])
        batch.append(cleaned)
        if len(batch) >= batch_size:
            _import_batch(batch, report)
            batch = []
    if batch:
        _import_batch(batch, report)
    return report


def _numbered(reader: csv.DictReader) -> Iterator[tuple[int, dict]]:
    for row in reader:
        yield reader.line_num, row


def _clean_import_row(row: dict, line_no: int, known_regions: set[str], report: ImportReport) -> dict | None:
    if None in row:  # more cells than header columns
        report.refused.append((line_no, "row", _("The row has more cells than the header.")))
        return None
    data = {k: (v or "") for k, v in row.items() if k in {"id_number", "insured_region", *PERSON_FIELDS}}
    region = data.pop("insured_region", "").strip()
    try:
        cleaned = person_validate(data)
    except ValidationFailed as exc:
        for name, messages in exc.errors.items():
            report.refused.append((line_no, name, messages[0]))
        return None
    if region and region not in known_regions:
        report.refused.append((line_no, "insured_region", _("Unknown region code %(code)s.") % {"code": region}))
        return None
    cleaned["insured_region_id"] = region or Person._meta.get_field("insured_region").get_default()
    cleaned.setdefault("insured_status", InsuredStatus.ACTIVE)
    cleaned.setdefault("social_security_card", "")
    cleaned.setdefault("phone", "")
    return cleaned


def _import_batch(batch: list[dict], report: ImportReport) -> None:
    now = timezone.now()
    with transaction.atomic():
        existing = {
            p.id_number: p
            for p in Person.objects.select_for_update().filter(id_number__in=[row["id_number"] for row in batch])
        }
        to_create, to_update = [], []
        for row in batch:
            person = existing.get(row["id_number"])
            if person is None:
                to_create.append(Person(**row, created_at=now, updated_at=now))
                continue
            changed = [name for name in PERSON_FIELDS if getattr(person, name) != row[name]]
            if not changed:
                report.unchanged += 1
                continue
            for name in changed:
                setattr(person, name, row[name])
            person.version += 1
            person.updated_at = now
            to_update.append(person)
        if to_create:
            bulk_create_with_history(to_create, Person, batch_size=500, default_date=now)
        if to_update:
            bulk_update_with_history(
                to_update, Person, [*PERSON_FIELDS, "version", "updated_at"], batch_size=500, default_date=now
            )
    report.created += len(to_create)
    report.updated += len(to_update)


# ---------------------------------------------------------------------------------------------
# Filings
# ---------------------------------------------------------------------------------------------

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
)


def _authorize(actor: Actor, action: str, filing: Filing | None = None, person: Person | None = None) -> None:
    owner_id = filing.person_id if filing is not None else (person.pk if person is not None else None)
    authorize(
        actor,
        FILING_ACTION_CAPACITIES[action],
        owner_id=owner_id,
        refusal=_("You may not %(action)s a filing.") % {"action": FilingAction(action).label.lower()},
    )


def _record_event(filing, *, action: str, from_state: str, actor: Actor, reason: str = "", changes: dict | None = None):
    return FilingEvent.record(
        filing=filing,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=filing.state,
        reason=reason,
        changes=changes,
    )


def _json_value(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (Region, Institution)):
        return value.pk
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def _live_conflict(person_id: int) -> Conflict:
    live = Filing.objects.filter(person_id=person_id, state__in=LIVE_STATES).values_list("reference", flat=True).first()
    return Conflict(
        _("This person already has a live filing (%(ref)s); change or revoke it first.") % {"ref": live},
        code="live_filing_exists",
        errors={"person": [_("A live filing exists: %(ref)s.") % {"ref": live}]},
    )


def _clean_filing(data: dict, *, person: Person, actor: Actor, replaces: Filing | None, today: datetime.date) -> dict:
    """Check a filing's fields against the rules and the policy in force; return model field values.

    Collects every field error before raising, so the caller sees all of them at once.
    """
    errors: dict[str, list[str]] = {}
    policy = selectors.filing_policy_in_force(on=today)
    filing_type = data["filing_type"]
    category = FILING_CATEGORY[filing_type]
    out: dict = {"filing_type": filing_type}

    if filing_type == FilingType.REFERRAL and actor.kind in ("person", "channel") and not actor.is_hospital:
        errors["filing_type"] = [_("Referral filings are made at the referring hospital or the counter.")]
    if actor.is_hospital and filing_type != FilingType.REFERRAL:
        raise PermissionRefused(_("A hospital credential may only make referral filings."), code="action_not_allowed")

    # Destination: a region outside the insured province, or a listed in-province city.
    destination = data["destination"]
    region = destination if isinstance(destination, Region) else Region.objects.filter(code=destination).first()
    if region is None:
        errors["destination"] = [_("Unknown region code %(code)s.") % {"code": destination}]
    else:
        out["destination"] = region
        home_province = person.insured_region_id[:2]
        if region.code[:2] == home_province:
            listed = region.level == RegionLevel.CITY and selectors.in_province_city_needs_filing(
                city_code=region.code, on=today
            )
            if not listed:
                errors["destination"] = [_("Treatment inside the insured province needs no filing here.")]

    # Dates.
    start = data["start_date"]
    end = data.get("end_date")
    out["start_date"] = start
    if category == FilingCategory.LONG_TERM:
        if end is not None:
            errors["end_date"] = [_("Long-term filings are open-ended; leave the end date empty.")]
        out["end_date"] = None
    else:
        months = policy.temporary_validity_months
        minimum_start = replaces.start_date if replaces is not None and replaces.start_date < start else start
        minimum_end = add_months(minimum_start, months) - datetime.timedelta(days=1)
        if end is None:
            end = max(minimum_end, start)
        elif end < start:
            errors["end_date"] = [_("The end date cannot be before the start date.")]
        elif filing_type != FilingType.EMERGENCY and end < minimum_end:
            errors["end_date"] = [
                _("A temporary filing lasts at least %(months)d months: until %(date)s or later.")
                % {"months": months, "date": minimum_end.isoformat()}
            ]
        out["end_date"] = end

    # Consent and contact.
    if data.get("consent") is not True:
        errors["consent"] = [_("The person's consent is required.")]
    contact_name = (data.get("contact_name") or "").strip()
    if not contact_name:
        errors["contact_name"] = [_("This field is required.")]
    out["contact_name"] = contact_name
    try:
        out["contact_phone"] = normalize_phone(data.get("contact_phone") or "")
    except ValidationError as exc:
        errors["contact_phone"] = list(exc.messages)

    # Mode and proof.
    mode = FilingMode.SELF_SERVICE if actor.is_hospital else data.get("mode") or FilingMode.SELF_SERVICE
    out["mode"] = mode
    replaceable = (
        selectors.filing_requirements(filing_type=filing_type, on=today).filter(commitment_may_replace=True).exists()
    )
    default_basis = ProofBasis.COMMITMENT if replaceable and mode == FilingMode.SELF_SERVICE else ProofBasis.DOCUMENTS
    proof_basis = data.get("proof_basis") or default_basis
    if proof_basis == ProofBasis.COMMITMENT and not replaceable:
        errors["proof_basis"] = [_("A commitment letter cannot replace the documents of this filing type.")]
    elif replaceable and mode == FilingMode.SELF_SERVICE and proof_basis == ProofBasis.DOCUMENTS:
        errors["proof_basis"] = [
            _("Self-service filings rest on a commitment letter; choose fast_track to have documents reviewed.")
        ]
    out["proof_basis"] = proof_basis
    out["commitment_due_date"] = (
        add_months(today, policy.commitment_due_months) if proof_basis == ProofBasis.COMMITMENT else None
    )

    # Proxy (someone filing on the person's behalf at the counter).
    proxy_name = (data.get("proxy_name") or "").strip()
    out.update(proxy_name=proxy_name, proxy_id_number="", proxy_authorization=bool(data.get("proxy_authorization")))
    if proxy_name:
        try:
            out["proxy_id_number"] = normalize_id_number(data.get("proxy_id_number") or "")
        except ValidationError as exc:
            errors["proxy_id_number"] = list(exc.messages)
        if not out["proxy_authorization"]:
            errors["proxy_authorization"] = [_("A proxy needs the power of attorney (授权委托书).")]

    # Referral details.
    out.update({name: data.get(name) or "" for name in ("referral_diagnosis", "referral_reason", "referral_opinion")})
    out["referral_date"] = data.get("referral_date")
    out["referring_institution"] = None
    if filing_type == FilingType.REFERRAL:
        code = data.get("referring_institution")
        institution = code if isinstance(code, Institution) else Institution.objects.filter(code=code or "").first()
        if institution is None:
            errors["referring_institution"] = [_("Name the referring designated institution by its code.")]
        elif institution.level != 3 or institution.city_id != person.insured_region_id:
            errors["referring_institution"] = [
                _("Referrals come from a tertiary (三级) designated institution of the insured city.")
            ]
        out["referring_institution"] = institution
        for name in ("referral_diagnosis", "referral_date"):
            if not out[name]:
                errors[name] = [_("Required for a referral.")]

    # Designated institutions (older regional rule): at most three, inside the destination.
    codes = list(dict.fromkeys(data.get("institutions") or []))
    if len(codes) > MAX_DESIGNATED_INSTITUTIONS:
        errors["institutions"] = [_("At most three designated institutions.")]
    institutions = list(Institution.objects.filter(code__in=codes)) if codes else []
    if len(institutions) != len(codes) and "institutions" not in errors:
        missing = sorted(set(codes) - {i.code for i in institutions})
        errors["institutions"] = [_("Unknown institution codes: %(codes)s.") % {"codes": ", ".join(missing)}]
    elif region is not None and any(region.code not in (i.city_id, i.city.parent_id) for i in institutions):
        errors["institutions"] = [_("Designated institutions must be inside the destination.")]
    out["institutions"] = institutions

    if errors:
        raise ValidationFailed(_("The filing is invalid; see the errors per field."), errors=errors)
    return out


def _store_new_filing(
    *, person: Person, actor: Actor, fields: dict, replaces: Filing | None, today: datetime.date
) -> Filing:
    """Insert a filing as submitted, with its event, and let it take effect at once when it qualifies."""
    institutions = fields.pop("institutions")
    now = timezone.now()
    channel_code = actor.channel_code or COUNTER_CHANNEL
    filing = Filing(
        person=person,
        channel_id=channel_code,
        state=FilingState.SUBMITTED,
        submitted_at=now,
        consent=True,
        consent_at=now,
        replaces=replaces,
        reference=next_reference("BA"),
        **fields,
    )
    instant = fields["mode"] == FilingMode.SELF_SERVICE or channel_code == HOSPITAL_CHANNEL
    if not instant:
        filing.review_due = selectors.review_due_date(submitted_on=today)
    try:
        with transaction.atomic():
            filing.save()
    except IntegrityError:
        raise _live_conflict(person.pk) from None
    if institutions:
        filing.institutions.set(institutions)
    _record_event(
        filing,
        action=FilingAction.SUBMIT,
        from_state="",
        actor=actor,
        changes={name: _json_value(value) for name, value in fields.items() if value not in ("", None)},
    )
    if instant:
        filing.state = FilingState.EFFECTIVE
        filing.effective_at = now
        filing.save(update_fields=["state", "effective_at"])
        _record_event(
            filing,
            action=FilingAction.ACTIVATE,
            from_state=FilingState.SUBMITTED,
            actor=actor,
            reason=_("Takes effect at once (自助开通)."),
        )
    return filing


def filing_validate(*, actor: Actor, person: Person, data: dict) -> dict:
    """Check a new filing without writing anything; returns the model field values.

    ``filing_submit`` calls this first; the admin's counter form calls it to show errors on its fields.
    """
    _authorize(actor, FilingAction.SUBMIT, person=person)
    fields = _clean_filing(data, person=person, actor=actor, replaces=None, today=timezone.localdate())
    _check_person_may_file(person)
    return fields


def _check_person_may_file(person: Person) -> None:
    if not person.is_actively_insured:
        raise Conflict(_("The person is not actively insured; a filing cannot be made."), code="not_actively_insured")
    if Filing.objects.filter(person=person, state__in=LIVE_STATES).exists():
        raise _live_conflict(person.pk)


def filing_submit(*, actor: Actor, person: Person, data: dict) -> Filing:
    """Submit a new filing for ``person``; self-service and hospital referrals take effect at once."""
    fields = filing_validate(actor=actor, person=person, data=data)
    with transaction.atomic():
        # Lock the person so concurrent submissions queue; the partial unique index is the final guard.
        locked = Person.objects.select_for_update().get(pk=person.pk)
        _check_person_may_file(locked)
        return _store_new_filing(person=locked, actor=actor, fields=fields, replaces=None, today=timezone.localdate())


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


def _lock(filing_id: int, expected_version: int | None) -> Filing:
    filing = Filing.objects.select_for_update(of=("self",)).select_related("person").get(pk=filing_id)
    if expected_version is not None and filing.version != expected_version:
        raise StaleVersion()
    return filing


def _target_state(filing: Filing, action: str) -> str:
    target = FILING_TRANSITIONS.get((filing.state, action))
    if target is None:
        raise InvalidTransition(
            _("A filing that is %(state)s cannot be %(action)s.")
            % {"state": FilingState(filing.state).label, "action": FilingAction(action).label.lower()},
            errors={"state": [filing.state]},
        )
    return target


def filing_transition(
    *,
    filing_id: int,
    action: str,
    actor: Actor,
    reason: str = "",
    effective_to: datetime.date | None = None,
    expected_version: int | None = None,
) -> Filing:
    """Approve, reject, withdraw, revoke or expire a filing: one locked row, one event, one transaction."""
    reason = (reason or "").strip()
    today = timezone.localdate()
    with transaction.atomic():
        filing = _lock(filing_id, expected_version)
        _authorize(actor, action, filing)
        target = _target_state(filing, action)
        now = timezone.now()
        from_state = filing.state
        changes: dict = {}

        if action == FilingAction.APPROVE:
            if not filing.person.is_actively_insured:
                raise Conflict(_("The person is not actively insured."), code="not_actively_insured")
            filing.effective_at = filing.decided_at = now
        elif action == FilingAction.REJECT:
            if not reason:
                raise ValidationFailed(_("A rejection needs a reason."), errors={"reason": [_("Required.")]})
            filing.decided_at = filing.ended_at = now
        elif action == FilingAction.WITHDRAW:
            filing.ended_at = now
        elif action == FilingAction.REVOKE:
            if not reason:
                raise ValidationFailed(_("A revocation needs a reason."), errors={"reason": [_("Required.")]})
            if actor.kind != "system":
                _check_holding_period(filing, today)
            yesterday = today - datetime.timedelta(days=1)
            last_day = effective_to or yesterday
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
            filing.covered_until, filing.ended_at = last_day, now
            changes["covered_until"] = [None, last_day.isoformat()]
        elif action == FilingAction.EXPIRE:
            if filing.end_date is None or filing.end_date >= today:
                raise InvalidTransition(_("Only a fixed-period filing past its end date expires."))
            filing.covered_until, filing.ended_at = filing.end_date, now

        filing.state = target
        if reason:
            filing.end_reason = reason
        filing.save()
        _record_event(filing, action=action, from_state=from_state, actor=actor, reason=reason, changes=changes)
    return filing


def filing_change(
    *, filing_id: int, actor: Actor, data: dict, reason: str = "", expected_version: int | None = None
) -> Filing:
    """Replace an effective filing by a new one carrying the changes; the old one becomes ``changed``.

    The new filing starts today unless a start date is given, and the old one covers every
    day before it, so coverage has no gap and history stays answerable.
    """
    today = timezone.localdate()
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
    with transaction.atomic():
        old = _lock(filing_id, expected_version)
        _authorize(actor, FilingAction.CHANGE, old)
        target = _target_state(old, FilingAction.CHANGE)
        _check_holding_period(old, today)
        merged = {name: getattr(old, name) for name in COPIED_FIELDS}
        old_codes = sorted(old.institutions.values_list("code", flat=True))
        merged["institutions"] = old_codes
        merged["start_date"] = max(old.start_date, today)
        merged.update(data)
        merged["consent"] = True
        if "end_date" not in data and FILING_CATEGORY[merged["filing_type"]] == FilingCategory.LONG_TERM:
            merged["end_date"] = None
        fields = _clean_filing(merged, person=old.person, actor=actor, replaces=old, today=today)
        diff = {
            name: [_json_value(getattr(old, name)), _json_value(fields[name])]
            for name in CHANGEABLE_FIELDS
            if name != "institutions"
            and name in fields
            and _json_value(getattr(old, name)) != _json_value(fields[name])
        }
        if "institutions" in data:
            diff["institutions"] = [old_codes, sorted(i.code for i in fields["institutions"])]
        old.state = target
        old.ended_at = timezone.now()
        old.covered_until = fields["start_date"] - datetime.timedelta(days=1)
        old.end_reason = reason.strip()
        old.save()
        _record_event(
            old,
            action=FilingAction.CHANGE,
            from_state=FilingState.EFFECTIVE,
            actor=actor,
            reason=reason.strip(),
            changes=diff,
        )
        return _store_new_filing(person=old.person, actor=actor, fields=fields, replaces=old, today=today)


def filing_material_upload(*, filing_id: int, item: str, upload, actor: Actor, content_type: str) -> FilingMaterial:
    """Attach a document to a filing awaiting review, or one promised by a commitment letter."""
    with transaction.atomic():
        filing = _lock(filing_id, None)
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
        material = FilingMaterial(
            filing=filing,
            item=item,
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor.user,
            channel_id=actor.channel_code or COUNTER_CHANNEL,
        )
        material.file.save(f"{filing.reference}-{item}.{content_type.rsplit('/', 1)[-1]}", upload, save=False)
        material.save()
        if filing.proof_basis == ProofBasis.COMMITMENT and filing.commitment_fulfilled_at is None:
            promised = {code for code, r in requirements.items() if r.commitment_may_replace and r.required}
            received = set(filing.materials.values_list("item", flat=True))
            if promised <= received:
                filing.commitment_fulfilled_at = timezone.now()
                filing.save(update_fields=["commitment_fulfilled_at"])
    return material


def filings_expire(*, today: datetime.date | None = None) -> list[Filing]:
    """System: fixed-period filings past their end date become expired."""
    today = today or timezone.localdate()
    ids = Filing.objects.filter(state=FilingState.EFFECTIVE, end_date__lt=today).values_list("pk", flat=True)
    return [filing_transition(filing_id=pk, action=FilingAction.EXPIRE, actor=Actor.system()) for pk in ids]


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
    return [
        filing_transition(filing_id=pk, action=FilingAction.REVOKE, actor=Actor.system(), reason=reason) for pk in ids
    ]


def filings_revoke_uninsured() -> list[Filing]:
    """System: effective filings of persons no longer actively insured are revoked."""
    ids = (
        Filing.objects.filter(state=FilingState.EFFECTIVE)
        .exclude(person__insured_status=InsuredStatus.ACTIVE)
        .values_list("pk", flat=True)
    )
    reason = _("The person is no longer actively insured.")
    return [
        filing_transition(filing_id=pk, action=FilingAction.REVOKE, actor=Actor.system(), reason=reason) for pk in ids
    ]
