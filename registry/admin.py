"""Admin for the registry: regions, institutions, insured persons (through the person services), holidays."""

import secrets
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.actors import actor_of, staff_name_and_role
from config.admin import FieldValueNames, ViewOnlyMixin
from config.admin_site import DeskNotice
from config.errors import PermissionRefused, ValidationFailed
from registry import calendar, services
from registry.choices import RevealPurpose
from registry.masking import REVEALABLE_FIELDS, mask_id_number, mask_phone, masked
from registry.models import (
    ChronicDisease,
    ChronicQualification,
    Holiday,
    HolidayYear,
    Institution,
    InsuredPeriod,
    Person,
    PersonDataAccess,
    Region,
)
from registry.permissions import REVEALERS
from registry.selectors import calendar_years_missing
from registry.spans import common


class InsuredPeriodFormSet(forms.BaseInlineFormSet):
    """A person's periods checked together, as they will stand after the save: none may overlap.

    Closing one period and opening the next in the same save is one change, so the rows are
    judged against each other and against the stored periods the page does not show.
    """

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (form.instance.pk is None and not form.has_changed()):
                continue
            rows.append((form, data.get("starts_on"), data.get("ends_on")))
        shown = {form.instance.pk for form, _start, _end in rows if form.instance.pk}
        stored = (
            self.instance.insured_periods.exclude(pk__in=shown) if self.instance.pk else InsuredPeriod.objects.none()
        )
        others = [(None, p.starts_on, p.ends_on) for p in stored]
        for index, (form, start, end) in enumerate(rows):
            for _other, other_start, other_end in rows[index + 1 :] + others:
                if common((start, end), (other_start, other_end)) is not None:
                    message = gettext("Overlaps the period %(start)s – %(end)s.") % {
                        "start": other_start or "…",
                        "end": other_end or "…",
                    }
                    form.add_error("starts_on", message)
                    break


class InsuredPeriodInline(admin.TabularInline):
    """The person's insured periods (参保期间); saved through the registry services, with history."""

    model = InsuredPeriod
    formset = InsuredPeriodFormSet
    fields = ["starts_on", "ends_on", "insurance_type", "insured_region", "status"]
    extra = 0
    can_delete = False
    autocomplete_fields = ["insured_region"]


class ChronicQualificationInline(admin.TabularInline):
    model = ChronicQualification
    fields = ["disease", "starts_on", "ends_on", "approved_by"]
    readonly_fields = ["approved_by"]
    extra = 0
    can_delete = False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level", "parent"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "city",
        "level",
        "settles_inpatient",
        "settles_outpatient",
        "settles_chronic_outpatient",
    ]
    list_filter = ["level", "settles_inpatient", "settles_outpatient", "settles_chronic_outpatient", "city__parent"]
    search_fields = ["code", "name", "city__name"]
    list_select_related = ["city"]
    autocomplete_fields = ["city"]


class MaskedValueInput(forms.TextInput):
    """Shows a stored value only masked (as a placeholder); whatever is typed replaces it."""

    def format_value(self, value):
        return None


class PersonAdminForm(forms.ModelForm):
    """A stored person's phone and social security card number are never sent to the page in full: each
    field shows its value masked and stays as stored when left empty (reading it in full is a logged reveal)."""

    MASKED_INPUTS = ("social_security_card", "phone")

    class Meta:
        model = Person
        fields = [
            "id_number",
            "name",
            "insurance_type",
            "social_security_card",
            "phone",
            "insured_region",
            "insured_status",
            "retired",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.MASKED_INPUTS:
            if not self.instance.pk or name not in self.fields:
                continue
            field = self.fields[name]
            field.widget = MaskedValueInput(attrs={"placeholder": masked(name, getattr(self.instance, name))})
            field.help_text = _("Shown masked. Leave empty to keep it; type a new number to replace it.")
            field.has_changed = lambda initial, data: bool(data) and data != initial

    def _kept(self, name: str):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if not value and self.instance.pk else value

    def clean_phone(self):
        return self._kept("phone")

    def clean_social_security_card(self):
        return self._kept("social_security_card")

    def clean(self):
        cleaned = super().clean()
        data = {name: value for name, value in cleaned.items() if name in services.PERSON_INPUT_FIELDS}
        if isinstance(data.get("insured_region"), Region):
            data["insured_region"] = data["insured_region"].code
        try:
            services.person_validate(data, partial=self.instance.pk is not None)
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                self.add_error(name if name in self.fields else None, messages)
        return cleaned


def _person_changes(changes) -> list[tuple[str, str, str, str]]:
    """(stored codes, label, old, new) of a history diff: values by name (an insurance type, a status, a region:
    ``config.admin.FieldValueNames``), identifiers masked as everywhere else."""
    values = [(change.field, value) for change in changes for value in (change.old, change.new)]
    names = FieldValueNames(Person, [(name, getattr(value, "pk", value)) for name, value in values])
    rows = []
    for change in changes:
        field = Person._meta.get_field(change.field)
        stored = [getattr(v, "pk", v) for v in (change.old, change.new)]
        old, new = ("—" if v in (None, "") else masked(change.field, str(names.shown(change.field, v))) for v in stored)
        codes = " → ".join("—" if v in (None, "") else masked(change.field, str(v)) for v in stored)
        rows.append((f"{change.field}: {codes}" if codes != f"{old} → {new}" else "", field.verbose_name, old, new))
    return rows


REVEAL_TOKENS = "person_reveal_tokens"  # the session's unused reveal forms


class RevealForm(forms.Form):
    fields = forms.MultipleChoiceField(label=_("Show in full"), widget=forms.CheckboxSelectMultiple)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=RevealPurpose.choices)
    reason = forms.CharField(
        label=_("In words"),
        required=False,
        max_length=PersonDataAccess._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for other purposes (at least 4 characters). Recorded with your name and the time."),
    )
    # One form, one reveal: a page shown again (a refresh, the back button) posts a used token.
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields"].choices = choices


class RevealViewMixin:
    """A ``<id>/reveal/`` page: the record's personal numbers masked, a form asking which and why,
    then the full values shown once, after the service has recorded the reading (PIPL).

    A model admin says which fields the user may reveal (``reveal_fields``), what the page shows
    masked (``reveal_masked``) and which service records the reading (``reveal_values``). A refresh
    or the back button posts a used token: no second record, and nothing shown again.
    """

    def reveal_fields(self, request, obj) -> list[str]:
        raise NotImplementedError

    def reveal_masked(self, obj) -> list[tuple[str, str]]:
        raise NotImplementedError

    def reveal_values(self, request, obj, *, fields, purpose, reason) -> dict[str, str]:
        raise NotImplementedError

    def reveal_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_reveal"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/reveal/",
                self.admin_site.admin_view(self.reveal_view),
                name=self.reveal_url_name(),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_reveal"] = bool(obj is not None and self.reveal_fields(request, obj))
        context["reveal_url_name"] = f"admin:{self.reveal_url_name()}"
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def reveal_view(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        names = self.reveal_fields(request, obj)
        if not self.has_view_permission(request, obj) or not names:
            raise PermissionDenied
        choices = [(name, self.model._meta.get_field(name).verbose_name) for name in names]
        issued = request.session.setdefault(REVEAL_TOKENS, [])
        if request.method != "POST":
            token = secrets.token_urlsafe(16)
            request.session[REVEAL_TOKENS] = [*issued[-19:], token]
            form = RevealForm(initial={"token": token}, choices=choices)
        else:
            form = RevealForm(request.POST, choices=choices)
        revealed = []
        if request.method == "POST" and form.is_valid() and form.cleaned_data["token"] not in issued:
            # Shown once already (a refresh): no second record, and nothing shown again.
            messages.warning(request, gettext("These values were shown once already; ask again to see them."))
            return HttpResponseRedirect(request.path)
        if request.method == "POST" and form.is_valid():
            try:
                values = self.reveal_values(
                    request,
                    obj,
                    fields=form.cleaned_data["fields"],
                    purpose=form.cleaned_data["purpose"],
                    reason=form.cleaned_data["reason"],
                )
            except PermissionRefused as exc:
                raise PermissionDenied(exc.message) from exc
            except ValidationFailed as exc:
                for name, errors in exc.errors.items():
                    form.add_error("fields" if name == "reveal" else name if name in form.fields else None, errors)
            else:
                request.session[REVEAL_TOKENS] = [t for t in issued if t != form.cleaned_data["token"]]
                revealed = [(label, values[name] or "—") for name, label in choices if name in values]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Show the personal data of %(record)s in full") % {"record": obj},
            "opts": self.model._meta,
            "original": obj,
            "masked": self.reveal_masked(obj),
            "form": form,
            "revealed": revealed,
        }
        response = TemplateResponse(request, "admin/reveal.html", context)
        response["Cache-Control"] = "private, no-store"
        return response


@admin.register(Person)
class PersonAdmin(RevealViewMixin, SimpleHistoryAdmin):
    form = PersonAdminForm
    change_form_template = "admin/registry/person/change_form.html"
    list_display = [
        "name",
        "id_number_masked",
        "insurance_type",
        "insured_status",
        "insured_region",
        "phone_masked",
        "updated_at",
    ]
    list_filter = ["insurance_type", "insured_status", ("insured_region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=id_number", "name", "=social_security_card", "=phone"]
    list_select_related = ["insured_region"]
    readonly_fields = ["version", "created_at", "updated_at"]
    autocomplete_fields = ["insured_region"]
    inlines = [InsuredPeriodInline, ChronicQualificationInline]

    def reveal_fields(self, request, obj) -> list[str]:
        actor = actor_of(request.user)
        return list(REVEALABLE_FIELDS) if actor is not None and actor.may(REVEALERS) else []

    def reveal_masked(self, obj) -> list[tuple[str, str]]:
        return [
            (Person._meta.get_field(name).verbose_name, masked(name, getattr(obj, name)) or "—")
            for name in REVEALABLE_FIELDS
        ]

    def reveal_values(self, request, obj, *, fields, purpose, reason) -> dict[str, str]:
        names = services.person_reveal(
            person=obj, fields=fields, purpose=purpose, reason=reason, actor=actor_of(request.user)
        )
        return {name: getattr(obj, name) for name in names}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The person's page links their filings and claims (newest first) and offers to file or claim."""
        context.update(
            # Reverse relations of the domains above the registry, read without importing them.
            person_filings=obj.filings.order_by("-submitted_at")[:20] if obj else [],
            person_claims=obj.claims.order_by("-submitted_at")[:20] if obj else [],
            questions_url=self._questions_url(request, obj),
        )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _questions_url(self, request, obj) -> str | None:
        """The record of eligibility questions about this person, for whoever the audit app lets read it."""
        questions = apps.get_model("audit", "EligibilityQuestion")  # above the registry: found, not imported
        if obj is None or not self.admin_site.is_registered(questions):
            return None
        if not self.admin_site.get_model_admin(questions).has_view_permission(request):
            return None
        return reverse("admin:audit_eligibilityquestion_changelist") + "?" + urlencode({"person": obj.pk})

    def history_view(self, request, object_id, extra_context=None):
        """The person's changes, oldest first, by whom, with identifiers masked (never the stored values)."""
        person = self.get_object(request, object_id)
        if person is None:
            raise Http404
        if not self.has_view_permission(request, person):
            raise PermissionDenied
        records = list(person.history.order_by("history_date", "history_id"))
        user_ids = {record.history_user_id for record in records if record.history_user_id}
        users = {user.pk: user for user in get_user_model().objects.filter(pk__in=user_ids)}
        rows, previous = [], None
        for record in records:
            user = users.get(record.history_user_id)
            rows.append(
                {
                    "at": record.history_date,
                    "what": record.get_history_type_display(),
                    "by": staff_name_and_role(user) if user else gettext("System"),
                    "changes": [] if previous is None else _person_changes(record.diff_against(previous).changes),
                }
            )
            previous = record
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History of %(record)s") % {"record": person},
            "opts": self.model._meta,
            "original": person,
            "rows": rows,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/registry/person/history.html", context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """No page shows a past version's stored values, and a person is never reverted: changes go
        through the person services."""
        raise PermissionDenied

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.display(description=_("ID number"), ordering="id_number")
    def id_number_masked(self, person):
        return mask_id_number(person.id_number)

    @admin.display(description=_("phone"))
    def phone_masked(self, person):
        return mask_phone(person.phone)

    @admin.display(description=_("social security card number"))
    def social_security_card_masked(self, person):
        return masked("social_security_card", person.social_security_card)

    def save_formset(self, request, form, formset, change):
        """Periods and qualifications are written by the registry services, which keep their rules and history."""
        actor = request.user.actor
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not inline_form.is_valid():
                continue
            adding = inline_form.instance.pk is None
            record = inline_form.save(commit=False)
            record.person = form.instance
            if isinstance(record, InsuredPeriod):
                services.insured_period_save(period=record, actor=actor)
            else:
                services.chronic_qualification_save(qualification=record, actor=actor)
            if adding:
                formset.new_objects.append(record)
            else:
                formset.changed_objects.append((record, inline_form.changed_data))

    # The stored person's personal numbers as a page shows them, always masked: the ID number (it never
    # changes) for everyone; the card and phone for roles that only read (the others get masked inputs).
    SHOWN_MASKED = {"id_number": "id_number_masked"}
    SHOWN_MASKED_TO_READERS = {"social_security_card": "social_security_card_masked", "phone": "phone_masked"}

    def _shown_masked(self, request, obj) -> dict[str, str]:
        if obj is None:
            return {}
        if self.has_change_permission(request, obj):
            return self.SHOWN_MASKED
        return {**self.SHOWN_MASKED, **self.SHOWN_MASKED_TO_READERS}

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, *self._shown_masked(request, obj).values()]

    def get_fields(self, request, obj=None):
        replaced = self._shown_masked(request, obj)
        fields = [replaced.get(name, name) for name in super().get_fields(request, obj)]
        return list(dict.fromkeys(fields))

    def save_model(self, request, obj, form, change):
        """Saves go through the person services, the same rules as the API and imports."""
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        if "insured_region" in data:
            data["insured_region"] = data["insured_region"].code
        if change:
            saved = services.person_update(person=obj, data=data, actor=request.user.actor)
        else:
            saved = services.person_create(
                data={
                    **data,
                    "id_number": form.cleaned_data["id_number"],
                    "name": form.cleaned_data["name"],
                    "insurance_type": form.cleaned_data["insurance_type"],
                },
                actor=request.user.actor,
            )
        obj.pk, obj.version = saved.pk, saved.version


class CalendarRecount:
    """A change to the calendar counts again, in the same transaction, the due dates it can move."""

    def calendar_changed(self, request, years) -> None:
        moved = calendar.calendar_recompute(years=years, actor=actor_of(request.user))
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(n)d review due date was counted again by the new calendar (see the record's history).",
                    "%(n)d review due dates were counted again by the new calendar (see each record's history).",
                    moved,
                )
                % {"n": moved},
                messages.INFO,
            )

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            years = {self.calendar_year(obj) for obj in queryset}
            super().delete_queryset(request, queryset)
            self.calendar_changed(request, years)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.calendar_changed(request, {self.calendar_year(obj)})

    def delete_model(self, request, obj):
        year = self.calendar_year(obj)  # the key is gone once deleted
        super().delete_model(request, obj)
        self.calendar_changed(request, {year})


@admin.register(Holiday)
class HolidayAdmin(CalendarRecount, admin.ModelAdmin):
    """The State Council's calendar row by row; every change counts the open due dates of its year again."""

    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def calendar_year(self, obj) -> int:
        return obj.date.year

    def get_readonly_fields(self, request, obj=None):
        # The date is the row's key: editing it would copy the row. A wrong date is deleted and entered anew.
        return ["date"] if obj is not None else []


class HolidayYearForm(forms.ModelForm):
    class Meta:
        model = HolidayYear
        fields = ["year", "notice"]

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding and cleaned.get("year") is not None and "year" not in self.errors:
            try:
                calendar.holiday_year_check(year=cleaned["year"])
            except ValidationFailed as exc:
                self.add_error("year", exc.errors.get("year") or [str(exc.message)])
        return cleaned


@admin.register(HolidayYear)
class HolidayYearAdmin(CalendarRecount, admin.ModelAdmin):
    """The years whose calendar is entered in full: from then on their due dates count the table alone."""

    form = HolidayYearForm
    list_display = ["year", "notice", "recorded_at"]

    def calendar_year(self, obj) -> int:
        return obj.year

    def get_readonly_fields(self, request, obj=None):
        return ["year", "recorded_at"] if obj is not None else []


def calendar_notices(request) -> list[DeskNotice]:
    """From 1 November (Asia/Shanghai) those who may enter holidays are told while next year's calendar is missing.

    This year's missing calendar is told all year round. Other staff cannot act on it; they see the
    provisional mark (暂定) on the due dates it affects.
    """
    if not request.user.has_perm("registry.add_holiday"):
        return []
    return [
        DeskNotice(
            message=_(
                "The State Council's holiday calendar for %(year)s has not been entered. Review due dates in "
                "%(year)s count only the statutory holidays and are marked provisional (暂定) until it is: enter its "
                "holidays and make-up workdays, then mark %(year)s as published."
            )
            % {"year": year},
            links=(
                (_("Add a holiday or make-up workday"), reverse("admin:registry_holiday_add")),
                (
                    _("Mark %(year)s as published") % {"year": year},
                    f"{reverse('admin:registry_holidayyear_add')}?year={year}",
                ),
            ),
        )
        for year in calendar_years_missing(today=timezone.localdate())
    ]


admin.site.register_notice(calendar_notices)


@admin.register(InsuredPeriod)
class InsuredPeriodAdmin(ViewOnlyMixin, SimpleHistoryAdmin):
    """Every insured period, to search and to read its history; edited on the person's page."""

    list_display = ["person", "starts_on", "ends_on", "insurance_type", "insured_region", "status"]
    list_filter = ["status", "insurance_type"]
    search_fields = ["=person__id_number", "person__name"]
    list_select_related = ["person", "insured_region"]


@admin.register(ChronicDisease)
class ChronicDiseaseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "settled_directly", "is_active"]
    list_filter = ["settled_directly", "is_active"]
    search_fields = ["code", "name"]


@admin.register(ChronicQualification)
class ChronicQualificationAdmin(ViewOnlyMixin, SimpleHistoryAdmin):
    list_display = ["person", "disease", "starts_on", "ends_on", "approved_by"]
    list_filter = ["disease"]
    search_fields = ["=person__id_number", "person__name"]
    list_select_related = ["person", "disease", "approved_by"]
