"""The API's JSON parser: a bounded nesting depth and no control characters in strings, as a 400.

Python's JSON decoder recurses once per level: a body nested a thousand deep exhausts the
stack and would answer 500. The depth is counted on the raw text first (strings removed, so
brackets inside them do not count), before anything is decoded. Strings may carry tab, line
feed and carriage return, nothing else below U+0020 nor DEL: a NUL cannot be stored by
PostgreSQL and has no business in a reason or a name.
"""

from __future__ import annotations

import io
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers

from config.errors import ValidationFailed

BODY = "body"
JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
BRACKET = re.compile(rb"[\[\]{}]")
# Control characters refused in any string of the body (tab, line feed, carriage return pass).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def json_depth(raw: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (0 for a scalar)."""
    depth = deepest = 0
    for bracket in BRACKET.findall(JSON_STRING.sub(b"", raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def control_characters_in(value, path: str = "") -> str | None:
    """The dotted path of the first string (key or value) holding a control character, if any."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if CONTROL.search(item):
                return where or BODY
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{where}.{key}" if where else str(key)
                if CONTROL.search(str(key)):
                    return name
                stack.append((child, name))
        elif isinstance(item, list):
            stack.extend((child, f"{where}.{index}" if where else str(index)) for index, child in enumerate(item))
    return None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing deep nesting and control characters with a 400 that names the body."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        limit = settings.API_MAX_JSON_DEPTH
        if json_depth(raw) > limit:
            raise ValidationFailed(
                _("The JSON body nests deeper than %(n)d levels.") % {"n": limit},
                code="body_too_deep",
                errors={BODY: [_("At most %(n)d levels of arrays and objects.") % {"n": limit}]},
            )
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        where = control_characters_in(data)
        if where is not None:
            raise ValidationFailed(
                _("Text in the body may not contain control characters."),
                code="control_characters",
                errors={where: [_("Contains a control character (such as NUL).")]},
            )
        return data
