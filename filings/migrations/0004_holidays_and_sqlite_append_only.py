"""Seed the holiday table from chinese-calendar's data (filings/data/holidays.csv), and make
filing events append-only on SQLite too (PostgreSQL gets a pgtrigger in 0003)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "holidays.csv"

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS filing_event_no_update BEFORE UPDATE ON filings_filingevent
       BEGIN SELECT RAISE(ABORT, 'filing events are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS filing_event_no_delete BEFORE DELETE ON filings_filingevent
       BEGIN SELECT RAISE(ABORT, 'filing events are append-only'); END""",
]


def load_holidays(apps, schema_editor):
    Holiday = apps.get_model("filings", "Holiday")
    with open(DATA, encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    existing = set(Holiday.objects.values_list("date", flat=True))
    Holiday.objects.bulk_create(
        [Holiday(date=r["date"], kind=r["kind"], name=r["name"]) for r in rows if r["date"] not in existing]
    )


def sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS filing_event_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS filing_event_no_delete")


class Migration(migrations.Migration):
    dependencies = [("filings", "0003_filings")]
    operations = [
        migrations.RunPython(load_holidays, migrations.RunPython.noop),
        migrations.RunPython(sqlite_triggers, drop_sqlite_triggers),
    ]
