"""Settings shared by every environment; the others import this and adjust."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "config.apps.BureauAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "config.apps.LockoutsConfig",  # django-axes, named in Chinese
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "pgtrigger",
    "django_celery_beat",
    "registry",
    "accounts",
    "filings",
    "reimbursements",
    "audit",
    "notifications",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",  # SECURE_CSP below, on every answer
    "config.api.middleware.PrimaryPinningMiddleware",  # reads to the replica until the request writes
    "config.api.middleware.RequestSizeLimitMiddleware",
    "config.api.middleware.ControlCharacterMiddleware",
    "config.api.middleware.ApiNotFoundMiddleware",
    "config.api.middleware.SessionsNotForApi",  # these four: not under /api/ (config.api.middleware)
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.api.middleware.CsrfNotForApi",
    "config.api.middleware.AuthenticationNotForApi",
    "config.api.middleware.MessagesNotForApi",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.api.middleware.DatabaseUnavailableMiddleware",
    # Last: turns a login that django-axes refused into its lockout answer (accounts.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# SQLite (make run, a small office) serves several people writing at once: every transaction takes the
# write lock as it begins (BEGIN IMMEDIATE), so two requests never both read and then both try to write,
# one of them failing at once with "database is locked" (answered 503); a writer waits for the lock
# instead, up to SQLITE_BUSY_TIMEOUT (20) seconds. WAL lets reads go on beside the one writer, and
# synchronous=NORMAL is safe under WAL (a power cut may lose the last commits, never corrupt the file).
SQLITE_INIT = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"


# DATABASE_URL selects the database; without it an SQLite file inside the project.
# Connections persist (CONN_MAX_AGE seconds): a gunicorn sync worker serves one request at a time,
# so one kept connection per worker is what a pool would give it. They are not checked before each
# request (DATABASE_CONN_HEALTH_CHECKS=1 does, at the price of a round trip per request, as much as
# the eligibility lookup itself): a connection the server dropped fails one request with a 503 and
# Retry-After (config.api.middleware), and Django replaces it before the next one. DATABASE_POOL=1
# uses Django's connection pool instead (psycopg-pool; for threaded or ASGI workers). On PostgreSQL
# parameters are bound on the server, so that psycopg prepares a statement run
# DATABASE_PREPARE_THRESHOLD times on a connection (the eligibility lookups) and the server skips
# parsing and planning it again. Prepared statements need a session per connection: behind pgbouncer
# in transaction mode (before 1.21, or without max_prepared_statements) set
# DATABASE_PREPARED_STATEMENTS=0; see docs/operations/production.md, "The database connection".
def database(url: str) -> dict:
    pool = env_bool("DATABASE_POOL", False)
    config = dj_database_url.parse(
        url,
        conn_max_age=0 if pool else int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=not pool and env_bool("DATABASE_CONN_HEALTH_CHECKS", False),
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        if pool:
            options["pool"] = {"min_size": 1, "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "4"))}
        if env_bool("DATABASE_PREPARED_STATEMENTS", True):
            options["server_side_binding"] = True
            options["prepare_threshold"] = int(os.environ.get("DATABASE_PREPARE_THRESHOLD", "5"))
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(
            transaction_mode="IMMEDIATE",
            timeout=float(os.environ.get("SQLITE_BUSY_TIMEOUT", "20")),
            init_command=SQLITE_INIT,
        )
    return config


DATABASES = {"default": database(os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
# A streaming replica (read-only) takes the reads that need not see this request's writes
# (config.db_router); writes, and every read once a request has written, stay on the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_ALIAS = "replica" if DATABASE_REPLICA_URL else None
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database(DATABASE_REPLICA_URL)
DATABASE_ROUTERS = ["config.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# django-axes first: a locked-out account is refused before its password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Every way a staff password is set checks it against these: create_staff and the demo accounts
# (accounts.services.staff_password_validate), createsuperuser (accounts.models.StaffUserManager),
# changepassword and the admin's password forms (Django's own). Tested in tests/accounts/test_passwords.py.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Blanks, one character repeated, keyboard runs, digits padded with spaces: what the four above let pass.
    {"NAME": "accounts.passwords.VarietyValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the bureau's own (static/bureau/), beside the apps' and packages'
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A JSON body larger than this is refused with 413; uploads have their own limit.
API_MAX_BODY_BYTES = 1024 * 1024
# A list's count is exact up to this many rows, an estimate beyond (config.api.pagination): a broad filter at
# city scale would otherwise count millions of rows for one page of 50.
API_EXACT_COUNT_LIMIT = int(os.environ.get("API_EXACT_COUNT_LIMIT", "10000"))
# A guessing limit's check reads the shared failure history at most this often per key and worker; a failure
# always reads it afresh (config.limits.FailureLimit). 0: every check reads the cache.
GUESS_LIMIT_MEMO_SECONDS = float(os.environ.get("GUESS_LIMIT_MEMO_SECONDS", "1"))
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
# A JSON body nested deeper than this is refused with 400 (config.api.parsers).
API_MAX_JSON_DEPTH = 32

# Idempotency-Key: how long a key and its first answer are kept, and where (config.api.idempotency).
IDEMPOTENCY_KEY_TTL = timedelta(hours=int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "24")))
IDEMPOTENCY_RECORD_MODEL = "accounts.IdempotencyRecord"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Identity of the bureau this deployment serves (参保地).
INSURED_REGION_CODE = os.environ.get("INSURED_REGION_CODE", "350200")
PERSON_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("PERSON_SESSION_MINUTES", "30")))

# How many reverse proxies of ours stand in front of the app. 0: X-Forwarded-For is ignored and the
# client is the peer address; n: the client is the n-th X-Forwarded-For entry from the right (what
# our outermost proxy saw). Throttles and the login lockout both use it (accounts.throttles.client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# One cache shared by every worker and host: Redis when REDIS_URL (or CACHE_URL) names one, else a
# table in the database (created by migrate). Throttle counts live here; never in process memory.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}

# Staff API tokens (django-rest-knox): stored as digests, expire after STAFF_TOKEN_TTL_HOURS, die at
# logout and when the password changes; sent as "Authorization: Token <token>".
STAFF_TOKEN_TTL = timedelta(hours=float(os.environ.get("STAFF_TOKEN_TTL_HOURS", "10")))
REST_KNOX = {"TOKEN_TTL": STAFF_TOKEN_TTL, "AUTH_HEADER_PREFIX": "Token", "AUTO_REFRESH": False}
# An admin login lasts no longer than an API token (Django's default is two weeks).
SESSION_COOKIE_AGE = int(STAFF_TOKEN_TTL.total_seconds())
# Channel API keys once verified are kept in each worker's memory for this many seconds (0: checked
# on every request): a revoked key, or a deactivated channel, is refused at the latest this long after.
API_KEY_CACHE_SECONDS = int(os.environ.get("API_KEY_CACHE_SECONDS", "30"))

# Staff login lockout (django-axes, accounts/lockout.py), for the API's /auth/token/ and the admin:
# AXES_FAILURE_LIMIT failures of one account lock it for STAFF_LOCKOUT_COOLOFF, each further failure
# after a lock for twice as long, up to STAFF_LOCKOUT_MAX; failures are forgotten after a day
# without one (AXES_COOLOFF_TIME) or at a successful login.
STAFF_LOCKOUT_COOLOFF = timedelta(minutes=int(os.environ.get("STAFF_LOCKOUT_MINUTES", "15")))
STAFF_LOCKOUT_MAX = timedelta(hours=24)
AXES_FAILURE_LIMIT = int(os.environ.get("STAFF_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(hours=24)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_HANDLER = "accounts.lockout.BackoffDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.throttles.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# axes.W006 warns that a lockout by username alone can be dodged by rotating User-Agents; here the
# failures of all of an account's rows are added up (BackoffDatabaseHandler), and addresses are
# limited by the "auth" throttle instead, so one address cannot lock every clerk out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.StaffTokenAuthentication",
        "accounts.authentication.ChannelKeyAuthentication",
        "accounts.authentication.PersonSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.StandardPagination",
    # The API reads JSON; the upload endpoints name their own parsers (multipart).
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.api.openapi.AutoSchema",  # every error answer documented
    "EXCEPTION_HANDLER": "config.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Guessing is slowed in the shared cache (CACHES), per client address unless said otherwise
    # (accounts/throttles.py): password attempts at /auth/token/; failures of each credential
    # scheme; ID number and name pairs that match nobody, per channel and per ID number.
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("AUTH_THROTTLE_RATE", "20/minute"),
        "token_failures": os.environ.get("TOKEN_FAILURE_RATE", "30/minute"),
        "api_key_failures": os.environ.get("API_KEY_FAILURE_RATE", "30/minute"),
        "bearer_failures": os.environ.get("BEARER_FAILURE_RATE", "60/minute"),
        "person_session_channel": os.environ.get("PERSON_SESSION_CHANNEL_FAILURE_RATE", "60/minute"),
        "person_session_id_number": os.environ.get("PERSON_SESSION_ID_FAILURE_RATE", "5/hour"),
        # Lookups by a personal number that match nobody, per caller (config/limits.py): sample.
        "personal_lookups": os.environ.get("PERSONAL_LOOKUP_FAILURE_RATE", "30/hour"),
        # Every eligibility question, per API key (or staff user), in fixed windows (config/limits.py,
        # CallerQuota): far above a hospital's admissions, far below enumerating numbers. Sample.
        "eligibility": os.environ.get("ELIGIBILITY_RATE", "6000/hour"),
        # Files stored per caller (a person, a channel key, a staff user) through the API and the admin
        # alike (config.files.upload_rate); the per-item and per-record quotas are policy data. Sample.
        "uploads": os.environ.get("UPLOAD_RATE", "60/hour"),
    },
    # The client address: X-Forwarded-For is trusted only as far as TRUSTED_PROXY_COUNT says.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

# Every eligibility answer is recorded (audit.EligibilityQuestion). Not an environment variable on purpose:
# only the benchmark turns it off (bench/unrecorded_settings.py), to measure what the record costs.
ELIGIBILITY_RECORD = True
# Rows of that record are written in batches by a thread of each worker (audit.recorder), within this many
# seconds of the answer; a worker that exits normally writes its waiting rows first, one killed outright
# loses at most this much. 0 writes each row at once, in the request's transaction (the tests' settings).
ELIGIBILITY_RECORD_BATCH_SECONDS = float(os.environ.get("ELIGIBILITY_RECORD_BATCH_SECONDS", "0.2"))
# How many days before today the nightly statistics job counts again (stats.services.refresh_recent).
STATS_REFRESH_DAYS = int(os.environ.get("STATS_REFRESH_DAYS", "62"))

# Content-Security-Policy of every page, in every environment, so that a page needing more breaks in
# development first (config.csp; the shape of Django 6's SECURE_CSP). Scripts, styles, images, fonts
# and fetches come from this site only; inline styles are allowed (style attributes in the admin's
# templates, Swagger UI's), inline scripts never (the API docs load theirs from /api/docs/?script);
# images may also be data: URIs (Swagger UI's icons); no plugins, no <base>, no framing, forms post here.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Cross-region medical treatment filing API (异地就医备案)",
    "DESCRIPTION": (
        "System of record for cross-region medical treatment filings and manual "
        "reimbursement claims. Every error answers "
        '`{"code": str, "message": str, "errors": {field: [str]}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every enum has a fixed, readable name, the same in every language (one per set of values: a field or a
    # parameter with the same values refers to it; config.api.openapi.named_enums). No "Enum" suffixes, no
    # hash suffixes (a field that may be blank or null is oneOf its enum, BlankEnum and NullEnum).
    "GET_LIB_DOC_EXCLUDES": "config.api.openapi.lib_doc_excludes",
    "ENUM_NAME_OVERRIDES": {
        "ChannelGroup": "accounts.choices.ChannelGroup",
        "ClaimAction": "reimbursements.choices.ClaimAction",
        "ClaimBasis": "reimbursements.choices.ClaimBasis",
        "ClaimKind": "reimbursements.choices.ClaimKind",
        "ClaimReason": "reimbursements.choices.ClaimReason",
        "ClaimState": "reimbursements.choices.ClaimState",
        "BenefitVisit": "reimbursements.choices.BenefitVisit",
        "CareSetting": "reimbursements.choices.Setting",
        "DeductibleScope": "reimbursements.choices.DeductibleScope",
        "EligibilityBasis": "filings.choices.EligibilityBasis",
        "EligibilityReasonCode": "filings.choices.EligibilityReasonCode",
        "ErrorCode": "config.errors.ERROR_CODE_CHOICES",
        "FilingStatisticsGrouping": "stats.api.serializers.FILING_GROUPINGS",
        "ClaimStatisticsGrouping": "stats.api.serializers.CLAIM_GROUPINGS",
        "ServiceStatisticsGrouping": "stats.api.serializers.SERVICE_GROUPINGS",
        "EligibilityStatisticsGrouping": "stats.api.serializers.ELIGIBILITY_GROUPINGS",
        "EventAction": "audit.api.serializers.ACTIONS",
        "EventState": "audit.api.serializers.STATES",
        "ExportFormat": ["json", "csv"],  # exportAuditEvents
        "AuditEventsFormat": ["json", "csv", "xlsx"],  # listAuditEvents: a page as JSON, or every row as a file
        "XlsxExportFormat": ["xlsx", "json"],  # exportAuditEventsXlsx
        "FilingAction": "filings.choices.FilingAction",
        "FilingCategory": "filings.choices.FilingCategory",
        "FilingMode": "filings.choices.FilingMode",
        "FilingState": "filings.choices.FilingState",
        "FilingType": "filings.choices.FilingType",
        "InstitutionLevel": "registry.choices.InstitutionLevel",
        "InsuranceType": "registry.choices.InsuranceType",
        "InsuranceTypeInput": "registry.api.serializers.INSURANCE_TYPE_INPUT",
        "InsuredStatus": "registry.choices.InsuredStatus",
        "MaterialStatus": "reimbursements.choices.MaterialStatus",
        "MaterialStatusSet": "reimbursements.api.serializers.MATERIAL_STATUS_SET_CHOICES",
        "NotificationKind": "notifications.choices.NotificationKind",
        "ProofBasis": "filings.choices.ProofBasis",
        "RecordType": "notifications.choices.RecordType",
        "RegionLevel": "registry.choices.RegionLevel",
        "RequirementClaimKind": "reimbursements.choices.REQUIREMENT_KIND_CHOICES",
        "RevealPurpose": "registry.choices.RevealPurpose",
        "StaffRole": "accounts.choices.Role",
        "PeriodStatus": "registry.choices.PeriodStatus",
        "VisitKind": "registry.choices.VisitKind",
    },
    # What the edge refuses in text, written into the schema (config/api/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.openapi.restrict_strings",
        "config.api.openapi.references_in_one_shape",
        "config.api.openapi.named_enums",
        "config.api.openapi.name_operations",
        "filings.api.schema.material_items",
        "reimbursements.api.schema.material_items",
        "notifications.api.schema.notification_kinds",
    ],
}

LOGGING = logging_config(level=os.environ.get("LOG_LEVEL", "INFO"))

# Scheduled jobs (Celery, config/celery.py). Without CELERY_BROKER_URL the transport is in-process
# memory: nothing ever connects to a broker, and the web process never sends a task anyway (the
# outbox is rows in the database; beat and the worker, or the commands by hand, act on them).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
# Every task is idempotent, so one lost with its worker is simply run again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep LOGGING above (it masks ID numbers)

# Notifications to persons through their channel (notifications app): the outbox and its sender.
NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATION_MAX_ATTEMPTS", "8"))  # ~2 hours of tries
NOTIFICATION_RETRY_BASE_SECONDS = int(os.environ.get("NOTIFICATION_RETRY_BASE_SECONDS", "60"))  # doubles each try
NOTIFICATION_RETRY_MAX_SECONDS = 6 * 3600
NOTIFICATION_TIMEOUT_SECONDS = float(os.environ.get("NOTIFICATION_TIMEOUT_SECONDS", "5"))
NOTIFICATION_BATCH_SIZE = 200  # rows one run of the sender takes
NOTIFICATION_SEND_THREADS = 4  # channels delivered to at once: a slow one holds up only itself
NOTIFICATION_RETENTION_DAYS = int(os.environ.get("NOTIFICATION_RETENTION_DAYS", "90"))
NOTIFICATION_EXPIRY_NOTICE_DAYS = 30  # a filing's end announced this many days ahead
NOTIFICATION_COMMITMENT_NOTICE_DAYS = 14  # documents promised by a commitment letter, likewise
# Webhooks must name a public address (resolved when set and before each delivery), unless allowed.
NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = env_bool("NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS", False)
NOTIFICATION_WEBHOOK_PROXY = os.environ.get("NOTIFICATION_WEBHOOK_PROXY", "")  # an egress proxy, if any
