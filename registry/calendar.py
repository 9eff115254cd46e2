"""Writes of the holiday calendar: rows and published years, and the due dates that follow them.

The admin and ``load_holidays`` change the calendar through these services. Each change is then
announced with ``calendar_changed`` inside the same transaction: the apps above the registry
(filings, claims) count again the due dates of their open records that the changed years can
move, and write an event on each record whose date moved. The registry knows none of them (the
dependencies run one way), as ``config.transitions.state_changed`` knows none of its listeners.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from config.actors import Actor
from config.errors import InvalidTransition, NotFound, StaleVersion, ValidationFailed
from config.transitions import StateMachine, Step
from registry.models import CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, Holiday, HolidayYear
from registry.selectors import statutory_days_missing, working_calendar, working_days_reach

# Sent with ``years`` (the years whose calendar changed) and ``actor``, inside the transaction of the
# change; each receiver returns how many due dates it moved (or relabelled as no longer provisional).
calendar_changed = Signal()


def calendar_recompute(*, years: Iterable[int], actor: Actor) -> int:
    """Count again, in every app that keeps due dates, those the calendar of ``years`` can move."""
    years = frozenset(years)
    if not years:
        return 0
    with transaction.atomic():
        return sum(int(moved or 0) for _receiver, moved in calendar_changed.send(Holiday, years=years, actor=actor))


@dataclass(frozen=True)
class DueRecord:
    """An open record's due date as stored, and what it is counted from: ``days`` working days after ``start``."""

    pk: int
    version: int
    start: datetime.date
    days: int
    due: datetime.date | None
    provisional: bool


def due_dates_recount(
    *, machine: StateMachine, action: str, records: list[DueRecord], years: Collection[int], actor: Actor
) -> int:
    """Count each record's due date again by the calendar as it now stands; move those that changed.

    Each move is the aggregate's ``action`` (a transition to the same state), so it is locked, checked
    against the version read here, and written with its event, like any other change. The system takes
    it (no one decides a due date); its reason names who changed the calendar (``actor``). A record
    decided or changed in the meantime is left alone. Returns how many moved.
    """
    if not records:
        return 0
    calendar = working_calendar(
        min(r.start for r in records), max(r.start + working_days_reach(r.days) for r in records)
    )
    reason = _("The holiday calendar of %(years)s was changed by %(actor)s; the review due date was counted again.") % {
        "years": "、".join(str(year) for year in sorted(years)),
        "actor": actor.label,
    }
    moved = 0
    for record in records:
        due = calendar.add(record.start, record.days)
        if (due.day, due.provisional) == (record.due, record.provisional):
            continue
        try:
            machine.transition(
                pk=record.pk,
                action=action,
                actor=Actor.system(),
                reason=reason,
                expected_version=record.version,
                due=due,
            )
        except (InvalidTransition, StaleVersion, NotFound):
            continue  # decided, resubmitted or otherwise changed since it was read: its own step counted it
        moved += 1
    return moved


def on_recompute_due(record, step: Step) -> None:
    """The rule of the ``recompute_due`` action of filings and claims: store the date counted again."""
    due = step.params["due"]
    if record.review_due != due.day:
        step.changes["review_due"] = [record.review_due.isoformat() if record.review_due else None, due.day.isoformat()]
    if record.review_due_provisional != due.provisional:
        step.changes["review_due_provisional"] = [record.review_due_provisional, due.provisional]
    record.review_due, record.review_due_provisional = due.day, due.provisional


def holiday_year_check(*, year: int) -> None:
    """Refuse to call ``year`` published while a festival day the law fixes is not off in its table (or a year
    outside 1900–2100, which no row can hold: said so, before the table is asked about it)."""
    if not CALENDAR_FIRST_YEAR <= year <= CALENDAR_LAST_YEAR:
        message = _("Enter a year from 1900 to 2100.")
        raise ValidationFailed(message, errors={"year": [message]})
    missing = statutory_days_missing(year=year)
    if missing:
        days = "、".join(f"{day.isoformat()} {name}" for day, name in missing.items())
        raise ValidationFailed(
            _("The calendar of %(year)s lacks days the law gives off: %(days)s.") % {"year": year, "days": days},
            errors={"year": [_("Enter these holidays first: %(days)s.") % {"days": days}]},
        )


def holidays_load(
    rows: Iterable[tuple[datetime.date, str, str]], *, actor: Actor, publish: Collection[int] = ()
) -> tuple[int, int]:
    """Enter calendar rows (date, kind, name), replacing a date's row, then mark ``publish`` years published.

    Every row is checked before any is written; one error names each bad row. Returns (rows written,
    due dates moved).
    """
    holidays, errors = [], {}
    for index, (day, kind, name) in enumerate(rows, start=1):
        holiday = Holiday(date=day, kind=kind, name=name)
        try:
            holiday.full_clean(validate_unique=False)
        except ValidationError as exc:
            errors[f"row {index}"] = [
                f"{field}: {message}" for field, messages in exc.message_dict.items() for message in messages
            ]
        holidays.append(holiday)
    if errors:
        raise ValidationFailed(_("Some calendar rows are invalid; nothing was written."), errors=errors)
    with transaction.atomic():
        for holiday in holidays:
            Holiday.objects.update_or_create(date=holiday.date, defaults={"kind": holiday.kind, "name": holiday.name})
        for year in sorted(publish):
            holiday_year_check(year=year)
            HolidayYear.objects.get_or_create(year=year)
        moved = calendar_recompute(years={h.date.year for h in holidays} | set(publish), actor=actor)
    return len(holidays), moved
