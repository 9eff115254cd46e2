"""Logs carry no personal identifiers: ID numbers, phones and card numbers are masked in every record.

The rule is ``config.personal.mask_log_text``, the masking policy's rule for logs.

Django logs each 4xx with the request's path, and some paths name a person by ID number
(``/audit/persons/{id_number}/as-of/``); a filter on those loggers masks them before any handler
sees the record.
"""

from __future__ import annotations

import logging

from config.personal import mask_log_text as mask_text


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
