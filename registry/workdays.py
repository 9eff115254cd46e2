"""Chinese working-day arithmetic (no Django): weekends off, public holidays off, make-up days on."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Collection


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


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day ``months`` later, clamped to the month's end (31 August + 6 months = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
