"""The daily aggregates of the statistics (``stats.models``), rolled up from the event tables.

``refresh(since, until)`` counts each day of the range again, in one transaction: the day's rows are
replaced whole and the day is marked rolled up (``RolledDay``), so a reader sees a day either as it was
or as it is now, never half (a long range goes a month per transaction, its memory bounded by a month's
rows). It is idempotent: run twice, it writes the same rows.

Freshness: the nightly job (``stats.refresh_statistics``, 00:40 Asia/Shanghai) rolls up the last
``STATS_REFRESH_DAYS`` days (62 by default) up to yesterday; today is always counted from the events.
Events are written at the moment they happen, so a closed day gains no new ones; what can still move is
the record an event belongs to (a claim's basis is derived again at approval), and those days are
counted again every night for two months. A longer history is rolled up once by hand:
``manage.py refresh_statistics --since 2024-01-01``.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from stats import selectors
from stats.models import ClaimDay, DecisionDay, EligibilityDay, FilingDay, RolledDay
from stats.periods import midnight

log = logging.getLogger(__name__)
BATCH = 2000


def _day_rows(spec, start: datetime.datetime, end: datetime.datetime) -> list:
    """The subject's aggregates of its events between two instants, by local day, for the total (grouping "",
    key "") and for each grouping by its key, as unsaved rows of the subject's day table: one query each."""
    day = TruncDate("at", tzinfo=timezone.get_current_timezone())
    aggregates = spec.aggregates()
    named = {f"figure_{code}": aggregate for code, aggregate in aggregates.items()}  # ``covered`` is a field too
    built = []
    for grouping, expression in [("", Value("")), *((code, group[1]) for code, group in spec.groups.items())]:
        rows = spec.events(start, end).annotate(stats_day=day, stats_key=expression)
        for row in rows.values("stats_day", "stats_key").annotate(**named).order_by():
            values = {code: row[f"figure_{code}"] or 0 for code in aggregates}
            built.append(spec.day_model(day=row["stats_day"], grouping=grouping, key=row["stats_key"], **values))
    return built


# A long range is counted a month at a time, each in its own transaction: memory stays bounded by a month's rows.
CHUNK_DAYS = 31


def refresh(since: datetime.date, until: datetime.date) -> dict[str, int]:
    """Count the days from ``since`` to ``until`` (inclusive) again into the daily aggregates; the rows
    written, by table."""
    written: dict[str, int] = {}
    while since <= until:
        last = min(until, since + datetime.timedelta(days=CHUNK_DAYS - 1))
        for name, count in _refresh_chunk(since, last).items():
            written[name] = written.get(name, 0) + count
        since = last + datetime.timedelta(days=1)
    return written


def _refresh_chunk(since: datetime.date, until: datetime.date) -> dict[str, int]:
    start, end = midnight(since), midnight(until + datetime.timedelta(days=1))
    tables = {name: _day_rows(selectors.SUBJECTS[name], start, end) for name in ("filings", "claims", "eligibility")}
    decided = [DecisionDay(day=timezone.localdate(fact.pop("at")), **fact) for fact in selectors.decisions(start, end)]
    days = [since + datetime.timedelta(days=n) for n in range((until - since).days + 1)]
    now = timezone.now()
    writes = [(FilingDay, tables["filings"]), (ClaimDay, tables["claims"]), (EligibilityDay, tables["eligibility"])]
    with transaction.atomic():
        for model, rows in [*writes, (DecisionDay, decided)]:
            model.objects.filter(day__gte=since, day__lte=until).delete()
            model.objects.bulk_create(rows, batch_size=BATCH)
        RolledDay.objects.filter(day__gte=since, day__lte=until).delete()
        RolledDay.objects.bulk_create([RolledDay(day=day, rolled_at=now) for day in days], batch_size=BATCH)
    written = {"days": len(days), **{name: len(rows) for name, rows in tables.items()}, "decisions": len(decided)}
    log.info("statistics rolled up from %s to %s: %s", since, until, written)
    return written


def refresh_recent(today: datetime.date | None = None) -> dict[str, int]:
    """The nightly job: the last ``STATS_REFRESH_DAYS`` days up to yesterday."""
    today = today or timezone.localdate()
    days = settings.STATS_REFRESH_DAYS
    return refresh(today - datetime.timedelta(days=days), today - datetime.timedelta(days=1))
