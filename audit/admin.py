"""The auditors' desk in the admin: every event of every record in one browser, with the API's
filters, and the same streamed CSV export; the reveal log; the record of eligibility answers."""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled

from accounts.history import actor_names
from accounts.models import ChannelAPIKey
from audit import decisions, exports, selectors
from audit.choices import ELIGIBILITY_REASONS
from audit.digests import id_number_digests
from audit.forms import DecisionFilterForm, EventFilterForm
from audit.models import AuditEvent, DecisionReport, EligibilityQuestion
from audit.permissions import AUDITORS
from config.actors import actor_of, staff_name_and_role
from config.admin import CSVExportMixin, ExportUrlsMixin, ViewOnlyMixin, field_column
from config.errors import ValidationFailed
from registry.identifiers import normalize_identifier
from registry.masking import REVEALABLE_FIELDS, mask_free_text, mask_id_number
from registry.models import Person, PersonDataAccess
from registry.selectors import person_looked_up

PAGE_SIZE = 50
# A whole ID number once normalised (registry.identifiers): what the eligibility record is searched by.
ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")
# Where each kind of record's page is (its kind, actions and states by name: ``audit.exports.event_labels``).
CHANGE_URLS = {"filing": "admin:filings_filing_change", "claim": "admin:reimbursements_claim_change"}


def may_audit(request) -> bool:
    actor = actor_of(request.user)
    return actor is not None and actor.may(AUDITORS)


class AuditorsOnly(ViewOnlyMixin):
    """A page of the auditors' (and administrators'): shown, listed and read by them only, changed by nobody."""

    def has_module_permission(self, request):
        return may_audit(request)

    def has_view_permission(self, request, obj=None):
        return may_audit(request)


@admin.register(AuditEvent)
class AuditEventAdmin(ExportUrlsMixin, AuditorsOnly, admin.ModelAdmin):
    """Read-only: a page of events after a cursor, filters in a form, a link to export them all."""

    def _form(self, request) -> EventFilterForm:
        data = {name: value for name, value in request.GET.items() if name != "cursor"}
        return EventFilterForm(data)

    def _too_many_guesses(self, request, form) -> str | None:
        """A filter by ID number is a counted lookup (``registry.selectors.person_looked_up``): past the limit,
        the message instead of the events, whether the number is somebody's or not."""
        number = form.cleaned_data.get("id_number")
        if not number:
            return None
        try:
            person_looked_up(actor=actor_of(request.user), id_number=number)
        except Throttled:
            return gettext("Too many searches for numbers that match nobody; try again later.")
        return None

    def export_view(self, request):
        return self._export(request, exports.events_csv)

    def export_xlsx_view(self, request):
        return self._export(request, exports.events_xlsx)

    def _export(self, request, respond):
        """Every matching event as CSV or Excel; a bad filter or too many guesses shows the page instead."""
        if not may_audit(request):
            raise PermissionDenied
        form = self._form(request)
        if not form.is_valid() or self._too_many_guesses(request, form):
            return self.changelist_view(request)
        return respond(form.filters())

    def changelist_view(self, request, extra_context=None):
        if not may_audit(request):
            raise PermissionDenied
        form = self._form(request)
        rows, following, cursor_error = [], None, None
        if form.is_valid() and (refused := self._too_many_guesses(request, form)):
            cursor_error = refused
        elif form.is_valid():
            try:
                cursor = selectors.Cursor.decode(request.GET["cursor"]) if request.GET.get("cursor") else None
                rows, following = selectors.event_page(filters=form.filters(), cursor=cursor, size=PAGE_SIZE)
            except ValidationFailed as exc:
                cursor_error = exc.message
        names = exports.event_names(rows)
        query = request.GET.copy()
        query.pop("cursor", None)
        next_query = None
        if following is not None:
            next_query = query.copy()
            next_query["cursor"] = following.encode()
        context = {
            **self.admin_site.each_context(request),
            "title": AuditEvent._meta.verbose_name_plural,
            "opts": self.model._meta,
            "form": form,
            "rows": [self._row(row, names) for row in rows],
            "cursor_error": cursor_error,
            "filter_query": query.urlencode(),
            "next_query": next_query.urlencode() if next_query is not None else None,
            "first_page": not request.GET.get("cursor"),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/audit/event_browser.html", context)

    @staticmethod
    def _row(row: dict, names: dict[str, str]) -> dict:
        kind, action, from_state, to_state = exports.event_labels(row)
        try:
            url = reverse(CHANGE_URLS[row["record_type"]], args=[row["record_id"]])
        except NoReverseMatch:  # pragma: no cover - both admins are always registered
            url = None
        return {
            "at": row["at"],
            "kind": kind,
            "reference": row["reference"],
            "url": url,
            "id_number": mask_id_number(row["id_number"]),
            "action": action,
            "from_state": from_state or "—",
            "to_state": to_state,
            "actor": names.get(row["actor_label"], row["actor_label"]),
            "channel": names.get(row["channel_id"], row["channel_id"]) if row["channel_id"] else "—",
            "reason": mask_free_text(row["reason"]) or "—",
        }


# The decisions report shows this many rows at most; its totals and its export hold them all.
DECISIONS_SHOWN = 500


@admin.register(DecisionReport)
class DecisionReportAdmin(ExportUrlsMixin, AuditorsOnly, admin.ModelAdmin):
    """Which filings and claims were decided in a period (last week unless told): the decision, who took it
    and when, the amount, paid or not; filtered by decider, kind, decision, basis and state now; totals; and
    the same rows as CSV or Excel (names, then the codes)."""

    def export_view(self, request):
        return self._export(request, decisions.decisions_csv)

    def export_xlsx_view(self, request):
        return self._export(request, decisions.decisions_xlsx)

    def _export(self, request, respond):
        """The period's decisions as CSV or Excel; a bad period shows the page, its errors named, instead."""
        if not may_audit(request):
            raise PermissionDenied
        form = DecisionFilterForm(request.GET)
        if not form.is_valid():
            return self.changelist_view(request)
        return respond(form.filters())

    def changelist_view(self, request, extra_context=None):
        if not may_audit(request):
            raise PermissionDenied
        form = DecisionFilterForm(request.GET)
        rows = decisions.decisions(form.filters()) if form.is_valid() else []
        context = {
            **self.admin_site.each_context(request),
            "title": DecisionReport._meta.verbose_name_plural,
            "opts": self.model._meta,
            "form": form,
            "rows": [(row, self._url(row), decisions.paid_shown(row)) for row in rows[:DECISIONS_SHOWN]],
            "cut": len(rows) > DECISIONS_SHOWN,
            "shown": DECISIONS_SHOWN,
            "totals": decisions.decision_totals(rows),
            "filter_query": form.data.urlencode() if hasattr(form.data, "urlencode") else "",
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/audit/decisions.html", context)

    @staticmethod
    def _url(row) -> str | None:
        try:
            return reverse(CHANGE_URLS[row.kind], args=[row.record_id])
        except NoReverseMatch:  # pragma: no cover - both admins are always registered
            return None


class RevealedByFilter(admin.SimpleListFilter):
    """Who revealed, as 姓名（角色）: the staff accounts (reveals are made by staff only)."""

    title = _("staff user")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        users = get_user_model().objects.filter(is_staff=True)
        return sorted(((str(user.pk), staff_name_and_role(user)) for user in users), key=lambda item: item[1])

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(user_id=value) if value.isdigit() else queryset.none()


class RevealedFieldFilter(admin.SimpleListFilter):
    """Which field was revealed, by its label (the fields a reveal may show)."""

    title = _("field")
    parameter_name = "field__exact"

    def lookups(self, request, model_admin):
        return [(name, person_field_name(name)) for name in REVEALABLE_FIELDS]

    def queryset(self, request, queryset):
        return queryset.filter(field=self.value()) if self.value() else queryset


def person_field_name(name: str) -> str:
    """A person's field by its label (身份证号码), as the reveal form names it; an unknown one as stored."""
    try:
        return str(Person._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


@admin.register(PersonDataAccess)
class PersonDataAccessAdmin(CSVExportMixin, AuditorsOnly, admin.ModelAdmin):
    """The reveal log (PIPL): who read which full personal value of whom, when and why — for auditors and
    administrators only, filtered by who, field and period, searched by whose ID number, exported as CSV.
    Who revealed is shown as 姓名（角色） and the field by its label; the export adds the stored codes."""

    list_display = ["at", "actor_shown", "person_shown", "field_shown", "record", "purpose", "reason_shown"]
    # The change page too shows the person and the reason masked (older reasons were stored as typed).
    fields = ["at", "actor_shown", "person_shown", "field_shown", "record", "purpose", "reason_shown"]
    readonly_fields = fields
    list_filter = [RevealedByFilter, RevealedFieldFilter, "purpose", ("at", admin.DateFieldListFilter)]
    list_select_related = ["person", "user"]
    search_fields = ["=person__id_number", "person__name"]
    date_hierarchy = "at"
    export_columns = [
        field_column(PersonDataAccess, "at"),
        (_("actor"), lambda access: staff_name_and_role(access.user)),
        (_("person's name"), lambda access: access.person.name),
        (_("ID number"), lambda access: mask_id_number(access.person.id_number)),
        (_("field"), lambda access: person_field_name(access.field)),
        field_column(PersonDataAccess, "record"),
        field_column(PersonDataAccess, "purpose"),
        (_("reason"), lambda access: mask_free_text(access.reason)),
        ("actor_label", lambda access: access.actor_label),
        ("field", lambda access: access.field),
    ]
    export_related = ("person", "user")

    @admin.display(description=_("actor"), ordering="user__last_name")
    def actor_shown(self, access):
        return staff_name_and_role(access.user)

    @admin.display(description=_("field"), ordering="field")
    def field_shown(self, access):
        return person_field_name(access.field)

    @admin.display(description=_("person"), ordering="person__name")
    def person_shown(self, access):
        return f"{access.person.name}（{mask_id_number(access.person.id_number)}）"

    @admin.display(description=_("reason"))
    def reason_shown(self, access):
        return mask_free_text(access.reason)


class InstitutionAskingFilter(admin.SimpleListFilter):
    """The institutions that hold (or held) a hospital key: the only ones that can have asked. Not Django's
    related-field filter, which lists every institution of the catalogue, nor its "related only" one, which
    reads the whole record to find the distinct ones."""

    title = _("institution asking")
    parameter_name = "institution"

    def lookups(self, request, model_admin):
        return (
            ChannelAPIKey.objects.filter(institution__isnull=False)
            .order_by("institution__name")
            .values_list("institution_id", "institution__name")
            .distinct()
        )

    def queryset(self, request, queryset):
        return queryset.filter(institution_id=self.value()) if self.value() else queryset


class ReasonFilter(admin.SimpleListFilter):
    """The answer's reason code, from the codes the eligibility answer gives (a fixed list: listing the
    distinct codes stored would read the whole record)."""

    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return list(ELIGIBILITY_REASONS.items())  # by name; the code is the CSV's reason_code column

    def queryset(self, request, queryset):
        return queryset.filter(reason_code=self.value()) if self.value() else queryset


class PersonAskedAboutFilter(admin.SimpleListFilter):
    """``?person=<id>``: the questions about one person (``audit.selectors.eligibility_questions_about``), the
    link from the person's page. Shown only while it is applied: persons are not listed in the sidebar."""

    title = _("person")
    parameter_name = "person"

    def _person(self):
        value = self.value()
        return Person.objects.filter(pk=value).first() if value and value.isdigit() else None

    def lookups(self, request, model_admin):
        person = self._person()
        return [(str(person.pk), person_label(person))] if person is not None else []

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        person = self._person()
        if person is None:
            return queryset.none()
        return queryset & selectors.eligibility_questions_about(person)


def named_code_column(header, code_name: str, shown):
    """An export column showing a stored code by name, the code itself in a column of its own (``code_name``)."""

    names: dict = {}

    def value(record):
        code = getattr(record, code_name)
        if code not in names:  # a few callers or reasons for a whole export, each named once
            names[code] = str(shown(record))
        return names[code]

    value.code = (code_name, lambda record: getattr(record, code_name))
    value.names = names  # emptied at the start of each export
    return header, value


def person_label(person: Person) -> str:
    return f"{person.name}（{mask_id_number(person.id_number)}）"


@admin.register(EligibilityQuestion)
class EligibilityQuestionAdmin(CSVExportMixin, AuditorsOnly, admin.ModelAdmin):
    """Which institutions asked about this person, and when (就医资格核验记录) — for auditors and administrators
    only: every eligibility answer, filtered by institution, period and outcome, searched by the ID number
    asked about (normalised and hashed before it is compared: the number is never stored), exported as CSV."""

    list_display = [
        "at",
        "institution_shown",
        "caller_shown",
        "city_shown",
        "visit",
        "treatment_date",
        "outcome",
        "person_shown",
    ]
    list_filter = [
        InstitutionAskingFilter,
        ("at", admin.DateFieldListFilter),
        "covered",
        ReasonFilter,
        "visit",
        PersonAskedAboutFilter,
    ]
    # The record's page shows what the list shows: names, not the stored caller label and codes.
    fields = list_display
    readonly_fields = list_display
    list_select_related = ["institution", "city", "person"]
    # The box takes an ID number only (get_search_results): "id_number" in the name also puts the admin
    # policy's guess count on it (config.admin_policy.SearchGuessesCounted).
    search_fields = ["=id_number_digest"]
    search_help_text = _(
        "Type the whole ID number asked about (18 characters; spaces, full-width digits and a lower-case x "
        "are fine). It is compared by its keyed hash: the number itself is not stored."
    )
    show_full_result_count = False  # one count of a long record per page, not two
    export_columns = [
        field_column(EligibilityQuestion, "at"),
        field_column(EligibilityQuestion, "institution"),
        (_("institution name"), lambda q: q.institution.name if q.institution_id and q.institution else ""),
        named_code_column(_("asked by"), "caller", lambda q: actor_names({q.caller})[q.caller]),
        field_column(EligibilityQuestion, "key_prefix"),
        field_column(EligibilityQuestion, "city"),
        field_column(EligibilityQuestion, "visit"),
        field_column(EligibilityQuestion, "treatment_date"),
        field_column(EligibilityQuestion, "covered"),
        named_code_column(_("reason"), "reason_code", lambda q: ELIGIBILITY_REASONS.get(q.reason_code, q.reason_code)),
        (_("person's name"), lambda q: q.person.name if q.person_id and q.person else ""),
        (_("ID number"), lambda q: mask_id_number(q.person.id_number) if q.person_id and q.person else ""),
    ]
    export_related = ("institution", "person")

    def get_search_results(self, request, queryset, search_term):
        number = normalize_identifier(search_term)
        if not number:
            return queryset, False
        if not ID_NUMBER.match(number):
            messages.warning(request, _("Search by a whole ID number (18 characters)."))
            return queryset.none(), False
        return queryset.filter(id_number_digest__in=id_number_digests(number)), False

    @admin.display(description=_("institution asking"), ordering="institution__name")
    def institution_shown(self, question):
        if question.institution_id is None:
            return "—"
        name = question.institution.name if question.institution else ""
        return f"{name}（{question.institution_id}）" if name else question.institution_id

    def changelist_view(self, request, extra_context=None):
        self._caller_names = {}  # the callers of one page, named once each (few: hospitals' channels, staff)
        return super().changelist_view(request, extra_context)

    def _caller_name(self, caller: str) -> str:
        names = getattr(self, "_caller_names", None)
        if names is None:
            names = self._caller_names = {}
        if caller not in names:
            names.update(actor_names({caller}))
        return names[caller]

    @admin.display(description=_("asked by"), ordering="caller")
    def caller_shown(self, question):
        """Who asked by name (a hospital's channel, staff as 姓名（角色）), with the key's public prefix."""
        name = self._caller_name(question.caller)
        return f"{name} · {question.key_prefix}" if question.key_prefix else name

    @admin.display(description=_("city of treatment"), ordering="city")
    def city_shown(self, question):
        return f"{question.city.name}（{question.city_id}）" if question.city else question.city_id

    @admin.display(description=_("answer"), ordering="covered")
    def outcome(self, question):
        label = ELIGIBILITY_REASONS.get(question.reason_code)
        shown = _("covered") if question.covered else _("not covered")
        return f"{shown}（{label}）" if label else shown

    @admin.display(description=_("person"), ordering="person__name")
    def person_shown(self, question):
        if question.person_id is None or question.person is None:
            return _("— (matched nobody)")
        url = reverse("admin:registry_person_change", args=[question.person_id])
        return format_html('<a href="{}">{}</a>', url, person_label(question.person))
