"""Upload quotas (policy data, sample values on every row) and replaced files: one current file per item.

Until now every upload of an item was a row of its own and all of them counted; from here an upload
replaces the item's current file (the older one is kept, marked ``superseded_at``). Existing rows are
marked so: each item's latest file stays current, each older one replaced when the next one came.
"""

from itertools import pairwise

import django.core.validators
from django.db import migrations, models
from django.db.models import Count


def mark_replaced(apps, schema_editor):
    Material = apps.get_model("filings", "FilingMaterial")
    repeated = Material.objects.values("filing_id", "item").annotate(n=Count("id")).filter(n__gt=1).order_by()
    for group in repeated.iterator():
        rows = list(
            Material.objects.filter(filing_id=group["filing_id"], item=group["item"]).order_by("uploaded_at", "id")
        )
        for older, newer in pairwise(rows):
            older.superseded_at = newer.uploaded_at
            older.save(update_fields=["superseded_at"])


class Migration(migrations.Migration):
    dependencies = [("filings", "0008_list_indexes")]

    operations = [
        migrations.AddField(
            model_name="filingmaterial",
            name="superseded_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When a newer file of the item replaced this one: kept as evidence, no longer current.",
                null=True,
                verbose_name="replaced at",
            ),
        ),
        migrations.AddField(
            model_name="filingpolicy",
            name="max_files_per_item",
            field=models.PositiveSmallIntegerField(
                default=5,
                help_text="Replaced files are kept as evidence and count too; one more upload is refused.",
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="files per checklist item at most",
            ),
        ),
        migrations.AddField(
            model_name="filingpolicy",
            name="max_record_upload_kb",
            field=models.PositiveIntegerField(
                default=51200,
                help_text="Only each item's current file counts, not the ones it replaced. 51200 KB is 50 MB.",
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="total size of a record's current files at most (KB)",
            ),
        ),
        migrations.RunPython(mark_replaced, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="filingmaterial",
            constraint=models.UniqueConstraint(
                condition=models.Q(("superseded_at__isnull", True)),
                fields=("filing", "item"),
                name="filing_material_one_current_per_item",
                violation_error_message="An item has one current file: a new upload replaces it.",
            ),
        ),
        migrations.AddConstraint(
            model_name="filingpolicy",
            constraint=models.CheckConstraint(
                condition=models.Q(("max_files_per_item__gte", 1), ("max_record_upload_kb__gte", 1)),
                name="filing_policy_upload_quotas_positive",
                violation_error_message="The upload quotas allow at least one file.",
            ),
        ),
    ]
