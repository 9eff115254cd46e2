"""The public holidays the law fixes (《全国年节及纪念日放假办法》), computed for any year (no Django).

The State Council publishes each year's calendar (放假安排) late in the year before: bridge days
(调休) moved next to the holidays and the weekend days worked in return. Until it is entered in
the holiday table, due dates count what the law itself fixes, which is computed here:

- the days of each festival: 元旦, 春节 (lunar dates), 清明 (the solar term), 劳动节, 端午 and 中秋
  (lunar dates), 国庆, as the version of the 办法 in force that year lists them;
- 补假: a festival day on a Saturday or Sunday is made up on a working day (the 办法 says so), and so
  is one that falls on another festival's day (中秋 on 1 October 2020, on 3 October 2028). The law
  names no day; the State Council has always taken the first weekday after the holiday, and so do we.

No make-up working day (调休上班) is ever assumed: the law fixes none. Lunar dates and the solar
term come from ``lunar_python`` (6tail's astronomical calendar, MIT), not from typed tables.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache

from lunar_python import Lunar, Solar

ONE_DAY = datetime.timedelta(days=1)
IN_LIEU = "补假"


@dataclass(frozen=True)
class StatutoryRule:
    """One version of the 办法: which days of each festival are off, from the first year it governs.

    ``spring_festival`` counts from lunar new year's day (初一 = 0, 除夕 = -1).
    """

    since: int
    decree: str
    spring_festival: tuple[int, ...]
    labour_day: tuple[int, ...]  # days of May
    national_day: tuple[int, ...]  # days of October
    traditional: bool  # 清明, 端午 and 中秋 are holidays


# Newest first. Years before the oldest are counted by the oldest (no due date is counted that far back).
RULES = (
    StatutoryRule(2025, "国务院令第795号（2024年修订）", (-1, 0, 1, 2), (1, 2), (1, 2, 3), traditional=True),
    StatutoryRule(2014, "国务院令第644号（2013年修订）", (0, 1, 2), (1,), (1, 2, 3), traditional=True),
    StatutoryRule(2008, "国务院令第513号（2007年修订）", (-1, 0, 1), (1,), (1, 2, 3), traditional=True),
    StatutoryRule(2000, "国务院令第270号（1999年修订）", (0, 1, 2), (1, 2, 3), (1, 2, 3), traditional=False),
)


def rule_for(year: int) -> StatutoryRule:
    return next((rule for rule in RULES if rule.since <= year), RULES[-1])


def _date(solar: Solar) -> datetime.date:
    return datetime.date(solar.getYear(), solar.getMonth(), solar.getDay())


def lunar_date(year: int, month: int, day: int) -> datetime.date:
    """The Gregorian date of a day of lunar year ``year`` (which begins in January or February of ``year``)."""
    return _date(Lunar.fromYmd(year, month, day).getSolar())


def qingming(year: int) -> datetime.date:
    """The day of the Qingming solar term (清明, 4, 5 or 6 April)."""
    return _date(Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"])


def _festival_days(year: int) -> list[tuple[datetime.date, str]]:
    """Every festival day of ``year`` in date order (then in the order of the 办法): a shared day twice."""
    rule = rule_for(year)
    new_year = lunar_date(year, 1, 1)
    days = [(datetime.date(year, 1, 1), "元旦")]
    days += [(new_year + offset * ONE_DAY, "春节") for offset in rule.spring_festival]
    if rule.traditional:
        days.append((qingming(year), "清明节"))
    days += [(datetime.date(year, 5, day), "劳动节") for day in rule.labour_day]
    if rule.traditional:
        days += [(lunar_date(year, 5, 5), "端午节"), (lunar_date(year, 8, 15), "中秋节")]
    days += [(datetime.date(year, 10, day), "国庆节") for day in rule.national_day]
    return sorted(days, key=lambda pair: pair[0])


@lru_cache(maxsize=512)
def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """The festival days the law gives off in ``year``, without 补假: date → festival name, in date order."""
    days: dict[datetime.date, str] = {}
    for day, name in _festival_days(year):
        days.setdefault(day, name)
    return days


@lru_cache(maxsize=512)
def statutory_days_off(year: int) -> dict[datetime.date, str]:
    """The festival days of ``year`` and their days in lieu (补假): date → name, in date order.

    A festival day on a weekend, or on a day another festival already takes, is made up on the
    first weekday after it that is not already off.
    """
    off: dict[datetime.date, str] = {}
    owed: list[tuple[datetime.date, str]] = []
    for day, name in _festival_days(year):
        if day in off or day.weekday() >= 5:
            owed.append((day, name))
        off.setdefault(day, name)
    for day, name in owed:
        in_lieu = day + ONE_DAY
        while in_lieu.weekday() >= 5 or in_lieu in off:
            in_lieu += ONE_DAY
        off[in_lieu] = f"{name}{IN_LIEU}"
    return dict(sorted(off.items()))
