"""How long a statistics page takes at city scale: ``python -m bench.stats_pages`` (``make bench`` runs it).

On the database ``DATABASE_URL`` names (``make bench``: the 2,000,000 filings of ``bench_load_2000000``), with
the production settings, as an auditor through the admin (Django's test client, in this process: the page's
own time, no network):

1. each of the four pages for the last whole month with nothing rolled up (every figure counted from the
   event tables), the month and the same month a year before;
2. the history rolled up into the daily aggregates (``stats.services.refresh``), timed;
3. each page again for the last whole month and for the last twelve months, days read from the aggregates,
   and for this year so far (its days up to yesterday from the aggregates, today from the events).
``--rolled`` skips 1 and 2 on a database rolled up already.

Each page is rendered ``--runs`` times (5); the median and the slowest are printed, one JSON line per row
at the end for ``bench.load``. The page is rendered whole: the form, the figures of both periods in total
and by the page's default grouping, the charts' data and the table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time

PAGES = {
    "filings": "filingstatistics",
    "claims": "claimstatistics",
    "service": "servicestatistics",
    "eligibility": "eligibilitystatistics",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--rolled", action="store_true", help="the history is rolled up already: only the rolled-up rows, no refresh"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Min
    from django.test import Client
    from django.utils import timezone

    from accounts.choices import Role
    from accounts.models import User
    from filings.models import FilingEvent
    from stats import periods, services
    from stats.models import RolledDay

    call_command("collectstatic", "--noinput", verbosity=0)  # the production settings serve hashed names
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _created = User.objects.get_or_create(username="bench_statistics", defaults={"role": Role.AUDITOR})
    user.role, user.is_staff, user.is_active = Role.AUDITOR, True, True
    user.save()
    client = Client()
    client.force_login(user)
    month = periods.last_month()
    today = timezone.localdate()
    first_year, first_month = (
        (month.start.year, month.start.month + 1)
        if month.start.month < 12
        else (
            month.start.year + 1,
            1,
        )
    )
    year = periods.between(datetime.date(first_year - 1, first_month, 1), month.end)  # the last 12 whole months
    rows = []

    def measure(label: str, subject: str, period) -> None:
        url = f"/admin/stats/{PAGES[subject]}/"
        query = (
            {"period": period.code}
            if ".." not in period.code
            else {
                "period_from": period.start.isoformat(),
                "period_to": period.end.isoformat(),
            }
        )
        times = []
        for _run in range(args.runs):
            started = time.perf_counter()
            response = client.get(url, query)
            times.append(time.perf_counter() - started)
            if response.status_code != 200 or b'id="stats-table"' not in response.content:
                raise SystemExit(f"{url}?{query}: answered {response.status_code}")
        row = {"label": label, "median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000}
        rows.append(row)
        print(f"{label:<56} median {row['median_ms']:8.1f} ms, slowest {row['max_ms']:8.1f} ms", flush=True)

    written, rolled_seconds = {"days": RolledDay.objects.count()}, 0.0
    if not args.rolled:
        RolledDay.objects.all().delete()  # start from the events alone
        for subject in PAGES:
            measure(f"stats page {subject}, a month, from the events", subject, month)
        first = FilingEvent.objects.aggregate(first=Min("at"))["first"]
        since = timezone.localdate(first) if first else today
        started = time.perf_counter()
        written = services.refresh(since, today - datetime.timedelta(days=1))
        rolled_seconds = time.perf_counter() - started
        print(f"rolled up {written['days']:,} days in {rolled_seconds:.1f} s: {written}", flush=True)
    for subject in PAGES:
        measure(f"stats page {subject}, a month, rolled up", subject, month)
    for subject in PAGES:
        measure(f"stats page {subject}, 12 months, rolled up", subject, year)
    this_year = periods.named(str(today.year))  # rolled up to yesterday, today counted from the events
    for subject in PAGES:
        measure(f"stats page {subject}, this year so far", subject, this_year)
    print(json.dumps({"rows": rows, "rolled_days": written["days"], "rolled_seconds": rolled_seconds}))


if __name__ == "__main__":
    sys.exit(main())
