"""Writes of the registry: insured persons, one at a time or imported in bulk.

The API, the admin form and the CSV import all validate a person through ``person_validate``,
so a person is valid or not the same way wherever it comes from.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config.actors import Actor
from config.errors import Conflict, ValidationFailed
from config.transitions import authorize
from registry.choices import INSURANCE_TYPE_NATIONAL_CODE, InsuranceType, InsuredStatus
from registry.models import Person, Region
from registry.permissions import PERSON_WRITERS
from registry.selectors import normalize_id_query
from registry.validators import normalize_id_number, normalize_phone

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


def _clean_insured_status(value) -> str:
    value = (value or "").strip() or InsuredStatus.ACTIVE
    if value not in InsuredStatus.values:
        raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(InsuredStatus.values)})
    return value


def person_create(*, data: dict, actor: Actor) -> Person:
    authorize(actor, PERSON_WRITERS)
    cleaned = person_validate(data)
    if Person.objects.filter(id_number=cleaned["id_number"]).exists():
        raise _person_exists()
    person = Person(**cleaned)
    person._history_user = actor.user
    try:
        with transaction.atomic():
            person.save()
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
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked._history_user = actor.user
        locked.save()
    return locked


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
