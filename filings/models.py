"""Reference data, insured persons, filing policy tables, filings and their append-only events."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import StateEvent
from config.models import EffectivePeriod, Versioned, history_user
from filings.choices import (
    FILING_CATEGORY,
    INSURANCE_TYPE_NATIONAL_CODE,
    LIVE_STATES,
    VISIT_SETTLEMENT_FIELD,
    FilingAction,
    FilingCategory,
    FilingMode,
    FilingState,
    FilingType,
    HolidayKind,
    InstitutionLevel,
    InsuranceType,
    InsuredStatus,
    ProofBasis,
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

    history = HistoricalRecords(excluded_fields=["updated_at"], get_user=history_user)

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


class Filing(Versioned):
    """A cross-region treatment filing (异地就医备案): who may settle treatment where, and when."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="filings", verbose_name=_("person"))
    filing_type = models.CharField(_("filing type"), max_length=24, choices=FilingType.choices)
    category = models.CharField(_("category"), max_length=16, choices=FilingCategory.choices, editable=False)
    destination = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Empty for open-ended long-term filings.")
    )
    mode = models.CharField(_("mode"), max_length=16, choices=FilingMode.choices, default=FilingMode.SELF_SERVICE)
    proof_basis = models.CharField(
        _("proof basis"), max_length=16, choices=ProofBasis.choices, default=ProofBasis.DOCUMENTS
    )
    commitment_due_date = models.DateField(_("documents due (commitment)"), null=True, blank=True)
    commitment_fulfilled_at = models.DateTimeField(_("promised documents received at"), null=True, blank=True)

    contact_name = models.CharField(_("contact name"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    consent = models.BooleanField(_("signed consent"), default=False)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)

    proxy_name = models.CharField(_("proxy name"), max_length=50, blank=True)
    proxy_id_number = models.CharField(_("proxy ID number"), max_length=18, blank=True)
    proxy_authorization = models.BooleanField(_("power of attorney received (授权委托书)"), default=False)

    referring_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referring institution"),
    )
    referral_diagnosis = models.CharField(_("diagnosis"), max_length=200, blank=True)
    referral_date = models.DateField(_("referral date"), null=True, blank=True)
    referral_reason = models.CharField(_("referral reason"), max_length=500, blank=True)
    referral_opinion = models.CharField(_("referral opinion"), max_length=500, blank=True)
    institutions = models.ManyToManyField(
        Institution, blank=True, related_name="designated_filings", verbose_name=_("designated institutions")
    )

    channel = models.ForeignKey(
        "accounts.Channel", on_delete=models.PROTECT, related_name="filings", verbose_name=_("channel")
    )
    state = models.CharField(_("state"), max_length=16, choices=FilingState.choices, db_index=True)
    review_due = models.DateField(_("review due"), null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    effective_at = models.DateTimeField(_("effective at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    covered_until = models.DateField(
        _("covered until"),
        null=True,
        blank=True,
        help_text=_("For an ended filing: the last day it still covered treatment."),
    )
    end_reason = models.CharField(_("reason"), max_length=500, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces")
    )

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state__in=LIVE_STATES),
                name="one_live_filing_per_person",
                violation_error_message=_("This person already has a live filing."),
            ),
            models.CheckConstraint(condition=Q(state__in=FilingState.values), name="filing_state_valid"),
            models.CheckConstraint(condition=Q(filing_type__in=FilingType.values), name="filing_type_valid"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="filing_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=~Q(state=FilingState.REJECTED) | ~Q(end_reason=""), name="filing_rejection_has_reason"
            ),
            models.CheckConstraint(condition=Q(consent=True), name="filing_has_consent"),
        ]
        indexes = [
            models.Index(fields=["person", "state"], name="filing_person_state"),
            # Staff and auditors list by destination and state, newest first.
            models.Index(fields=["destination", "state", "-submitted_at"], name="filing_destination_state"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs):
        self.category = FILING_CATEGORY[self.filing_type]
        super().save(*args, **kwargs)

    @staticmethod
    def covering(day, prefix: str = "") -> Q:
        """Filings that cover treatment on ``day``: in their dates, and effective or ended after it.

        ``prefix`` reaches filings through a relation (``"filings__"`` from a person).
        """
        return (
            Q(**{f"{prefix}start_date__lte": day})
            & (Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day}))
            & (Q(**{f"{prefix}state": FilingState.EFFECTIVE}) | Q(**{f"{prefix}covered_until__gte": day}))
        )

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def is_overdue(self) -> bool:
        return self.state == FilingState.SUBMITTED and bool(self.review_due) and self.review_due < timezone.localdate()


class FilingReviewQueue(Filing):
    """The reviewers' queue in the admin: filings awaiting a decision, ordered by due date."""

    class Meta:
        proxy = True
        verbose_name = _("filing awaiting review")
        verbose_name_plural = _("review queue (fast-track filings)")


class FilingMaterial(models.Model):
    """A document uploaded for a filing (stored through Django's storage API)."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="materials", verbose_name=_("filing"))
    item = models.SlugField(_("item code"), max_length=48)
    file = models.FileField(_("file"), upload_to="filings/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    channel = models.ForeignKey(
        "accounts.Channel", on_delete=models.PROTECT, related_name="+", verbose_name=_("channel")
    )

    class Meta:
        verbose_name = _("filing material")
        verbose_name_plural = _("filing materials")
        ordering = ["filing", "item", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filing_id}:{self.item}"


class FilingEvent(StateEvent):
    """One change of a filing's state (append-only)."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="events", verbose_name=_("filing"))
    action = models.CharField(_("action"), max_length=16, choices=FilingAction.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=FilingState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=FilingState.choices)

    class Meta(StateEvent.Meta):
        verbose_name = _("filing event")
        verbose_name_plural = _("filing events")
        triggers = [
            pgtrigger.Protect(name="filing_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]
