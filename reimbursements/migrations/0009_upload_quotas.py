"""Upload quotas (policy data, sample values on every row) and the count of files uploaded per checklist item.

An upload has always replaced the item's file in place, the older file staying in storage and named by
the item's history; ``files_uploaded`` counts them. Existing items are counted from that history.
"""

import django.core.validators
from django.db import migrations, models
from django.db.models import Count


def count_uploads(apps, schema_editor):
    Material = apps.get_model("reimbursements", "ClaimMaterial")
    History = apps.get_model("reimbursements", "HistoricalClaimMaterial")
    files = (
        History.objects.exclude(file="")
        .exclude(file__isnull=True)
        .values("id")
        .annotate(n=Count("file", distinct=True))
        .order_by()
    )
    counted = {row["id"]: row["n"] for row in files.iterator()}
    for material in Material.objects.exclude(file="").only("id").iterator():
        Material.objects.filter(pk=material.pk).update(files_uploaded=max(counted.get(material.pk, 0), 1))


class Migration(migrations.Migration):
    dependencies = [("reimbursements", "0008_pools_required")]

    operations = [
        migrations.AddField(
            model_name="claimmaterial",
            name="files_uploaded",
            field=models.PositiveSmallIntegerField(
                db_default=0, default=0, help_text="Replaced files included.", verbose_name="files uploaded"
            ),
        ),
        migrations.AddField(
            model_name="historicalclaimmaterial",
            name="files_uploaded",
            field=models.PositiveSmallIntegerField(
                db_default=0, default=0, help_text="Replaced files included.", verbose_name="files uploaded"
            ),
        ),
        migrations.AddField(
            model_name="claimpolicy",
            name="max_files_per_item",
            field=models.PositiveSmallIntegerField(
                default=5,
                help_text="Replaced files are kept as evidence and count too; one more upload is refused.",
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="files per checklist item at most",
            ),
        ),
        migrations.AddField(
            model_name="claimpolicy",
            name="max_record_upload_kb",
            field=models.PositiveIntegerField(
                default=51200,
                help_text="Only each item's current file counts, not the ones it replaced. 51200 KB is 50 MB.",
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="total size of a record's current files at most (KB)",
            ),
        ),
        migrations.RunPython(count_uploads, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="claimpolicy",
            constraint=models.CheckConstraint(
                condition=models.Q(("max_files_per_item__gte", 1), ("max_record_upload_kb__gte", 1)),
                name="claim_policy_upload_quotas_positive",
                violation_error_message="The upload quotas allow at least one file.",
            ),
        ),
    ]
