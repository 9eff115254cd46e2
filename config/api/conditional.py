"""Conditional requests: If-Match carries the version a client last read (lost-update guard).

Every read of a mutable record answers its version as the ``ETag``; a write that sends it back
in ``If-Match`` is refused with 412 when the record changed meanwhile. The comparison happens
on the locked row, inside the write's transaction, so of two writers holding one version
exactly one wins.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter

from config.errors import StaleVersion, ValidationFailed

HEADER = "If-Match"
# A version is a PositiveIntegerField: ten digits hold it; a longer value matches nothing we store.
MAX_DIGITS = 18

IF_MATCH_PARAMETER = OpenApiParameter(
    HEADER,
    # A version ("3", W/"3" or 3), "*" or empty (both: no condition); anything else is a 400.
    {"type": "string", "pattern": r'^(|\*|(W/)?"?[0-9]{1,18}"?)$'},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        'The record\'s `ETag` as last read (its version, e.g. `"3"`). When the record has changed since, '
        "the request is refused with 412 `stale_version` and nothing is written."
    ),
)


def expected_version(request) -> int | None:
    """The version named by an If-Match header ("3" or W/"3"), if any."""
    header = request.headers.get(HEADER)
    if not header or header.strip() == "*":
        return None
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isascii() or not value.isdigit() or len(value) > MAX_DIGITS:
        shown = header if len(header) <= 40 else f"{header[:40]}…"
        raise ValidationFailed(_("If-Match must carry the record's version."), errors={HEADER: [shown]})
    return int(value)


def etag(record) -> str:
    return f'"{record.version}"'


def lock_version(queryset, pk, expected: int | None):
    """The row ``pk`` of ``queryset``, locked for the current transaction; 412 when its version is not ``expected``.

    Call inside ``transaction.atomic()``: the lock (and so the comparison) holds until the write commits.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_version() must be called inside a transaction.")
    record = queryset.select_for_update().get(pk=pk)
    if expected is not None and record.version != expected:
        raise StaleVersion()
    return record
