"""State events as people read them: who acted (a name, not ``person:3``), through which channel,
what changed under its field's label, with personal identifiers masked."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Channel, User
from config.actors import staff_name_and_role
from config.admin import FieldValueNames
from registry.masking import mask_free_text, masked_changes
from registry.models import Person


def describe_actor(event) -> str:
    """``staff:alice`` → 张敏（窗口经办）; ``person:3`` → 参保人 张三; ``channel:x`` → its name; system → 系统."""
    kind, _sep, key = event.actor_label.partition(":")
    if kind == "staff":
        user = event.actor or User.objects.filter(username=key).first()
        return _staff_name(user) if user is not None else key
    if kind == "person":
        person = Person.objects.filter(pk=key).only("name").first() if key.isdigit() else None
        return gettext("Insured person %(name)s") % {"name": person.name if person else key}
    if kind == "channel":
        channel = Channel.objects.filter(code=key).first()
        return channel.name if channel else key
    return gettext("System")


def _staff_name(user) -> str:
    return staff_name_and_role(user)


def actor_names(labels) -> dict[str, str]:
    """Readable names of many stored actor labels in three queries at most (a page of the event feed)."""
    by_kind: dict[str, set[str]] = {"staff": set(), "person": set(), "channel": set()}
    for label in labels:
        kind, _sep, key = label.partition(":")
        if kind in by_kind:
            by_kind[kind].add(key)
    names = {"system": gettext("System")}
    if by_kind["staff"]:
        for user in User.objects.filter(username__in=by_kind["staff"]):
            names[f"staff:{user.username}"] = _staff_name(user)
    person_ids = [key for key in by_kind["person"] if key.isdigit()]
    if person_ids:
        for pk, name in Person.objects.filter(pk__in=person_ids).values_list("pk", "name"):
            names[f"person:{pk}"] = gettext("Insured person %(name)s") % {"name": name}
    if by_kind["channel"]:
        for code, name in Channel.objects.filter(code__in=by_kind["channel"]).values_list("code", "name"):
            names[f"channel:{code}"] = name
    return {label: names.get(label, label.partition(":")[2] or label) for label in labels}


def describe_changes(record_model, changes: dict, names: FieldValueNames | None = None):
    """The changes as a list of "label: old → new", labels from the record's fields, values by name (a state, a
    mode, a region, an institution: ``config.admin.FieldValueNames``), identifiers masked. Where a value is
    shown by name, the stored codes are the item's data-stored (for machines; no tooltip in English)."""
    if not changes:
        return "-"
    masked = masked_changes(changes)
    names = names or FieldValueNames(record_model, masked.items())
    rows = []
    for name, value in masked.items():
        if name in ITEM_LISTS:  # the checklist items of a step (补正's missing ones), by their names
            label = str(ITEM_LISTS[name])
            named = item_names(record_model, value)
            shown, stored = _value(named), _value(value)
            rows.append((f"{name}: {stored}" if stored != shown else "", label, shown))
            continue
        try:
            field = record_model._meta.get_field(name)
        except FieldDoesNotExist:  # a key that is no field keeps its name
            label = name
        else:  # a reverse relation (a claim's "invoices") has no verbose name: its model's plural names it
            label = str(getattr(field, "verbose_name", None) or field.related_model._meta.verbose_name_plural)
        named = names.shown(name, value)
        if isinstance(value, list) and len(value) == 2 and not isinstance(value[0], list | dict):
            shown, stored = f"{_value(named[0])} → {_value(named[1])}", f"{_value(value[0])} → {_value(value[1])}"
        else:
            shown, stored = _value(named), _value(value)
        rows.append((f"{name}: {stored}" if stored != shown else "", label, shown))
    return format_html("<ul>{}</ul>", format_html_join("", '<li data-stored="{}">{}：{}</li>', rows))


# Keys of an event's changes that hold checklist item codes, and what a page calls them.
ITEM_LISTS = {"missing": _("missing materials")}


def item_names(record_model, codes) -> list[str]:
    """Checklist item codes by name, as the record's kind names them (``material_names`` of its model)."""
    codes = codes if isinstance(codes, list) else [codes]
    namer = getattr(record_model, "material_names", None)
    names = namer(codes) if namer is not None else {}
    return [names.get(code, code) for code in codes]


def _value(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


class EventInline(admin.TabularInline):
    """A record's state events, oldest first, as people read them; subclasses name the event ``model``."""

    fields = ["at", "action", "from_state", "to_state", "actor_name", "channel", "reason_shown", "changes_shown"]
    readonly_fields = fields
    ordering = ["at", "id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "channel")

    @admin.display(description=_("actor"))
    def actor_name(self, event):
        return describe_actor(event)

    @admin.display(description=_("reason"))
    def reason_shown(self, event):
        """Identifiers typed into the reason masked (events stored before reasons were masked hold them)."""
        return mask_free_text(event.reason) or "-"

    @admin.display(description=_("changes"))
    def changes_shown(self, event):
        return describe_changes(self.parent_model, event.changes)


class ReadableHistoryMixin:
    """The admin's 历史 page of a filing or claim shows its state events, readable and masked."""

    def history_view(self, request, object_id, extra_context=None):
        record = self.get_object(request, unquote(object_id))
        if record is None:
            raise Http404
        if not self.has_view_or_change_permission(request, record):
            raise PermissionDenied
        events = list(record.events.select_related("actor", "channel").order_by("at", "id"))
        # The regions, institutions and pools the events name, read once for the page.
        names = FieldValueNames(
            self.model, [item for event in events for item in masked_changes(event.changes or {}).items()]
        )
        rows = [
            {
                "at": event.at,
                "action": event.get_action_display(),
                "from_state": event.get_from_state_display() or "—",
                "to_state": event.get_to_state_display(),
                "actor": describe_actor(event),
                "channel": event.channel.name if event.channel else "—",
                "reason": mask_free_text(event.reason) or "—",
                "changes": describe_changes(self.model, event.changes, names),
            }
            for event in events
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History of %(record)s") % {"record": record},
            "object": record,
            "opts": self.model._meta,
            "rows": rows,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/record_history.html", context)
