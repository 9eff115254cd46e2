"""Spans of days (no Django): which days of a range no period covers. Periods are inclusive; None is open."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

Span = tuple[datetime.date | None, datetime.date | None]


def uncovered(
    periods: Iterable[Span], first: datetime.date, last: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """The spans of ``first``..``last`` that none of ``periods`` covers (empty: every day is covered).

    A period ``(None, x)`` began before the records; ``(x, None)`` has not ended. Periods may
    touch or overlap one another: a qualification renewed during a stay still covers the stay.
    """
    gaps, cursor = [], first
    for start, end in sorted(periods, key=lambda p: p[0] or datetime.date.min):
        if end is not None and end < cursor:
            continue
        if start is not None and start > cursor:
            if start > last:
                break
            gaps.append((cursor, start - datetime.timedelta(days=1)))
        if end is None or end >= last:
            return gaps
        cursor = end + datetime.timedelta(days=1)
    gaps.append((cursor, last))
    return gaps


def common(a: Span, b: Span) -> Span | None:
    """The days two periods share, as a period (None: they share none)."""
    starts = [d for d in (a[0], b[0]) if d is not None]
    ends = [d for d in (a[1], b[1]) if d is not None]
    start, end = (max(starts) if starts else None), (min(ends) if ends else None)
    if start is not None and end is not None and start > end:
        return None
    return start, end
