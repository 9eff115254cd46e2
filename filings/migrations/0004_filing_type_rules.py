"""Seed who each filing type is for (SPEC §3.2): stationed workers are employees posted by an
employer (its unified social credit code recorded); resettled retirees are retired."""

import datetime

from django.db import migrations

SINCE = datetime.date(2000, 1, 1)
RULES = [
    # filing type, insurance type ("" any), requires retired, requires employer
    ("stationed_worker", "employee", False, True),
    ("retiree_resettled", "", True, False),
]


def seed(apps, schema_editor):
    FilingTypeRule = apps.get_model("filings", "FilingTypeRule")
    for filing_type, insurance_type, retired, employer in RULES:
        FilingTypeRule.objects.get_or_create(
            filing_type=filing_type,
            effective_from=SINCE,
            defaults={"insurance_type": insurance_type, "requires_retired": retired, "requires_employer": employer},
        )


class Migration(migrations.Migration):
    dependencies = [("filings", "0003_time_rules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
