"""Conditional requests: If-Match carries the version a client last read (lost-update guard)."""

from django.utils.translation import gettext as _

from config.errors import ValidationFailed


def expected_version(request) -> int | None:
    """The version named by an If-Match header ("3" or W/"3"), if any."""
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ValidationFailed(_("If-Match must carry the record's version."), errors={"If-Match": [header]})
    return int(value)
