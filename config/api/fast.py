"""Output serializers that render many rows without DRF's per-field machinery, giving the same JSON.

For every field of every row DRF walks ``Field.get_attribute`` (a generic lookup that inspects
each value to see whether it must be called) and then ``to_representation``. On a list page of
50 filings (37 fields, some nested) that was most of the request: about 12 ms of Python against
8 ms in the database. ``FastOutput`` compiles, once per serializer instance (a list's rows share
one), a step per readable field:

- plain fields (text, numbers, booleans, choices, dates, instants, decimals) read straight from the
  instance, one attribute or one through a related object, and convert with the field's own
  ``to_representation`` (``str`` and ``int`` for text and whole numbers, which is all DRF's does);
- anything else (nested serializers, method and related fields), and any plain read that raises or
  finds a callable, takes DRF's own path for that field.

The declared serializer stays the one definition of the output (and of the OpenAPI schema).
``tests/api/test_fast_output.py`` renders records of every shape both ways and requires equality.
"""

from __future__ import annotations

import copy
import datetime
import functools
from collections.abc import Callable, Mapping

from rest_framework import ISO_8601
from rest_framework import fields as drf_fields
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

_SKIP = object()
_PLAIN = (
    drf_fields.CharField,
    drf_fields.IntegerField,
    drf_fields.BooleanField,
    drf_fields.ChoiceField,
    drf_fields.DateField,
    drf_fields.DateTimeField,
    drf_fields.DecimalField,
    drf_fields.FloatField,
)


def _drf_step(field) -> Callable:
    """DRF's own rendering of one field (``Serializer.to_representation``'s loop body)."""

    def step(instance):
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            return _SKIP
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check_for_none is None else field.to_representation(attribute)

    return step


def _iso_instant(field) -> Callable:
    """DRF's ISO 8601 rendering of an aware datetime in the field's (or the current) time zone."""
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    slow = field.to_representation

    def convert(value):
        if zone is None or not isinstance(value, datetime.datetime) or value.utcoffset() is None:
            return slow(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return slow(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _iso_day(field) -> Callable:
    slow = field.to_representation
    return lambda value: slow(value) if isinstance(value, (str, datetime.datetime)) else value.isoformat()


def _converter(field) -> Callable:
    method = type(field).to_representation
    if method is drf_fields.CharField.to_representation:
        return str
    if method is drf_fields.IntegerField.to_representation:
        return int
    if method is drf_fields.DateTimeField.to_representation and _iso(field, api_settings.DATETIME_FORMAT):
        return _iso_instant(field)
    if method is drf_fields.DateField.to_representation and _iso(field, api_settings.DATE_FORMAT):
        return _iso_day(field)
    return field.to_representation


def _iso(field, default) -> bool:
    output_format = getattr(field, "format", default)
    return isinstance(output_format, str) and output_format.lower() == ISO_8601


def _is_plain(field) -> bool:
    """A field of a plain kind, read by DRF's own attribute lookup: rendered by a compiled step, copied shallowly."""
    return isinstance(field, _PLAIN) and type(field).get_attribute is drf_fields.Field.get_attribute


def _plain_step(field) -> Callable | None:
    if not _is_plain(field):
        return None
    attrs = field.source_attrs
    if len(attrs) not in (1, 2):
        return None
    convert, slow = _converter(field), _drf_step(field)
    first, second = attrs[0], attrs[-1]
    nested = len(attrs) == 2

    def step(instance):
        try:
            value = getattr(instance, first)
            if nested:
                if value is None:
                    return slow(instance)  # DRF's path decides: a default, None, a skip or the error
                value = getattr(value, second)
        except Exception:  # noqa: BLE001 - as above, and a missing related object reads as None there
            return slow(instance)
        if value is None:
            return None
        if callable(value):
            return slow(instance)  # DRF calls it
        return convert(value)

    return step


@functools.cache
def shared_serializer(serializer_class: type):
    """One context-free instance per serializer class, for the calls that keep no state on it.

    ``run_validation`` and ``to_representation`` read the instance's fields and nothing else of it,
    so the hot paths (the eligibility question and answer) reuse one instead of building the
    fields anew (DRF deep-copies every declared field for every instance).
    """
    return serializer_class()


class FastOutput:
    """Mix in before ``serializers.(Model)Serializer``: the same output, rendered by compiled steps.

    Its fields are built once per class too: ``ModelSerializer`` introspects the model for every
    instance (0.9 ms for a filing's 37 fields), where a copy of the first build (as DRF copies
    declared fields) takes a quarter of that. Nothing in building them depends on the instance.
    """

    def get_fields(self):
        cls = type(self)
        template = cls.__dict__.get("_field_template")
        if template is None:
            template = super().get_fields()
            cls._field_template = template
        # A plain field holds nothing binding changes but its own attributes: a shallow copy is a field of its
        # own (DRF's deep copy builds it again from its arguments, 25 µs a field). Others are deep-copied.
        return type(template)((name, _copy(field)) for name, field in template.items())

    def _fast_steps(self) -> list[tuple[str, Callable]]:
        steps = self.__dict__.get("_compiled_steps")
        if steps is None:
            plain = _class_plain_steps(type(self))
            steps = [(f.field_name, plain.get(f.field_name) or _drf_step(f)) for f in self._readable_fields]
            self.__dict__["_compiled_steps"] = steps
        return steps

    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        data = {}
        for name, step in self._fast_steps():
            value = step(instance)
            if value is not _SKIP:
                data[name] = value
        return data


def _copy(field):
    return copy.copy(field) if _is_plain(field) and field.default is drf_fields.empty else copy.deepcopy(field)


@functools.cache
def _class_plain_steps(serializer_class: type) -> dict[str, Callable]:
    """The plain fields' steps of a serializer class, compiled once per process on an instance with no context.

    A plain step reads attributes and converts the value: nothing in it depends on the request. A field with a
    default is left out (a default may read the context), and compiled per instance as before."""
    bare = serializer_class()
    steps = {}
    for field in bare._readable_fields:
        step = _plain_step(field) if field.default is drf_fields.empty else None
        if step is not None:
            steps[field.field_name] = step
    return steps
