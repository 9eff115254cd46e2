"""Admin for filing policy and filings: counter staff, reviewers and auditors work here."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
    reason_field,
    reason_task_form,
    transition_action,
)
from config.admin_policy_rows import PolicyRowsAdmin
from config.admin_site import DeskQueue, OwnWork
from config.api.inputs import limit
from config.errors import ApplicationError, PermissionRefused
from config.files import check_upload
from filings import services
from filings.choices import LIVE_STATES, FilingAction, FilingMode, FilingState, FilingType
from filings.models import (
    DesignatedInstitutionRule,
    Filing,
    FilingEvent,
    FilingMaterial,
    FilingMaterialRequirement,
    FilingPolicy,
    FilingReviewQueue,
    FilingTypeRule,
    InProvinceFilingCity,
)
from filings.rules import FILING_ACTION_CAPACITIES, MATERIAL_UPLOAD_CAPACITIES
from filings.selectors import filing_checklist, filing_requirements, filing_type_fields, filings_registered_by
from registry.choices import RegionLevel
from registry.masking import mask_id_number, mask_phone
from registry.models import Person, Region


class PolicyAdmin(PolicyRowsAdmin):
    """Policy rows: everyone with access reads them; only administrators hold the change permission. A row in
    force changes only from a date (``config.admin_policy_rows``)."""


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


@admin.register(DesignatedInstitutionRule)
class DesignatedInstitutionRuleAdmin(PolicyAdmin):
    list_display = ["destination", "filing_type", "note", "effective_from", "effective_to"]
    list_filter = ["filing_type"]
    list_select_related = ["destination"]
    autocomplete_fields = ["destination"]


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
        "max_files_per_item",
        "max_record_upload_kb",
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
        (_("Upload quotas"), {"fields": ("max_files_per_item", "max_record_upload_kb")}),
    )


class FilingEventInline(EventInline):
    model = FilingEvent


FILE_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


class FilingMaterialInline(ReadOnlyInline):
    model = FilingMaterial
    fields = ["item", "document", "file_type", "size", "uploaded_at", "uploaded_by", "channel", "superseded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def document(self, obj):
        return FilingAdmin.document_link(obj, Filing)

    @admin.display(description=FilingMaterial._meta.get_field("content_type").verbose_name)
    def file_type(self, obj):
        """The format as staff name it (PDF, JPEG), not its media type (application/pdf)."""
        return FILE_TYPES.get(obj.content_type, obj.content_type or "-")


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
        self.type_fields = {}
        if "consent" in self.fields:  # the add form; a stored filing shows read-only fields only
            self.fields["consent"].required = True
            self.fields["mode"].initial = FilingMode.SELF_SERVICE
            self.fields["proof_basis"].required = False
            # Which rows the chosen type shows (static/filings/filing_form.js); clean() drops the others.
            self.type_fields = filing_type_fields()
            self.fields["filing_type"].widget.attrs["data-type-fields"] = json.dumps(self.type_fields)
            self._offer_the_persons_phone()

    def _chosen_person(self):
        """The person the form is for (posted, or from ``?person=``), if the value names one."""
        value = (self.data.get("person") if self.is_bound else None) or self.initial.get("person")
        try:
            return Person.objects.filter(pk=value).first() if value else None
        except (ValueError, ValidationError):
            return None

    def _offer_the_persons_phone(self) -> None:
        """The contact phone may stay empty for the person's own number on record, shown masked only (a full
        number on a page is a reveal: registry.masking)."""
        person = self._chosen_person()
        if person is not None and person.phone:
            field = self.fields["contact_phone"]
            field.required = False
            field.widget.attrs["placeholder"] = mask_phone(person.phone)
            field.help_text = _("Empty: the person's number on record (shown masked).")

    def irrelevant_fields(self, filing_type) -> list[str]:
        """The fields the chosen filing type does not take (all the conditional ones while none is chosen)."""
        return [name for name, types in self.type_fields.items() if filing_type not in types and name in self.fields]

    def clean(self):
        """Every rule at once: the services judge what the fields hold even when some are invalid, and
        their findings are added beside the fields' own errors (never twice on one field).

        Fields the chosen type does not take are dropped first, with their errors: the form hides them,
        so whatever they still hold (typed before the type changed) is neither judged nor stored."""
        cleaned = super().clean()
        for name in self.irrelevant_fields(cleaned.get("filing_type")):
            self._errors.pop(name, None)
            cleaned[name] = self.fields[name].to_python(None) if name != "institutions" else []
        person = cleaned.get("person")
        if person is not None and "contact_phone" in self.fields and not cleaned.get("contact_phone"):
            cleaned["contact_phone"] = person.phone  # left empty: the person's own number
        if person is None:
            return cleaned
        invalid = set(self.errors)
        try:
            services.filing_validate(actor=self.actor, person=person, data=self.service_data())
        except ApplicationError as exc:
            if exc.code == "live_filing_exists":
                self.add_error("person", self._live_filing_link(person))
                return cleaned
            if not exc.errors:
                raise forms.ValidationError(str(exc.message)) from exc
            for name, messages_ in exc.errors.items():
                if name in invalid:
                    continue
                self.add_error(name if name in self.fields else None, messages_)
        return cleaned

    @staticmethod
    def _live_filing_link(person):
        live = Filing.objects.filter(person=person, state__in=LIVE_STATES).first()
        if live is None:  # pragma: no cover - the service found one a moment ago
            return gettext("This person already has a live filing.")
        url = reverse("admin:filings_filing_change", args=[live.pk])
        return format_html(
            '{} <a href="{}">{}</a>',
            gettext("This person already has a live filing; change or revoke it first:"),
            url,
            live.reference,
        )

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


def _filing_action(action: str, label, form_class=None):
    return transition_action(
        name=f"{action}_filings",
        label=label,
        form_class=form_class,
        capacities=FILING_ACTION_CAPACITIES[action],
        perform=lambda filing, actor, **data: services.filing_transition(
            filing_id=filing.pk, action=action, actor=actor, **data
        ),
    )


# Bulk actions only where a reviewer works through a queue; everything else is done on the record.
approve_filings = _filing_action(FilingAction.APPROVE, _("Approve selected filings"))
reject_filings = _filing_action(FilingAction.REJECT, _("Reject selected filings"), ReasonForm)


# --- the tasks of a filing's page ------------------------------------------------------------------


OptionalReasonForm = reason_task_form(services.FILINGS, required=False)
RequiredReasonForm = reason_task_form(services.FILINGS, required=True)


class RevokeTaskForm(TaskForm):
    effective_to = forms.DateField(
        label=_("covered until"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("Last day still covered; empty means revoke at once."),
    )
    reason = reason_field(services.FILINGS, required=True)


class ContactTaskForm(TaskForm):
    contact_name = forms.CharField(label=_("contact name"), max_length=limit(Filing, "contact_name"))
    contact_phone = forms.CharField(
        label=_("contact phone"),
        max_length=limit(Filing, "contact_phone"),
        help_text=_("The number now on record is shown masked; type the new one in full."),
    )
    reason = reason_field(services.FILINGS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_name"].initial = self.record.contact_name
        self.fields["contact_phone"].widget.attrs["placeholder"] = mask_phone(self.record.contact_phone)


class ChangeTaskForm(TaskForm):
    """变更: the fields that may change; only those that differ from the filing are sent."""

    destination = forms.ModelChoiceField(
        label=_("destination"),
        queryset=Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY]).order_by("code"),
    )
    start_date = forms.DateField(
        label=_("changed filing starts on"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("Empty: today. The current filing covers every day before it."),
    )
    end_date = forms.DateField(label=_("end date"), required=False, widget=AdminDateWidget)
    contact_name = forms.CharField(label=_("contact name"), max_length=limit(Filing, "contact_name"))
    contact_phone = forms.CharField(
        label=_("contact phone"),
        max_length=limit(Filing, "contact_phone"),
        required=False,
        help_text=_("Empty: keep the number on record."),
    )
    reason = reason_field(services.FILINGS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].initial = self.record.destination_id
        self.fields["end_date"].initial = self.record.end_date
        self.fields["contact_name"].initial = self.record.contact_name
        self.fields["contact_phone"].widget.attrs["placeholder"] = mask_phone(self.record.contact_phone)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            cleaned["changes"] = self.changes()
            if not cleaned["changes"]:
                raise forms.ValidationError(_("Nothing differs from the filing: change at least one field."))
        return cleaned

    def changes(self) -> dict:
        data, record = self.cleaned_data, self.record
        changes = {}
        if data.get("destination") and data["destination"].pk != record.destination_id:
            changes["destination"] = data["destination"].code
        if data.get("start_date"):
            changes["start_date"] = data["start_date"]
        if data.get("end_date") != record.end_date:
            changes["end_date"] = data.get("end_date")
        if data.get("contact_name") and data["contact_name"] != record.contact_name:
            changes["contact_name"] = data["contact_name"]
        if data.get("contact_phone") and data["contact_phone"] != record.contact_phone:
            changes["contact_phone"] = data["contact_phone"]
        return changes


class UploadTaskForm(TaskForm):
    item = forms.ChoiceField(label=_("material"))
    file = forms.FileField(label=_("file"), help_text=_("PDF, JPEG or PNG, at most 10 MB."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [
            (
                i["item"],
                "{}（{}）".format(i["name"], gettext("received") if i["present"] else gettext("not yet received")),
            )
            for i in filing_checklist(filing=self.record)
        ]


def _upload(filing, actor, *, item, file):
    content_type = check_upload(file)
    services.filing_material_upload(filing_id=filing.pk, item=item, upload=file, actor=actor, content_type=content_type)


def _accepts_documents(filing, actor) -> bool:
    awaiting_commitment = (
        filing.state == FilingState.EFFECTIVE
        and filing.proof_basis == "commitment"
        and filing.commitment_fulfilled_at is None
    )
    return actor.may(MATERIAL_UPLOAD_CAPACITIES) and (filing.state == FilingState.SUBMITTED or awaiting_commitment)


def filing_materials_panel(filing, actor) -> dict:
    """The filing's checklist atop its page (the claim's panel, without statuses: a reviewer judges the
    documents with the filing): each item, whether a file is there, and a scan to attach while it may be."""
    editable = actor is not None and _accepts_documents(filing, actor)
    rows, required, received, missing = [], 0, 0, []
    for entry in filing_checklist(filing=filing):
        current = next((m for m in entry["materials"] if m.superseded_at is None), None)
        if entry["required"]:
            required += 1
            received += entry["present"]
            if not entry["present"]:
                missing.append(entry["name"])
        rows.append(
            {
                "material": {
                    "item": entry["item"],
                    "name": entry["name"],
                    "required": entry["required"],
                    "status": "received" if entry["present"] else "missing",
                },
                "status_label": gettext("received") if entry["present"] else gettext("not yet received"),
                "file": FilingAdmin.document_link(current, Filing) if current else "",
                "steps": [],
                "rejects": False,
                "url": reverse("admin:filings_filing_material", args=[filing.pk, entry["item"]]),
            }
        )
    summary = {"required": required, "received": received, "accepted": None, "missing": missing}
    return {"rows": rows, "summary": summary, "editable": editable}


def _approval_facts(filing) -> list[tuple]:
    """What a reviewer sees before approving: the basis of proof and the documents against the list."""
    checklist = filing_checklist(filing=filing)
    required = [i for i in checklist if i["required"]]
    missing = [i["name"] for i in required if not i["present"]]
    return [
        (_("proof"), filing.get_proof_basis_display() or "—"),
        (_("documents received"), f"{sum(1 for i in checklist if i['present'])} / {len(required)}"),
        (_("still missing"), "、".join(missing) or "—"),
        (
            _("review due"),
            due_date_shown(filing.review_due, overdue=False, provisional=filing.review_due_provisional)
            if filing.review_due
            else "—",
        ),
    ]


def _transition(action):
    return lambda filing, actor, **data: services.filing_transition(
        filing_id=filing.pk, action=action, actor=actor, **data
    )


FILING_TASKS = (
    machine_task(services.FILINGS, FilingAction.APPROVE, _transition(FilingAction.APPROVE), confirm=_approval_facts),
    machine_task(
        services.FILINGS, FilingAction.REJECT, _transition(FilingAction.REJECT), form_class=RequiredReasonForm
    ),
    machine_task(
        services.FILINGS,
        FilingAction.CHANGE,
        lambda filing, actor, *, changes, reason, **_fields: services.filing_change(
            filing_id=filing.pk, actor=actor, reason=reason, data=changes
        ),
        form_class=ChangeTaskForm,
    ),
    machine_task(
        services.FILINGS,
        FilingAction.CORRECT_CONTACT,
        _transition(FilingAction.CORRECT_CONTACT),
        form_class=ContactTaskForm,
    ),
    machine_task(
        services.FILINGS, FilingAction.WITHDRAW, _transition(FilingAction.WITHDRAW), form_class=OptionalReasonForm
    ),
    machine_task(services.FILINGS, FilingAction.REVOKE, _transition(FilingAction.REVOKE), form_class=RevokeTaskForm),
    RecordTask(
        name="upload",
        label=_("Upload a document"),
        perform=_upload,
        allowed=_accepts_documents,
        form_class=UploadTaskForm,
        done=_("Document received."),
    ),
)


class MyFilingsFilter(admin.SimpleListFilter):
    """The viewer's own open filings (registered at the counter by them), as the index links to them."""

    title = _("my work")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("open", _("registered by me, still open"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(pk__in=filings_registered_by(user_id=request.user.pk).values("pk"))
        return queryset


def own_filing_work(request) -> list[OwnWork]:
    """The counter's line on the index: filings they registered awaiting review or promised documents."""
    actor = actor_of(request.user)
    if actor is None or not actor.may(MATERIAL_UPLOAD_CAPACITIES):
        return []
    return [
        OwnWork(
            label=_("Filings I registered, still open"),
            count=filings_registered_by(user_id=request.user.pk).count(),
            url=reverse("admin:filings_filing_changelist") + "?mine=open",
        )
    ]


@admin.register(Filing)
class FilingAdmin(
    MaterialsPanelMixin, RecordTasksMixin, CSVExportMixin, ReadableHistoryMixin, DocumentDownloadMixin, admin.ModelAdmin
):
    document_model = FilingMaterial
    document_parent = "filing"
    export_related = ("person", "destination")
    export_columns = [
        field_column(Filing, "reference"),
        (_("person's name"), lambda filing: filing.person.name),
        (_("ID number"), lambda filing: mask_id_number(filing.person.id_number)),
        field_column(Filing, "filing_type"),
        field_column(Filing, "state"),
        (_("destination"), lambda filing: filing.destination.name),
        field_column(Filing, "start_date"),
        field_column(Filing, "end_date"),
        field_column(Filing, "covered_until"),
        field_column(Filing, "mode"),
        field_column(Filing, "channel"),
        field_column(Filing, "submitted_at"),
        field_column(Filing, "review_due"),
        field_column(Filing, "decided_at"),
        field_column(Filing, "ended_at"),
        field_column(Filing, "end_reason"),
    ]
    list_display = [
        "reference",
        "person_name",
        "person_id_number",
        "filing_type",
        "destination",
        "state",
        "submitted_at",
        "review_due_marked",
    ]  # the channel is a filter and on the record's page: its long names would push the dates off a 1366 screen
    list_filter = [
        MyFilingsFilter,
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
    actions = []
    record_tasks = FILING_TASKS
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
        return due_date_shown(obj.review_due, overdue=obj.is_overdue, provisional=obj.review_due_provisional)

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

    class Media:
        js = ["filings/filing_form.js"]

    def materials_panel(self, filing, actor) -> dict:
        return filing_materials_panel(filing, actor)

    def takes_materials(self, filing, actor) -> bool:
        return _accepts_documents(filing, actor)

    def material_post(self, request, filing, actor, item: str) -> None:
        """A scan attached on the panel, through filing_material_upload."""
        names = {entry["item"]: entry["name"] for entry in filing_checklist(filing=filing)}
        if item not in names:
            raise Http404
        upload = request.FILES.get("file")
        try:
            content_type = check_upload(upload)
            services.filing_material_upload(
                filing_id=filing.pk, item=item, upload=upload, actor=actor, content_type=content_type
            )
        except PermissionRefused:
            raise
        except ApplicationError as exc:
            self.message_user(request, f"{names[item]}: {exc.message}", messages.ERROR)
        else:
            self.message_user(request, gettext("%(item)s: file received.") % {"item": names[item]}, messages.SUCCESS)

    def get_changeform_initial_data(self, request):
        """A valid start: the most common type (其他临时外出) from today, its end left to the rule; the contact
        is the person when the form was opened from their page (``?person=``), their phone by default."""
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("filing_type", FilingType.OTHER_TEMPORARY)
        initial.setdefault("start_date", timezone.localdate())
        try:
            person = Person.objects.filter(pk=initial["person"]).first() if initial.get("person") else None
        except (ValueError, ValidationError):  # ?person=x: the admin policy's check answers it with a 400
            person = None
        if person is not None:
            initial.setdefault("contact_name", person.name)  # the phone is offered masked (the form's placeholder)
        return initial

    ADD_FIELDSETS = [
        (None, {"fields": ["person", "filing_type", "destination", "start_date", "end_date", "mode", "proof_basis"]}),
        (
            _("Contact and consent"),
            {
                "fields": [
                    "contact_name",
                    "contact_phone",
                    "consent",
                    "proxy_name",
                    "proxy_id_number",
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
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.ADD_FIELDSETS
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
                        "review_due_provisional",
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

    def has_change_permission(self, request, obj=None):
        """A stored filing is read, never edited: it changes only through the tasks its page offers."""
        return obj is None and super().has_change_permission(request)

    def save_model(self, request, obj, form, change):
        if change:
            return
        filing = services.filing_submit(
            actor=request.user.actor, person=form.cleaned_data["person"], data=form.service_data()
        )
        obj.pk = filing.pk
        obj.reference = filing.reference
        obj._state.adding = False

    def response_add(self, request, obj, post_url_continue=None):
        """After filing at the counter, the new filing's own page: its state, its tasks, its documents."""
        self.message_user(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                gettext("Filed:"),
                reverse("admin:filings_filing_change", args=[obj.pk]),
                obj.reference,
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:filings_filing_change", args=[obj.pk]))

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
        "documents",
        "submitted_at",
    ]
    list_filter = [DueFilter, "filing_type", "proof_basis", "channel"]
    actions = [approve_filings, reject_filings]
    ordering = ["review_due", "submitted_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(state=FilingState.SUBMITTED)
            .annotate(document_count=Count("materials__item", distinct=True))
        )

    def changelist_view(self, request, extra_context=None):
        self._required = {}  # required documents per filing type, read once per page
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("documents (received / required)"))
    def documents(self, obj):
        if obj.filing_type not in self._required:
            self._required[obj.filing_type] = (
                filing_requirements(filing_type=obj.filing_type).filter(required=True).count()
            )
        required = self._required[obj.filing_type]
        shown = f"{obj.document_count} / {required}"
        if obj.document_count < required:
            return format_html('<strong style="color:#ba2121">{}</strong>', shown)
        return shown

    def has_add_permission(self, request):
        return False


admin.site.register_queue(
    DeskQueue(
        label=_("Fast-track filings to review"),
        url_name="admin:filings_filingreviewqueue_changelist",
        capacities=FILING_ACTION_CAPACITIES[FilingAction.APPROVE],
        due_dates=lambda: list(Filing.objects.filter(state=FilingState.SUBMITTED).values_list("review_due", flat=True)),
    )
)

admin.site.register_own_work(own_filing_work)
