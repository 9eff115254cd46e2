# createsuperuser validates passwords (accounts.models.StaffUserManager); no change to the tables.

import accounts.models
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_staff_token'),
    ]

    operations = [
        migrations.AlterModelManagers(
            name='user',
            managers=[
                ('objects', accounts.models.StaffUserManager()),
            ],
        ),
    ]
