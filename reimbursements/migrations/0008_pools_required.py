import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every benefit row names its pool, and every invoice its identity, once 0007 filled them in."""

    dependencies = [
        ("reimbursements", "0007_pools_and_invoice_identity"),
    ]

    operations = [
        migrations.AlterField(
            model_name="benefitpolicy",
            name="pool",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="benefits",
                to="reimbursements.benefitpool",
                verbose_name="annual pool",
            ),
        ),
        migrations.AlterField(
            model_name="claiminvoice",
            name="identity",
            field=models.CharField(
                help_text="The code and number normalised: how a bill is compared.",
                max_length=120,
                verbose_name="invoice identity",
            ),
        ),
    ]
