"""Filings (备案), their policy tables, materials and append-only events."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StateEvent
from config.models import EffectivePeriod, UploadQuotas, Versioned
from filings.choices import (
    FILING_CATEGORY,
    LIVE_STATES,
    FilingAction,
    FilingCategory,
    FilingMode,
    FilingState,
    FilingType,
    ProofBasis,
)
from registry.choices import InsuranceType, RegionLevel
from registry.models import Institution, Person, Region


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

    policy_key = ("filing_type", "item")

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


class FilingTypeRule(EffectivePeriod):
    """Who a filing type is for (policy data): the insurance it needs, and what the person must show."""

    filing_type = models.CharField(_("filing type"), max_length=24, choices=FilingType.choices)
    insurance_type = models.CharField(
        _("insurance type required"),
        max_length=16,
        choices=InsuranceType.choices,
        blank=True,
        help_text=_("Empty: any insurance type."),
    )
    requires_retired = models.BooleanField(_("the person must be retired"), default=False)
    requires_employer = models.BooleanField(_("employer and its unified social credit code required"), default=False)

    policy_key = ("filing_type",)

    class Meta:
        verbose_name = _("filing type rule")
        verbose_name_plural = _("filing type rules")
        ordering = ["filing_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["filing_type", "effective_from"], name="filing_type_rule_unique_start"),
            EffectivePeriod.period_constraint("filing_type_rule_period_valid"),
        ]

    def __str__(self) -> str:
        return self.get_filing_type_display()


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

    policy_key = ("city",)

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


class DesignatedInstitutionRule(EffectivePeriod):
    """Where a filing's designated institutions bind (the older regional rule, SPEC §3.6; policy data).

    In its period, care under a filing for this destination (a province, or one city of it) — of this filing
    type, or of every type when none is named — is covered only at the institutions the filing names (one to
    three), and such a filing must name them. Without a row in force a filing's list is informative only.
    A change of rule is a new dated row; rows for one destination and type never overlap.
    """

    destination = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination (province or city)")
    )
    filing_type = models.CharField(
        _("filing type"),
        max_length=32,
        choices=FilingType.choices,
        blank=True,
        help_text=_("Empty: every filing type."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    policy_key = ("destination", "filing_type")

    class Meta:
        verbose_name = _("destination requiring designated institutions")
        verbose_name_plural = _("destinations requiring designated institutions")
        ordering = ["destination_id", "filing_type", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "filing_type", "effective_from"], name="designated_rule_unique_per_period"
            ),
            models.CheckConstraint(
                condition=Q(filing_type__in=["", *FilingType.values]),
                name="designated_rule_filing_type_valid",
                violation_error_message=_("Choose one of the filing types, or none for every type."),
            ),
            EffectivePeriod.period_constraint("designated_rule_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.destination} {self.get_filing_type_display() or '*'} {self.effective_from}"


class FilingPolicy(EffectivePeriod, UploadQuotas):
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
    retroactive_limit_months = models.PositiveSmallIntegerField(
        _("a start date may lie back at most (months)"),
        default=12,
        help_text=_("How far back a filing may start (补办备案); the claim deadline by default."),
    )
    advance_limit_months = models.PositiveSmallIntegerField(_("a start date may lie ahead at most (months)"), default=3)
    emergency_max_days = models.PositiveSmallIntegerField(
        _("an emergency filing covers at most (days)"), default=30, help_text=_("The rescue episode, not a trip.")
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
                violation_error_message=_(
                    "The minimum holding period may not exceed the national ceiling of 6 months."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(temporary_validity_months__gte=6),
                name="filing_policy_temporary_validity_at_least_6",
                violation_error_message=_("A temporary filing is valid for at least 6 months."),
            ),
            UploadQuotas.quota_constraint("filing_policy_upload_quotas_positive"),
            EffectivePeriod.period_constraint("filing_policy_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from} – {self.effective_to or '…'}"


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

    employer_name = models.CharField(_("employer"), max_length=100, blank=True)
    employer_credit_code = models.CharField(
        _("employer's unified social credit code (统一社会信用代码)"), max_length=18, blank=True
    )

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
    review_due_provisional = models.BooleanField(
        _("review due date provisional"),
        default=False,
        db_default=False,
        help_text=_(
            "The review due date was counted by the statutory holidays alone: a year it spans has no "
            "published calendar yet, and the date may move when one is entered."
        ),
    )
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

    @classmethod
    def material_names(cls, codes) -> dict[str, str]:
        """Checklist item codes by the name their requirement gives them (the latest row's), for histories."""
        rows = FilingMaterialRequirement.objects.filter(item__in=list(codes)).order_by("effective_from")
        return dict(rows.values_list("item", "name"))

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
            models.CheckConstraint(
                condition=Q(state__in=FilingState.values),
                name="filing_state_valid",
                violation_error_message=_("Choose one of the filing states."),
            ),
            models.CheckConstraint(
                condition=Q(filing_type__in=FilingType.values),
                name="filing_type_valid",
                violation_error_message=_("Choose one of the filing types."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="filing_end_not_before_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=~Q(state=FilingState.REJECTED) | ~Q(end_reason=""),
                name="filing_rejection_has_reason",
                violation_error_message=_("A rejection needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(consent=True),
                name="filing_has_consent",
                violation_error_message=_("The person's signed consent is required."),
            ),
        ]
        indexes = [
            models.Index(fields=["person", "state"], name="filing_person_state"),
            # Staff and auditors list by destination and state, newest first.
            models.Index(fields=["destination", "state", "-submitted_at"], name="filing_destination_state"),
            # A type's filings, newest first; its count reads the index alone.
            models.Index(fields=["filing_type", "-submitted_at"], name="filing_type_submitted"),
            # Filings in force on a day (``covering``), counted from the index alone (an index-only
            # scan): at 2,000,000 filings it is a twelfth of the table's size and counts in half the time.
            models.Index(fields=["start_date", "end_date", "covered_until", "state"], name="filing_coverage"),
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
    superseded_at = models.DateTimeField(
        _("replaced at"),
        null=True,
        blank=True,
        help_text=_("When a newer file of the item replaced this one: kept as evidence, no longer current."),
    )
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("carried from"),
        help_text=_(
            "The same document, delivered for the filing this one replaced on a change: carried over, the file "
            "shared, not uploaded again."
        ),
    )

    class Meta:
        verbose_name = _("filing material")
        verbose_name_plural = _("filing materials")
        ordering = ["filing", "item", "uploaded_at"]
        constraints = [
            # An upload to an item replaces its file: one current file per item, the older ones kept.
            models.UniqueConstraint(
                fields=["filing", "item"],
                condition=Q(superseded_at__isnull=True),
                name="filing_material_one_current_per_item",
                violation_error_message=_("An item has one current file: a new upload replaces it."),
            ),
        ]

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
