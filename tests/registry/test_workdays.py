"""Working-day arithmetic: weekends, public holidays and make-up workdays (调休)."""

import datetime

import pytest

from filings.selectors import review_due_date
from registry.models import Holiday
from registry.workdays import add_months, add_working_days

D = datetime.date
# National Day 2026: 1–7 October off, Saturday 10 October worked.
HOLIDAYS = {D(2026, 10, d) for d in range(1, 8)}
MAKEUP = {D(2026, 10, 10)}


@pytest.mark.parametrize(
    "start, days, due",
    [
        (D(2026, 11, 23), 3, D(2026, 11, 26)),  # Monday → Thursday
        (D(2026, 11, 20), 3, D(2026, 11, 25)),  # Friday → Wednesday, weekend skipped
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # the whole holiday week skipped
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # Thu 8, Fri 9, and the make-up Saturday 10
        (D(2026, 10, 9), 1, D(2026, 10, 10)),  # Friday → make-up Saturday
        (D(2026, 10, 10), 1, D(2026, 10, 12)),  # then Sunday is off again
        (D(2026, 11, 23), 0, D(2026, 11, 23)),
    ],
)
def test_add_working_days(start, days, due):
    assert add_working_days(start, days, holidays=HOLIDAYS, makeup_workdays=MAKEUP) == due


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 1), -1, holidays=set(), makeup_workdays=set())


@pytest.mark.parametrize(
    "start, months, result",
    [
        (D(2026, 1, 15), 6, D(2026, 7, 15)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2027, 8, 31), 6, D(2028, 2, 29)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 12, 1), 1, D(2027, 1, 1)),
    ],
)
def test_add_months_clamps_to_the_month_end(start, months, result):
    assert add_months(start, months) == result


@pytest.mark.django_db
def test_review_due_uses_the_holiday_table_seeded_from_chinese_calendar():
    assert Holiday.objects.get(date=D(2026, 10, 1)).kind == "holiday"
    assert Holiday.objects.get(date=D(2026, 10, 10)).kind == "workday"
    assert review_due_date(submitted_on=D(2026, 9, 30)) == D(2026, 10, 10)
    # Spring Festival 2026: Saturday 14 February worked, 15–23 February off → 14th, 24th, 25th.
    assert review_due_date(submitted_on=D(2026, 2, 13)) == D(2026, 2, 25)


@pytest.mark.django_db
def test_staff_extend_the_table_for_a_new_year():
    """2027 is unknown to chinese-calendar 1.11; a row staff add is honoured at once."""
    # Before: the statutory rule, 1–3 October off and two weekdays in lieu of the weekend (补假).
    assert review_due_date(submitted_on=D(2027, 9, 30)) == D(2027, 10, 8)
    Holiday.objects.bulk_create([Holiday(date=D(2027, 10, d), kind="holiday", name="国庆节") for d in range(1, 8)])
    assert review_due_date(submitted_on=D(2027, 9, 30)) == D(2027, 10, 12)
