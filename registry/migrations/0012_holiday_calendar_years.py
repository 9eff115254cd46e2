"""Holiday dates from 1900 to 2100 (the validators and a check), and the years whose calendar is published.

Every year that already has rows in the holiday table is marked published: until now the table was
the whole calendar of such a year (chinese-calendar's 2020-2026, and any year staff have entered), so
its due dates do not move. A later year is counted by the statutory rule until staff mark it.
"""

import datetime

import django.core.validators
import django.utils.timezone
from django.db import migrations, models


def mark_years_with_rows_published(apps, schema_editor):
    Holiday = apps.get_model("registry", "Holiday")
    HolidayYear = apps.get_model("registry", "HolidayYear")
    years = {day.year for day in Holiday.objects.values_list("date", flat=True)}
    existing = set(HolidayYear.objects.values_list("year", flat=True))
    HolidayYear.objects.bulk_create([HolidayYear(year=year) for year in sorted(years - existing)])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_reveal_record"),
    ]

    operations = [
        migrations.CreateModel(
            name="HolidayYear",
            fields=[
                (
                    "year",
                    models.PositiveSmallIntegerField(
                        primary_key=True,
                        serialize=False,
                        validators=[
                            django.core.validators.MinValueValidator(1900, "Enter a year from 1900 to 2100."),
                            django.core.validators.MaxValueValidator(2100, "Enter a year from 1900 to 2100."),
                        ],
                        verbose_name="year",
                    ),
                ),
                (
                    "notice",
                    models.CharField(
                        blank=True,
                        help_text="The notice the calendar comes from, e.g. 国办发明电〔2025〕7号.",
                        max_length=100,
                        verbose_name="State Council notice",
                    ),
                ),
                (
                    "recorded_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="recorded at"
                    ),
                ),
            ],
            options={
                "verbose_name": "published holiday calendar",
                "verbose_name_plural": "published holiday calendars",
                "ordering": ["-year"],
            },
        ),
        migrations.AlterField(
            model_name="holiday",
            name="date",
            field=models.DateField(
                primary_key=True,
                serialize=False,
                validators=[
                    django.core.validators.MinValueValidator(
                        datetime.date(1900, 1, 1), "Enter a date from 1900 to 2100."
                    ),
                    django.core.validators.MaxValueValidator(
                        datetime.date(2100, 12, 31), "Enter a date from 1900 to 2100."
                    ),
                ],
                verbose_name="date",
            ),
        ),
        migrations.AddConstraint(
            model_name="holiday",
            constraint=models.CheckConstraint(
                condition=models.Q(("date__gte", datetime.date(1900, 1, 1)), ("date__lte", datetime.date(2100, 12, 31))),
                name="holiday_date_1900_to_2100",
                violation_error_message="Enter a date from 1900 to 2100.",
            ),
        ),
        migrations.AddConstraint(
            model_name="holidayyear",
            constraint=models.CheckConstraint(
                condition=models.Q(("year__gte", 1900), ("year__lte", 2100)),
                name="holiday_year_1900_to_2100",
                violation_error_message="Enter a year from 1900 to 2100.",
            ),
        ),
        migrations.RunPython(mark_years_with_rows_published, migrations.RunPython.noop),
    ]
