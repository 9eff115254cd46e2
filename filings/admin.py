"""Admin for filing policy and filings: counter staff, reviewers and auditors work here."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.history import EventInline, ReadableHistoryMixin
from config.admin import DocumentDownloadMixin, ReadOnlyInline, transition_action
from config.api.inputs import limit
from config.errors import ApplicationError
from filings import services
from filings.choices import FilingAction, FilingMode, FilingState
from filings.models import (
    Filing,
    FilingEvent,
    FilingMaterial,
    FilingMaterialRequirement,
    FilingPolicy,
    FilingReviewQueue,
    FilingTypeRule,
    InProvinceFilingCity,
)
from registry.masking import mask_id_number, mask_phone


class PolicyAdmin(admin.ModelAdmin):
    """Policy rows: everyone with access reads them; only administrators hold the change permission."""

    date_hierarchy = "effective_from"


@admin.register(FilingMaterialRequirement)
class FilingMaterialRequirementAdmin(PolicyAdmin):
    list_display = [
        "filing_type",
        "item",
        "name",
        "required",
        "commitment_may_replace",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["filing_type", "required"]
    search_fields = ["item", "name"]


@admin.register(FilingTypeRule)
class FilingTypeRuleAdmin(PolicyAdmin):
    list_display = [
        "filing_type",
        "insurance_type",
        "requires_retired",
        "requires_employer",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["filing_type"]


@admin.register(InProvinceFilingCity)
class InProvinceFilingCityAdmin(PolicyAdmin):
    list_display = ["city", "note", "effective_from", "effective_to"]
    list_select_related = ["city"]
    autocomplete_fields = ["city"]


@admin.register(FilingPolicy)
class FilingPolicyAdmin(PolicyAdmin):
    list_display = [
        "effective_from",
        "effective_to",
        "temporary_validity_months",
        "long_term_min_holding_months",
        "fast_track_review_working_days",
        "commitment_due_months",
        "retroactive_limit_months",
        "advance_limit_months",
        "emergency_max_days",
    ]
    fieldsets = (
        (None, {"fields": ("effective_from", "effective_to")}),
        (
            _("Rules"),
            {
                "fields": (
                    "temporary_validity_months",
                    "long_term_min_holding_months",
                    "fast_track_review_working_days",
                    "commitment_due_months",
                    "retroactive_limit_months",
                    "advance_limit_months",
                    "emergency_max_days",
                )
            },
        ),
    )


class FilingEventInline(EventInline):
    model = FilingEvent


class FilingMaterialInline(ReadOnlyInline):
    model = FilingMaterial
    fields = ["item", "document", "content_type", "size", "uploaded_at", "uploaded_by", "channel"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def document(self, obj):
        return FilingAdmin.document_link(obj, Filing)


class CounterFilingForm(forms.ModelForm):
    """Filing for a person at the counter: the same rules as the API, checked by the filing services."""

    class Meta:
        model = Filing
        fields = [
            "person",
            "filing_type",
            "destination",
            "start_date",
            "end_date",
            "mode",
            "proof_basis",
            "contact_name",
            "contact_phone",
            "consent",
            "proxy_name",
            "proxy_id_number",
            "proxy_authorization",
            "employer_name",
            "employer_credit_code",
            "referring_institution",
            "referral_diagnosis",
            "referral_date",
            "referral_reason",
            "referral_opinion",
            "institutions",
        ]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if "consent" in self.fields:  # the add form; a stored filing shows read-only fields only
            self.fields["consent"].required = True
            self.fields["mode"].initial = FilingMode.SELF_SERVICE
            self.fields["proof_basis"].required = False

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("person")
        if person is None or self.errors:
            return cleaned
        try:
            services.filing_validate(actor=self.actor, person=person, data=self.service_data())
        except ApplicationError as exc:
            if not exc.errors:
                raise forms.ValidationError(str(exc.message)) from exc
            for name, messages_ in exc.errors.items():
                self.add_error(name if name in self.fields else None, messages_)
        return cleaned

    def service_data(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name != "person"}
        data["destination"] = data["destination"].code if data.get("destination") else None
        data["institutions"] = [i.code for i in data.get("institutions") or []]
        if data.get("referring_institution") is not None:
            data["referring_institution"] = data["referring_institution"].code
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=limit(Filing, "end_reason"), required=False, widget=forms.Textarea({"rows": 3})
    )


class ContactForm(forms.Form):
    contact_name = forms.CharField(label=_("contact name"), max_length=limit(Filing, "contact_name"), required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=limit(Filing, "contact_phone"), required=False)
    reason = forms.CharField(label=_("reason"), max_length=limit(Filing, "end_reason"), required=False)


class RevokeForm(ReasonForm):
    effective_to = forms.DateField(
        label=_("covered until"), required=False, help_text=_("Last day still covered; empty means revoke at once.")
    )


def _filing_action(action: str, label, form_class=None):
    return transition_action(
        name=f"{action}_filings",
        label=label,
        form_class=form_class,
        perform=lambda filing, actor, **data: services.filing_transition(
            filing_id=filing.pk, action=action, actor=actor, **data
        ),
    )


approve_filings = _filing_action(FilingAction.APPROVE, _("Approve selected filings"))
reject_filings = _filing_action(FilingAction.REJECT, _("Reject selected filings"), ReasonForm)
withdraw_filings = _filing_action(FilingAction.WITHDRAW, _("Withdraw selected filings"), ReasonForm)
revoke_filings = _filing_action(FilingAction.REVOKE, _("Revoke selected filings"), RevokeForm)
correct_contact = _filing_action(FilingAction.CORRECT_CONTACT, _("Correct the contact"), ContactForm)


@admin.register(Filing)
class FilingAdmin(ReadableHistoryMixin, DocumentDownloadMixin, admin.ModelAdmin):
    document_model = FilingMaterial
    document_parent = "filing"
    list_display = [
        "reference",
        "person_name",
        "person_id_number",
        "filing_type",
        "destination",
        "state",
        "channel",
        "submitted_at",
        "review_due_marked",
    ]
    list_filter = [
        "state",
        "filing_type",
        "channel",
        "mode",
        ("destination", admin.RelatedOnlyFieldListFilter),
        "submitted_at",
    ]
    search_fields = ["=reference", "=person__id_number", "person__name"]
    list_select_related = ["person", "destination", "channel"]
    date_hierarchy = "submitted_at"
    actions = [approve_filings, reject_filings, withdraw_filings, revoke_filings, correct_contact]
    inlines = [FilingMaterialInline, FilingEventInline]
    autocomplete_fields = ["person", "destination", "referring_institution", "institutions"]
    form = CounterFilingForm

    @admin.display(description=_("person's name"), ordering="person__name")
    def person_name(self, obj):
        return obj.person.name

    @admin.display(description=_("ID number"))
    def person_id_number(self, obj):
        return mask_id_number(obj.person.id_number)

    @admin.display(description=_("contact phone"))
    def contact_phone_masked(self, obj):
        return mask_phone(obj.contact_phone)

    @admin.display(description=_("proxy ID number"))
    def proxy_id_number_masked(self, obj):
        return mask_id_number(obj.proxy_id_number) or "-"

    @admin.display(description=_("review due"), ordering="review_due")
    def review_due_marked(self, obj):
        if obj.review_due is None:
            return "-"
        if obj.is_overdue:
            return format_html('<strong style="color:#ba2121">{} ({})</strong>', obj.review_due, gettext("overdue"))
        return obj.review_due

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user.actor

        class BoundForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, actor=actor, **kw)

        return BoundForm

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # A stored filing changes only through its transitions (the actions), never by editing.
        return [f.name for f in Filing._meta.fields] + [
            "institutions",
            "contact_phone_masked",
            "proxy_id_number_masked",
        ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        return [
            (
                None,
                {
                    "fields": [
                        "reference",
                        "state",
                        "person",
                        "filing_type",
                        "category",
                        "destination",
                        "start_date",
                        "end_date",
                        "mode",
                        "proof_basis",
                        "commitment_due_date",
                        "commitment_fulfilled_at",
                    ]
                },
            ),
            (
                _("Contact and consent"),
                {
                    "fields": [
                        "contact_name",
                        "contact_phone_masked",
                        "consent",
                        "consent_at",
                        "proxy_name",
                        "proxy_id_number_masked",
                        "proxy_authorization",
                        "employer_name",
                        "employer_credit_code",
                    ]
                },
            ),
            (
                _("Referral and designated institutions"),
                {
                    "fields": [
                        "referring_institution",
                        "referral_diagnosis",
                        "referral_date",
                        "referral_reason",
                        "referral_opinion",
                        "institutions",
                    ]
                },
            ),
            (
                _("Processing"),
                {
                    "fields": [
                        "channel",
                        "review_due",
                        "submitted_at",
                        "effective_at",
                        "decided_at",
                        "ended_at",
                        "covered_until",
                        "end_reason",
                        "replaces",
                        "version",
                    ]
                },
            ),
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        filing = services.filing_submit(
            actor=request.user.actor, person=form.cleaned_data["person"], data=form.service_data()
        )
        obj.pk = filing.pk
        obj.reference = filing.reference
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        """Nothing to save: the service stored the institutions, and there are no inlines on the add form."""


@admin.register(FilingReviewQueue)
class FilingReviewQueueAdmin(FilingAdmin):
    """Fast-track filings waiting for a reviewer, the most urgent first."""

    list_display = [
        "reference",
        "review_due_marked",
        "person_name",
        "filing_type",
        "destination",
        "proof_basis",
        "channel",
        "submitted_at",
    ]
    list_filter = ["filing_type", "channel"]
    actions = [approve_filings, reject_filings]
    ordering = ["review_due", "submitted_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(state=FilingState.SUBMITTED)

    def has_add_permission(self, request):
        return False
