"""Admin for claims: the checklist inline counter staff tick, transitions as actions, the review queue."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.history import EventInline, ReadableHistoryMixin
from config.admin import DocumentDownloadMixin, ReadOnlyInline, transition_action
from config.api.inputs import limit
from config.errors import ApplicationError
from registry.masking import mask_id_number
from reimbursements import services
from reimbursements.choices import BREAKDOWN_STEP_LABELS, ClaimAction, ClaimBasis, ClaimState
from reimbursements.models import (
    BenefitPolicy,
    Claim,
    ClaimEvent,
    ClaimInvoice,
    ClaimMaterial,
    ClaimMaterialRequirement,
    ClaimPolicy,
    ClaimReviewQueue,
)


class ClaimMaterialInline(admin.TabularInline):
    """Counter staff tick each item received, accepted or rejected; saving goes through the service."""

    model = ClaimMaterial
    extra = 0
    can_delete = False
    fields = ["name", "required", "original", "status", "status_reason", "document", "changed_by", "changed_at"]
    readonly_fields = ["name", "required", "original", "document", "changed_by", "changed_at"]

    @admin.display(description=_("file"))
    def document(self, obj):
        return ClaimAdmin.document_link(obj, Claim)

    def has_add_permission(self, request, obj=None):
        return False


class ClaimInvoiceInline(ReadOnlyInline):
    """The bills behind the claim; ``live`` turns false when the claim is rejected or withdrawn."""

    model = ClaimInvoice
    fields = ["number", "amount", "issued_on", "issuer", "live"]
    readonly_fields = fields


class ClaimEventInline(EventInline):
    model = ClaimEvent


class ClaimReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=limit(Claim, "end_reason"), required=False, widget=forms.Textarea({"rows": 3})
    )


class PaymentForm(forms.Form):
    payment_reference = forms.CharField(label=_("payment reference"), max_length=limit(Claim, "payment_reference"))


def _claim_action(action: str, label, form_class=None):
    return transition_action(
        name=f"{action}_claims",
        label=label,
        form_class=form_class,
        perform=lambda claim, actor, **data: services.claim_transition(
            claim_id=claim.pk, action=action, actor=actor, **data
        ),
    )


request_materials = _claim_action(ClaimAction.REQUEST_MATERIALS, _("Request missing materials"), ClaimReasonForm)
start_review = _claim_action(ClaimAction.START_REVIEW, _("Start review"))
approve_claims = _claim_action(ClaimAction.APPROVE, _("Approve (computes and freezes the amount)"))
reject_claims = _claim_action(ClaimAction.REJECT, _("Reject"), ClaimReasonForm)
pay_claims = _claim_action(ClaimAction.PAY, _("Record payment"), PaymentForm)
withdraw_claims = _claim_action(ClaimAction.WITHDRAW, _("Withdraw"), ClaimReasonForm)


@admin.register(Claim)
class ClaimAdmin(ReadableHistoryMixin, DocumentDownloadMixin, admin.ModelAdmin):
    document_model = ClaimMaterial
    document_parent = "claim"
    list_display = [
        "reference",
        "person_name",
        "claim_kind",
        "basis",
        "state",
        "total_amount",
        "payable_amount",
        "submitted_at",
    ]
    list_filter = ["state", "claim_kind", "basis", "reason", "injury", "channel", "submitted_at"]
    search_fields = ["=reference", "=person__id_number", "person__name"]
    list_select_related = ["person"]
    date_hierarchy = "submitted_at"
    actions = [request_materials, start_review, approve_claims, reject_claims, pay_claims, withdraw_claims]
    inlines = [ClaimMaterialInline, ClaimInvoiceInline, ClaimEventInline]
    exclude = ["bank_account", "breakdown", "proxy_id_number"]

    @admin.display(description=_("person's name"), ordering="person__name")
    def person_name(self, obj):
        return obj.person.name

    @admin.display(description=_("bank account"))
    def bank_account_masked(self, obj):
        return obj.masked_bank_account

    @admin.display(description=_("proxy ID number"))
    def proxy_id_number_masked(self, obj):
        return mask_id_number(obj.proxy_id_number) or "-"

    @admin.display(description=_("breakdown"))
    def breakdown_table(self, obj):
        """The frozen breakdown, led by the basis it rested on (why an own share was or was not taken)."""
        breakdown = obj.breakdown or {}
        steps = breakdown.get("steps") or []
        if not steps:
            return "-"
        basis = breakdown.get("basis") or {}
        lead = format_html(
            "<div>{}: <strong>{}</strong> {}</div>",
            _("basis"),
            ClaimBasis(basis["code"]).label if basis.get("code") else "-",
            basis.get("explanation", ""),
        )
        rows = format_html_join(
            "",
            "<div><code>{}</code> {}: <strong>{}</strong></div>",
            ((s["code"], BREAKDOWN_STEP_LABELS.get(s["code"], s["label"]), s["value"]) for s in steps),
        )
        return lead + rows

    fieldsets = [
        (None, {"fields": ["reference", "state", "person", "claim_kind", "setting", "disease", "injury", "reason"]}),
        (_("Basis (from the records)"), {"fields": ["basis", "basis_explanation", "filing"]}),
        (
            _("Treatment"),
            {
                "fields": [
                    "institution",
                    "institution_name",
                    "institution_level",
                    "city",
                    "admission_date",
                    "discharge_date",
                ]
            },
        ),
        (
            _("Amounts"),
            {
                "fields": [
                    "total_amount",
                    "excluded_amount",
                    "category_b_self_pay",
                    "payable_amount",
                    "deductible_applied",
                    "breakdown_table",
                ]
            },
        ),
        (
            _("Payment"),
            {"fields": ["bank_name", "bank_account_masked", "account_holder", "payment_reference", "paid_at"]},
        ),
        (_("Proxy"), {"fields": ["proxy_name", "proxy_id_number_masked", "proxy_relationship"]}),
        (
            _("Processing"),
            {"fields": ["channel", "submitted_at", "review_started_at", "decided_at", "end_reason", "version"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Claims are made through the API or the counter's channel; here they change only by actions.
        return [f.name for f in Claim._meta.fields if f.name not in self.exclude] + [
            "bank_account_masked",
            "proxy_id_number_masked",
            "breakdown_table",
        ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """The claim's own fields are read-only; only the checklist inline is saved (below)."""

    def save_formset(self, request, form, formset, change):
        """Checklist changes go through claim_material_update; the events inline is read-only."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not ClaimMaterial:
            return
        actor = request.user.actor
        for inline_form in formset.forms:
            if not inline_form.has_changed():
                continue
            material = inline_form.instance
            try:
                services.claim_material_update(
                    claim_id=material.claim_id,
                    item=material.item,
                    actor=actor,
                    status=inline_form.cleaned_data["status"],
                    reason=inline_form.cleaned_data.get("status_reason", ""),
                )
            except ApplicationError as exc:
                messages.error(request, f"{material.name}: {exc.message}")
            else:
                formset.changed_objects.append((material, inline_form.changed_data))


@admin.register(ClaimReviewQueue)
class ClaimReviewQueueAdmin(ClaimAdmin):
    """Claims waiting for the counter or a reviewer, oldest submission first."""

    list_display = ["reference", "submitted_at", "state", "person_name", "claim_kind", "total_amount"]
    ordering = ["submitted_at"]
    actions = [start_review, approve_claims, reject_claims]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(state__in=[ClaimState.SUBMITTED, ClaimState.UNDER_REVIEW])


@admin.register(ClaimMaterialRequirement)
class ClaimMaterialRequirementAdmin(admin.ModelAdmin):
    list_display = ["claim_kind", "item", "name", "required", "original", "effective_from", "effective_to"]
    list_filter = ["claim_kind", "required", "original"]
    search_fields = ["item", "name"]


@admin.register(BenefitPolicy)
class BenefitPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "insurance_type",
        "visit_kind",
        "institution_level",
        "deductible",
        "ratio",
        "annual_cap",
        "is_sample",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["insurance_type", "visit_kind", "institution_level", "is_sample"]


@admin.register(ClaimPolicy)
class ClaimPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "effective_from",
        "effective_to",
        "submission_deadline_months",
        "own_share_rate",
        "referral_reduction",
        "emergency_reduction",
        "other_temporary_reduction",
    ]
