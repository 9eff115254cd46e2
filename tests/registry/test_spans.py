"""Which days of a range no period covers: the arithmetic behind insured days and qualifications."""

import datetime

import pytest

from registry.spans import common, uncovered

D = datetime.date


@pytest.mark.parametrize(
    "periods, expected",
    [
        ([(None, None)], []),
        ([], [(D(2026, 6, 1), D(2026, 6, 30))]),
        ([(None, D(2026, 6, 10))], [(D(2026, 6, 11), D(2026, 6, 30))]),
        ([(D(2026, 6, 11), None)], [(D(2026, 6, 1), D(2026, 6, 10))]),
        ([(None, D(2026, 6, 10)), (D(2026, 6, 11), None)], []),  # touching periods: no gap
        ([(None, D(2026, 6, 9)), (D(2026, 6, 11), None)], [(D(2026, 6, 10), D(2026, 6, 10))]),
        ([(D(2026, 6, 5), D(2026, 6, 20)), (D(2026, 6, 1), D(2026, 6, 10))], [(D(2026, 6, 21), D(2026, 6, 30))]),
        ([(D(2026, 7, 1), None)], [(D(2026, 6, 1), D(2026, 6, 30))]),  # starts after the range
        ([(None, D(2026, 5, 31))], [(D(2026, 6, 1), D(2026, 6, 30))]),  # ends before it
        ([(D(2026, 6, 1), D(2026, 6, 30))], []),  # exactly the range
    ],
)
def test_uncovered_days(periods, expected):
    assert uncovered(periods, D(2026, 6, 1), D(2026, 6, 30)) == expected


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((D(2026, 6, 1), D(2026, 6, 10)), (D(2026, 6, 10), None), (D(2026, 6, 10), D(2026, 6, 10))),
        ((D(2026, 6, 1), D(2026, 6, 9)), (D(2026, 6, 10), None), None),
        ((None, None), (D(2026, 6, 10), D(2026, 6, 20)), (D(2026, 6, 10), D(2026, 6, 20))),
        ((None, D(2026, 6, 5)), (None, D(2026, 6, 1)), (None, D(2026, 6, 1))),
        ((D(2026, 6, 5), None), (D(2026, 6, 1), None), (D(2026, 6, 5), None)),
    ],
)
def test_the_days_two_periods_share(a, b, expected):
    assert common(a, b) == expected
    assert common(b, a) == expected
