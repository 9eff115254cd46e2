"""What both domains share: regions, designated institutions, insured persons, holidays, reference serials."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
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
    PeriodStatus,
    RegionLevel,
    RevealPurpose,
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
                violation_error_message=_("A city belongs to a province; a province to none."),
            ),
        ]

    def __str__(self) -> str:
        # 上海市 the province and 上海市 the city differ by their level (and code).
        return f"{self.name}（{self.get_level_display()}·{self.code}）"


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
            models.CheckConstraint(
                condition=models.Q(level__in=[1, 2, 3]),
                name="institution_level_1_to_3",
                violation_error_message=_("The institution level is 1, 2 or 3."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def settles(self, visit: str) -> bool:
        """Whether this institution settles the given visit kind directly (emergency as inpatient)."""
        return getattr(self, VISIT_SETTLEMENT_FIELD[visit])


class Person(Versioned):
    """An insured person of this bureau (参保人)."""

    id_number = models.CharField(_("ID number"), max_length=18, unique=True, validators=[validate_id_number])
    name = models.CharField(_("full name"), max_length=50, db_index=True)
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
    retired = models.BooleanField(_("retired (退休)"), default=False, help_text=_("From the enrolment system."))

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
                condition=models.Q(insurance_type__in=InsuranceType.values),
                name="person_insurance_type_valid",
                violation_error_message=_("Choose one of the insurance types."),
            ),
            models.CheckConstraint(
                condition=models.Q(insured_status__in=InsuredStatus.values),
                name="person_insured_status_valid",
                violation_error_message=_("Choose one of the insured statuses."),
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


def covering_day(day, *, start: str, end: str) -> Q:
    """Rows whose period ``start``..``end`` (both inclusive, either open when empty) covers ``day``."""
    return (Q(**{f"{start}__isnull": True}) | Q(**{f"{start}__lte": day})) & (
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": day})
    )


def overlapping(first, last, *, start: str, end: str) -> Q:
    """Rows whose period overlaps ``first``..``last`` (``first`` None: since ever; ``last`` None: open)."""
    q = Q()
    if last is not None:
        q &= Q(**{f"{start}__isnull": True}) | Q(**{f"{start}__lte": last})
    if first is not None:
        q &= Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": first})
    return q


class InsuredPeriod(Versioned):
    """A period of insurance (参保期间): the days over which the person was insured here, and how.

    Every day of care and every eligibility question is judged by the period that covered that
    day, never by today's status. ``starts_on`` empty means insured since before the records
    begin (a person loaded without dates); ``ends_on`` empty means still insured.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="insured_periods", verbose_name=_("person")
    )
    starts_on = models.DateField(
        _("insured from"), null=True, blank=True, help_text=_("Empty: insured since before the records begin.")
    )
    ends_on = models.DateField(_("insured until"), null=True, blank=True, help_text=_("Last day; empty while insured."))
    insurance_type = models.CharField(_("insurance type"), max_length=16, choices=InsuranceType.choices)
    insured_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("insured region")
    )
    status = models.CharField(
        _("period status"), max_length=16, choices=PeriodStatus.choices, default=PeriodStatus.ACTIVE
    )

    history = HistoricalRecords(
        excluded_fields=["updated_at"],
        get_user=history_user,
        history_user_id_field=models.BigIntegerField(null=True, blank=True, db_index=True),
    )

    class Meta:
        verbose_name = _("insured period")
        verbose_name_plural = _("insured periods")
        ordering = ["person", F("starts_on").asc(nulls_first=True)]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="insured_period_end_not_before_start",
                violation_error_message=_("The end of the period cannot be before its start."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=PeriodStatus.values),
                name="insured_period_status_valid",
                violation_error_message=_("Choose one of the period statuses."),
            ),
            models.CheckConstraint(
                condition=Q(insurance_type__in=InsuranceType.values),
                name="insured_period_insurance_type_valid",
                violation_error_message=_("Choose one of the insurance types."),
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ends_on__isnull=True),
                name="one_open_insured_period_per_person",
                violation_error_message=_("This person already has an open insured period; close it first."),
            ),
        ]
        indexes = [models.Index(fields=["person", "starts_on"], name="insured_period_person_start")]

    def __str__(self) -> str:
        return f"{self.starts_on or '…'} – {self.ends_on or '…'} {self.get_status_display()}"

    @staticmethod
    def covering(day, prefix: str = "") -> Q:
        return covering_day(day, start=f"{prefix}starts_on", end=f"{prefix}ends_on")


class ChronicDisease(models.Model):
    """A chronic or special outpatient disease (门诊慢特病) of the catalogue (policy data).

    ``settled_directly`` says whether its outpatient care is settled directly across provinces
    (the seeds name hypertension, diabetes, outpatient cancer radio/chemotherapy, dialysis and
    anti-rejection treatment after transplant); the others are claimed manually.
    """

    code = models.SlugField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    settled_directly = models.BooleanField(_("settled directly across provinces"), default=False)
    is_active = models.BooleanField(_("in the catalogue"), default=True)

    class Meta:
        verbose_name = _("chronic/special outpatient disease")
        verbose_name_plural = _("chronic/special outpatient diseases")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ChronicQualification(Versioned):
    """A person's qualification for a chronic/special outpatient disease (门诊慢特病资格), recorded by staff."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="chronic_qualifications", verbose_name=_("person")
    )
    disease = models.ForeignKey(ChronicDisease, on_delete=models.PROTECT, related_name="+", verbose_name=_("disease"))
    starts_on = models.DateField(_("qualified from"))
    ends_on = models.DateField(_("qualified until"), null=True, blank=True, help_text=_("Empty: no end set."))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"], get_user=history_user)

    class Meta:
        verbose_name = _("chronic disease qualification")
        verbose_name_plural = _("chronic disease qualifications")
        ordering = ["person", "disease", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="chronic_qualification_end_not_before_start",
                violation_error_message=_("The end of the period cannot be before its start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.disease}: {self.starts_on} – {self.ends_on or '…'}"

    @staticmethod
    def covering(day, prefix: str = "") -> Q:
        return covering_day(day, start=f"{prefix}starts_on", end=f"{prefix}ends_on")


class PersonDataAccess(models.Model):
    """One reveal of a person's full personal data (PIPL): who read which field of whom, when and why.

    Responses mask ID numbers, phones and bank accounts; staff who need a full value ask for it
    with a purpose, and that request is recorded here for auditors (a claim's bank account names
    the claim in ``record``). Rows are never changed.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff user")
    )
    actor_label = models.CharField(_("actor"), max_length=80)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    field = models.CharField(_("field"), max_length=32)
    record = models.CharField(
        _("record"),
        max_length=40,
        blank=True,
        help_text=_("The record the value belongs to when it is not the person's own (a claim's reference)."),
    )
    purpose = models.CharField(_("purpose"), max_length=24, choices=RevealPurpose.choices, default=RevealPurpose.OTHER)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reveal of personal data")
        verbose_name_plural = _("reveals of personal data")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=RevealPurpose.values) & (~Q(purpose=RevealPurpose.OTHER) | ~Q(reason="")),
                name="person_data_access_has_purpose",
                violation_error_message=_("Name the purpose; an other purpose is said in words."),
            )
        ]

    def __str__(self) -> str:
        return gettext("Reveal of %(at)s") % {"at": f"{timezone.localtime(self.at):%Y-%m-%d %H:%M}"}


# The years a calendar row may belong to: the range of the lunar calendar the statutory rule computes.
CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR = 1900, 2100
calendar_date_validators = [
    MinValueValidator(datetime.date(CALENDAR_FIRST_YEAR, 1, 1), _("Enter a date from 1900 to 2100.")),
    MaxValueValidator(datetime.date(CALENDAR_LAST_YEAR, 12, 31), _("Enter a date from 1900 to 2100.")),
]
calendar_year_validators = [
    MinValueValidator(CALENDAR_FIRST_YEAR, _("Enter a year from 1900 to 2100.")),
    MaxValueValidator(CALENDAR_LAST_YEAR, _("Enter a year from 1900 to 2100.")),
]


class Holiday(models.Model):
    """A public holiday or a make-up workday (调休) of the State Council's calendar (policy data).

    Seeded from chinese-calendar; staff add each new year when the State Council publishes it.
    """

    date = models.DateField(_("date"), primary_key=True, validators=calendar_date_validators)
    kind = models.CharField(_("kind"), max_length=8, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("holiday or make-up workday")
        verbose_name_plural = _("holidays and make-up workdays")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date__gte=datetime.date(CALENDAR_FIRST_YEAR, 1, 1))
                & Q(date__lte=datetime.date(CALENDAR_LAST_YEAR, 12, 31)),
                name="holiday_date_1900_to_2100",
                violation_error_message=_("Enter a date from 1900 to 2100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class HolidayYear(models.Model):
    """A year whose State Council calendar (放假安排) is entered in full in the holiday table (已公布).

    Due dates in a year without this mark count the holidays the law fixes (``registry.statutory``)
    and the rows entered so far, and are shown as provisional (暂定). A row marks the whole year,
    so entering the calendar day by day never leaves a year counted by half of it.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True, validators=calendar_year_validators)
    notice = models.CharField(
        _("State Council notice"),
        max_length=100,
        blank=True,
        help_text=_("The notice the calendar comes from, e.g. 国办发明电〔2025〕7号."),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("published holiday calendar")
        verbose_name_plural = _("published holiday calendars")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=CALENDAR_FIRST_YEAR) & Q(year__lte=CALENDAR_LAST_YEAR),
                name="holiday_year_1900_to_2100",
                violation_error_message=_("Enter a year from 1900 to 2100."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class ReferenceSequence(models.Model):
    """The last serial handed out for a reference prefix and day (BA20261123000001)."""

    prefix = models.CharField(max_length=4)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="reference_sequence_unique_day")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day:%Y%m%d}: {self.last}"
