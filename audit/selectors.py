"""Reads for auditors: every state event of every record, in one order, filterable, streamable; and the
eligibility questions asked about a person.

Filing and claim events live in their own append-only tables. The feed reads both in one
order, ``(at, record_type, id)``, and pages through it by keyset (the last row seen), never by
offset: each table gives its next rows from its index on ``(at, id)`` and the two short lists
are merged, so a page costs the same at row 10 and at row 10 million, and a CSV export walks
the whole feed in fixed-size chunks without holding it in memory.
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import CharField, F, Q, QuerySet, Value
from django.utils.translation import gettext as _

from audit.digests import id_number_digests
from audit.models import EligibilityQuestion
from config.errors import ValidationFailed
from filings.models import FilingEvent
from registry.models import Person
from registry.selectors import normalize_id_query
from reimbursements.models import ClaimEvent

# record type -> (event model, the event's foreign key to its record)
SOURCES = {"claim": (ClaimEvent, "claim"), "filing": (FilingEvent, "filing")}
COLUMNS = (
    "at",
    "record_type",
    "id",
    "record_id",
    "reference",
    "id_number",
    "action",
    "from_state",
    "to_state",
    "actor_label",
    "channel_id",
    "reason",
    "changes",
)


@dataclass(frozen=True)
class EventFilters:
    record_type: str | None = None
    reference: str | None = None
    id_number: str | None = None
    action: str | None = None
    actor: str | None = None
    channel: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    at_after: datetime.datetime | None = None
    at_before: datetime.datetime | None = None


@dataclass(frozen=True)
class Cursor:
    """The last row a page showed: the next page starts after it."""

    at: datetime.datetime
    record_type: str
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.at.isoformat(), self.record_type, self.id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            at, record_type, pk = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
            moment = datetime.datetime.fromisoformat(at)
            if moment.tzinfo is None or record_type not in SOURCES or not 0 < int(pk) < 2**63:
                raise ValueError(value)
            cursor = cls(moment.astimezone(datetime.UTC), str(record_type), int(pk))
        except (ValueError, TypeError, OverflowError, json.JSONDecodeError):
            raise _bad_cursor() from None
        return cursor


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        _("The cursor is not one this feed handed out."),
        code="invalid_cursor",
        errors={"cursor": [_("Use the cursor of the previous page, as it was given.")]},
    )


def _after(record_type: str, cursor: Cursor) -> Q:
    """Rows of one table that come after ``cursor`` in the feed's order (at, record_type, id)."""
    if record_type > cursor.record_type:
        return Q(at__gte=cursor.at)
    if record_type < cursor.record_type:
        return Q(at__gt=cursor.at)
    return Q(at__gt=cursor.at) | Q(at=cursor.at, id__gt=cursor.id)


def _source(record_type: str, filters: EventFilters, cursor: Cursor | None) -> QuerySet:
    model, subject = SOURCES[record_type]
    qs = model.objects.all()
    conditions = {
        f"{subject}__reference": filters.reference,
        f"{subject}__person__id_number": normalize_id_query(filters.id_number) if filters.id_number else None,
        "action": filters.action,
        "actor_label": filters.actor,
        "channel_id": filters.channel,
        "from_state": filters.from_state,
        "to_state": filters.to_state,
        "at__gte": filters.at_after,
        "at__lt": filters.at_before,
    }
    qs = qs.filter(**{name: value for name, value in conditions.items() if value is not None})
    if cursor is not None:
        qs = qs.filter(_after(record_type, cursor))
    return qs.annotate(
        record_type=Value(record_type, output_field=CharField()),
        record_id=F(f"{subject}_id"),
        reference=F(f"{subject}__reference"),
        id_number=F(f"{subject}__person__id_number"),
    ).values(*COLUMNS)


def event_page(
    *, filters: EventFilters, cursor: Cursor | None = None, size: int = 50
) -> tuple[list[dict], Cursor | None]:
    """One page of the feed after ``cursor``, and the cursor of the next page (None at the end)."""
    types = [filters.record_type] if filters.record_type else sorted(SOURCES)
    # Each table gives its next rows by its own (at, id) index; the two short lists are merged here,
    # so a page reads at most size + 1 rows per table wherever the cursor stands.
    rows = []
    for record_type in types:
        rows.extend(_source(record_type, filters, cursor).order_by("at", "id")[: size + 1])
    rows.sort(key=lambda row: (row["at"], row["record_type"], row["id"]))
    rows = rows[: size + 1]
    more = len(rows) > size
    rows = rows[:size]
    following = Cursor(rows[-1]["at"], rows[-1]["record_type"], rows[-1]["id"]) if more and rows else None
    return rows, following


def event_stream(*, filters: EventFilters, chunk: int = 2000) -> Iterator[dict]:
    """Every event the filters select, in feed order, read ``chunk`` rows at a time."""
    cursor = None
    while True:
        rows, cursor = event_page(filters=filters, cursor=cursor, size=chunk)
        yield from rows
        if cursor is None:
            return


def eligibility_questions_about(person: Person) -> QuerySet[EligibilityQuestion]:
    """Every eligibility question about this person, newest first: those asked while the number was theirs
    (``person``), and those asked before they were registered here (by the keyed hash of their number,
    under ``SECRET_KEY`` and its fallbacks)."""
    return EligibilityQuestion.objects.filter(
        Q(person=person) | Q(id_number_digest__in=id_number_digests(person.id_number))
    ).select_related("institution", "city")
