"""Writes of the registry: insured persons, one at a time or imported in bulk.

The API, the admin form and the CSV import all validate a person through ``person_validate``,
so a person is valid or not the same way wherever it comes from.
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

from config.actors import Actor
from config.errors import Conflict, ValidationFailed
from config.limits import personal_lookup_guesses
from config.personal import mask_free_text
from config.transitions import authorize
from registry.choices import (
    INSURANCE_TYPE_NATIONAL_CODE,
    REVEAL_OTHER_MIN_LENGTH,
    InsuranceType,
    InsuredStatus,
    PeriodStatus,
    RevealPurpose,
)
from registry.masking import REVEALABLE_FIELDS
from registry.models import ChronicQualification, InsuredPeriod, Person, PersonDataAccess, Region, overlapping
from registry.permissions import PERSON_WRITERS, REVEALERS
from registry.selectors import normalize_id_query, person_for_request
from registry.spans import common, uncovered
from registry.validators import normalize_id_number, normalize_phone

PERSON_INPUT_FIELDS = (
    "id_number",
    "name",
    "insurance_type",
    "social_security_card",
    "phone",
    "insured_region",
    "insured_status",
    "retired",
)
PERSON_FIELDS = (
    "name",
    "insurance_type",
    "social_security_card",
    "phone",
    "insured_region_id",
    "insured_status",
    "retired",
)
# How a yes/no column of an enrolment export may be written.
TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "y", "是"}, {"", "0", "false", "no", "n", "否"}
# Enrolment exports (and API clients) may send the national insurance type codes instead of ours.
INSURANCE_TYPE_ALIASES = {code: insurance_type for insurance_type, code in INSURANCE_TYPE_NATIONAL_CODE.items()}


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
    check("retired", _clean_yes_no)
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
    limit = Person._meta.get_field("name").max_length
    if len(value) > limit:
        raise ValidationError(_("At most %(n)d characters.") % {"n": limit})
    return value


def _clean_insurance_type(value) -> str:
    value = INSURANCE_TYPE_ALIASES.get((value or "").strip(), (value or "").strip())
    if value not in InsuranceType.values:
        raise ValidationError(_("Choose employee (310) or resident (390)."))
    return value


def _clean_yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value or "").strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValidationError(_("Write yes or no (1/0, true/false, 是/否)."))


def _clean_insured_status(value) -> str:
    value = (value or "").strip() or InsuredStatus.ACTIVE
    if value not in InsuredStatus.values:
        raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(InsuredStatus.values)})
    return value


def person_create(*, data: dict, actor: Actor) -> Person:
    authorize(actor, PERSON_WRITERS)
    # "Already registered" tells whether a number is somebody's: refused past the caller's limit of lookups.
    personal_lookup_guesses(actor).check()
    cleaned = person_validate(data)
    if Person.objects.filter(id_number=cleaned["id_number"]).exists():
        raise _person_exists()
    person = Person(**cleaned)
    person._history_user = actor.user
    try:
        with transaction.atomic():
            person.save()
            insured_period_open(person, starts_on=None, user=actor.user)
    except IntegrityError:
        raise _person_exists() from None
    return person


def _person_exists() -> Conflict:
    return Conflict(
        _("A person with this ID number already exists."),
        code="person_exists",
        errors={"id_number": [_("Already registered.")]},
    )


def person_update(*, person: Person, data: dict, actor: Actor) -> Person:
    """Change a person's data; the ID number itself never changes."""
    authorize(actor, PERSON_WRITERS)
    if "id_number" in data and normalize_id_query(data["id_number"]) != person.id_number:
        raise ValidationFailed(
            _("The ID number of a person cannot be changed."), errors={"id_number": [_("Cannot be changed.")]}
        )
    cleaned = person_validate({k: v for k, v in data.items() if k != "id_number"}, partial=True)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        insured_before = [getattr(locked, name) for name in PERIOD_FIELDS]
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked._history_user = actor.user
        locked.save()
        if [getattr(locked, name) for name in PERIOD_FIELDS] != insured_before:
            _roll_period(locked, today=timezone.localdate(), user=actor.user)
    return locked


def person_and_fields(*, actor: Actor, data: dict, person: Person | None, clean, message) -> tuple[Person, dict]:
    """One validation pass over a request made for a person: who it is for, and ``clean``'s fields.

    Without ``person`` it is the one ``data["id_number"]`` names (or the session's own). Errors of
    both come in one ValidationFailed, with a specific code only when one part alone speaks.
    """
    errors: dict[str, list[str]] = {}
    code = None
    if person is None:
        try:
            person = person_for_request(actor=actor, id_number=data.get("id_number"), name=data.get("name"))
        except ValidationFailed as exc:
            errors.update(exc.errors)
            code = exc.code
    fields: dict = {}
    try:
        fields = clean(data, person)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        code = exc.code if code is None else "invalid"
    if errors:
        raise ValidationFailed(message, code=code, errors=errors)
    return person, fields


def person_reveal(
    *, person: Person, fields: list[str], reason: str = "", actor: Actor, purpose: str = RevealPurpose.OTHER
) -> set[str]:
    """Record that staff read a person's full ``fields`` and for what purpose (PIPL); returns the fields revealed.

    Persons see their own values anyway and channels none, so only staff reveal.
    """
    authorize(actor, REVEALERS, refusal=_("Only staff reveal personal data, giving a reason."))
    return personal_data_reveal(
        person=person, fields=fields, revealable=REVEALABLE_FIELDS, purpose=purpose, reason=reason, actor=actor
    )


def personal_data_reveal(
    *,
    person: Person,
    fields: Iterable[str],
    revealable: Iterable[str],
    purpose: str,
    reason: str,
    actor: Actor,
    record: str = "",
) -> set[str]:
    """The one way a full personal value is read: checks the purpose, writes one access record per field.

    ``revealable`` are the fields the caller offers (a person's ID number and phone; a claim's bank
    account); ``record`` names the record the values belong to when it is not the person (a claim's
    reference). The caller has already checked that the actor may read them. The records are written
    before any value is shown. The purpose is one of a short list; ``other`` is said in words (at
    least ``REVEAL_OTHER_MIN_LENGTH`` characters).
    """
    fields, revealable = set(fields), tuple(revealable)
    reason = mask_free_text((reason or "").strip())
    if purpose not in RevealPurpose.values:
        raise ValidationFailed(_("Choose the purpose."), errors={"purpose": [_("Unknown purpose.")]})
    if purpose == RevealPurpose.OTHER and len(reason) < REVEAL_OTHER_MIN_LENGTH:
        raise ValidationFailed(
            _("Say why the full value is needed."),
            errors={"reason": [_("At least %(n)d characters.") % {"n": REVEAL_OTHER_MIN_LENGTH}]},
        )
    if not fields or fields - set(revealable):
        raise ValidationFailed(
            _("Reveal one of: %(fields)s.") % {"fields": ", ".join(revealable)},
            errors={"reveal": [_("Unknown field.")]},
        )
    PersonDataAccess.objects.bulk_create(
        PersonDataAccess(
            user=actor.user,
            actor_label=actor.label,
            person=person,
            field=name,
            record=record,
            purpose=purpose,
            reason=reason,
        )
        for name in sorted(fields)
    )
    return fields


# --- insured periods (参保期间) -------------------------------------------------------------------

# The person's fields that describe the current insured period; a change to them starts a new one.
PERIOD_FIELDS = ("insurance_type", "insured_region_id", "insured_status")
STATUS_OF_PERIOD = {PeriodStatus.ACTIVE: InsuredStatus.ACTIVE, PeriodStatus.SUSPENDED: InsuredStatus.SUSPENDED}


def _period_like(person: Person, *, starts_on: datetime.date | None) -> InsuredPeriod | None:
    """The open period the person's current fields describe (none when insurance has ended)."""
    if person.insured_status == InsuredStatus.TERMINATED:
        return None
    status = PeriodStatus.ACTIVE if person.insured_status == InsuredStatus.ACTIVE else PeriodStatus.SUSPENDED
    return InsuredPeriod(
        person=person,
        starts_on=starts_on,
        insurance_type=person.insurance_type,
        insured_region_id=person.insured_region_id,
        status=status,
    )


def insured_period_open(person: Person, *, starts_on: datetime.date | None, user=None) -> None:
    """Open the period the person's current fields describe, from ``starts_on`` (None: since ever)."""
    period = _period_like(person, starts_on=starts_on)
    if period is not None:
        period._history_user = user
        period.save()


def _roll_period(person: Person, *, today: datetime.date, user=None) -> None:
    """The person's insurance changed today: the period covering today ends yesterday, a new one starts.

    The past is never rewritten: days before today keep the period that covered them. A period
    that itself began today is replaced, not cut to nothing.
    """
    current = person.insured_periods.select_for_update().filter(InsuredPeriod.covering(today)).first()
    if current is not None:
        current._history_user = user
        if current.starts_on == today:
            current.delete()
        else:
            current.ends_on = today - datetime.timedelta(days=1)
            current.save()
    insured_period_open(person, starts_on=today, user=user)


def person_sync_current(person: Person, *, today: datetime.date | None = None, user=None) -> Person:
    """Make the person's current status, type and region say what the period covering today says."""
    today = today or timezone.localdate()
    current = person.insured_periods.filter(InsuredPeriod.covering(today)).first()
    wanted = (
        {
            "insured_status": STATUS_OF_PERIOD[current.status],
            "insurance_type": current.insurance_type,
            "insured_region_id": current.insured_region_id,
        }
        if current is not None
        else {"insured_status": InsuredStatus.TERMINATED}
    )
    changed = [name for name, value in wanted.items() if getattr(person, name) != value]
    if changed:
        for name in changed:
            setattr(person, name, wanted[name])
        person._history_user = user
        person.save(update_fields=changed)
    return person


def insured_period_check(period: InsuredPeriod) -> None:
    """Refuse a period that ends before it starts or overlaps another period of the same person."""
    errors = {}
    if period.starts_on and period.ends_on and period.ends_on < period.starts_on:
        errors["ends_on"] = [_("The end of the period cannot be before its start.")]
    else:
        clash = (
            InsuredPeriod.objects.filter(person_id=period.person_id)
            .exclude(pk=period.pk)
            .filter(overlapping(period.starts_on, period.ends_on, start="starts_on", end="ends_on"))
            .first()
        )
        if clash is not None:
            errors["starts_on"] = [_("Overlaps the period %(period)s.") % {"period": clash}]
    if errors:
        raise ValidationFailed(_("The insured period is invalid; see the errors per field."), errors=errors)


def insured_period_save(*, period: InsuredPeriod, actor: Actor) -> InsuredPeriod:
    """Record or correct an insured period (staff, with history); the person's current status follows."""
    authorize(actor, PERSON_WRITERS)
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=period.person_id)
        insured_period_check(period)
        period._history_user = actor.user
        period.save()
        person_sync_current(person, user=actor.user)
    return period


def chronic_qualification_save(*, qualification: ChronicQualification, actor: Actor) -> ChronicQualification:
    """Record a person's qualification for a chronic/special outpatient disease (staff, with history)."""
    authorize(actor, PERSON_WRITERS)
    if qualification.ends_on and qualification.ends_on < qualification.starts_on:
        raise ValidationFailed(
            _("The end of the period cannot be before its start."),
            errors={"ends_on": [_("The end of the period cannot be before its start.")]},
        )
    if qualification.approved_by_id is None:
        qualification.approved_by = actor.user
    qualification._history_user = actor.user
    qualification.save()
    return qualification


def insured_days_missing(
    *, person_id: int, first: datetime.date, last: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """The spans of ``first``..``last`` that no active insured period of the person covers (empty: all insured)."""
    periods = InsuredPeriod.objects.filter(
        overlapping(first, last, start="starts_on", end="ends_on"), person_id=person_id, status=PeriodStatus.ACTIVE
    ).values_list("starts_on", "ends_on")
    return uncovered(periods, first, last)


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


def _import_date(row: dict, name: str) -> datetime.date | None:
    value = (row.get(name) or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("Use a date as YYYY-MM-DD.")) from None


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
    period = {}
    for name in ("insured_from", "insured_to"):
        try:
            period[name] = _import_date(row, name)
        except ValidationError as exc:
            report.refused.append((line_no, name, exc.messages[0]))
            return None
    if period["insured_to"] and not period["insured_from"]:
        report.refused.append((line_no, "insured_from", _("A period with an end needs its start.")))
        return None
    if period["insured_from"] and period["insured_to"] and period["insured_to"] < period["insured_from"]:
        report.refused.append((line_no, "insured_to", _("The end of the period cannot be before its start.")))
        return None
    cleaned["insured_region_id"] = region or Person._meta.get_field("insured_region").get_default()
    cleaned.setdefault("insured_status", InsuredStatus.ACTIVE)
    cleaned.setdefault("retired", False)
    cleaned.setdefault("social_security_card", "")
    cleaned.setdefault("phone", "")
    cleaned["_line"], cleaned["_period"] = line_no, period if period["insured_from"] else None
    # A column the file does not have leaves the stored value alone (a new person gets the default).
    columns = {name for name in PERSON_FIELDS if name in row} | (
        {"insured_region_id"} if "insured_region" in row else set()
    )
    if cleaned["_period"]:
        columns -= set(PERIOD_FIELDS)  # the person's current insurance follows the periods, not the row
    cleaned["_columns"] = columns
    return cleaned


def _plan_dated_period(row: dict, periods: list[InsuredPeriod], report: ImportReport) -> list[InsuredPeriod] | None:
    """The periods to write for a row that names its insured period; None refuses the row.

    The period starting on ``insured_from`` is created or corrected; an open period that began
    earlier ends the day before it; any other overlap is a conflict the row cannot settle.
    """
    first, last = row["_period"]["insured_from"], row["_period"]["insured_to"]
    status = PeriodStatus.SUSPENDED if row["insured_status"] == InsuredStatus.SUSPENDED else PeriodStatus.ACTIVE
    values = {
        "ends_on": last,
        "insurance_type": row["insurance_type"],
        "insured_region_id": row["insured_region_id"],
        "status": status,
    }
    same = next((p for p in periods if p.starts_on == first), None)
    writes = []
    for other in periods:
        if other is same or common((other.starts_on, other.ends_on), (first, last)) is None:
            continue
        if other.ends_on is None and (other.starts_on is None or other.starts_on < first):
            other.ends_on = first - datetime.timedelta(days=1)
            writes.append(other)
        else:
            report.refused.append(
                (row["_line"], "insured_from", _("Overlaps the period %(period)s.") % {"period": other})
            )
            return None
    if same is None:
        writes.append(InsuredPeriod(starts_on=first, **values))
    elif any(getattr(same, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(same, name, value)
        writes.append(same)
    return writes


def _import_batch(batch: list[dict], report: ImportReport) -> None:
    """Write one batch of rows: persons created or updated, and their insured periods, in one transaction."""
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        existing = {
            p.id_number: p
            for p in Person.objects.select_for_update().filter(id_number__in=[row["id_number"] for row in batch])
        }
        dated = [existing[row["id_number"]].pk for row in batch if row["_period"] and row["id_number"] in existing]
        periods_of: dict[int, list[InsuredPeriod]] = {}
        for period in InsuredPeriod.objects.select_for_update().filter(person_id__in=dated):
            periods_of.setdefault(period.person_id, []).append(period)
        to_create, to_update, rolled, period_writes, to_sync = [], [], [], [], []
        for row in batch:
            person = existing.get(row["id_number"])
            writes: list[InsuredPeriod] = []
            if row["_period"]:
                writes = _plan_dated_period(row, periods_of.get(person.pk, []) if person else [], report)
                if writes is None:
                    continue
            fields = {name: row[name] for name in PERSON_FIELDS}
            if person is None:
                person = Person(id_number=row["id_number"], **fields, created_at=now, updated_at=now)
                to_create.append(person)
                if not row["_period"]:
                    writes = [p for p in [_period_like(person, starts_on=None)] if p is not None]
            else:
                changed = [name for name in row["_columns"] if getattr(person, name) != fields[name]]
                for name in changed:
                    setattr(person, name, fields[name])
                if changed:
                    person.version += 1
                    person.updated_at = now
                    to_update.append(person)
                    if not row["_period"] and any(name in PERIOD_FIELDS for name in changed):
                        rolled.append(person)
                elif not writes:
                    report.unchanged += 1
                else:
                    report.updated += 1  # only its insured period changed
            for period in writes:
                period.person = person
            period_writes.extend(writes)
            if row["_period"]:
                to_sync.append(person)
        if to_create:
            bulk_create_with_history(to_create, Person, batch_size=500, default_date=now)
        if to_update:
            bulk_update_with_history(
                to_update, Person, [*PERSON_FIELDS, "version", "updated_at"], batch_size=500, default_date=now
            )
        for person in rolled:
            _roll_period(person, today=today)
        # Stored periods first (an open one may close), then the new ones.
        for period in (p for p in period_writes if p.pk is not None):
            period.save()
        new_periods = [p for p in period_writes if p.pk is None]
        for period in new_periods:
            period.person_id = period.person.pk
        if new_periods:
            bulk_create_with_history(new_periods, InsuredPeriod, batch_size=500, default_date=now)
        for person in to_sync:
            person_sync_current(person, today=today)
    report.created += len(to_create)
    report.updated += len(to_update)
