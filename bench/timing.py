"""Timing helpers and the plain-text results table."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Row:
    """One line of the results: per-call latencies (ms) or only a total duration."""

    measure: str
    n: int
    latencies_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    total_s: float | None = None

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies."""
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def time_calls(calls: Iterable[Callable[[], object]]) -> tuple[list[float], list[object]]:
    """Run each call once; return their latencies in ms and their results."""
    latencies, results = [], []
    for call in calls:
        started = time.perf_counter()
        results.append(call())
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, results


def captured_sql(call: Callable[[], object]) -> list[str]:
    """The SQL statements one call runs."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return [query["sql"] for query in captured.captured_queries]


def count_queries(call: Callable[[], object]) -> int:
    return len(captured_sql(call))


COLUMNS = ("measure", "n", "p50 ms", "p95 ms", "max ms", "queries/call", "total s")


def format_table(rows: list[Row]) -> str:
    cells = []
    for row in rows:
        timed = bool(row.latencies_ms)
        total = row.total_s if row.total_s is not None else sum(row.latencies_ms) / 1000
        cells.append(
            (
                row.measure,
                f"{row.n:,}",
                f"{row.percentile(50):.2f}" if timed else "-",
                f"{row.percentile(95):.2f}" if timed else "-",
                f"{max(row.latencies_ms):.2f}" if timed else "-",
                str(row.queries) if row.queries is not None else "-",
                f"{total:.2f}",
            )
        )
    widths = [max(len(line[i]) for line in [COLUMNS, *cells]) for i in range(len(COLUMNS))]

    def render(line) -> str:
        first = line[0].ljust(widths[0])
        return "  ".join([first, *(cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True))])

    return "\n".join([render(COLUMNS), "  ".join("-" * w for w in widths), *(render(line) for line in cells)])
