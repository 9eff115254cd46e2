"""The edge of the application: what no view should ever see, and errors answered in the API's format.

- ``RequestSizeLimitMiddleware``: bodies larger than the limits are a 413 before anything reads them.
- ``ControlCharacterMiddleware``: a NUL or another control character in the path or the query is
  a 400 (PostgreSQL cannot even compare such a string; no code of ours expects one).
- ``ApiNotFoundMiddleware``: an unmatched ``/api/`` URL (or method) answers the JSON error body,
  not Django's HTML page.
- ``DatabaseUnavailableMiddleware`` and ``server_error`` (the 500 handler): while the database
  is unreachable every page answers 503 with ``Retry-After`` (JSON under ``/api/``, a page in
  the user's language elsewhere, the admin included), never 500.
"""

import json
import re
import sys

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.template import loader
from django.utils.translation import gettext as _

from config.api.exceptions import error_body

API_PREFIX = "/api/"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Errors that mean the database is unreachable (connection refused, closed, shutting down).
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status: int, code: str, message: str, errors: dict | None = None, **headers) -> HttpResponse:
    body = error_body(code, message, errors)
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class RequestSizeLimitMiddleware:
    """JSON bodies may be at most API_MAX_BODY_BYTES; multipart uploads UPLOAD_MAX_BYTES plus headroom.

    Checking Content-Length here answers before anything is read or parsed, so a large
    body is never buffered and never half-processed.
    """

    MULTIPART_OVERHEAD = 64 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/form-data"):
            limit = settings.UPLOAD_MAX_BYTES + self.MULTIPART_OVERHEAD
        else:
            limit = settings.API_MAX_BODY_BYTES
        if length > limit and request.path.startswith("/api/"):
            return json_error(
                413, "request_too_large", _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            )
        return self.get_response(request)


class ControlCharacterMiddleware:
    """A control character (NUL included) in the path, a query parameter's name or value: 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = self.offending_part(request)
        if where is not None:
            message = _("The address may not contain control characters.")
            if is_api(request):
                return json_error(400, "control_characters", message, {where: [_("Contains a control character.")]})
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def offending_part(request) -> str | None:
        if CONTROL.search(request.path):
            return "path"
        for name, values in request.GET.lists():
            if CONTROL.search(name) or any(CONTROL.search(value) for value in values):
                return "query" if CONTROL.search(name) else name
        return None


class ApiNotFoundMiddleware:
    """Django's own 404 and 405 pages (no URL matched, a method a plain view refuses) as the JSON error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_api(request) or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response  # DRF has answered in the API's format already
        if response.status_code == 404:
            return json_error(404, "not_found", _("No API endpoint at this address."))
        allowed = response.get("Allow", "")
        return json_error(
            405,
            "method_not_allowed",
            _("Method “%(method)s” not allowed.") % {"method": request.method},
            **({"Allow": allowed} if allowed else {}),
        )


def database_unavailable(request) -> HttpResponse:
    """The 503 for a database that does not answer: JSON for the API, a short page for people."""
    message = _("The service is temporarily unavailable; try again.")
    if is_api(request):
        return json_error(503, "service_unavailable", message, Retry_After=str(RETRY_AFTER_SECONDS))
    # No request context: the context processors would ask the database who is logged in.
    page = loader.render_to_string("503.html", {"message": message, "retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view (the admin's included) that fails because the database is down answers 503, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
            return database_unavailable(request)
        return None


def server_error(request, *args, **kwargs):
    """The 500 handler: a database outage met outside any view (a middleware) is a 503 too; JSON under /api/."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_DOWN):
        return database_unavailable(request)
    if is_api(request):
        return json_error(500, "server_error", _("An unexpected error occurred; it has been logged."))
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request, *args, **kwargs)


class PrimaryPinningMiddleware:
    """Each request starts reading from the replica (when there is one); an unsafe one is pinned to the primary.

    A write anywhere in the request pins its later reads to the primary as well (``config.db_router``).
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from config import db_router

        token = db_router.reset_pin()
        try:
            if request.method not in self.SAFE_METHODS:
                db_router.pin_to_primary()
            return self.get_response(request)
        finally:
            db_router.restore_pin(token)


class NotForApi:
    """Mixed into a middleware of Django's: it runs for every page but the API's.

    The API authenticates every request by its Authorization header (no cookies, no sessions), and
    its views are exempt from CSRF (DRF's): sessions, ``request.user`` from the session, messages
    and the CSRF check are work an API request never uses. The admin and the other pages keep them.
    """

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class SessionsNotForApi(NotForApi, SessionMiddleware):
    pass


class AuthenticationNotForApi(NotForApi, AuthenticationMiddleware):
    pass


class MessagesNotForApi(NotForApi, MessageMiddleware):
    pass


class CsrfNotForApi(NotForApi, CsrfViewMiddleware):
    def process_view(self, request, callback, callback_args, callback_kwargs):
        if request.path_info.startswith(API_PREFIX):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)
