"""Memory of the auditors' CSV or Excel export over a million events: ``python -m bench.export_memory``.

Loads N filing events (default 1,000,000) into the benchmark database (PostgreSQL: ``COPY``;
SQLite: batched inserts), then streams ``GET /api/v1/audit/events/?format=csv`` through the
real view, reading the resident set size (VmRSS) before and every 50,000 rows during the
export. The export must stay flat: it never holds the feed in memory.

``--format xlsx`` answers ``?format=xlsx`` instead: the view writes the whole workbook (row by row,
into a temporary file) before its first byte is sent, so VmRSS is read by a thread every 20 ms
from the call to the last byte streamed, and the rows are counted in the file afterwards.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_export python -m bench.export_memory
    BENCH_DATABASE_URL=... python -m bench.export_memory --format xlsx
"""

from __future__ import annotations

import argparse
import io
import os
import threading
import time

from bench.database import prepare_database


def rss_mb() -> float:
    """The process's current resident set size in MB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load_events(n: int) -> float:
    """Insert ``n`` events over 1,000 filings; returns the seconds taken."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from bench.data import effective_filing
    from filings.models import Filing, FilingEvent
    from registry.choices import InsuranceType
    from registry.demo import numbered_id_number
    from registry.models import Person

    started = time.perf_counter()
    people = Person.objects.bulk_create(
        Person(id_number=numbered_id_number(n), name=f"参保人{n}", insurance_type=InsuranceType.EMPLOYEE)
        for n in range(1000)
    )
    today = timezone.localdate()
    filings = Filing.objects.bulk_create(
        effective_filing(person.pk, n, "other_temporary", "310000", today, reference=f"BE{n:014d}")
        for n, person in enumerate(people)
    )
    base = timezone.now() - datetime.timedelta(days=365)
    ids = [f.pk for f in filings]
    if connection.vendor == "postgresql":
        columns = "filing_id, action, from_state, to_state, actor_label, channel_id, at, reason, changes"
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {FilingEvent._meta.db_table} ({columns}) FROM STDIN") as copy,
        ):
            for i in range(n):
                at = base + datetime.timedelta(seconds=i * 30)
                copy.write_row(
                    (ids[i % 1000], "submit", "", "submitted", f"person:{i % 1000}", "xm_wechat", at, "备案", "{}")
                )
    else:
        batch = []
        for i in range(n):
            at = base + datetime.timedelta(seconds=i * 30)
            batch.append(
                FilingEvent(
                    filing_id=ids[i % 1000],
                    action="submit",
                    from_state="",
                    to_state="submitted",
                    actor_label=f"person:{i % 1000}",
                    channel_id="xm_wechat",
                    at=at,
                    reason="备案",
                )
            )
            if len(batch) == 10000:
                FilingEvent.objects.bulk_create(batch)
                batch = []
        FilingEvent.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    assert Filing.objects.count() >= 1000
    return time.perf_counter() - started


class PeakSampler(threading.Thread):
    """Reads VmRSS every ``interval`` seconds until stopped; ``peak`` is the highest it read."""

    def __init__(self, interval: float = 0.02):
        super().__init__(daemon=True)
        self.interval, self.peak, self.done = interval, rss_mb(), threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.peak = max(self.peak, rss_mb())

    def stop(self) -> float:
        self.done.set()
        self.join()
        return max(self.peak, rss_mb())


def xlsx_rows(path: str) -> int:
    """The data rows of a workbook, every sheet's header left out (read from each sheet's dimension)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return sum(sheet.max_row - 1 for sheet in book.worksheets)
    finally:
        book.close()


def export_xlsx() -> dict:
    """The workbook through the view, streamed to a file; returns rows, bytes, seconds and RSS before and at
    its peak (sampled throughout: most of the work is writing the workbook, inside the view)."""
    import tempfile

    from django.test import RequestFactory

    from accounts.services import staff_token_issue
    from audit.api.views import AuditEventsView

    user = export_auditor()
    _auth_token, token = staff_token_issue(user=user)
    request = RequestFactory().get("/api/v1/audit/events/", {"format": "xlsx"}, HTTP_AUTHORIZATION=f"Token {token}")
    before = rss_mb()
    sampler = PeakSampler()
    size = 0
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as out:
        sampler.start()
        started = time.perf_counter()
        response = AuditEventsView.as_view()(request)
        assert response.status_code == 200, response.status_code
        for chunk in response.streaming_content:
            out.write(chunk)
            size += len(chunk)
        response.close()
        seconds = time.perf_counter() - started
        peak = sampler.stop()
        out.flush()
        rows = xlsx_rows(out.name)
    return {"rows": rows, "bytes": size, "seconds": seconds, "before": before, "peak": peak}


def export_auditor():
    """An auditor of the benchmark database (a password nobody knows: the export is called with a token)."""
    import secrets

    from accounts.choices import Role
    from accounts.services import staff_create

    return staff_create(username=f"bench_{secrets.token_hex(4)}", role=Role.AUDITOR, password=secrets.token_urlsafe(16))


def export(sample_every: int = 50_000) -> dict:
    """Stream the CSV through the view; returns rows, bytes, seconds and RSS before and at its peak."""
    from django.test import RequestFactory

    from accounts.services import staff_token_issue
    from audit.api.views import AuditEventsView

    user = export_auditor()
    _auth_token, token = staff_token_issue(user=user)
    request = RequestFactory().get("/api/v1/audit/events/", {"format": "csv"}, HTTP_AUTHORIZATION=f"Token {token}")
    before = rss_mb()
    peak, rows, size = before, -1, 0
    started = time.perf_counter()
    response = AuditEventsView.as_view()(request)
    for chunk in response.streaming_content:
        size += len(chunk.encode() if isinstance(chunk, str) else chunk)
        rows += 1
        if rows % sample_every == 0:
            peak = max(peak, rss_mb())
    peak = max(peak, rss_mb())
    return {"rows": rows, "bytes": size, "seconds": time.perf_counter() - started, "before": before, "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="the export measured")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    target = prepare_database()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    loaded = load_events(args.events)
    result = export_xlsx() if args.format == "xlsx" else export()
    label = args.format.upper()
    streamed = "rows streamed" if args.format == "csv" else "rows written"
    growth = result["peak"] - result["before"]
    print(f"database: {target}")
    print(f"{'measure':<34} {'value':>14}")
    print(f"{'-' * 34} {'-' * 14}")
    print(f"{'events loaded':<34} {args.events:>14,}")
    print(f"{'load time (s)':<34} {loaded:>14.1f}")
    print(f"{label + ' ' + streamed:<34} {result['rows']:>14,}")
    print(f"{label + ' size (MB)':<34} {result['bytes'] / 1e6:>14.1f}")
    print(f"{'export time (s)':<34} {result['seconds']:>14.1f}")
    print(f"{'rows per second':<34} {result['rows'] / result['seconds']:>14,.0f}")
    print(f"{'RSS before export (MB)':<34} {result['before']:>14.1f}")
    print(f"{'RSS peak during export (MB)':<34} {result['peak']:>14.1f}")
    print(f"{'growth (MB; target < 100)':<34} {growth:>14.1f}")
    if growth >= 100:
        raise SystemExit("memory grew by 100 MB or more during the export")


if __name__ == "__main__":
    main()
