"""Chinese working-day arithmetic (no Django): weekends off, public holidays off, make-up days on."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from registry.statutory import statutory_days_off


def is_working_day(
    day: datetime.date, *, holidays: Collection[datetime.date], makeup_workdays: Collection[datetime.date]
) -> bool:
    if day in makeup_workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    start: datetime.date, days: int, *, holidays: Collection[datetime.date], makeup_workdays: Collection[datetime.date]
) -> datetime.date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count).

    A filing submitted on Friday with 3 working days to review is due the next Wednesday;
    across the National Day week the holidays are skipped and the make-up Saturday counts.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += datetime.timedelta(days=1)
        if is_working_day(day, holidays=holidays, makeup_workdays=makeup_workdays):
            remaining -= 1
    return day


@dataclass(frozen=True)
class DueDate:
    """A due date, and whether it was counted (in part) by the statutory rule, before the calendar was published."""

    day: datetime.date
    provisional: bool


@dataclass(frozen=True)
class WorkingCalendar:
    """The days off and make-up workdays of a span of years, and which of those years are counted provisionally."""

    holidays: frozenset[datetime.date]
    makeup_workdays: frozenset[datetime.date]
    provisional_years: frozenset[int]

    @classmethod
    def of(
        cls,
        years: Iterable[int],
        *,
        holidays: Iterable[datetime.date],
        makeup_workdays: Iterable[datetime.date],
        published_years: Collection[int],
    ) -> WorkingCalendar:
        """The table's rows as given; a year without a published calendar also takes the days the law fixes.

        Rows entered for such a year (a bridge day, a make-up workday) count at once, over the statutory days.
        """
        makeup = frozenset(makeup_workdays)
        provisional = frozenset(year for year in years if year not in published_years)
        statutory = {day for year in provisional for day in statutory_days_off(year)}
        return cls(
            holidays=frozenset((statutory - makeup) | set(holidays)),
            makeup_workdays=makeup,
            provisional_years=provisional,
        )

    def add(self, start: datetime.date, days: int) -> DueDate:
        """``days`` working days after ``start``; provisional when a day counted lies in a provisional year."""
        due = add_working_days(start, days, holidays=self.holidays, makeup_workdays=self.makeup_workdays)
        counted = range((start + datetime.timedelta(days=1)).year, due.year + 1) if due > start else ()
        return DueDate(due, provisional=any(year in self.provisional_years for year in counted))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day ``months`` later, clamped to the month's end (31 August + 6 months = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
