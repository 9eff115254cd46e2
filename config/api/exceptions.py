"""One error format for every API error: {"code", "message", "errors"}."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.api.inputs import flatten_errors
from config.errors import ERROR_CODE_CHOICES, ApplicationError, ErrorCode

logger = logging.getLogger(__name__)
ERROR_CODES = frozenset(ErrorCode)


class ErrorSerializer(serializers.Serializer):
    """Documents the error body in the OpenAPI schema."""

    code = serializers.ChoiceField(choices=ERROR_CODE_CHOICES, help_text="Stable machine-readable error code.")
    message = serializers.CharField(help_text="Human-readable summary (Simplified Chinese by default).")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field; `non_field_errors` for the body as a whole.",
    )


# The error responses every endpoint may answer, for the OpenAPI schema.
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


def error_body(code: str, message: str, errors: dict | None = None) -> dict:
    """The one error body. ``code`` is one of ``ErrorCode`` (the schema's enum); another is a defect, raised in
    tests (``STRICT_ERROR_CODES``) and logged in production, where the answer still goes out."""
    if code not in ERROR_CODES:
        if getattr(settings, "STRICT_ERROR_CODES", False):
            raise LookupError(f"error code {code!r} is not in config.errors.ErrorCode")
        logger.error("error code %r is not in config.errors.ErrorCode", code)
    return {"code": code, "message": str(message), "errors": errors or {}}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        response = Response(error_body(exc.code, exc.message, exc.errors), status=exc.status)
        if getattr(exc, "retry_after", None):  # TooManyRequests: when to come back, in whole seconds
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, OperationalError):
        # The database is unreachable: not the client's fault, and worth retrying later.
        logger.error("database unavailable: %s", exc)
        return Response(
            error_body("service_unavailable", _("The service is temporarily unavailable; try again.")),
            status=503,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, SuspiciousOperation):
        # Django refuses a form with too many fields or files (DATA_UPLOAD_MAX_NUMBER_FIELDS/FILES) while the body
        # is read: a 400 in the one error format, not Django's HTML page.
        message = _("The request body could not be read: too many fields or files.")
        return Response(error_body("invalid", message, {"body": [message]}), status=400)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: let Django log it and answer 500

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        response.data = error_body("invalid", _("The request is invalid; see the errors per field."), errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        if isinstance(detail, (dict, list)):
            response.data = error_body(code, _("The request could not be processed."), flatten_errors(detail))
        else:
            response.data = error_body(code, str(detail))
    if isinstance(exc, exceptions.Throttled):
        # 429 `throttled` (or `account_locked`) always says when to come back, in whole seconds.
        response["Retry-After"] = str(max(int(exc.wait or 0), 1))
    return response
