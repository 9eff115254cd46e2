"""The admin of policy tables: values as they are spoken, and rows that change only from a date.

Rates are stored as fractions (0.9000) and money in yuan with fen; staff read and type them as spoken: a rate
as a percent (90 %), an amount with its unit (800.00 元). ``PercentField`` and ``YuanField`` do the typing,
``percent`` and ``yuan`` the showing, and ``PolicyRowsAdmin`` puts them on every field of that kind of every
policy table, on its list, its change form and its read-only views.

A row in force or past keeps its values (``config.policy_rows``): its page shows them read-only, deleting it is
refused, only its last day may still be set (today or later); the page offers "change from a date", a form
with the row's values and the day the new ones start, which calls ``config.policy_rows.supersede``. A row
starting after today is edited and deleted as usual; a new row starts tomorrow at the earliest.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config import policy_rows

HUNDRED = Decimal(100)
RATE_PLACES = Decimal("0.0001")


# --- showing -------------------------------------------------------------------------------------------------


def percent(value) -> str:
    """A stored rate as spoken: 0.9000 → "90%", 0.0525 → "5.25%"; empty stays empty."""
    if value in (None, ""):
        return ""
    shown = (Decimal(value) * HUNDRED).quantize(Decimal("0.01")).normalize()
    return f"{shown:f}%"


def yuan(value) -> str:
    """An amount in yuan with its unit: 1234.5 → "1,234.50 元"; empty stays empty."""
    if value in (None, ""):
        return ""
    return f"{Decimal(value):,.2f} 元"


def is_rate(field) -> bool:
    """A stored fraction between 0 and 1 (the ``RATE`` fields of the policy tables)."""
    return isinstance(field, models.DecimalField) and any(
        isinstance(v, MaxValueValidator) and v.limit_value == 1 for v in field.validators
    )


def is_money(field) -> bool:
    """An amount in yuan to the fen (the ``MONEY`` fields)."""
    return isinstance(field, models.DecimalField) and field.decimal_places == 2 and not is_rate(field)


# --- typing --------------------------------------------------------------------------------------------------


class UnitInput(forms.NumberInput):
    """A number input with its unit written after it ("%", "元")."""

    def __init__(self, attrs=None, *, unit: str):
        super().__init__({"step": "0.01", "style": "width: 9em", **(attrs or {})})
        self.unit = unit

    def render(self, name, value, attrs=None, renderer=None):
        return format_html(
            '<span class="unit-input" style="display: inline-flex; align-items: center; gap: .3em">{}'
            '<span class="unit">{}</span></span>',
            super().render(name, value, attrs, renderer),
            self.unit,
        )


class PercentField(forms.DecimalField):
    """A rate typed as a percent (90 or 5.25) and given to the model as the fraction it stores (0.9000)."""

    def __init__(self, *, label=None, low=Decimal(0), high=Decimal(1), **kwargs):
        for name in ("max_digits", "decimal_places", "min_value", "max_value", "localize"):
            kwargs.pop(name, None)
        kwargs.setdefault("widget", UnitInput(unit="%"))
        self.low, self.high = Decimal(low), Decimal(high)  # as stored: fractions
        super().__init__(label=label, max_digits=5, decimal_places=2, **kwargs)

    def prepare_value(self, value):
        # The stored fraction is shown as a percent; what was typed (a string) stays as typed.
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            return percent(value)[:-1]  # "10", never "1E+1"
        return value

    def clean(self, value):
        typed = super().clean(value)
        if typed is None:
            return None
        fraction = (typed / HUNDRED).quantize(RATE_PLACES)
        if not self.low <= fraction <= self.high:
            raise ValidationError(
                gettext("%(field)s must lie between %(low)s and %(high)s.")
                % {"field": self.label, "low": percent(self.low), "high": percent(self.high)},
                code="percent_range",
            )
        return fraction

    def has_changed(self, initial, data):
        try:
            typed = super().to_python(data)
        except ValidationError:
            return True
        fraction = None if typed is None else (typed / HUNDRED).quantize(RATE_PLACES)
        return fraction != (None if initial in (None, "") else Decimal(initial))

    def widget_attrs(self, widget):
        return {"step": "0.01", "min": percent(self.low)[:-1], "max": percent(self.high)[:-1]}


class YuanField(forms.DecimalField):
    """An amount typed in yuan, with the unit beside it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", UnitInput(unit="元"))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["step"] = "0.01"
        return attrs


def rate_bounds(model, name: str) -> tuple[Decimal, Decimal]:
    """The range a rate field may take, as the model's check constraints state it (a plain ``name__lte=…`` or
    ``name__gte=…`` of a constraint's condition, e.g. the national caps of the ratio reductions), within 0–1:
    the form then names the field and its bound instead of the constraint's general message."""
    low, high = Decimal(0), Decimal(1)
    for constraint in model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if condition is None or condition.connector != "AND" or condition.negated:
            continue
        for child in condition.children:
            if not isinstance(child, tuple):
                continue
            lookup, value = child
            if lookup == f"{name}__lte":
                high = min(high, Decimal(value))
            elif lookup == f"{name}__gte":
                low = max(low, Decimal(value))
    return low, high


def as_spoken_formfield(db_field, formfield):
    """The form field a policy value is typed in: a rate as a percent, money in yuan, others as they are."""
    if formfield is None:
        return None
    if is_rate(db_field):
        low, high = rate_bounds(db_field.model, db_field.name)
        return PercentField(
            label=formfield.label,
            required=formfield.required,
            help_text=formfield.help_text,
            initial=formfield.initial,
            low=low,
            high=high,
        )
    if is_money(db_field):
        return YuanField(
            label=formfield.label,
            required=formfield.required,
            help_text=formfield.help_text,
            initial=formfield.initial,
            max_digits=db_field.max_digits,
            decimal_places=db_field.decimal_places,
            min_value=0 if any(getattr(v, "limit_value", None) == 0 for v in db_field.validators) else None,
        )
    return formfield


def _shown_column(field):
    show = percent if is_rate(field) else yuan

    @admin.display(description=field.verbose_name, ordering=field.name)
    def column(obj):
        return show(getattr(obj, field.name))

    return column


# --- the admin ---------------------------------------------------------------------------------------------


class SupersedeForm(forms.Form):
    """The form of "change from a date": the day the new values start, then the values (the row's own at first)."""

    def __init__(self, *args, row, formfield, **kwargs):
        super().__init__(*args, initial=model_to_dict(row, fields=policy_rows.value_fields(type(row))), **kwargs)
        self.row = row
        first = policy_rows.first_changeable_day()
        self.fields["effective_from"] = forms.DateField(
            label=_("new values take effect from"),
            widget=AdminDateWidget,
            help_text=_(
                "Tomorrow (%(day)s) or later. The current row ends the day before and keeps deciding what "
                "falls on its days."
            )
            % {"day": first.isoformat()},
        )
        for name in policy_rows.value_fields(type(row)):
            field = formfield(row._meta.get_field(name))
            if field is None:
                continue
            if isinstance(field.widget, RelatedFieldWidgetWrapper):
                field.widget = field.widget.widget  # no links to add or edit the related table from here
            self.fields[name] = field


class PolicyRowsAdmin(admin.ModelAdmin):
    """Every policy table's admin: values as spoken, a row in force read-only and changed from a date."""

    change_form_template = "admin/record_change_form.html"
    date_hierarchy = "effective_from"

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # "ratio_shown" etc.: the column and the read-only value of each rate and amount, as spoken.
        self.spoken = {
            field.name: f"{field.name}_shown"
            for field in model._meta.concrete_fields
            if is_rate(field) or is_money(field)
        }
        for field in model._meta.concrete_fields:
            if field.name in self.spoken:
                setattr(self, self.spoken[field.name], _shown_column(field))

    # typing and showing

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return as_spoken_formfield(db_field, super().formfield_for_dbfield(db_field, request, **kwargs))

    def get_list_display(self, request):
        return [
            self.spoken.get(name, name) if isinstance(name, str) else name for name in super().get_list_display(request)
        ]

    def values_read_only(self, request, obj) -> bool:
        return obj is not None and (policy_rows.has_taken_effect(obj) or not self.has_change_permission(request, obj))

    def get_fields(self, request, obj=None):
        """In the model's order, whichever of them are read-only."""
        names = super().get_fields(request, obj)
        order = {field.name: index for index, field in enumerate(self.model._meta.concrete_fields)}
        return sorted(names, key=lambda name: order.get(name, len(order)))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and policy_rows.has_taken_effect(obj):
            # Everything but the last day (while the row has not ended).
            readonly += [
                field.name
                for field in self.model._meta.concrete_fields
                if not field.primary_key and field.editable and field.name != "effective_to"
            ]
            if policy_rows.has_ended(obj):
                readonly.append("effective_to")
        if self.values_read_only(request, obj):
            readonly += list(self.spoken.values())
        return list(dict.fromkeys(readonly))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.values_read_only(request, obj):
            return fieldsets
        spoken, seen, result = self.spoken, set(), []
        for index, (title, options) in enumerate(fieldsets):
            names = []
            for name in options.get("fields", ()):
                shown = spoken.get(name, name) if isinstance(name, str) else name
                if shown not in seen:
                    seen.add(shown)
                    names.append(shown)
            options = {**options, "fields": names}
            if index == 0 and policy_rows.has_taken_effect(obj):
                options["description"] = gettext(
                    "This row has been in force since %(start)s: its values stay as they are for what it decided. "
                    "To change them, use “Change from a date”; a new row takes over from that day."
                ) % {"start": obj.effective_from.isoformat()}
            result.append((title, options))
        return result

    # what may change

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and policy_rows.has_ended(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (
            obj is not None and policy_rows.has_taken_effect(obj)
        )

    def get_actions(self, request):
        # Deleting from the list would not tell rows in force from the others: one row at a time, from its page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request, obj):
        """A row not yet in force is withdrawn: the row it followed takes its period back (``policy_rows.withdraw``)."""
        before = policy_rows.withdraw(obj)
        if before is not None:
            self.message_user(
                request,
                gettext("“%(row)s” is in force again in the withdrawn row's place.") % {"row": before},
                messages.INFO,
            )

    def save_model(self, request, obj, form, change):
        if change and policy_rows.has_taken_effect(type(obj)._default_manager.get(pk=obj.pk)):
            policy_rows.end(obj, effective_to=obj.effective_to)
            return
        super().save_model(request, obj, form, change)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        starts_later = obj is None or not policy_rows.has_taken_effect(obj)

        class PolicyRowForm(form):
            def clean(self):
                cleaned = super().clean()
                start = cleaned.get("effective_from")
                try:
                    if starts_later and start and (obj is None or "effective_from" in self.changed_data):
                        policy_rows.check_start(start)
                    if not starts_later and "effective_to" in self.changed_data:
                        policy_rows.check_end(obj, cleaned.get("effective_to"))
                except ValidationError as exc:
                    self.add_error(None, exc)
                return cleaned

        PolicyRowForm.__name__ = form.__name__
        return PolicyRowForm

    # change from a date

    def may_supersede(self, request, obj) -> bool:
        return (
            obj is not None
            and policy_rows.has_taken_effect(obj)
            and (obj.effective_to is None or obj.effective_to >= policy_rows.first_changeable_day())
            and self.has_change_permission(request, obj)
        )

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/change-from-date/",
                self.admin_site.admin_view(self.supersede_view),
                name=f"{opts.app_label}_{opts.model_name}_supersede",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        opts = self.model._meta
        context["record_tasks"] = (
            [(SUPERSEDE_LABEL, reverse(f"admin:{opts.app_label}_{opts.model_name}_supersede", args=[obj.pk]))]
            if self.may_supersede(request, obj)
            else []
        )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def supersede_view(self, request, object_id):
        row = self.get_object(request, object_id)
        if row is None:
            raise Http404
        if not self.may_supersede(request, row):
            raise PermissionDenied(gettext("This row cannot be changed from a date."))
        opts = self.model._meta
        back = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
        posted = request.method == "POST"
        form = SupersedeForm(
            request.POST if posted else None,
            row=row,
            formfield=lambda db_field: self.formfield_for_dbfield(db_field, request),
        )
        if posted and form.is_valid():
            values = {name: value for name, value in form.cleaned_data.items() if name != "effective_from"}
            try:
                new = policy_rows.supersede(row, effective_from=form.cleaned_data["effective_from"], **values)
            except ValidationError as exc:
                for name, errors in exc.update_error_dict({}).items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                with translation.override(None):  # stored untranslated, shown in the reader's language
                    ended = str(opts.get_field("effective_to").verbose_name)
                self.log_change(request, row, [{"changed": {"fields": [ended]}}])
                self.log_addition(request, new, [{"added": {}}])
                self.message_user(
                    request,
                    gettext("From %(day)s the new row applies; the earlier one ends on %(end)s.")
                    % {"day": new.effective_from.isoformat(), "end": row_end(row)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[new.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{SUPERSEDE_LABEL}: {row}",
            "opts": opts,
            "original": row,
            "form": form,
            "media": self.media + form.media,
            "confirm": [(label, value) for label, value in self.current_values(row)],
            "back": back,
            "task_label": SUPERSEDE_LABEL,
            "task_open": True,
        }
        return TemplateResponse(request, "admin/policy_supersede.html", context)

    def current_values(self, row):
        """(label, value as spoken) of the row's period and values, shown above the form."""
        rows = []
        for field in row._meta.concrete_fields:
            if field.primary_key or not field.editable:
                continue
            if field.name in self.spoken:
                value = getattr(self, self.spoken[field.name])(row)
            elif field.choices:
                value = getattr(row, f"get_{field.name}_display")()
            else:
                value = getattr(row, field.name)
                value = "…" if value is None and field.name == "effective_to" else value
                value = (gettext("yes") if value else gettext("no")) if isinstance(value, bool) else value
            rows.append((field.verbose_name, value))
        return rows


SUPERSEDE_LABEL = _("Change from a date")


def row_end(row) -> str:
    stored = type(row)._default_manager.get(pk=row.pk)
    return stored.effective_to.isoformat() if stored.effective_to else "…"
