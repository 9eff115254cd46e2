"""One validation pass: the serializer checks shapes, the service checks rules, one 400 names every field.

An input serializer only knows types and limits (taken from the model fields, so the two
never disagree). When the shape is wrong somewhere, the fields that did parse still go
through the service's own checks, and the answer carries both kinds of error at once,
instead of one round per try.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.fields import SkipField

from config.api.fast import shared_serializer
from config.errors import ApplicationError, NotFound, PermissionRefused, ValidationFailed


def limit(model, field: str) -> int:
    """The ``max_length`` of a model field, for input serializers and forms to repeat, never to retype."""
    return model._meta.get_field(field).max_length


# Every date a client sends lies in these years: a date far outside them is a typing error, and
# date arithmetic on year 9999 (the end of a filing, a deadline) would overflow into a 500.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


def bounded_date(value) -> None:
    """A validator: the date (or the day of a datetime) lies between 1900 and 2100."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise serializers.ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
            code="date_out_of_range",
        )


def bound_dates(field) -> None:
    """Adds ``bounded_date`` to a date or datetime field, or to a list field's child. A datetime is checked
    before DRF makes it aware too: a naive ``0001-01-01T00:00:00`` would overflow there, a 500."""
    if isinstance(field, serializers.ListField):
        bound_dates(field.child)
    elif isinstance(field, (serializers.DateField, serializers.DateTimeField)):
        if bounded_date not in field.validators:
            field.validators.append(bounded_date)
        if isinstance(field, serializers.DateTimeField) and not getattr(field, "bounded_before_aware", False):
            enforce = field.enforce_timezone

            def enforce_within_years(value, enforce=enforce):
                bounded_date(value)
                return enforce(value)

            field.enforce_timezone = enforce_within_years
            field.bounded_before_aware = True


class InputSerializer(serializers.Serializer):
    """Input shapes only; after a failed ``is_valid()`` it still hands over the fields that parsed.

    Every date field of an input serializer is bounded to the years 1900–2100 (``bounded_date``). A JSON
    body's key the serializer does not declare is refused, named (``strict``; the schema says so with
    ``additionalProperties: false``), instead of being silently ignored.
    """

    strict = True

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            bound_dates(field)
        return fields

    def to_internal_value(self, data):
        """DRF's CharField turns a number into text; here a text field of a JSON body takes text only."""
        wrong = {**self.non_text(data), **self.unknown(data)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if wrong and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **wrong}) from exc
            raise
        if wrong:
            raise serializers.ValidationError(wrong)
        return value

    def non_text(self, data) -> dict:
        """{field: [message]} for the text fields of a JSON object that hold a number or a boolean."""
        if not isinstance(data, Mapping) or hasattr(data, "getlist"):  # a query or a form is text already
            return {}
        return {
            name: [field.error_messages["invalid"]]
            for name, field in self.fields.items()
            if isinstance(field, serializers.CharField)
            and not field.read_only
            and isinstance(data.get(name), (bool, int, float))
        }

    def unknown(self, data) -> dict:
        """{key: [message]} for each key of a strict serializer's JSON body that it does not declare. A query
        string or a form is not held to it (``?format=csv``, a page number, a browser's extra fields)."""
        if not self.strict or not isinstance(data, Mapping) or hasattr(data, "getlist"):
            return {}
        return {
            str(name): [_("Unknown field: this request does not take it.")] for name in data if name not in self.fields
        }

    def partial_data(self) -> dict:
        data = getattr(self, "initial_data", None)
        if not isinstance(data, Mapping):
            return {}
        parsed: dict = {}
        for field in self._writable_fields:
            if field.field_name in self.errors:
                continue
            try:
                value = field.run_validation(field.get_value(data))
            except (serializers.ValidationError, DjangoValidationError, SkipField):
                continue
            self.set_value(parsed, field.source_attrs, value)
        return parsed


class QueryInputSerializer(InputSerializer):
    """A query string's parameters: one the serializer does not declare is ignored, not refused (``?format=``,
    a cache-buster a browser or a proxy adds)."""

    strict = False


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [messages]}, nested fields with dotted paths."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and prefix:
                name = prefix
            out.update(flatten_errors(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                out.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def parse_input(
    serializer_class: type[InputSerializer],
    data,
    *,
    rules: Callable[[dict], object] | None = None,
    **kwargs,
) -> dict:
    """The parsed body, or one ValidationFailed naming every bad field (shapes and rules together).

    ``rules`` is the service's own validation, called only when the shape is wrong somewhere
    (when it is right, the service runs the same rules itself): it receives the fields that
    parsed and must skip what is missing.
    """
    if not kwargs:
        # Most input is valid: one shared, context-free instance checks it, without building the
        # serializer's fields anew (DRF deep-copies every declared field per instance; on the
        # eligibility lookup that was a third of the request). Invalid input takes the full path
        # below, which names every field.
        try:
            return dict(shared_serializer(serializer_class).run_validation(data))
        except (serializers.ValidationError, DjangoValidationError):
            pass
    serializer = serializer_class(data=data, **kwargs)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    errors = flatten_errors(serializer.errors)
    if rules is not None:
        try:
            rules(serializer.partial_data())
        except ValidationFailed as exc:
            # A field's shape error stands for it, and for everything inside it ("invoices.0.code"
            # stands for "invoices": the rules never saw the list, so "required" would be false).
            shaped = {name.split(".")[0] for name in errors}
            errors = {**{k: v for k, v in exc.errors.items() if k.split(".")[0] not in shaped}, **errors}
        except (PermissionRefused, NotFound):
            raise  # a refusal comes before any complaint about the input
        except ApplicationError:
            pass  # a conflict with the record's state is for after the input is right
    raise ValidationFailed(_("The request is invalid; see the errors per field."), errors=errors)
