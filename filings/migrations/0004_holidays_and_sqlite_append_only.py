"""Seed the holiday table from chinese-calendar's data (filings/data/holidays.csv), and make
filing events append-only on SQLite too (PostgreSQL gets a pgtrigger in 0003)."""

import csv
from pathlib import Path

from django.db import migrations

from config.migration_ops import append_only_on_sqlite

DATA = Path(__file__).resolve().parent.parent / "data" / "holidays.csv"


def load_holidays(apps, schema_editor):
    Holiday = apps.get_model("filings", "Holiday")
    with open(DATA, encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    existing = set(Holiday.objects.values_list("date", flat=True))
    Holiday.objects.bulk_create(
        [Holiday(date=r["date"], kind=r["kind"], name=r["name"]) for r in rows if r["date"] not in existing]
    )


class Migration(migrations.Migration):
    dependencies = [("filings", "0003_filings")]
    operations = [
        migrations.RunPython(load_holidays, migrations.RunPython.noop),
        append_only_on_sqlite("filings_filingevent"),
    ]
