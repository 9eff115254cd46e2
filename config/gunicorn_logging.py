"""gunicorn's access log without personal data: ID numbers and mobile numbers masked in every field.

The access log writes the request line and the query string, and the eligibility question
carries the person's full ID number there (``?id_number=…``). ``MaskingLogger`` (set in
``gunicorn.conf.py`` as ``logger_class``) masks each value the line is formatted with, with
the same patterns as the Django log filter, also when the digits came percent-encoded.
"""

from __future__ import annotations

from gunicorn.glogging import Logger, SafeAtoms

from config.logging import mask_text


def mask_value(value: str) -> str:
    """``value`` with personal numbers masked, percent-encoded ones too (``config.personal.mask_log_text``)."""
    return mask_text(value)


class MaskedAtoms(SafeAtoms):
    """gunicorn's atoms of one access line, each masked as the format reads it.

    gunicorn collects dozens of atoms per request (every request and response header, every
    environ variable); a line reads a handful. Masking all of them up front cost an eighth of an
    eligibility request's time in the worker; masking on reading masks exactly what is written.
    """

    def __getitem__(self, key):
        value = super().__getitem__(key)
        return mask_value(value) if isinstance(value, str) else value


class MaskingLogger(Logger):
    """gunicorn's logger, with every string atom the access log writes masked (the error log is Django's filter's)."""

    atoms_wrapper_class = MaskedAtoms
