"""Admin for claims: the materials panel counter staff tick, the counter's claim form, tasks, the review queue."""

import json
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.history import EventInline, ReadableHistoryMixin
from config.actors import actor_of
from config.admin import (
    CSVExportMixin,
    DocumentDownloadMixin,
    DueFilter,
    MaterialsPanelMixin,
    ReadOnlyInline,
    RecordTask,
    RecordTasksMixin,
    TaskForm,
    due_date_shown,
    field_column,
    machine_task,
    reason_task_form,
    transition_action,
)
from config.admin_policy_rows import PolicyRowsAdmin
from config.admin_site import DeskQueue, OwnWork
from config.admin_widgets import CheckedAutocompleteSelect
from config.api.inputs import limit
from config.errors import ApplicationError, PermissionRefused
from config.files import check_upload
from registry.admin import RevealViewMixin
from registry.choices import RegionLevel
from registry.masking import mask_free_text, mask_id_number
from registry.models import ChronicDisease, Institution, Person, Region
from reimbursements import selectors, services
from reimbursements.choices import (
    AWAITING_DECISION,
    BREAKDOWN_STEP_LABELS,
    CHECKLIST_OPEN_STATES,
    ClaimAction,
    ClaimBasis,
    ClaimKind,
    ClaimReason,
    MaterialStatus,
    Setting,
)
from reimbursements.models import (
    BenefitPolicy,
    BenefitPool,
    Claim,
    ClaimEvent,
    ClaimInvoice,
    ClaimMaterial,
    ClaimMaterialRequirement,
    ClaimPolicy,
    ClaimReviewQueue,
    PoolUsageElsewhere,
)
from reimbursements.rules import CLAIM_ACTION_CAPACITIES, CLAIM_REVEAL_CAPACITIES, MATERIAL_STATUS_CAPACITIES

# --- the materials panel atop a claim's page ----------------------------------------------------------

# What a tick on the panel may make of an item in each status: never less than it is (an accepted item
# stays accepted; a rejection is a judgement on what was handed in). The API's status endpoint is wider.
PANEL_STEPS = {
    MaterialStatus.MISSING: (MaterialStatus.RECEIVED, MaterialStatus.ACCEPTED),
    MaterialStatus.REJECTED: (MaterialStatus.RECEIVED, MaterialStatus.ACCEPTED),
    MaterialStatus.RECEIVED: (MaterialStatus.ACCEPTED, MaterialStatus.REJECTED),
    MaterialStatus.ACCEPTED: (),
}
STEP_LABELS = {
    MaterialStatus.RECEIVED: _("Mark received"),
    MaterialStatus.ACCEPTED: _("Accept the item"),
    MaterialStatus.REJECTED: _("Refuse the item"),
}


class MaterialPanelForm(forms.Form):
    """One row of the panel as posted: a status button, a file, or both (the file first)."""

    status = forms.ChoiceField(label=_("status"), choices=[("", "")] + list(STEP_LABELS.items()), required=False)
    reason = forms.CharField(label=_("reason"), max_length=limit(ClaimMaterial, "status_reason"), required=False)
    file = forms.FileField(label=_("file"), required=False)


def materials_panel(claim, actor) -> dict:
    """What the panel shows: each item with its status and file, the steps this actor may take on it."""
    materials = list(claim.materials.order_by("sort_order", "pk"))
    editable = actor is not None and _takes_materials(claim, actor)
    rows = []
    for material in materials:
        rows.append(
            {
                "material": material,
                "status_label": material.get_status_display(),
                "file": ClaimAdmin.document_link(material, Claim) if material.file else "",
                "steps": [(step, STEP_LABELS[step]) for step in PANEL_STEPS[material.status]] if editable else [],
                "rejects": editable and MaterialStatus.REJECTED in PANEL_STEPS[material.status],
                "url": reverse("admin:reimbursements_claim_material", args=[claim.pk, material.item]),
            }
        )
    return {"rows": rows, "summary": selectors.claim_materials_summary(materials=materials), "editable": editable}


class ClaimInvoiceInline(ReadOnlyInline):
    """The bills behind the claim; ``live`` turns false when the claim is rejected or withdrawn."""

    model = ClaimInvoice
    fields = ["code", "number", "amount_yuan", "issued_on", "issuer_shown", "live"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount_yuan(self, obj):
        return yuan(obj.amount)

    @admin.display(description=_("issuer"))
    def issuer_shown(self, obj):
        """A catalogue institution by its code, another by the name it was claimed under."""
        return obj.issuer.removeprefix("name:")


class ClaimEventInline(EventInline):
    model = ClaimEvent


# Steps of the breakdown that are rates, shown as percentages; the rest are amounts in yuan.
RATE_STEPS = {"ratio", "reduction", "effective_ratio"}


def yuan(value) -> str:
    return f"{Decimal(value):,.2f} 元"


def step_value(code: str, value) -> str:
    if code in RATE_STEPS:
        return f"{(Decimal(value) * 100).normalize():f}%"
    return yuan(value)


def breakdown_rows(breakdown: dict) -> list[tuple[str, str]]:
    """(Chinese name, amount in yuan or a percentage) for each step of a breakdown."""
    return [
        (str(BREAKDOWN_STEP_LABELS.get(step["code"], step["label"])), step_value(step["code"], step["value"]))
        for step in breakdown.get("steps") or []
    ]


def _claim_action(action: str, label, form_class=None):
    return transition_action(
        name=f"{action}_claims",
        label=label,
        form_class=form_class,
        capacities=CLAIM_ACTION_CAPACITIES[action],
        perform=lambda claim, actor, **data: services.claim_transition(
            claim_id=claim.pk, action=action, actor=actor, **data
        ),
    )


# In bulk only what needs no judgement per claim: a reviewer takes a batch of the queue into review.
start_review = _claim_action(ClaimAction.START_REVIEW, _("Start review"))


# --- the tasks of a claim's page -------------------------------------------------------------------


OptionalReasonForm = reason_task_form(services.CLAIMS, required=False)
RequiredReasonForm = reason_task_form(services.CLAIMS, required=True)


class MaterialsRequestForm(RequiredReasonForm):
    """补正: the reason starts as the list of required items not yet accepted, for staff to keep or edit."""

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, record=record, **kwargs)
        if record is not None:
            self.fields["reason"].initial = services.materials_request_reason(record)


class PaymentTaskForm(TaskForm):
    payment_reference = forms.CharField(label=_("payment reference"), max_length=limit(Claim, "payment_reference"))


class ClaimUploadForm(TaskForm):
    item = forms.ChoiceField(label=_("material"))
    file = forms.FileField(label=_("file"), help_text=_("PDF, JPEG or PNG, at most 10 MB."))
    status = forms.ChoiceField(
        label=_("status"),
        choices=[
            (MaterialStatus.RECEIVED, MaterialStatus.RECEIVED.label),
            (MaterialStatus.ACCEPTED, MaterialStatus.ACCEPTED.label),
        ],
        initial=MaterialStatus.RECEIVED,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [
            (m.item, f"{m.name}（{m.get_status_display()}）") for m in self.record.materials.order_by("sort_order")
        ]


def _upload(claim, actor, *, item, file, status):
    content_type = check_upload(file)
    if status == MaterialStatus.RECEIVED:  # a file never takes an accepted item back: the service decides
        status = None
    services.claim_material_update(
        claim_id=claim.pk, item=item, actor=actor, status=status, upload=file, content_type=content_type
    )


def _approval_facts(claim) -> list[tuple]:
    """What a reviewer reads before approving: the basis the records give and the amount it yields."""
    breakdown = selectors.claim_estimate(claim=claim)
    return [
        (_("basis"), ClaimBasis(claim.basis).label if claim.basis else "—"),
        (_("why this basis"), claim.basis_explanation or "—"),
        (_("payable amount (computed now)"), yuan(breakdown["payable"])),
        *breakdown_rows(breakdown),
    ]


def _transition(action):
    return lambda claim, actor, **data: services.claim_transition(claim_id=claim.pk, action=action, actor=actor, **data)


def _takes_materials(claim, actor) -> bool:
    return claim.state in CHECKLIST_OPEN_STATES and actor.may(MATERIAL_STATUS_CAPACITIES)


CLAIM_TASKS = (
    machine_task(
        services.CLAIMS,
        ClaimAction.SUBMIT,
        _transition(ClaimAction.SUBMIT),
        label=_("Resubmit after corrections"),
        form_class=OptionalReasonForm,
    ),
    machine_task(
        services.CLAIMS,
        ClaimAction.REQUEST_MATERIALS,
        _transition(ClaimAction.REQUEST_MATERIALS),
        form_class=MaterialsRequestForm,
    ),
    machine_task(services.CLAIMS, ClaimAction.START_REVIEW, _transition(ClaimAction.START_REVIEW)),
    machine_task(services.CLAIMS, ClaimAction.APPROVE, _transition(ClaimAction.APPROVE), confirm=_approval_facts),
    machine_task(services.CLAIMS, ClaimAction.REJECT, _transition(ClaimAction.REJECT), form_class=RequiredReasonForm),
    machine_task(services.CLAIMS, ClaimAction.PAY, _transition(ClaimAction.PAY), form_class=PaymentTaskForm),
    machine_task(
        services.CLAIMS, ClaimAction.WITHDRAW, _transition(ClaimAction.WITHDRAW), form_class=OptionalReasonForm
    ),
    RecordTask(
        name="upload",
        label=_("Upload a document"),
        perform=_upload,
        allowed=_takes_materials,
        form_class=ClaimUploadForm,
        done=_("Document received."),
    ),
)


# --- a claim made at the counter -------------------------------------------------------------------


class CounterClaimForm(forms.Form):
    """The counter's claim for a person: the same fields as ``POST /claims/``, judged by the same services."""

    required_css_class = "required"  # the labels of what the claim cannot go without are marked

    person = forms.ModelChoiceField(
        label=_("person"),
        queryset=Person.objects.all(),
        widget=CheckedAutocompleteSelect(Claim._meta.get_field("person"), admin.site),
    )
    claim_kind = forms.ChoiceField(label=_("claim kind"), choices=ClaimKind.choices)
    setting = forms.ChoiceField(
        label=_("setting"),
        choices=[("", "---------"), *Setting.choices],
        required=False,
        help_text=_("Emergency claims only."),
    )
    disease = forms.ModelChoiceField(
        label=_("disease"),
        queryset=ChronicDisease.objects.filter(is_active=True),
        required=False,
        help_text=_("Chronic/special outpatient claims only."),
    )
    injury = forms.BooleanField(label=_("injury (外伤)"), required=False)
    reason = forms.ChoiceField(label=_("reason for claiming"), choices=ClaimReason.choices)
    filing = forms.CharField(
        label=_("filing (optional)"),
        max_length=limit(Claim, "reference"),
        required=False,
        help_text=_("A filing the person says covered the care; the records decide the basis."),
    )
    institution = forms.ModelChoiceField(
        label=_("designated institution"),
        queryset=Institution.objects.all(),
        required=False,
        widget=CheckedAutocompleteSelect(Claim._meta.get_field("institution"), admin.site),
        help_text=_("When it is in the catalogue; otherwise give its name and level."),
    )
    institution_name = forms.CharField(
        label=_("institution name"), max_length=limit(Claim, "institution_name"), required=False
    )
    institution_level = forms.TypedChoiceField(
        label=_("institution level"),
        choices=[("", "---------"), *Claim._meta.get_field("institution_level").choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    city = forms.ModelChoiceField(
        label=_("city of treatment"),
        queryset=Region.objects.filter(level=RegionLevel.CITY),  # the autocomplete too (Claim.city's limit)
        widget=CheckedAutocompleteSelect(Claim._meta.get_field("city"), admin.site),
    )
    admission_date = forms.DateField(label=_("admission date"), widget=AdminDateWidget)
    discharge_date = forms.DateField(label=_("discharge date"), widget=AdminDateWidget)
    total_amount = forms.DecimalField(label=_("total amount"), max_digits=12, decimal_places=2, min_value=0)
    excluded_amount = forms.DecimalField(
        label=_("outside the catalogue (目录外)"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    category_b_self_pay = forms.DecimalField(
        label=_("category B paid first (乙类先行自付)"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    bank_name = forms.CharField(label=_("bank"), max_length=limit(Claim, "bank_name"), required=False)
    bank_account = forms.CharField(label=_("bank account"), max_length=limit(Claim, "bank_account"), required=False)
    account_holder = forms.CharField(
        label=_("account holder"), max_length=limit(Claim, "account_holder"), required=False
    )
    proxy_name = forms.CharField(label=_("proxy name"), max_length=limit(Claim, "proxy_name"), required=False)
    proxy_id_number = forms.CharField(
        label=_("proxy ID number"), max_length=limit(Claim, "proxy_id_number"), required=False
    )
    proxy_relationship = forms.CharField(
        label=_("proxy relationship"), max_length=limit(Claim, "proxy_relationship"), required=False
    )
    received_all = forms.BooleanField(
        label=_("every listed material received at the counter"),
        required=False,
        help_text=_("Marks each checklist item received; accept or reject them on the claim's page."),
    )

    SECTIONS = (
        (None, ["person", "claim_kind", "setting", "disease", "injury", "reason", "filing"]),
        (
            _("Treatment"),
            ["institution", "institution_name", "institution_level", "city", "admission_date", "discharge_date"],
        ),
        (_("Amounts"), ["total_amount", "excluded_amount", "category_b_self_pay"]),
        (_("Payment"), ["bank_name", "bank_account", "account_holder"]),
        (_("Proxy"), ["proxy_name", "proxy_id_number", "proxy_relationship"]),
        (_("Materials"), ["received_all"]),
    )

    # The fields only some claim kinds take, and those kinds: the form shows them for those only
    # (static/reimbursements/claim_form.js); the services ignore them for the others.
    KIND_FIELDS = {"setting": [ClaimKind.EMERGENCY.value], "disease": [ClaimKind.CHRONIC_OUTPATIENT.value]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim_kind"].widget.attrs["data-kind-fields"] = json.dumps(self.KIND_FIELDS)

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def service_data(self) -> dict:
        """The claim as the API receives it (codes for references), from the fields that are valid."""
        cleaned = getattr(self, "cleaned_data", {})
        data = {}
        for name, value in cleaned.items():
            if name in ("person", "received_all") or value in (None, "", []):
                continue
            data[name] = value.code if hasattr(value, "code") else value
        return data


def _invoice_row_field(name: str, invoices) -> tuple[int, str] | None:
    """(row, field) of an error named ``invoices.N.field`` that the formset shows, else None."""
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "invoices" and parts[1].isdigit():
        row = int(parts[1])
        if row < len(invoices.forms) and parts[2] in invoices.forms[row].fields:
            return row, parts[2]
    return None


class InvoiceForm(forms.Form):
    required_css_class = "required"

    code = forms.CharField(label=_("invoice code (票据代码)"), max_length=limit(ClaimInvoice, "code"))
    number = forms.CharField(label=_("invoice number (票据号码)"), max_length=limit(ClaimInvoice, "number"))
    amount = forms.DecimalField(label=_("amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    issued_on = forms.DateField(label=_("issued on"), widget=AdminDateWidget)


class BaseInvoiceFormSet(forms.BaseFormSet):
    """Rows left blank are skipped (the form starts with one; 添加另一张发票 adds more); at least one is filled."""

    def clean(self):
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise forms.ValidationError(_("Fill in at least one invoice (票据)."), code="no_invoice")


InvoiceFormSet = forms.formset_factory(InvoiceForm, formset=BaseInvoiceFormSet, extra=1)


def errors_named(form, invoices) -> list[str]:
    """The labels of the fields in error (and the invoices), for the note atop the form."""
    named = [str(form.fields[name].label) for name in form.errors if name in form.fields]
    if invoices.non_form_errors() or any(invoices.errors):
        named.append(gettext("Invoices"))
    return named


class MyClaimsFilter(admin.SimpleListFilter):
    """The viewer's own open claims (received at the counter by them), as the index links to them."""

    title = _("my work")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("open", _("received by me, still open")), ("to_check", _("received by me, items to check"))]

    def queryset(self, request, queryset):
        if self.value() in selectors.OWN_CLAIM_WORK:
            mine = selectors.claims_received_by(user_id=request.user.pk, work=self.value())
            return queryset.filter(pk__in=mine.values("pk"))
        return queryset


def own_claim_work(request) -> list[OwnWork]:
    """The counter's lines on the index: claims they received still open, and those with items to check."""
    actor = actor_of(request.user)
    if actor is None or not actor.may(MATERIAL_STATUS_CAPACITIES):
        return []
    url = reverse("admin:reimbursements_claim_changelist")
    labels = {"open": _("Claims I received, still open"), "to_check": _("Claims I received with items to check")}
    return [
        OwnWork(
            label=labels[work],
            count=selectors.claims_received_by(user_id=request.user.pk, work=work).count(),
            url=f"{url}?mine={work}",
        )
        for work in selectors.OWN_CLAIM_WORK
    ]


@admin.register(Claim)
class ClaimAdmin(
    MaterialsPanelMixin,
    RevealViewMixin,
    RecordTasksMixin,
    CSVExportMixin,
    ReadableHistoryMixin,
    DocumentDownloadMixin,
    admin.ModelAdmin,
):
    document_model = ClaimMaterial
    document_parent = "claim"
    export_related = ("person",)
    export_columns = [
        field_column(Claim, "reference"),
        (_("person's name"), lambda claim: claim.person.name),
        (_("ID number"), lambda claim: mask_id_number(claim.person.id_number)),
        field_column(Claim, "claim_kind"),
        field_column(Claim, "basis"),
        field_column(Claim, "state"),
        field_column(Claim, "institution_name"),
        field_column(Claim, "admission_date"),
        field_column(Claim, "discharge_date"),
        field_column(Claim, "total_amount"),
        field_column(Claim, "payable_amount"),
        field_column(Claim, "channel"),
        field_column(Claim, "submitted_at"),
        field_column(Claim, "decided_at"),
        field_column(Claim, "paid_at"),
        field_column(Claim, "payment_reference"),
    ]
    list_display = [
        "reference",
        "person_name",
        "claim_kind",
        "basis",
        "state",
        "review_due_marked",
        "total_yuan",
        "payable_yuan",
        "submitted_at",
    ]
    list_filter = [MyClaimsFilter, "state", "claim_kind", "basis", "reason", "injury", "channel", "submitted_at"]
    search_fields = ["=reference", "=person__id_number", "person__name"]
    list_select_related = ["person"]
    date_hierarchy = "submitted_at"
    actions = []
    record_tasks = CLAIM_TASKS
    inlines = [ClaimInvoiceInline, ClaimEventInline]
    exclude = ["bank_account", "breakdown", "proxy_id_number"]

    @admin.display(description=_("person's name"), ordering="person__name")
    def person_name(self, obj):
        return obj.person.name

    @admin.display(description=_("total amount"), ordering="total_amount")
    def total_yuan(self, obj):
        return yuan(obj.total_amount)

    @admin.display(description=_("outside the catalogue (目录外)"))
    def excluded_yuan(self, obj):
        return yuan(obj.excluded_amount)

    @admin.display(description=_("category B paid first (乙类先行自付)"))
    def category_b_yuan(self, obj):
        return yuan(obj.category_b_self_pay)

    @admin.display(description=_("payable amount"), ordering="payable_amount")
    def payable_yuan(self, obj):
        return yuan(obj.payable_amount) if obj.payable_amount is not None else "—"

    @admin.display(description=_("deductible applied"))
    def deductible_yuan(self, obj):
        return yuan(obj.deductible_applied) if obj.deductible_applied is not None else "—"

    @admin.display(description=_("review due"), ordering="review_due")
    def review_due_marked(self, obj):
        return due_date_shown(obj.review_due, overdue=obj.is_overdue, provisional=obj.review_due_provisional)

    def reveal_fields(self, request, obj) -> list[str]:
        """The claim's numbers this user may read in full: the bank account only the roles that pay."""
        actor = actor_of(request.user)
        return [
            name
            for name, capacities in CLAIM_REVEAL_CAPACITIES.items()
            if actor is not None and actor.may(capacities) and getattr(obj, name)
        ]

    def reveal_masked(self, obj) -> list[tuple[str, str]]:
        return [
            (_("bank account"), obj.masked_bank_account or "—"),
            (_("proxy ID number"), obj.masked_proxy_id_number or "—"),
        ]

    def reveal_values(self, request, obj, *, fields, purpose, reason) -> dict[str, str]:
        return services.claim_reveal(
            claim=obj, fields=fields, purpose=purpose, reason=reason, actor=actor_of(request.user)
        )

    @admin.display(description=_("bank account"))
    def bank_account_masked(self, obj):
        return obj.masked_bank_account

    @admin.display(description=_("proxy ID number"))
    def proxy_id_number_masked(self, obj):
        return obj.masked_proxy_id_number or "-"

    @admin.display(description=_("breakdown"))
    def breakdown_table(self, obj):
        """The frozen breakdown, led by the basis it rested on (why an own share was or was not taken)."""
        breakdown = obj.breakdown or {}
        rows = breakdown_rows(breakdown)
        if not rows:
            return "-"
        basis = breakdown.get("basis") or {}
        lead = format_html(
            "<div>{}: <strong>{}</strong> {}</div>",
            _("basis"),
            ClaimBasis(basis["code"]).label if basis.get("code") else "-",
            basis.get("explanation", ""),
        )
        return lead + format_html(
            '<table class="breakdown">{}</table>',
            format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', rows),
        )

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
                    "total_yuan",
                    "excluded_yuan",
                    "category_b_yuan",
                    "payable_yuan",
                    "deductible_yuan",
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
            {
                "fields": [
                    "channel",
                    "submitted_at",
                    "review_due",
                    "review_due_provisional",
                    "review_started_at",
                    "decided_at",
                    "end_reason",
                    "version",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Claims are made through the API or the counter's channel; here they change only by actions.
        return [f.name for f in Claim._meta.fields if f.name not in self.exclude] + [
            "total_yuan",
            "excluded_yuan",
            "category_b_yuan",
            "payable_yuan",
            "deductible_yuan",
            "bank_account_masked",
            "proxy_id_number_masked",
            "breakdown_table",
        ]

    def has_add_permission(self, request):
        """Counter staff make claims for persons (the same capacity as ``POST /claims/``)."""
        actor = actor_of(request.user)
        return actor is not None and actor.may(CLAIM_ACTION_CAPACITIES[ClaimAction.SUBMIT])

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        """A stored claim is only read: its checklist changes on the materials panel, the rest by its tasks."""
        return obj is None and super().has_change_permission(request)

    def materials_panel(self, claim, actor) -> dict:
        return materials_panel(claim, actor)

    def takes_materials(self, claim, actor) -> bool:
        return _takes_materials(claim, actor)

    def material_post(self, request, claim, actor, item: str) -> None:
        """A tick or a scan from the panel, through claim_material_update."""
        material = claim.materials.filter(item=item).first()
        if material is None:
            raise Http404
        form = MaterialPanelForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                self.message_user(request, f"{material.name}: {' '.join(errors)}", messages.ERROR)
            return
        status, upload = form.cleaned_data["status"] or None, form.cleaned_data["file"]
        if status is None and upload is None:
            self.message_user(
                request, gettext("%(item)s: choose a file or a status.") % {"item": material.name}, messages.ERROR
            )
            return
        if status is not None and status not in PANEL_STEPS[material.status]:
            self.message_user(
                request,
                gettext("%(item)s is already %(status)s; the panel does not take it back.")
                % {"item": material.name, "status": material.get_status_display()},
                messages.ERROR,
            )
            return
        try:
            content_type = check_upload(upload) if upload is not None else ""
            material = services.claim_material_update(
                claim_id=claim.pk,
                item=item,
                actor=actor,
                status=status,
                reason=form.cleaned_data["reason"],
                upload=upload,
                content_type=content_type,
            )
        except PermissionRefused:
            raise
        except ApplicationError as exc:
            said = [str(exc.message)] + [
                str(message) for name, errors in (exc.errors or {}).items() if name == "reason" for message in errors
            ]
            self.message_user(request, f"{material.name}: {' '.join(said)}", messages.ERROR)
        else:
            done = (
                gettext("%(item)s: file received, now %(status)s.")
                if upload is not None
                else gettext("%(item)s: now %(status)s.")
            )
            self.message_user(
                request, done % {"item": material.name, "status": material.get_status_display()}, messages.SUCCESS
            )

    def add_view(self, request, form_url="", extra_context=None):
        """The counter's claim: person, treatment, amounts, invoices, in one page; every rule at once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        # Read through the admin policy's check (config.admin_policy.InitialDataChecked): ?person=x is a 400.
        initial = {k: v for k, v in self.get_changeform_initial_data(request).items() if k == "person"} or None
        form = CounterClaimForm(request.POST or None, initial=initial)
        invoices = InvoiceFormSet(request.POST or None, prefix="invoices")
        if request.method == "POST":
            claim = self._submit_counter_claim(request, form, invoices)
            if claim is not None:
                self.message_user(
                    request,
                    gettext("Claim %(ref)s made; tick its materials below.") % {"ref": claim.reference},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:reimbursements_claim_change", args=[claim.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Make a claim at the counter"),
            "opts": self.model._meta,
            "form": form,
            "invoices": invoices,
            "media": self.media
            + form.media
            + invoices.media
            + forms.Media(js=["reimbursements/invoice_rows.js", "reimbursements/claim_form.js"]),
            "errors_named": errors_named(form, invoices) if request.method == "POST" else [],
            "add": True,
        }
        return TemplateResponse(request, "admin/reimbursements/claim/counter_add.html", context)

    def _submit_counter_claim(self, request, form, invoices):
        """Validates shape and rules together (all errors of a submit at once), then submits."""
        form_ok, invoices_ok = form.is_valid(), invoices.is_valid()
        person = form.cleaned_data.get("person")
        if person is None:
            return None
        data = form.service_data()
        data["invoices"] = [row for row in (f.cleaned_data for f in invoices.forms) if row] if invoices_ok else []
        invalid = set(form.errors)
        try:
            services.claim_validate(actor=request.user.actor, data=data, person=person)
            if not (form_ok and invoices_ok):
                return None
            with transaction.atomic():
                claim = services.claim_submit(actor=request.user.actor, data=data, person=person)
                if form.cleaned_data.get("received_all"):
                    for material in claim.materials.all():
                        services.claim_material_update(
                            claim_id=claim.pk,
                            item=material.item,
                            actor=request.user.actor,
                            status=MaterialStatus.RECEIVED,
                        )
            return claim
        except ApplicationError as exc:
            placed = False
            for name, errors in (exc.errors or {}).items():
                row_field = _invoice_row_field(name, invoices) if invoices_ok else None
                if row_field is not None:  # "invoices.1.issued_on": on that row's field
                    invoices.forms[row_field[0]].add_error(row_field[1], errors)
                    placed = True
                elif name == "invoices" or name.startswith("invoices"):
                    if invoices_ok:
                        invoices._non_form_errors = invoices.error_class(
                            list(invoices.non_form_errors()) + list(errors)
                        )
                    placed = True
                elif name in form.fields:
                    if name not in invalid:
                        form.add_error(name, errors)
                    placed = True
            if not placed:
                form.add_error(None, str(exc.message))
            return None

    def save_model(self, request, obj, form, change):
        """Nothing to save: a stored claim changes on its materials panel and through its tasks."""


class QueueStateFilter(admin.SimpleListFilter):
    """Only the states a claim in the queue can be in."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(state.value, state.label) for state in AWAITING_DECISION]

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(ClaimReviewQueue)
class ClaimReviewQueueAdmin(ClaimAdmin):
    """Claims awaiting the bureau's decision, the most urgent first; overdue ones marked."""

    list_display = [
        "reference",
        "review_due_marked",
        "state",
        "person_name",
        "claim_kind",
        "materials_complete",
        "total_yuan",
        "submitted_at",
    ]
    list_filter = [DueFilter, QueueStateFilter, "claim_kind", "basis", "channel"]
    ordering = ["review_due", "submitted_at"]
    actions = [start_review]

    def get_queryset(self, request):
        required = Q(materials__required=True)
        return (
            super()
            .get_queryset(request)
            .filter(state__in=AWAITING_DECISION)
            .annotate(
                required_items=Count("materials", filter=required, distinct=True),
                accepted_items=Count(
                    "materials", filter=required & Q(materials__status=MaterialStatus.ACCEPTED), distinct=True
                ),
            )
        )

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("required materials accepted"))
    def materials_complete(self, obj):
        shown = f"{obj.accepted_items} / {obj.required_items}"
        if obj.accepted_items < obj.required_items:
            return format_html('<strong style="color:#ba2121">{}</strong>', shown)
        return format_html("{} ✓", shown)


@admin.register(ClaimMaterialRequirement)
class ClaimMaterialRequirementAdmin(PolicyRowsAdmin):
    list_display = ["claim_kind", "item", "name", "required", "original", "effective_from", "effective_to"]
    list_filter = ["claim_kind", "required", "original"]
    search_fields = ["item", "name"]


@admin.register(BenefitPool)
class BenefitPoolAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "note", "is_sample"]
    search_fields = ["code", "name"]


@admin.register(BenefitPolicy)
class BenefitPolicyAdmin(PolicyRowsAdmin):
    list_display = [
        "insurance_type",
        "visit_kind",
        "institution_level",
        "deductible",
        "deductible_scope",
        "ratio",
        "annual_cap",
        "is_sample",
        "effective_from",
        "effective_to",
    ]  # the pool is a filter and on the row's page: its long names would push the dates off a 1366 screen
    list_filter = ["insurance_type", "visit_kind", "institution_level", "pool", "deductible_scope", "is_sample"]


class PoolUsageElsewhereForm(forms.ModelForm):
    """The source is free text: shown masked (also on past versions' pages), stored masked."""

    class Meta:
        model = PoolUsageElsewhere
        fields = ["person", "year", "pool", "fund_paid", "visit_kind", "deductible_paid", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("source"):
            self.initial["source"] = mask_free_text(self.initial["source"])

    def clean_source(self):
        """Identifiers typed into the source are masked before it is stored, as in every free text."""
        return mask_free_text(self.cleaned_data.get("source") or "")


@admin.register(PoolUsageElsewhere)
class PoolUsageElsewhereAdmin(SimpleHistoryAdmin):
    """Amounts settled outside this system: recorded by administrators (or ``import_pool_usage``), with history."""

    form = PoolUsageElsewhereForm
    list_display = [
        "person",
        "year",
        "pool",
        "fund_paid",
        "visit_kind",
        "deductible_paid",
        "source_shown",
        "recorded_at",
    ]
    list_filter = ["year", "pool", "visit_kind"]
    list_select_related = ["person", "pool"]
    search_fields = ["=person__id_number", "source"]
    raw_id_fields = ["person"]

    @admin.display(description=_("source"), ordering="source")
    def source_shown(self, obj):
        return mask_free_text(obj.source)


@admin.register(ClaimPolicy)
class ClaimPolicyAdmin(PolicyRowsAdmin):
    list_display = [
        "effective_from",
        "effective_to",
        "submission_deadline_months",
        "own_share_rate",
        "referral_reduction",
        "emergency_reduction",
        "other_temporary_reduction",
        "max_files_per_item",
        "max_record_upload_kb",
    ]


admin.site.register_queue(
    DeskQueue(
        label=_("Claims to decide"),
        url_name="admin:reimbursements_claimreviewqueue_changelist",
        capacities=CLAIM_ACTION_CAPACITIES[ClaimAction.APPROVE],
        due_dates=lambda: list(Claim.objects.filter(state__in=AWAITING_DECISION).values_list("review_due", flat=True)),
    )
)

admin.site.register_own_work(own_claim_work)
