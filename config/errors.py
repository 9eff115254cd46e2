"""The one application error type that services raise and the API maps to HTTP."""

from __future__ import annotations

import enum
import math

from django.utils.translation import gettext_lazy as _


class ErrorCode(enum.StrEnum):
    """Every ``code`` an error body may carry (the schema's ``ErrorCode`` enum); ``error_body`` checks it."""

    # any operation
    INVALID = "invalid"  # 400, with messages per field
    CONTROL_CHARACTERS = "control_characters"
    BODY_TOO_DEEP = "body_too_deep"
    PARSE_ERROR = "parse_error"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    STALE_VERSION = "stale_version"
    REQUEST_TOO_LARGE = "request_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    THROTTLED = "throttled"
    ACCOUNT_LOCKED = "account_locked"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_REQUEST_IN_PROGRESS = "idempotency_request_in_progress"
    SERVICE_UNAVAILABLE = "service_unavailable"
    SERVER_ERROR = "server_error"
    # credentials and persons
    INVALID_CREDENTIALS = "invalid_credentials"
    NO_ROLE = "no_role"
    UNKNOWN_CHANNEL = "unknown_channel"
    KEY_WITHOUT_INSTITUTION = "key_without_institution"
    PERSON_EXISTS = "person_exists"
    PERSON_NOT_FOUND = "person_not_found"
    PERSON_NOT_INSURED_HERE = "person_not_insured_here"
    NOT_ACTIVELY_INSURED = "not_actively_insured"
    NOT_INSURED_ON_DATES = "not_insured_on_dates"
    INVALID_CURSOR = "invalid_cursor"
    # filings
    LIVE_FILING_EXISTS = "live_filing_exists"
    NOT_QUALIFIED = "not_qualified"
    MINIMUM_HOLDING_PERIOD = "minimum_holding_period"
    OVERLAPPING_STAY = "overlapping_stay"
    UNKNOWN_INSTITUTION = "unknown_institution"
    NOT_ACCEPTING_MATERIALS = "not_accepting_materials"
    MATERIALS_MISSING = "materials_missing"
    NOTHING_MISSING = "nothing_missing"
    UNKNOWN_MATERIAL_ITEM = "unknown_material_item"
    # uploads
    UNSUPPORTED_FILE_TYPE = "unsupported_file_type"
    FILE_TOO_LARGE = "file_too_large"
    TOO_MANY_FILES = "too_many_files"
    RECORD_SIZE_EXCEEDED = "record_size_exceeded"
    UPLOAD_RATE_EXCEEDED = "upload_rate_exceeded"
    # claims
    CHECKLIST_CLOSED = "checklist_closed"
    INVOICE_ALREADY_CLAIMED = "invoice_already_claimed"
    COVERAGE_OVERLAP = "coverage_overlap"
    NO_BENEFIT_POLICY = "no_benefit_policy"
    INVALID_AMOUNTS = "invalid_amounts"
    INVOICES_DO_NOT_ADD_UP = "invoices_do_not_add_up"
    INVOICE_DATE = "invoice_date"
    INVOICE_CODE_MISSING = "invoice_code_missing"
    INVOICE_NUMBER_MISSING = "invoice_number_missing"
    INVALID_INVOICE_NUMBER = "invalid_invoice_number"
    DUPLICATE_INVOICE = "duplicate_invoice"
    TOO_MANY = "too_many"
    INSTITUTION_NOT_IN_CITY = "institution_not_in_city"
    UNKNOWN_DISEASE = "unknown_disease"
    # imports and accounts (the admin and commands; listed so that every body the code can build is named)
    INVALID_CSV = "invalid_csv"
    INVALID_ROWS = "invalid_rows"
    MISSING_COLUMNS = "missing_columns"
    PASSWORD_REFUSED = "password_refused"
    ACTION_NOT_ALLOWED = "action_not_allowed"


# The choices of the error body's ``code`` (values as labels): the schema's ``ErrorCode`` enum.
ERROR_CODE_CHOICES = [(code.value, code.value) for code in ErrorCode]


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
