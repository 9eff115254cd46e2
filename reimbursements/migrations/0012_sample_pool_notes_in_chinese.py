"""The sample pools' notes, shipped in English by 0007, in the bureau's words (a note already edited stays)."""

from django.db import migrations

NOTES = {
    "fund": ("Inpatient care.", "住院医疗费用。"),
    "chronic": ("Chronic/special outpatient care.", "门诊慢特病医疗费用。"),
    "outpatient": ("Ordinary outpatient care.", "普通门诊医疗费用。"),
}


def notes_in_chinese(apps, schema_editor):
    Pool = apps.get_model("reimbursements", "BenefitPool")
    for code, (shipped, chinese) in NOTES.items():
        Pool.objects.filter(code=code, note=shipped).update(note=chinese)


def notes_as_shipped(apps, schema_editor):
    Pool = apps.get_model("reimbursements", "BenefitPool")
    for code, (shipped, chinese) in NOTES.items():
        Pool.objects.filter(code=code, note=chinese).update(note=shipped)


class Migration(migrations.Migration):
    dependencies = [("reimbursements", "0011_claim_city_is_a_city")]

    operations = [migrations.RunPython(notes_in_chinese, notes_as_shipped)]
