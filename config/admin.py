"""Admin pieces shared by the apps."""

import datetime
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from config.actors import Actor, Capacity, actor_of
from config.csv import csv_response
from config.errors import ApplicationError, PermissionRefused
from config.files import document_response
from config.personal import mask_free_text
from config.xlsx import xlsx_response


class DocumentDownloadMixin:
    """Serves a record's uploaded documents to staff who may view the record, never from a public URL.

    ``document_model`` is the model holding the file, ``document_parent`` its foreign key to
    the admin's model. Inlines show ``document_link`` instead of the bare file field.
    """

    document_model = None
    document_parent = ""

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/document/<int:document_id>/",
                self.admin_site.admin_view(self.document_view),
                name=f"{opts.app_label}_{opts.model_name}_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, object_id, document_id):
        parent = self.get_object(request, object_id)
        if parent is None:
            raise Http404
        if not self.has_view_permission(request, parent):
            raise PermissionDenied
        document = self.document_model.objects.filter(pk=document_id, **{self.document_parent: parent}).first()
        if document is None or not document.file:
            raise Http404
        return document_response(document)

    @classmethod
    def document_link(cls, document, admin_model):
        if not document.file:
            return "-"
        opts = admin_model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_document",
            args=[getattr(document, f"{cls.document_parent}_id"), document.pk],
        )
        return format_html('<a href="{}">{}</a>', url, _("download"))


def field_column(model, path: str) -> tuple[str, Callable]:
    """An export column of a (possibly related, ``person__name``) field: its label, its shown value.

    A choice is shown by its label, a yes or no as 是 or 否, typed text with its identifiers masked
    (``config.personal.mask_free_text``), and a related row with a name by its name (a
    channel, a region: read once per row referred to during the export); the stored code is also given by
    ``value.code``,
    which ``CSVExportMixin`` appends after the named columns, for machines.
    """
    *hops, name = path.split("__")
    target = model
    for hop in hops:
        target = target._meta.get_field(hop).related_model
    field = target._meta.get_field(name)
    named_relation = field.is_relation and any(f.name == "name" for f in field.related_model._meta.fields)
    names: dict = {}

    def holder(record):
        for hop in hops:
            record = getattr(record, hop)
            if record is None:
                return None
        return record

    def code(record):
        record = holder(record)
        if record is None:
            return None
        return getattr(record, f"{name}_id") if field.is_relation else getattr(record, name)

    def value(record):
        record = holder(record)
        if record is None:
            return None
        if field.choices:
            return getattr(record, f"get_{name}_display")()
        if field.is_relation:
            key = getattr(record, f"{name}_id")
            if not named_relation or key is None:
                return key
            if key not in names:  # a few channels or regions for a whole export, each read once
                names[key] = field.related_model._default_manager.filter(pk=key).values_list("name", flat=True).first()
            return names[key] or key
        if isinstance(field, models.BooleanField):
            shown = getattr(record, name)
            return None if shown is None else (gettext("Yes") if shown else gettext("No"))
        if isinstance(field, models.CharField | models.TextField):
            # Typed text (an institution's name, a payment reference, a reason) leaves with every identifier
            # in it masked, as the event and decision exports do.
            return mask_free_text(getattr(record, name))
        return getattr(record, name)

    if field.choices or named_relation or isinstance(field, models.BooleanField):
        value.code = (path, code)
    value.names = names  # emptied at the start of each export (a renamed channel is read anew)
    return field.verbose_name, value


class ExportUrlsMixin:
    """The two export addresses of an admin page: ``export/`` (CSV) and ``export/xlsx/`` (Excel), named
    ``<app>_<model>_export`` and ``<app>_<model>_export_xlsx``, served by ``export_view`` and
    ``export_xlsx_view``. Every page that exports (lists, the event browser, the reports) takes them here."""

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_export"
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name=name),
            path("export/xlsx/", self.admin_site.admin_view(self.export_xlsx_view), name=f"{name}_xlsx"),
            *super().get_urls(),
        ]


class CSVExportMixin(ExportUrlsMixin):
    """Exports the change list as it is filtered and searched, streamed as CSV (``config.csv``) or as an Excel
    workbook (``config.xlsx``): the same header and rows, built once here for both.

    ``export_columns`` are ``(header, value of a record)``; the header is a translated label.
    Only auditors and administrators export: a whole list of personal records leaves the system.
    Rows are read in chunks, so the export's memory stays flat however many there are.
    """

    export_columns: list[tuple[str, Callable]] = []
    export_related: tuple[str, ...] = ()
    export_capacities = frozenset({Capacity.AUDITOR, Capacity.ADMIN})
    change_list_template = "admin/change_list_export.html"

    def may_export(self, request) -> bool:
        actor = actor_of(request.user)
        return actor is not None and actor.may(self.export_capacities)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"may_export": self.may_export(request), **(extra_context or {})})

    def export_view(self, request):
        return self._export(request, csv_response, "csv")

    def export_xlsx_view(self, request):
        sheet = str(self.model._meta.verbose_name_plural)
        return self._export(request, functools.partial(xlsx_response, sheet_name=sheet), "xlsx")

    def _export(self, request, respond: Callable, extension: str):
        """The filtered list in one format: the same permission, header and rows whichever it is."""
        if not self.may_export(request):
            raise PermissionDenied
        opts = self.model._meta
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?e=1")
        header, rows = self.export_table(changelist.queryset)
        return respond(
            filename=f"{opts.model_name}-{timezone.localdate():%Y%m%d}.{extension}", header=header, rows=rows
        )

    def export_table(self, queryset) -> tuple[list[str], Iterator[list]]:
        """The export's header and its rows (a generator: records are read in chunks as the rows are written)."""
        records = queryset.select_related(*self.export_related).iterator(chunk_size=2000)
        # After the columns by name, the stored code of each coded one (a state, a channel), headed by its field.
        codes = [value.code for _header, value in self.export_columns if hasattr(value, "code")]
        for _header, value in self.export_columns:
            getattr(value, "names", {}).clear()
        rows = (
            [value(record) for _header, value in self.export_columns] + [code(record) for _path, code in codes]
            for record in records
        )
        header = [str(header) for header, _value in self.export_columns] + [path for path, _code in codes]
        return header, rows


class ViewOnlyMixin:
    """A model admin that shows rows and adds, changes and deletes none (rows kept by code or by the system)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ViewOnlyMixin, admin.TabularInline):
    """An inline that shows rows and changes none (history, uploaded documents)."""

    extra = 0
    can_delete = False


class TaskForm(forms.Form):
    """The form of one task on a record; it may read the record (its choices, its initial values)."""

    def __init__(self, *args, record=None, **kwargs):
        self.record = record
        super().__init__(*args, **kwargs)

    def apply_errors(self, exc: ApplicationError) -> None:
        """A refusal of the services shown on the form: each message under its field, the rest on top."""
        placed = False
        for name, messages_ in (exc.errors or {}).items():
            if name in self.fields:
                self.add_error(name, messages_)
                placed = True
        if not placed:
            self.add_error(None, str(exc.message))


def reason_field(machine, *, required: bool) -> forms.CharField:
    """A task's reason, as long as the machine's records and events can hold (``reason_limit``)."""
    return forms.CharField(
        label=_("reason"), max_length=machine.reason_limit, required=required, widget=forms.Textarea({"rows": 3})
    )


def reason_task_form(machine, *, required: bool) -> type[TaskForm]:
    """The form of a task that asks for nothing but a reason (required or not)."""
    name = "RequiredReasonForm" if required else "OptionalReasonForm"
    return type(TaskForm)(name, (TaskForm,), {"reason": reason_field(machine, required=required)})


class DueFilter(admin.SimpleListFilter):
    """A queue by when its decisions are due (``review_due``): overdue, today, later; the index links to each."""

    title = _("review due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue")), ("today", _("due today")), ("later", _("due later"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(review_due__lt=today)
        if self.value() == "today":
            return queryset.filter(review_due=today)
        if self.value() == "later":
            return queryset.filter(Q(review_due__gt=today) | Q(review_due__isnull=True))
        return queryset


def due_date_shown(day, *, overdue: bool, provisional: bool = False):
    """A review due date as the queues show it: 年月日, in red with 已逾期 once it has passed.

    A date counted before its year's holiday calendar was published says so: （暂定）.
    """
    if day is None:
        return "-"
    shown = date_format(day, "Y年n月j日")
    if provisional:
        mark = gettext("provisional")  # outside the f-string, where makemessages finds it
        shown = f"{shown}（{mark}）"
    if overdue:
        return format_html('<strong style="color:#ba2121">{}（{}）</strong>', shown, gettext("overdue"))
    return shown


@dataclass(frozen=True)
class RecordTask:
    """One thing staff can do on a stored record from its page: a transition or a counter step.

    ``allowed(record, actor)`` says whether the viewing actor may do it now (the page offers only
    those); ``perform(record, actor, **data)`` calls the domain service; ``confirm(record)`` gives
    (label, value) rows shown before the button, e.g. the computed amount of an approval.
    """

    name: str
    label: object
    perform: Callable
    allowed: Callable
    form_class: type[TaskForm] = TaskForm
    confirm: Callable | None = None
    done: object = _("Done.")


def machine_task(machine, action: str, perform: Callable, *, label=None, form_class=TaskForm, **kwargs) -> RecordTask:
    """A task that is one transition of ``machine``: offered when the table has the move from the
    record's state and the actor's capacity may take it (the same table the API reads)."""

    def allowed(record, actor) -> bool:
        return (record.state, action) in machine.transitions and actor.may(machine.capacities.get(action, ()))

    return RecordTask(
        name=str(action),
        label=label or machine.actions(action).label,
        perform=perform,
        allowed=allowed,
        form_class=form_class,
        **kwargs,
    )


class RecordTasksMixin:
    """A record's page offers exactly the tasks the viewing role may take on it now, each a small form
    on its own page, validated in place (the typed input stays), calling the same services as the API.

    Bulk list actions made by ``transition_action`` are shown only to roles holding their capacity.
    """

    record_tasks: tuple[RecordTask, ...] = ()
    change_form_template = "admin/record_change_form.html"

    def tasks_for(self, request, record) -> list[RecordTask]:
        actor = actor_of(request.user)
        if actor is None or record is None:
            return []
        return [task for task in self.record_tasks if task.allowed(record, actor)]

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/do/<slug:task>/",
                self.admin_site.admin_view(self.task_view),
                name=f"{opts.app_label}_{opts.model_name}_task",
            ),
            *super().get_urls(),
        ]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actor = actor_of(request.user)
        return {
            name: entry
            for name, entry in actions.items()
            if getattr(entry[0], "capacities", None) is None or (actor is not None and actor.may(entry[0].capacities))
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The record page's buttons, from the record the page already loaded; each link carries the
        version the page showed, so a task opened from a page gone stale can say what changed."""
        opts = self.model._meta
        seen = f"?seen={self.seen_token(obj)}" if hasattr(obj, "version") else ""
        context["record_tasks"] = [
            (task.label, reverse(f"admin:{opts.app_label}_{opts.model_name}_task", args=[obj.pk, task.name]) + seen)
            for task in self.tasks_for(request, obj)
        ]
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @staticmethod
    def seen_token(record) -> str:
        """What a page showed: the record's version and when, as ``<version>.<epoch ms>``."""
        return f"{record.version}.{int(timezone.now().timestamp() * 1000)}"

    # A token's parts as a page writes them: a version and epoch milliseconds (13 digits until the year 2286).
    SEEN = re.compile(r"([0-9]{1,9})\.([0-9]{1,13})", re.ASCII)

    @classmethod
    def _read_seen(cls, record, seen: str | None) -> tuple[int, datetime.datetime] | None:
        """The version and time a page showed, or None for a token no page of this record wrote (garbled,
        forged, from before the record existed or from the future): such a post is judged as it is."""
        match = cls.SEEN.fullmatch(seen or "")
        if match is None or not hasattr(record, "version"):
            return None
        version, shown_at = int(match[1]), datetime.datetime.fromtimestamp(int(match[2]) / 1000, tz=datetime.UTC)
        created = getattr(record, "created_at", None)
        if (created is not None and shown_at < created) or shown_at > timezone.now() + datetime.timedelta(minutes=5):
            return None
        return version, shown_at

    def changed_meanwhile(self, record, seen: str | None) -> list[str] | None:
        """What others did to ``record`` since a page showed it (``seen_token``): a line per event since
        (when, who as 姓名（角色）, what, the state it left), oldest first; None when it has not changed."""
        shown = self._read_seen(record, seen)
        if shown is None or shown[0] == record.version:
            return None
        shown_at = shown[1]
        events = getattr(record, "events", None)
        latest = list(events.filter(at__gte=shown_at).order_by("at", "pk")[:10]) if events is not None else []
        if not latest:  # changed without an event (a correction of its fields)
            return [gettext("It was changed after you opened this page")]
        names = self.admin_site.actor_names({event.actor_label for event in latest})
        lines = []
        for event in latest:
            facts = {
                "when": date_format(timezone.localtime(event.at), "Y年n月j日 H:i"),
                "who": names.get(event.actor_label, event.actor_label),
                "action": event.get_action_display(),
                "state": event.get_to_state_display(),
            }
            if facts["action"] == facts["state"]:  # 审核通过 is both the action and the state it leaves
                lines.append(gettext("%(when)s %(who)s: %(action)s") % facts)
            else:
                lines.append(gettext("%(when)s %(who)s: %(action)s, now %(state)s") % facts)
        return lines

    def task_view(self, request, object_id, task):
        record = self.get_object(request, object_id)
        if record is None:
            raise Http404
        if not self.has_view_permission(request, record):
            raise PermissionDenied
        opts = self.model._meta
        # Back to the record's own page: a queue (a proxy) may no longer hold it once the task is done.
        concrete = record._meta.concrete_model._meta
        back = reverse(f"admin:{concrete.app_label}_{concrete.model_name}_change", args=[record.pk])
        posted = request.method == "POST"
        seen = (request.POST if posted else request.GET).get("seen")
        meanwhile = self.changed_meanwhile(record, seen)
        chosen = next((t for t in self.tasks_for(request, record) if t.name == task), None)
        if chosen is None:
            if meanwhile is None:
                raise PermissionDenied(gettext("This action is not open to you on this record now."))
            if not posted:  # a link on a page gone stale: back to the record, saying what happened
                said = self._stale_message(record, meanwhile, tail=gettext("This action is no longer open on it."))
                self.message_user(request, said, messages.WARNING)
                return HttpResponseRedirect(back)
        form_class = chosen.form_class if chosen else self._typed_form_class(task)
        form = form_class(request.POST if posted else None, request.FILES if posted else None, record=record)
        stale = None
        if posted and meanwhile is not None:
            # Someone acted since this page was shown: nothing is done, what was typed stays, and the
            # page says who did what when; a task still open may be submitted again on the new version.
            tail = (
                gettext("Nothing was done yet: check the record as it is now and submit again.")
                if chosen
                else gettext("This action is no longer open on it; nothing was done. What you typed is kept below.")
            )
            stale = self._stale_message(record, meanwhile, tail=tail)
        elif posted and form.is_valid():
            try:
                chosen.perform(record, request.user.actor, **form.cleaned_data)
            except PermissionRefused as exc:
                raise PermissionDenied(exc.message) from exc
            except ApplicationError as exc:
                form.apply_errors(exc)
            else:
                self.message_user(request, f"{record}: {chosen.done}", messages.SUCCESS)
                return HttpResponseRedirect(back)
        label = chosen.label if chosen else self._task_label(task)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{label}: {record}",
            "opts": opts,
            "original": record,
            "form": form,
            "confirm": chosen.confirm(record) if chosen and chosen.confirm else [],
            "back": back,
            "task_label": label,
            "task_open": chosen is not None,
            "stale": stale,
            "seen": self.seen_token(record) if hasattr(record, "version") else "",
        }
        return TemplateResponse(request, "admin/record_task.html", context, status=409 if stale else 200)

    @staticmethod
    def _stale_message(record, meanwhile: list[str], *, tail: str) -> str:
        head = gettext("%(record)s was changed after you opened this page:") % {"record": record}
        return f"{head}{'；'.join(meanwhile)}。{tail}"

    def _task(self, name: str) -> RecordTask | None:
        return next((task for task in self.record_tasks if task.name == name), None)

    def _typed_form_class(self, name: str) -> type[TaskForm]:
        """The form of a task no longer open, to show again what was typed into it."""
        task = self._task(name)
        if task is None:
            raise Http404
        return task.form_class

    def _task_label(self, name: str):
        task = self._task(name)
        return task.label if task else name


class MaterialsPanelMixin:
    """A record's materials panel at the top of its page, and the address its rows post to
    (``<record>/materials/<item>/``, POST only, back to the record's panel). The app says what the panel
    shows (``materials_panel``), who may post now (``takes_materials``) and what a post does
    (``material_post``, which tells the user the outcome); a refusal of the services is a 403."""

    def materials_panel(self, record, actor) -> dict:
        raise NotImplementedError

    def takes_materials(self, record, actor) -> bool:
        raise NotImplementedError

    def material_post(self, request, record, actor, item: str) -> None:
        raise NotImplementedError

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/materials/<slug:item>/",
                self.admin_site.admin_view(self.material_view),
                name=f"{opts.app_label}_{opts.model_name}_material",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self.get_object(request, unquote(object_id))
        if record is not None:
            panel = self.materials_panel(record, actor_of(request.user))
            extra_context = {**(extra_context or {}), "materials_panel": panel}
        return super().change_view(request, object_id, form_url, extra_context)

    def material_view(self, request, object_id, item):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        record = self.get_object(request, unquote(object_id))
        if record is None:
            raise Http404
        actor = actor_of(request.user)
        if actor is None or not self.takes_materials(record, actor):
            raise PermissionDenied(gettext("This action is not open to you on this record now."))
        try:
            self.material_post(request, record, actor, item)
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        concrete = record._meta.concrete_model._meta
        page = reverse(f"admin:{concrete.app_label}_{concrete.model_name}_change", args=[record.pk])
        return HttpResponseRedirect(f"{page}#materials-panel")


def confirm_action(modeladmin, request, queryset, *, action: str, title, items: list[str], form=None, warning=None):
    """The page a bulk action shows before it acts: what it will do to which records, and one Confirm.

    The action runs when the page posts back with ``apply``; Cancel returns to the list, nothing done.
    """
    return TemplateResponse(
        request,
        "admin/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "items": items,
            "queryset": queryset,
            "form": form,
            "warning": warning,
            "action": action,
            "opts": modeladmin.model._meta,
        },
    )


def transition_action(*, name: str, label, perform, form_class=None, capacities=None):
    """An admin action that runs ``perform(obj, actor, **form data)`` for each selected record.

    With a ``form_class`` it first shows a page asking for the input (a reason, a date, a
    payment reference). Refusals by the domain services are shown per record; nothing else
    is written for those.
    """

    def run(modeladmin, request, queryset):
        if "apply" not in request.POST:  # every bulk transition shows what it will do and asks once
            return confirm_action(
                modeladmin,
                request,
                queryset,
                action=name,
                title=label,
                items=[f"{obj.reference} — {obj.person.name} — {obj.get_state_display()}" for obj in queryset],
                form=form_class() if form_class is not None else None,
            )
        form = form_class(request.POST) if form_class is not None else None
        if form is not None and not form.is_valid():
            modeladmin.message_user(request, gettext("The form is invalid."), messages.ERROR)
            return None
        actor = Actor.staff(request.user)
        done = 0
        for obj in queryset:
            try:
                perform(obj, actor, **(form.cleaned_data if form else {}))
                done += 1
            except ApplicationError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request, gettext("%(n)d done: %(label)s.") % {"n": done, "label": label}, messages.SUCCESS
            )
        return None

    run.__name__ = name
    run.short_description = label
    run.allowed_permissions = ("change",)
    run.capacities = capacities
    return run


class FieldValueNames:
    """Stored values of a model's fields as people read them, for histories: a choice by its label, a related
    row by its name (a region, an institution, a channel, a pool) instead of its code. The related rows of many
    changes are read together, one query per related model: ``FieldValueNames(Filing, [("destination",
    "310000"), ...]).shown("destination", "310000")`` → 上海市. A value with no name is shown as stored."""

    def __init__(self, model, changes):
        self.model = model
        wanted: dict[type, set] = {}
        for name, value in changes:
            field = self._field(name)
            if field is None or not (field.many_to_one or field.one_to_one or field.many_to_many):
                continue
            for item in value if isinstance(value, list) else [value]:
                key = self._key(field, item)
                if key is not None:
                    wanted.setdefault(field.related_model, set()).add(key)
        self.names: dict[tuple[type, str], str] = {}
        for related, keys in wanted.items():
            for row in related._default_manager.filter(pk__in=keys):
                self.names[(related, str(row.pk))] = str(getattr(row, "name", "") or row)

    def _field(self, name: str):
        try:
            return self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None

    @staticmethod
    def _key(field, value):
        if value in (None, "") or isinstance(value, dict | list):
            return None
        try:
            return field.related_model._meta.pk.to_python(value)
        except (ValidationError, ValueError, TypeError):
            return None  # stored by another key (a claim's filing by its reference): shown as stored

    def shown(self, name: str, value):
        """``value`` by name (a list item by item); anything unnamed as it is."""
        if isinstance(value, list):
            return [self.shown(name, item) for item in value]
        field = self._field(name)
        if field is None or value in (None, "") or isinstance(value, dict):
            return value
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if field.concrete and field.is_relation:
            return self.names.get((field.related_model, str(value)), value)
        return value


class NamedHistoryContext(HistoricalRecordContextHelper):
    """django-simple-history's list of changes, with values as people read them: a choice by its label, a
    related row by its name, nothing as —; the fields are already named by their labels."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        if isinstance(value, list):
            return [self._named(change.field, item) for item in value]
        return self._named(change.field, value)

    def _named(self, name: str, value):
        if value in (None, ""):
            return "—"
        field = self.model._meta.get_field(name)
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if field.is_relation:
            return str(getattr(value, "name", "") or value)
        return value
