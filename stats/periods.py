"""The period a statistic covers, as people name it (a month, a quarter, a year, or from one day to another),
and the same days a year before, which every figure is compared with.

A period is whole days in the bureau's time zone (Asia/Shanghai), its end included. Parsing is shared by the
API and the admin pages, so both refuse the same input with the same message, naming the parameter.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ValidationFailed

# At most five years in one answer: the figures of a longer span are read a year at a time.
LONGEST_YEARS = 5
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
PERIOD = re.compile(r"^(?P<year>[0-9]{4})(?:-(?:(?P<month>[0-9]{1,2})|[Qq](?P<quarter>[1-4])))?$")


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive
    code: str  # 2026-11, 2026-Q4, 2026, or 2026-01-05..2026-02-10

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def name(self) -> str:
        """The period as the bureau writes it: 2026年11月, 2026年第4季度, 2026年, 2026年1月5日至2月10日."""
        match = PERIOD.match(self.code)
        if match and match["month"]:
            return _("%(year)s-%(month)s (month)") % {"year": match["year"], "month": int(match["month"])}
        if match and match["quarter"]:
            return _("%(year)s Q%(quarter)s") % {"year": match["year"], "quarter": match["quarter"]}
        if match:
            return _("%(year)s (year)") % {"year": match["year"]}
        return _("%(start)s to %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def year_before(self) -> Period:
        """The same days a year earlier, named like this one: 2025-11 for 2026-11; a span's month-end stays
        a month-end and 29 February becomes the 28th."""
        match = PERIOD.match(self.code)
        if match:
            return _named(int(match["year"]) - 1, match["month"], match["quarter"])
        start, end = _shift(self.start, -1), _shift(self.end, -1)
        if self.end.day == calendar.monthrange(self.end.year, self.end.month)[1]:
            end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")

    def so_far(self, today: datetime.date | None = None) -> Period:
        """The period's days up to today: itself when it has ended, else from its start to today (a month still
        running is compared with as many days of the year before, not with the whole of that month)."""
        today = today or timezone.localdate()
        if self.end <= today or self.start > today:
            return self
        return Period(self.start, today, f"{self.start.isoformat()}..{today.isoformat()}")

    def instants(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[first instant, first instant after) in the bureau's time zone: what event times are compared with."""
        return midnight(self.start), midnight(self.end + datetime.timedelta(days=1))


def _shift(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def last_month(today: datetime.date | None = None) -> Period:
    """The last whole month before today's: what a monthly report covers, and every page's default."""
    today = today or timezone.localdate()
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return named(f"{end.year}-{end.month:02d}")


def named(code: str) -> Period:
    """2026-11, 2026-Q4 or 2026 as a period; ValidationFailed naming ``period`` otherwise."""
    match = PERIOD.match(unicodedata.normalize("NFKC", code).strip())  # ２０２６－１１ reads as 2026-11
    if not match:
        raise _invalid("period", _("Name a month (2026-11), a quarter (2026-Q4) or a year (2026)."))
    year = int(match["year"])
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise _invalid(
            "period", _("A year between %(first)s and %(last)s.") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    if match["month"] and not 1 <= int(match["month"]) <= 12:
        raise _invalid("period", _("A month is numbered 1 to 12."))
    return _named(year, match["month"], match["quarter"])


def _named(year: int, month: str | None, quarter: str | None) -> Period:
    if month:
        month_number = int(month)
        last = calendar.monthrange(year, month_number)[1]
        return Period(
            datetime.date(year, month_number, 1), datetime.date(year, month_number, last), f"{year}-{month_number:02d}"
        )
    if quarter:
        first = 3 * int(quarter) - 2
        last = calendar.monthrange(year, first + 2)[1]
        return Period(datetime.date(year, first, 1), datetime.date(year, first + 2, last), f"{year}-Q{quarter}")
    return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year))


def between(start: datetime.date, end: datetime.date) -> Period:
    """From ``start`` to ``end`` inclusive; ValidationFailed naming ``period_to`` when it ends before it starts or
    spans more than five years."""
    for field, day in (("period_from", start), ("period_to", end)):
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise _invalid(
                field, _("A day between %(first)s and %(last)s.") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
            )
    if end < start:
        raise _invalid("period_to", _("Must not be before the start of the period."))
    if end >= _shift(start, LONGEST_YEARS):
        raise _invalid("period_to", _("A period of at most %(years)s years.") % {"years": LONGEST_YEARS})
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")


def chosen(period: str | None = None, start: datetime.date | None = None, end: datetime.date | None = None) -> Period:
    """The period a request names: ``period``, or ``period_from`` and ``period_to`` together, never both;
    none of them is the last whole month."""
    if period and (start or end):
        raise _invalid("period", _("Name a period or a start and an end, not both."))
    if period:
        return named(period)
    if start or end:
        if not (start and end):
            field = "period_to" if start else "period_from"
            raise _invalid(field, _("Give both the start and the end of the period."))
        return between(start, end)
    return last_month()


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("The period is invalid."), errors={field: [message]})
