"""Logs carry no personal identifiers: national ID numbers and mobile numbers are masked in every record.

Django logs each 4xx with the request's path, and some paths name a person by ID number
(``/audit/persons/{id_number}/as-of/``); a filter on those loggers masks them before any handler
sees the record.
"""

from __future__ import annotations

import logging
import re

ID_NUMBER = re.compile(r"(?<![0-9])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9])")
MOBILE = re.compile(r"(?<![0-9])(1\d{2})\d{4}(\d{4})(?![0-9])")


def mask_text(text: str) -> str:
    return MOBILE.sub(r"\1****\2", ID_NUMBER.sub(r"\1********\2", text))


class MaskPersonalData(logging.Filter):
    """Rewrites a record's message (with its arguments applied) with ID numbers and phones masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


# The loggers that write request paths or query strings.
MASKED_LOGGERS = ("django.request", "django.server", "django.security", "gunicorn.access", "gunicorn.error")


def logging_config(*, level: str = "INFO", handlers: bool = True) -> dict:
    """The LOGGING setting: console output, with the personal-data filter on every logger that needs it."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"mask_personal_data": {"()": "config.logging.MaskPersonalData"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"]}},
        "root": {"handlers": ["console"] if handlers else [], "level": level},
        "loggers": {
            name: {"filters": ["mask_personal_data"], "level": "ERROR" if name == "django.request" else level}
            for name in MASKED_LOGGERS
        },
    }
    return config
