"""Seed the claim checklists (SPEC §4.2), SAMPLE benefit values and the claim policy; claim events
become append-only on SQLite too (PostgreSQL gets a pgtrigger in 0001)."""

import datetime
from decimal import Decimal
from importlib import import_module

from django.db import migrations

from config.migration_ops import append_only_on_sqlite

SINCE = datetime.date(2000, 1, 1)

INPATIENT = [
    ("hospital_invoice", "医院票据原件", True, True),
    ("expense_list", "费用清单", True, False),
    ("discharge_summary", "出院小结", True, False),
    ("id_copy", "身份证或社会保障卡复印件", True, False),
]
OUTPATIENT = [
    ("outpatient_invoice", "门诊票据原件", True, True),
    ("expense_list", "费用清单", True, False),
    ("prescription", "处方底方", True, False),
    ("medical_record_copy", "病历复印件", True, False),
]
# Each kind's own rows hold what it adds; the checklist of a claim takes the rows of the kinds
# reimbursements.choices.CHECKLIST_KINDS names (an emergency: its setting's, then its own).
REQUIREMENTS = {
    "inpatient": INPATIENT,
    "outpatient": OUTPATIENT,
    "emergency": [("rescue_record", "抢救记录（急诊诊断或急救记录）", True, False)],
    "referral": [("referral_certificate", "转诊建议书或转院证明", True, False)],
    "chronic_outpatient": [
        ("test_reports", "检查检验报告", True, False),
        ("disease_qualification", "门诊慢特病资格证明", True, False),
    ],
    "injury": [("injury_liability_proof", "交通事故责任认定书、法院判决书或无第三方责任承诺书", True, False)],
}

# SAMPLE values for demonstration, not the bureau's official figures:
# (insurance type, visit kind, institution level) -> (deductible, ratio, annual cap).
SAMPLE_BENEFITS = {
    ("employee", "inpatient", 1): ("300.00", "0.9000", "400000.00"),
    ("employee", "inpatient", 2): ("600.00", "0.8700", "400000.00"),
    ("employee", "inpatient", 3): ("1000.00", "0.8500", "400000.00"),
    ("resident", "inpatient", 1): ("200.00", "0.8000", "200000.00"),
    ("resident", "inpatient", 2): ("500.00", "0.7000", "200000.00"),
    ("resident", "inpatient", 3): ("800.00", "0.6000", "200000.00"),
    ("employee", "outpatient", 1): ("100.00", "0.7000", "6000.00"),
    ("employee", "outpatient", 2): ("100.00", "0.6500", "6000.00"),
    ("employee", "outpatient", 3): ("100.00", "0.6000", "6000.00"),
    ("resident", "outpatient", 1): ("50.00", "0.6000", "2000.00"),
    ("resident", "outpatient", 2): ("50.00", "0.5500", "2000.00"),
    ("resident", "outpatient", 3): ("50.00", "0.5000", "2000.00"),
    ("employee", "chronic_outpatient", 1): ("0.00", "0.8500", "20000.00"),
    ("employee", "chronic_outpatient", 2): ("0.00", "0.8000", "20000.00"),
    ("employee", "chronic_outpatient", 3): ("0.00", "0.7500", "20000.00"),
    ("resident", "chronic_outpatient", 1): ("0.00", "0.7000", "10000.00"),
    ("resident", "chronic_outpatient", 2): ("0.00", "0.6500", "10000.00"),
    ("resident", "chronic_outpatient", 3): ("0.00", "0.6000", "10000.00"),
}


def load(apps, schema_editor):
    Requirement = apps.get_model("reimbursements", "ClaimMaterialRequirement")
    Benefit = apps.get_model("reimbursements", "BenefitPolicy")
    ClaimPolicy = apps.get_model("reimbursements", "ClaimPolicy")
    for kind, items in REQUIREMENTS.items():
        for order, (item, name, required, original) in enumerate(items):
            Requirement.objects.get_or_create(
                claim_kind=kind, item=item, effective_from=SINCE,
                defaults={"name": name, "required": required, "original": original, "sort_order": order},
            )
    # Run again on today's models (tests/reference_data.py after a flush), a benefit row names its pool.
    pools = None
    if any(f.name == "pool" for f in Benefit._meta.fields):
        later = import_module("reimbursements.migrations.0007_pools_and_invoice_identity")
        later.create_pools(apps)
        pools = later.POOL_OF_VISIT
    for (insurance_type, visit_kind, level), (deductible, ratio, cap) in SAMPLE_BENEFITS.items():
        defaults = {"deductible": Decimal(deductible), "ratio": Decimal(ratio), "annual_cap": Decimal(cap),
                    "is_sample": True}
        if pools is not None:
            defaults["pool_id"] = pools[visit_kind]
        Benefit.objects.get_or_create(
            insurance_type=insurance_type, visit_kind=visit_kind, institution_level=level, effective_from=SINCE,
            defaults=defaults,
        )
    ClaimPolicy.objects.get_or_create(effective_from=SINCE)


class Migration(migrations.Migration):
    dependencies = [("reimbursements", "0001_initial")]
    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        append_only_on_sqlite("reimbursements_claimevent"),
    ]
