"""The auditors' desk in the admin: every event of every record in one browser, with the API's
filters, and the same streamed CSV export."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _

from accounts.history import actor_names
from accounts.models import Channel
from audit import exports, selectors
from audit.forms import EventFilterForm
from audit.models import AuditEvent
from audit.permissions import AUDITORS
from config.actors import actor_of
from config.admin import CSVExportMixin, ViewOnlyMixin, field_column
from config.errors import ValidationFailed
from filings.choices import FilingAction, FilingState
from registry.masking import mask_free_text, mask_id_number
from registry.models import PersonDataAccess
from reimbursements.choices import ClaimAction, ClaimState

PAGE_SIZE = 50
LABELS = {
    "filing": (_("filing"), FilingAction, FilingState, "admin:filings_filing_change"),
    "claim": (_("claim"), ClaimAction, ClaimState, "admin:reimbursements_claim_change"),
}


def may_audit(request) -> bool:
    actor = actor_of(request.user)
    return actor is not None and actor.may(AUDITORS)


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Read-only: a page of events after a cursor, filters in a form, a link to export them all."""

    def has_module_permission(self, request):
        return may_audit(request)

    def has_view_permission(self, request, obj=None):
        return may_audit(request)

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="audit_auditevent_export"),
            *super().get_urls(),
        ]

    def _form(self, request) -> EventFilterForm:
        data = {name: value for name, value in request.GET.items() if name != "cursor"}
        return EventFilterForm(data)

    def export_view(self, request):
        if not may_audit(request):
            raise PermissionDenied
        form = self._form(request)
        if not form.is_valid():
            return self.changelist_view(request)
        return exports.events_csv(form.filters())

    def changelist_view(self, request, extra_context=None):
        if not may_audit(request):
            raise PermissionDenied
        form = self._form(request)
        rows, following, cursor_error = [], None, None
        if form.is_valid():
            try:
                cursor = selectors.Cursor.decode(request.GET["cursor"]) if request.GET.get("cursor") else None
                rows, following = selectors.event_page(filters=form.filters(), cursor=cursor, size=PAGE_SIZE)
            except ValidationFailed as exc:
                cursor_error = exc.message
        names = actor_names({row["actor_label"] for row in rows})
        names.update(
            Channel.objects.filter(code__in={row["channel_id"] for row in rows if row["channel_id"]}).values_list(
                "code", "name"
            )
        )
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
        kind, actions, states, change_url = LABELS[row["record_type"]]
        try:
            url = reverse(change_url, args=[row["record_id"]])
        except NoReverseMatch:  # pragma: no cover - both admins are always registered
            url = None
        return {
            "at": row["at"],
            "kind": kind,
            "reference": row["reference"],
            "url": url,
            "id_number": mask_id_number(row["id_number"]),
            "action": actions(row["action"]).label,
            "from_state": states(row["from_state"]).label if row["from_state"] else "—",
            "to_state": states(row["to_state"]).label,
            "actor": names.get(row["actor_label"], row["actor_label"]),
            "channel": names.get(row["channel_id"], row["channel_id"]) if row["channel_id"] else "—",
            "reason": mask_free_text(row["reason"]) or "—",
        }


@admin.register(PersonDataAccess)
class PersonDataAccessAdmin(CSVExportMixin, ViewOnlyMixin, admin.ModelAdmin):
    """The reveal log (PIPL): who read which full personal value of whom, when and why — for auditors and
    administrators only, filtered by who, field and period, searched by whose ID number, exported as CSV."""

    list_display = ["at", "actor_label", "person_shown", "field", "purpose", "reason_shown"]
    list_filter = ["user", "field", "purpose", ("at", admin.DateFieldListFilter)]
    list_select_related = ["person", "user"]
    search_fields = ["=person__id_number", "person__name"]
    date_hierarchy = "at"
    export_columns = [
        field_column(PersonDataAccess, "at"),
        field_column(PersonDataAccess, "actor_label"),
        (_("person's name"), lambda access: access.person.name),
        (_("ID number"), lambda access: mask_id_number(access.person.id_number)),
        field_column(PersonDataAccess, "field"),
        field_column(PersonDataAccess, "purpose"),
        (_("reason"), lambda access: mask_free_text(access.reason)),
    ]
    export_related = ("person",)

    def has_view_permission(self, request, obj=None):
        return may_audit(request)

    def has_module_permission(self, request):
        return may_audit(request)

    @admin.display(description=_("person"), ordering="person__name")
    def person_shown(self, access):
        return f"{access.person.name}（{mask_id_number(access.person.id_number)}）"

    @admin.display(description=_("reason"))
    def reason_shown(self, access):
        return mask_free_text(access.reason)
