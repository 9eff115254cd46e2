"""What both domains share: regions, designated institutions, insured persons, holidays, reference serials."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.models import Versioned, history_user
from registry.choices import (
    INSURANCE_TYPE_NATIONAL_CODE,
    VISIT_SETTLEMENT_FIELD,
    HolidayKind,
    InstitutionLevel,
    InsuranceType,
    InsuredStatus,
    RegionLevel,
)
from registry.validators import validate_id_number, validate_institution_code, validate_phone

region_code_validator = RegexValidator(r"^\d{6}$", _("A region code has 6 digits (GB/T 2260)."))


class Region(models.Model):
    """A province or a prefecture-level city (行政区划), keyed by its GB/T 2260 code."""

    code = models.CharField(_("code"), max_length=6, primary_key=True, validators=[region_code_validator])
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=8, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("province")
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level=RegionLevel.PROVINCE, parent__isnull=True)
                | models.Q(level=RegionLevel.CITY, parent__isnull=False),
                name="region_city_has_province",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


def default_insured_region() -> str:
    return settings.INSURED_REGION_CODE


class Institution(models.Model):
    """A designated medical institution (定点医疗机构) and what it settles directly across provinces."""

    code = models.CharField(_("national code"), max_length=12, primary_key=True, validators=[validate_institution_code])
    name = models.CharField(_("name"), max_length=100, db_index=True)
    city = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="institutions",
        verbose_name=_("city"),
        limit_choices_to={"level": RegionLevel.CITY},
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=InstitutionLevel.choices)
    settles_inpatient = models.BooleanField(_("direct settlement: inpatient"), default=False)
    settles_outpatient = models.BooleanField(_("direct settlement: outpatient"), default=False)
    settles_chronic_outpatient = models.BooleanField(_("direct settlement: chronic/special outpatient"), default=False)

    class Meta:
        verbose_name = _("designated institution")
        verbose_name_plural = _("designated institutions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=[1, 2, 3]), name="institution_level_1_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def settles(self, visit: str) -> bool:
        """Whether this institution settles the given visit kind directly (emergency as inpatient)."""
        return getattr(self, VISIT_SETTLEMENT_FIELD[visit])


class Person(Versioned):
    """An insured person of this bureau (参保人)."""

    id_number = models.CharField(_("ID number"), max_length=18, unique=True, validators=[validate_id_number])
    name = models.CharField(_("name"), max_length=50, db_index=True)
    insurance_type = models.CharField(_("insurance type"), max_length=16, choices=InsuranceType.choices)
    social_security_card = models.CharField(_("social security card number"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    insured_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        default=default_insured_region,
        verbose_name=_("insured region"),
    )
    insured_status = models.CharField(
        _("insured status"), max_length=16, choices=InsuredStatus.choices, default=InsuredStatus.ACTIVE, db_index=True
    )

    # The acting staff user is kept as a plain id, so the registry's tables need no key into accounts.
    history = HistoricalRecords(
        excluded_fields=["updated_at"],
        get_user=history_user,
        history_user_id_field=models.BigIntegerField(null=True, blank=True, db_index=True),
    )

    class Meta:
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(insurance_type__in=InsuranceType.values), name="person_insurance_type_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(insured_status__in=InsuredStatus.values), name="person_insured_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_id_number})"

    @property
    def masked_id_number(self) -> str:
        return self.id_number[:6] + "********" + self.id_number[-4:] if len(self.id_number) == 18 else "***"

    @property
    def national_insurance_code(self) -> str:
        return INSURANCE_TYPE_NATIONAL_CODE[self.insurance_type]

    @property
    def is_actively_insured(self) -> bool:
        return self.insured_status == InsuredStatus.ACTIVE


class Holiday(models.Model):
    """A public holiday or a make-up workday (调休) of the State Council's calendar (policy data).

    Seeded from chinese-calendar; staff add each new year when the State Council publishes it.
    """

    date = models.DateField(_("date"), primary_key=True)
    kind = models.CharField(_("kind"), max_length=8, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("holiday or make-up workday")
        verbose_name_plural = _("holidays and make-up workdays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ReferenceSequence(models.Model):
    """The last serial handed out for a reference prefix and day (BA20261123000001)."""

    prefix = models.CharField(max_length=4)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="reference_sequence_unique_day")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day:%Y%m%d}: {self.last}"
