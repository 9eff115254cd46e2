"""Manual reimbursement claims (手工报销), their checklists, events, and the benefit policy tables."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import StateEvent
from config.models import EffectivePeriod, UploadQuotas, Versioned, history_user
from config.personal import mask_bank_account, mask_id_number
from registry.choices import InstitutionLevel, InsuranceType, RegionLevel
from reimbursements.choices import (
    AWAITING_DECISION,
    REQUIREMENT_KIND_CHOICES,
    BenefitVisit,
    ClaimAction,
    ClaimBasis,
    ClaimKind,
    ClaimReason,
    ClaimState,
    DeductibleScope,
    MaterialStatus,
    Setting,
)

MONEY = {"max_digits": 12, "decimal_places": 2}
RATE = {"max_digits": 5, "decimal_places": 4, "validators": [MinValueValidator(0), MaxValueValidator(1)]}


class ClaimMaterialRequirement(EffectivePeriod):
    """One material a claim kind needs (policy data, SPEC §4.2); copied onto each new claim."""

    claim_kind = models.CharField(_("claim kind"), max_length=24, choices=REQUIREMENT_KIND_CHOICES, db_index=True)
    item = models.SlugField(_("item code"), max_length=48)
    name = models.CharField(_("name"), max_length=100)
    required = models.BooleanField(_("required"), default=True)
    original = models.BooleanField(
        _("original needed"), default=False, help_text=_("The original is needed (原件), not a copy.")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    policy_key = ("claim_kind", "item")

    class Meta:
        verbose_name = _("claim material requirement")
        verbose_name_plural = _("claim material requirements")
        ordering = ["claim_kind", "sort_order", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim_kind", "item", "effective_from"], name="claim_requirement_unique_per_period"
            ),
            EffectivePeriod.period_constraint("claim_requirement_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_claim_kind_display()}：{self.name}"


class BenefitPool(models.Model):
    """An annual pool the fund pays from (年度最高支付限额), e.g. ordinary outpatient care apart from the fund's
    yearly maximum for inpatient and chronic care. Which visit kinds draw on which pool is policy data:
    each benefit row names its pool."""

    code = models.SlugField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_sample = models.BooleanField(
        _("sample values"), default=True, help_text=_("Shipped sample values, not the bureau's official ones.")
    )

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("benefit pool")
        verbose_name_plural = _("benefit pools")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BenefitPolicy(EffectivePeriod):
    """Deductible, ratio and annual cap by insurance type, visit kind and institution level (参保地政策)."""

    insurance_type = models.CharField(_("insurance type"), max_length=16, choices=InsuranceType.choices)
    visit_kind = models.CharField(
        _("visit kind"), max_length=24, choices=BenefitVisit.choices, default=BenefitVisit.INPATIENT
    )
    institution_level = models.PositiveSmallIntegerField(_("institution level"), choices=InstitutionLevel.choices)
    deductible = models.DecimalField(_("deductible (起付线)"), **MONEY, validators=[MinValueValidator(0)])
    ratio = models.DecimalField(_("reimbursement ratio"), **RATE)
    deductible_scope = models.CharField(
        _("deductible scope"),
        max_length=16,
        choices=DeductibleScope.choices,
        default=DeductibleScope.PER_YEAR,
        help_text=_("Each stay pays the deductible anew, or it is paid once a calendar year for this visit kind."),
    )
    annual_cap = models.DecimalField(
        _("annual cap"),
        **MONEY,
        validators=[MinValueValidator(0)],
        help_text=_("What the fund pays a person at most in a year from this row's pool."),
    )
    pool = models.ForeignKey(
        BenefitPool, on_delete=models.PROTECT, related_name="benefits", verbose_name=_("annual pool")
    )
    is_sample = models.BooleanField(
        _("sample values"), default=True, help_text=_("Shipped sample values, not the bureau's official ones.")
    )

    policy_key = ("insurance_type", "visit_kind", "institution_level")

    class Meta:
        verbose_name = _("benefit policy")
        verbose_name_plural = _("benefit policies")
        ordering = ["insurance_type", "visit_kind", "institution_level", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["insurance_type", "visit_kind", "institution_level", "effective_from"],
                name="benefit_policy_unique_per_period",
            ),
            models.CheckConstraint(
                condition=Q(ratio__gte=0, ratio__lte=1),
                name="benefit_ratio_0_to_1",
                violation_error_message=_("The reimbursement ratio lies between 0 and 100%."),
            ),
            models.CheckConstraint(
                condition=Q(deductible__gte=0, annual_cap__gte=0),
                name="benefit_amounts_not_negative",
                violation_error_message=_("The deductible and the annual cap cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(visit_kind__in=BenefitVisit.values),
                name="benefit_visit_kind_valid",
                violation_error_message=_("Choose one of the visit kinds."),
            ),
            models.CheckConstraint(
                condition=Q(deductible_scope__in=DeductibleScope.values),
                name="benefit_deductible_scope_valid",
                violation_error_message=_("Choose one of the deductible scopes."),
            ),
            EffectivePeriod.period_constraint("benefit_policy_period_valid"),
        ]

    def clean(self):
        """One cap per pool: rows drawing on one pool for one insurance type over overlapping periods state the
        same annual cap, or what a person may draw would depend on which claim is approved first. (And, as
        every policy row, it overlaps no other row of its timeline: both are said at once.)"""
        errors: dict = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if self.pool_id is None or self.annual_cap is None or self.effective_from is None:
            if errors:
                raise ValidationError(errors)
            return
        others = BenefitPolicy.objects.filter(pool_id=self.pool_id, insurance_type=self.insurance_type).exclude(
            pk=self.pk
        )
        end = self.effective_to or datetime.date.max
        clash = (
            others.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from))
            .filter(effective_from__lte=end)
            .exclude(annual_cap=self.annual_cap)
            .first()
        )
        if clash is not None:
            errors.setdefault("annual_cap", []).append(
                _("The pool's cap for this insurance type is %(cap)s (row %(row)s): rows of one pool state one cap.")
                % {"cap": clash.annual_cap, "row": clash}
            )
        if errors:
            raise ValidationError(errors)

    def __str__(self) -> str:
        return (
            f"{self.get_insurance_type_display()} {self.get_visit_kind_display()} "
            f"{self.get_institution_level_display()} {self.effective_from}"
        )


class ClaimPolicy(EffectivePeriod, UploadQuotas):
    """The bureau's numbers for claims: deadline, own share, and ratio reductions for temporary filers."""

    submission_deadline_months = models.PositiveSmallIntegerField(
        _("submission deadline after discharge (months)"),
        default=12,
        validators=[MinValueValidator(3), MaxValueValidator(12)],
    )
    own_share_rate = models.DecimalField(_("own share first without a timely filing"), **RATE, default=Decimal("0.10"))
    referral_reduction = models.DecimalField(_("ratio reduction: referral"), **RATE, default=Decimal("0.05"))
    emergency_reduction = models.DecimalField(_("ratio reduction: emergency"), **RATE, default=Decimal("0.05"))
    other_temporary_reduction = models.DecimalField(
        _("ratio reduction: other temporary or no filing"), **RATE, default=Decimal("0.10")
    )
    invoice_days_after_discharge = models.PositiveSmallIntegerField(
        _("invoices issued at most this many days after discharge"),
        default=30,
        validators=[MaxValueValidator(366)],
        help_text=_("An invoice dated later than this after discharge does not bill the care claimed."),
    )
    review_working_days = models.PositiveSmallIntegerField(
        _("review time (working days)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("A claim is due for decision this many working days after it was (re)submitted."),
    )

    class Meta:
        verbose_name = _("claim policy")
        verbose_name_plural = _("claim policies")
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["effective_from"], name="claim_policy_unique_start"),
            # National caps: at most 10 points for referral and emergency, 20 for other temporary visits.
            models.CheckConstraint(
                condition=Q(
                    referral_reduction__lte=Decimal("0.10"),
                    emergency_reduction__lte=Decimal("0.10"),
                    other_temporary_reduction__lte=Decimal("0.20"),
                ),
                name="claim_policy_reductions_within_national_caps",
                violation_error_message=_("The ratio reductions may not exceed the national caps."),
            ),
            models.CheckConstraint(
                condition=Q(submission_deadline_months__gte=3, submission_deadline_months__lte=12),
                name="claim_policy_deadline_3_to_12_months",
                violation_error_message=_("The submission deadline lies between 3 and 12 months."),
            ),
            UploadQuotas.quota_constraint("claim_policy_upload_quotas_positive"),
            EffectivePeriod.period_constraint("claim_policy_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from} – {self.effective_to or '…'}"


class Claim(Versioned):
    """A manual reimbursement claim (手工报销): the person paid in full and asks the fund for its share."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="claims", verbose_name=_("person")
    )
    claim_kind = models.CharField(_("claim kind"), max_length=24, choices=ClaimKind.choices)
    injury = models.BooleanField(_("injury (外伤)"), default=False)
    setting = models.CharField(
        _("setting"), max_length=16, choices=Setting.choices, blank=True, help_text=_("Of an emergency: where it was.")
    )
    disease = models.ForeignKey(
        "registry.ChronicDisease",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chronic disease"),
    )
    reason = models.CharField(
        _("claimant's account"),
        max_length=24,
        choices=ClaimReason.choices,
        help_text=_("Why the claimant says they paid in full; it never decides the amount."),
    )
    basis = models.CharField(
        _("basis"),
        max_length=24,
        choices=ClaimBasis.choices,
        help_text=_("Derived from the records at submission and again at approval."),
    )
    basis_explanation = models.CharField(_("why this basis"), max_length=500, blank=True)
    filing = models.ForeignKey(
        "filings.Filing",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("filing"),
    )
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("designated institution"),
    )
    institution_name = models.CharField(_("institution"), max_length=100)
    institution_level = models.PositiveSmallIntegerField(_("institution level"), choices=InstitutionLevel.choices)
    city = models.ForeignKey(
        "registry.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("city of treatment"),
        limit_choices_to={"level": RegionLevel.CITY},  # care is in a city: the admin offers only cities
    )
    admission_date = models.DateField(_("admission date"))
    discharge_date = models.DateField(_("discharge date"))
    total_amount = models.DecimalField(_("total amount"), **MONEY)
    excluded_amount = models.DecimalField(_("outside the catalogue (目录外)"), **MONEY, default=Decimal("0"))
    category_b_self_pay = models.DecimalField(_("category B paid first (乙类先行自付)"), **MONEY, default=Decimal("0"))

    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=34, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=50, blank=True)
    proxy_name = models.CharField(_("proxy name"), max_length=50, blank=True)
    proxy_id_number = models.CharField(_("proxy ID number"), max_length=18, blank=True)
    proxy_relationship = models.CharField(_("proxy relationship"), max_length=50, blank=True)

    channel = models.ForeignKey(
        "accounts.Channel", on_delete=models.PROTECT, related_name="claims", verbose_name=_("channel")
    )
    state = models.CharField(_("state"), max_length=24, choices=ClaimState.choices, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    review_due = models.DateField(
        _("review due"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Working days after the last submission (补正 restarts the time)."),
    )
    review_due_provisional = models.BooleanField(
        _("review due date provisional"),
        default=False,
        db_default=False,
        help_text=_(
            "The review due date was counted by the statutory holidays alone: a year it spans has no "
            "published calendar yet, and the date may move when one is entered."
        ),
    )
    review_started_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    end_reason = models.CharField(_("reason"), max_length=500, blank=True)

    pool = models.ForeignKey(
        BenefitPool,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("annual pool"),
        help_text=_("The pool the fund payment was drawn from, fixed at approval."),
    )
    deductible_scope = models.CharField(
        _("deductible scope"), max_length=16, choices=DeductibleScope.choices, blank=True
    )
    benefit_visit = models.CharField(_("benefit visit kind"), max_length=24, choices=BenefitVisit.choices, blank=True)
    payable_amount = models.DecimalField(_("payable amount"), **MONEY, null=True, blank=True)
    deductible_applied = models.DecimalField(_("deductible applied"), **MONEY, null=True, blank=True)
    breakdown = models.JSONField(
        _("breakdown"), default=dict, blank=True, help_text=_("How the amount came about, frozen at approval.")
    )

    @classmethod
    def material_names(cls, codes) -> dict[str, str]:
        """Checklist item codes by the name their requirement gives them (the latest row's), for histories."""
        rows = ClaimMaterialRequirement.objects.filter(item__in=list(codes)).order_by("effective_from")
        return dict(rows.values_list("item", "name"))

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ClaimState.values),
                name="claim_state_valid",
                violation_error_message=_("Choose one of the claim states."),
            ),
            models.CheckConstraint(
                condition=Q(claim_kind__in=ClaimKind.values),
                name="claim_kind_valid",
                violation_error_message=_("Choose one of the claim kinds."),
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ClaimReason.values),
                name="claim_reason_valid",
                violation_error_message=_("Choose one of the reasons for claiming."),
            ),
            models.CheckConstraint(
                condition=Q(basis__in=ClaimBasis.values),
                name="claim_basis_valid",
                violation_error_message=_("Choose one of the bases."),
            ),
            models.CheckConstraint(
                condition=~Q(claim_kind=ClaimKind.EMERGENCY) | Q(setting__in=Setting.values),
                name="claim_emergency_has_setting",
                violation_error_message=_("An emergency claim says whether care was inpatient or outpatient."),
            ),
            models.CheckConstraint(
                condition=~Q(claim_kind=ClaimKind.CHRONIC_OUTPATIENT) | Q(disease__isnull=False),
                name="claim_chronic_names_disease",
                violation_error_message=_("A chronic/special outpatient claim names the disease."),
            ),
            models.CheckConstraint(
                condition=Q(discharge_date__gte=models.F("admission_date")),
                name="claim_discharge_not_before_admission",
                violation_error_message=_("The discharge date cannot be before the admission date."),
            ),
            models.CheckConstraint(
                condition=Q(total_amount__gte=0, excluded_amount__gte=0, category_b_self_pay__gte=0)
                & Q(total_amount__gte=models.F("excluded_amount") + models.F("category_b_self_pay")),
                name="claim_amounts_consistent",
                violation_error_message=_("The amounts outside the catalogue and paid first cannot exceed the total."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[ClaimState.APPROVED, ClaimState.PAID]) | Q(payable_amount__isnull=False),
                name="claim_decided_has_amount",
                violation_error_message=_("An approved or paid claim carries its amount."),
            ),
            models.CheckConstraint(
                condition=~Q(state=ClaimState.REJECTED) | ~Q(end_reason=""),
                name="claim_rejection_has_reason",
                violation_error_message=_("Refusing payment needs a reason."),
            ),
        ]
        indexes = [
            models.Index(fields=["person", "state"], name="claim_person_state"),
            models.Index(fields=["person", "pool", "state"], name="claim_person_pool_state"),
            # The lists' order (newest first, the id breaking ties) read from an index, however many claims share
            # one instant (a batch loaded at once): without it a page sorted every claim the filter selects.
            models.Index(fields=["submitted_at", "id"], name="claim_submitted_order"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_overdue(self) -> bool:
        """Awaiting the bureau's decision past its due date (not while the person supplies materials)."""
        return (
            self.state in AWAITING_DECISION and self.review_due is not None and self.review_due < timezone.localdate()
        )

    @property
    def masked_bank_account(self) -> str:
        return mask_bank_account(self.bank_account)

    @property
    def masked_proxy_id_number(self) -> str:
        return mask_id_number(self.proxy_id_number)


class ClaimInvoice(models.Model):
    """One bill (票据) behind a claim. One bill backs at most one live claim.

    A bill is identified nationally by its 票据代码 and 票据号码 (``identity``: both normalised by
    ``registry.identifiers.invoice_identity``), whatever the issuer is called and however the
    numbers were typed. ``live`` follows the claim (false once it is rejected or withdrawn), so the
    database itself refuses a second live claim on the same bill with a partial unique index.
    Bills stored before the code was asked for carry an identity keyed on their issuer instead.
    """

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("claim"))
    issuer = models.CharField(
        _("issuer"), max_length=110, help_text=_("The institution's code, or its name when outside the catalogue.")
    )
    code = models.CharField(_("invoice code (票据代码)"), max_length=40, blank=True)
    number = models.CharField(_("invoice number (票据号码)"), max_length=40)
    identity = models.CharField(
        _("invoice identity"), max_length=120, help_text=_("The code and number normalised: how a bill is compared.")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    issued_on = models.DateField(_("issued on"))
    live = models.BooleanField(_("backs a live claim"), default=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["claim", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity"],
                condition=Q(live=True),
                name="invoice_identity_backs_one_live_claim",
                violation_error_message=_("This invoice already backs another claim."),
            ),
            models.UniqueConstraint(fields=["claim", "identity"], name="invoice_identity_once_per_claim"),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="invoice_amount_positive",
                violation_error_message=_("An invoice's amount is more than zero."),
            ),
            models.CheckConstraint(
                condition=~Q(identity=""),
                name="invoice_identity_not_empty",
                violation_error_message=_("An invoice has a number."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}/{self.number} ({self.amount})" if self.code else f"{self.number} ({self.amount})"


class ClaimMaterial(models.Model):
    """One checklist item of a claim, copied from the requirements when the claim was made."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="materials", verbose_name=_("claim"))
    item = models.SlugField(_("item code"), max_length=48)
    name = models.CharField(_("name"), max_length=100)
    required = models.BooleanField(_("required"), default=True)
    original = models.BooleanField(_("original needed"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=MaterialStatus.choices, default=MaterialStatus.MISSING
    )
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="claims/%Y/%m/", blank=True)
    content_type = models.CharField(_("content type"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    # An upload replaces the item's file; the replaced ones stay in storage, named by the item's history.
    files_uploaded = models.PositiveSmallIntegerField(
        _("files uploaded"), default=0, db_default=0, help_text=_("Replaced files included.")
    )

    # Each receipt, acceptance or rejection is kept, with who did it (for auditors).
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["claim", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "item"], name="claim_material_unique_item"),
            models.CheckConstraint(
                condition=Q(status__in=MaterialStatus.values),
                name="claim_material_status_valid",
                violation_error_message=_("Choose one of the material statuses."),
            ),
            models.CheckConstraint(
                condition=~Q(status=MaterialStatus.REJECTED) | ~Q(status_reason=""),
                name="claim_material_rejection_has_reason",
                violation_error_message=_("Say why the item is rejected."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"


class PoolUsageElsewhere(models.Model):
    """What a person's pools paid outside this system in a year (direct settlement elsewhere, 异地直接结算).

    Recorded per person, year and pool (an import command or the admin, with history); it counts
    against the pool's cap, and its deductible against that visit kind's yearly deductible, exactly
    as an approved claim of this system does.
    """

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="pool_usage_elsewhere", verbose_name=_("person")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    pool = models.ForeignKey(BenefitPool, on_delete=models.PROTECT, related_name="+", verbose_name=_("annual pool"))
    fund_paid = models.DecimalField(_("fund paid"), **MONEY, validators=[MinValueValidator(0)])
    visit_kind = models.CharField(
        _("visit kind"),
        max_length=24,
        choices=BenefitVisit.choices,
        blank=True,
        help_text=_("Whose yearly deductible the deductible paid counts against."),
    )
    deductible_paid = models.DecimalField(
        _("deductible paid"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    source = models.CharField(
        _("source"), max_length=200, help_text=_("Where the figure comes from (settlement platform, batch, document).")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("pool usage settled elsewhere")
        verbose_name_plural = _("pool usage settled elsewhere")
        ordering = ["person", "-year", "pool"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year", "pool", "source"],
                name="pool_usage_elsewhere_once_per_source",
                violation_error_message=_("This source is already recorded for the person, year and pool."),
            ),
            models.CheckConstraint(
                condition=Q(fund_paid__gte=0, deductible_paid__gte=0),
                name="pool_usage_elsewhere_not_negative",
                violation_error_message=_("Amounts paid cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(deductible_paid=0) | Q(visit_kind__in=BenefitVisit.values),
                name="pool_usage_elsewhere_deductible_names_visit",
                violation_error_message=_("A deductible paid elsewhere names its visit kind."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.pool_id} {self.fund_paid}"


class ClaimEvent(StateEvent):
    """One change of a claim's state (append-only)."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="events", verbose_name=_("claim"))
    action = models.CharField(_("action"), max_length=24, choices=ClaimAction.choices)
    from_state = models.CharField(_("from"), max_length=24, choices=ClaimState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=24, choices=ClaimState.choices)

    class Meta(StateEvent.Meta):
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")
        triggers = [
            pgtrigger.Protect(name="claim_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]


class ClaimReviewQueue(Claim):
    """The reviewers' queue in the admin: claims waiting, oldest submission first."""

    class Meta:
        proxy = True
        verbose_name = _("claim awaiting review")
        verbose_name_plural = _("review queue (claims)")
