"""The one application error type that services raise and the API maps to HTTP."""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A domain rule refused the request.

    ``code`` is a stable machine-readable string, ``message`` the human text, ``errors``
    optional per-field messages. ``status`` is the HTTP status the API answers with.
    """

    status = 400
    default_code = "invalid"
    default_message = _("The request is invalid.")

    def __init__(self, message=None, *, code: str | None = None, errors: dict | None = None):
        self.message = message if message is not None else self.default_message
        self.code = code or self.default_code
        self.errors = {
            field: [str(m) for m in (msgs if isinstance(msgs, (list, tuple)) else [msgs])]
            for field, msgs in (errors or {}).items()
        }
        super().__init__(str(self.message))


class ValidationFailed(ApplicationError):
    status = 400
    default_code = "invalid"


class PermissionRefused(ApplicationError):
    status = 403
    default_code = "permission_denied"
    default_message = _("You do not have permission to perform this action.")


class NotFound(ApplicationError):
    status = 404
    default_code = "not_found"
    default_message = _("Not found.")


class Conflict(ApplicationError):
    """The request conflicts with the record's current state (HTTP 409)."""

    status = 409
    default_code = "conflict"
    default_message = _("The request conflicts with the current state of the record.")


class InvalidTransition(Conflict):
    default_code = "invalid_transition"


class TooManyRequests(ApplicationError):
    """The caller did this too often (HTTP 429); ``retry_after`` is how many seconds to wait."""

    status = 429
    default_code = "throttled"
    default_message = _("Too many requests; try again later.")

    def __init__(self, message=None, *, wait: float, code: str | None = None, errors: dict | None = None):
        self.retry_after = max(math.ceil(wait), 1)
        super().__init__(message, code=code, errors=errors)


class StaleVersion(ApplicationError):
    status = 412
    default_code = "stale_version"
    default_message = _("The record was changed by someone else; reload it and try again.")
