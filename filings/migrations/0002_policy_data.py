"""Seed the filing policy tables (SPEC §3.2, §3.3) and make filing events append-only on SQLite too
(PostgreSQL gets a pgtrigger in 0001)."""

import datetime

from django.db import migrations

from config.migration_ops import append_only_on_sqlite

SINCE = datetime.date(2000, 1, 1)

# SPEC §3.2: materials per filing type besides identity (医保电子凭证, ID card or social security card).
FILING_REQUIREMENTS = [
    # filing_type, item, name, required, commitment_may_replace
    ("retiree_resettled", "registration_form", "异地就医备案登记表", True, False),
    ("retiree_resettled", "household_proof", "异地安置地户籍证明", True, True),
    ("long_term_resident", "registration_form", "异地就医备案登记表", True, False),
    ("long_term_resident", "residence_proof", "居住证明（居住证、户口簿等）", True, True),
    ("stationed_worker", "registration_form", "异地就医备案登记表", True, False),
    ("stationed_worker", "work_proof", "工作单位证明（派出证明、异地工作证明或劳动合同）", True, True),
    ("referral", "referral_recommendation", "转诊建议书（转诊转院证明）", True, False),
    ("emergency", "rescue_record", "抢救记录（报销时提供）", False, False),
    ("other_temporary", "application_form", "异地就医备案申请表", True, False),
]
IN_PROVINCE_FILING_CITIES = [
    ("350400", "三明：省内就医仍需备案"),
    ("350600", "漳州：省内就医仍需备案"),
    ("350700", "南平：省内就医仍需备案"),
]



def load(apps, schema_editor):
    Requirement = apps.get_model("filings", "FilingMaterialRequirement")
    InProvinceCity = apps.get_model("filings", "InProvinceFilingCity")
    FilingPolicy = apps.get_model("filings", "FilingPolicy")

    for order, (filing_type, item, name, required, replaceable) in enumerate(FILING_REQUIREMENTS):
        Requirement.objects.get_or_create(
            filing_type=filing_type, item=item, effective_from=SINCE,
            defaults={"name": name, "required": required, "commitment_may_replace": replaceable,
                      "sort_order": order},
        )
    for code, note in IN_PROVINCE_FILING_CITIES:
        InProvinceCity.objects.get_or_create(city_id=code, effective_from=SINCE, defaults={"note": note})
    FilingPolicy.objects.get_or_create(
        effective_from=SINCE,
        defaults={"temporary_validity_months": 6, "long_term_min_holding_months": 0,
                  "fast_track_review_working_days": 3, "commitment_due_months": 6},
    )


class Migration(migrations.Migration):
    dependencies = [("filings", "0001_initial"), ("registry", "0002_reference_data")]
    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        append_only_on_sqlite("filings_filingevent"),
    ]
