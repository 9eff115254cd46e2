"""Per-account lockout with back-off after repeated password failures (django-axes).

django-axes records every failed staff login (the API's ``/auth/token/`` and the admin's login
page) in its ``AccessAttempt`` table, per username, in the database that every worker shares.
This module adds the back-off and the answers:

- ``AXES_FAILURE_LIMIT`` failures of one account (remembered until ``AXES_COOLOFF_TIME``, a day,
  passes without another, or a successful login clears them) lock it for
  ``STAFF_LOCKOUT_COOLOFF``; once that has run out, each further failure locks it again for
  twice as long as the last time, up to ``STAFF_LOCKOUT_MAX``. While locked, even the right
  password is refused, and the attempts are not counted (a locked-out clerk who retries does
  not lengthen their own lockout).
- ``lockout_response``: the answer while locked: the API's JSON error (429 ``account_locked``
  with ``Retry-After``) or, in the admin, a short page in Chinese.

Administrators unlock an account early by deleting its access attempts in the admin
(“访问尝试”) or with ``manage.py axes_reset_username USERNAME``.
"""

from __future__ import annotations

import datetime
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from config.api.exceptions import error_body


def lockout_duration(failures: int, limit: int) -> datetime.timedelta:
    """How long ``failures`` failures lock an account: the cool-off, doubled per failure beyond the limit."""
    base = settings.STAFF_LOCKOUT_COOLOFF
    ceiling = settings.STAFF_LOCKOUT_MAX
    doublings = max(failures - limit, 0)
    if doublings >= 32 or base * (2**doublings) >= ceiling:
        return ceiling
    return base * (2**doublings)


class BackoffDatabaseHandler(AxesDatabaseHandler):
    """Axes' database handler, with the lock's length growing with the account's failures."""

    def lockout_state(self, request, credentials=None) -> tuple[int, datetime.datetime | None]:
        """(failures remembered, end of the lockout or None) for the account of the request."""
        limit = get_failure_limit(request, credentials)
        worst_failures, worst_until = 0, None
        for attempts in self.get_user_attempts(request, credentials):
            summary = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            failures = summary["failures"] or 0
            until = summary["last"] + lockout_duration(failures, limit) if failures >= limit else None
            if failures > worst_failures:
                worst_failures = failures
            if until is not None and (worst_until is None or until > worst_until):
                worst_until = until
        return worst_failures, worst_until

    def get_failures(self, request, credentials=None) -> int:
        """The failures that count now: past the end of its lockout, an account is one failure from the next."""
        failures, until = self.lockout_state(request, credentials)
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        limit = get_failure_limit(request, credentials)
        if until is not None and now >= until:
            return min(failures, limit - 1)
        return failures


def lockout_remaining(request, credentials=None) -> datetime.timedelta:
    """How long the account of this (axes-annotated) request stays locked; at least a second."""
    from axes.handlers.proxy import AxesProxyHandler

    handler = AxesProxyHandler.get_implementation()
    until = None
    if isinstance(handler, BackoffDatabaseHandler):
        _failures, until = handler.lockout_state(request, credentials)
    if until is None:
        return settings.STAFF_LOCKOUT_COOLOFF
    return max(until - timezone.now(), datetime.timedelta(seconds=1))


def retry_after_seconds(remaining: datetime.timedelta) -> int:
    return max(math.ceil(remaining.total_seconds()), 1)


def lockout_message(remaining: datetime.timedelta) -> str:
    minutes = max(math.ceil(remaining.total_seconds() / 60), 1)
    return _("Too many failed logins: this account is locked. Try again in %(minutes)d minutes.") % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: what a locked-out login answers (the API's JSON error, or a page)."""
    remaining = lockout_remaining(request, credentials)
    retry_after = str(retry_after_seconds(remaining))
    if request.path.startswith("/api/"):
        if original_response is not None and original_response.status_code == 429:
            return original_response  # the token view has already answered in the API's format
        response = JsonResponse(error_body("account_locked", lockout_message(remaining)), status=429)
    else:
        title = _("Account locked")
        response = HttpResponse(
            format_html(
                '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>{}</title></head>'
                "<body><h1>{}</h1><p>{}</p></body></html>",
                title,
                title,
                lockout_message(remaining),
            ),
            status=429,
        )
    response["Retry-After"] = retry_after
    return response
