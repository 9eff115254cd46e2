"""gunicorn's access log without personal data: ID numbers and mobile numbers masked in every field.

The access log writes the request line and the query string, and the eligibility question
carries the person's full ID number there (``?id_number=…``). ``MaskingLogger`` (set in
``gunicorn.conf.py`` as ``logger_class``) masks each value before the line is formatted, with
the same patterns as the Django log filter, also when the digits came percent-encoded.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

from config.logging import mask_text


def mask_value(value: str) -> str:
    """``value`` with ID numbers and mobiles masked; percent-encoded ones are decoded first, then masked."""
    masked = mask_text(value)
    if "%" in masked or "+" in masked:
        decoded = unquote_plus(masked)
        redone = mask_text(decoded)
        if redone != decoded:
            return redone
    return masked


class MaskingLogger(Logger):
    """gunicorn's logger, with every string atom of the access log masked (the error log is Django's filter's)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: mask_value(value) if isinstance(value, str) else value for name, value in atoms.items()}
