"""Seed the chronic/special outpatient disease catalogue (门诊慢特病, SPEC §4.1, §9) and give every
person loaded before insured periods existed an open period from an unknown past, as they were held."""

from django.db import migrations

# code, name, settled directly across provinces. The first five are the seeds' directly settled
# diseases; the others are SAMPLE rows of the catalogue, claimed manually across provinces.
DISEASES = [
    ("hypertension", "高血压", True),
    ("diabetes", "糖尿病", True),
    ("cancer_outpatient_therapy", "恶性肿瘤门诊放化疗", True),
    ("uremia_dialysis", "尿毒症透析", True),
    ("transplant_anti_rejection", "器官移植术后抗排异治疗", True),
    ("chronic_heart_failure", "慢性心力衰竭（示例）", False),
    ("parkinsons", "帕金森病（示例）", False),
    ("lupus", "系统性红斑狼疮（示例）", False),
]


def seed(apps, schema_editor):
    ChronicDisease = apps.get_model("registry", "ChronicDisease")
    Person = apps.get_model("registry", "Person")
    InsuredPeriod = apps.get_model("registry", "InsuredPeriod")
    for code, name, direct in DISEASES:
        ChronicDisease.objects.get_or_create(code=code, defaults={"name": name, "settled_directly": direct})
    without = Person.objects.exclude(insured_status="terminated").filter(insured_periods__isnull=True)
    InsuredPeriod.objects.bulk_create(
        InsuredPeriod(
            person_id=person.pk,
            starts_on=None,
            insurance_type=person.insurance_type,
            insured_region_id=person.insured_region_id,
            status="active" if person.insured_status == "active" else "suspended",
        )
        for person in without.iterator()
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_insured_periods_and_chronic_diseases")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
