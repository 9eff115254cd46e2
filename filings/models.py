"""Reference data, insured persons and filing policy tables (filings themselves follow)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.models import EffectivePeriod, Versioned
from filings.choices import (
    INSURANCE_TYPE_NATIONAL_CODE,
    VISIT_SETTLEMENT_FIELD,
    FilingType,
    InstitutionLevel,
    InsuranceType,
    InsuredStatus,
    RegionLevel,
)
from filings.validators import validate_id_number, validate_institution_code, validate_phone

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

    @property
    def province_code(self) -> str:
        return self.code if self.level == RegionLevel.PROVINCE else self.parent_id


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

    history = HistoricalRecords(excluded_fields=["updated_at"])

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


class FilingMaterialRequirement(EffectivePeriod):
    """One material a filing type needs (policy data, SPEC §3.2)."""

    filing_type = models.CharField(_("filing type"), max_length=24, choices=FilingType.choices, db_index=True)
    item = models.SlugField(_("item code"), max_length=48)
    name = models.CharField(_("name"), max_length=100)
    required = models.BooleanField(_("required"), default=True)
    commitment_may_replace = models.BooleanField(
        _("a commitment letter may replace it"),
        default=False,
        help_text=_("A personal commitment letter (个人承诺书) stands in for this document until it is due."),
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("filing material requirement")
        verbose_name_plural = _("filing material requirements")
        ordering = ["filing_type", "sort_order", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["filing_type", "item", "effective_from"], name="filing_requirement_unique_per_period"
            ),
            EffectivePeriod.period_constraint("filing_requirement_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_filing_type_display()}: {self.name}"


class InProvinceFilingCity(EffectivePeriod):
    """A city of the insured province where treatment still needs a filing (policy data, SPEC §3.3)."""

    city = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("city"),
        limit_choices_to={"level": RegionLevel.CITY},
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("in-province city requiring a filing")
        verbose_name_plural = _("in-province cities requiring a filing")
        ordering = ["city_id", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["city", "effective_from"], name="in_province_city_unique_per_period"),
            EffectivePeriod.period_constraint("in_province_city_period_valid"),
        ]

    def __str__(self) -> str:
        return str(self.city)


class FilingPolicy(EffectivePeriod):
    """The bureau's numbers for filings (policy data): validity, holding period, review time."""

    temporary_validity_months = models.PositiveSmallIntegerField(
        _("validity of temporary filings (months)"),
        default=6,
        help_text=_("Default and minimum period of referral and other temporary filings."),
    )
    long_term_min_holding_months = models.PositiveSmallIntegerField(
        _("minimum holding period of long-term filings (months)"),
        default=0,
        help_text=_("0 means a long-term filing may be changed or revoked at any time; the national ceiling is 6."),
    )
    fast_track_review_working_days = models.PositiveSmallIntegerField(
        _("fast-track review time (working days)"), default=3
    )
    commitment_due_months = models.PositiveSmallIntegerField(
        _("documents promised by a commitment letter are due after (months)"), default=6
    )

    class Meta:
        verbose_name = _("filing policy")
        verbose_name_plural = _("filing policies")
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["effective_from"], name="filing_policy_unique_start"),
            models.CheckConstraint(
                condition=models.Q(long_term_min_holding_months__lte=6),
                name="filing_policy_holding_within_national_ceiling",
            ),
            models.CheckConstraint(
                condition=models.Q(temporary_validity_months__gte=6), name="filing_policy_temporary_validity_at_least_6"
            ),
            EffectivePeriod.period_constraint("filing_policy_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from} – {self.effective_to or '…'}"
