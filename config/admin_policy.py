"""What every registered model admin obeys, ours and the packages': put on each by ``BureauAdminSite.register``.

1. List pages accept only the filters they offer.
2. A history page never writes: a past version is read, never saved back.
3. A search by a personal number (ID, phone, card) that matches nothing is a counted guess.
4. An add form's initial values from the address are read as their fields read them: junk is a 400.

On (1):
Django's admin lets a list page's address filter by any lookup on the model's own fields
(``?id_number__startswith=3502``), whether the page offers that filter or not. Staff could then
recover a personal number digit by digit. Here a list page accepts a lookup only when one of its
list filters (or its date hierarchy) uses it. Anything else raises ``DisallowedModelAdminLookup``,
which Django answers with 400 and logs as a security event. ``BureauAdminSite.register`` puts this
on every model admin, including those of the packages we use.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import BadRequest, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext as _

from config.actors import actor_of
from config.admin import NamedHistoryContext
from config.admin_widgets import CheckedAutocompleteSelect, CheckedAutocompleteSelectMultiple
from config.api.inputs import EARLIEST_DATE, LATEST_DATE
from config.limits import personal_lookup_guesses

# The parameters Django's own field list filters write for a field path (exact value, empty or not,
# date ranges, "has a value"); a related field's filter also writes ``path__<target>__exact``.
FIELD_FILTER_SUFFIXES = ("", "__exact", "__isnull", "__gte", "__lt", "__isempty")
DATE_HIERARCHY_SUFFIXES = ("__year", "__month", "__day", "__gte", "__lt")


def offered_parameters(model_admin, request) -> frozenset[str]:
    """Every query parameter the list page's filters and date hierarchy use."""
    offered: set[str] = set()
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
            offered.add(item.parameter_name)
            continue
        path = item[0] if isinstance(item, (tuple, list)) else item
        if not isinstance(path, str):
            continue
        offered.update(path + suffix for suffix in FIELD_FILTER_SUFFIXES)
        try:
            field = get_fields_from_path(model_admin.model, path)[-1]
        except (FieldDoesNotExist, admin.utils.NotRelationField):
            continue
        if field.is_relation and getattr(field, "target_field", None) is not None:
            offered.add(f"{path}__{field.target_field.name}__exact")
    hierarchy = model_admin.date_hierarchy
    if hierarchy:
        offered.update(hierarchy + suffix for suffix in DATE_HIERARCHY_SUFFIXES)
    return frozenset(offered)


class OfferedLookupsOnly:
    """A model admin whose list page takes only the lookups its filters offer (see the module), with values a
    date can take: a day or instant between 1900 and 2100, a month 1–12, a day of the month 1–31. Anything else
    (``?submitted_at__gte=0001-01-01``, ``?date__year=99999999999``) is the same 400, not a 500 of the database
    or of the time-zone conversion."""

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in offered_parameters(self, request) and date_value_readable(self.model, lookup, value)


_DATE_PART_RANGES = {"year": (1900, 2100), "month": (1, 12), "day": (1, 31)}


def date_value_readable(model, lookup: str, value) -> bool:
    """Whether ``value`` is one a date or datetime field's filter can take for ``lookup``; True for other fields."""
    path, _sep, suffix = lookup.rpartition("__")
    if suffix not in (*_DATE_PART_RANGES, "gte", "lt", "lte", "gt", "exact"):
        path, suffix = lookup, "exact"
    try:
        field = get_fields_from_path(model, path)[-1]
    except (FieldDoesNotExist, admin.utils.NotRelationField):
        return True
    if not isinstance(field, models.DateField):  # DateTimeField is one too
        return True
    values = value if isinstance(value, list) else [value]
    for item in values:
        if item in ("", None):
            continue
        text = str(item).strip()
        if suffix in _DATE_PART_RANGES:
            low, high = _DATE_PART_RANGES[suffix]
            if not (text.isdigit() and len(text) <= 4 and low <= int(text) <= high):
                return False
            continue
        try:
            instant = parse_datetime(text) if len(text) > 10 else None
            day = instant.date() if instant is not None else parse_date(text[:10])
        except ValueError:
            return False
        if day is None or not EARLIEST_DATE <= day <= LATEST_DATE:
            return False
    return True


class HistoryNeverWrites:
    """django-simple-history's page of a past version saves the form it is posted, checking only that the
    user may *view* history: a view-only role could rewrite a record through it. Records change through
    their services and change forms; a policy change is a new dated row. So a POST there is refused."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


# A personal number as typed into a search box, once read as stored (NFKC, separators dropped, upper case):
# an ID number, a mobile, a bank or social security card number (an optional letter, seven digits or more).
_PERSONAL_NUMBER = re.compile(r"^[A-Z]?\d{7,}[\dX]?$")
_SEARCH_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._]")


def _as_number(term: str) -> str:
    return _SEARCH_SEPARATORS.sub("", unicodedata.normalize("NFKC", term)).upper()


class SearchGuessesCounted:
    """A search by a personal number is a counted lookup of the searching user's
    (``config.limits.personal_lookup_guesses``, as the API's filters and eligibility count theirs): one that
    finds nothing counts, and past the limit every such search finds nothing and says why, whether the number
    is somebody's or not. Terms are read as Django's search reads them (quoted or not, several at once; the
    autocomplete's too), and a number in any spelling is searched as stored."""

    def get_search_results(self, request, queryset, search_term):
        terms = [
            unescape_string_literal(term) if term[:1] in "\"'" and term[-1:] == term[:1] and len(term) > 1 else term
            for term in smart_split(search_term or "")
        ]
        numbers = {i: _as_number(term) for i, term in enumerate(terms) if _PERSONAL_NUMBER.match(_as_number(term))}
        if not numbers or not self.get_search_fields(request):
            return super().get_search_results(request, queryset, search_term)
        guesses = personal_lookup_guesses(actor_of(request.user))
        if guesses.wait() is not None:
            messages.error(request, _("Too many searches for numbers that match nobody; try again later."))
            return queryset.none(), False
        typed = [numbers.get(i) or (f'"{term}"' if " " in term else term) for i, term in enumerate(terms)]
        found, may_have_duplicates = super().get_search_results(request, queryset, " ".join(typed))
        if not found.exists():
            guesses.record()
        return found, may_have_duplicates


class InitialDataChecked:
    """Django passes an add form's address (``?person=12&starts_on=…``) to the form as initial values,
    unread; a widget or a query then fails on junk (``?person=x``, ``?expires=x``) with a 500. Here each
    value naming a model field is read as that field reads it (a relation as its target's key), within
    its validators (an integer within the database's range); one it cannot read is a 400 page."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name, value in initial.items():
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not getattr(field, "concrete", False) and not field.many_to_many:
                continue
            target = field.target_field if field.is_relation else field
            try:
                for item in value if isinstance(value, list) else [value]:
                    if item in ("", None):
                        continue
                    target.run_validators(target.to_python(item))
            except (ValidationError, ValueError, TypeError, OverflowError):
                raise BadRequest(_("The address gives %(field)s a value it cannot take.") % {"field": name}) from None
        return initial


class AutocompleteReadsFirst:
    """Autocomplete widgets that leave out a submitted key their field cannot read (``config.admin_widgets``)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class HistoryNamesValues:
    """django-simple-history's page of changes names the values (``config.admin.NamedHistoryContext``)."""

    def get_historical_record_context_helper(self, request, historical_record):
        return NamedHistoryContext(self.model, historical_record)


class BureauModelAdmin(
    InitialDataChecked,
    SearchGuessesCounted,
    HistoryNeverWrites,
    HistoryNamesValues,
    AutocompleteReadsFirst,
    OfferedLookupsOnly,
):
    """The rules every registered model admin gets in front of its own class."""
