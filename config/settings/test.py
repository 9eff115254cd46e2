"""Test settings: fast hashing, in-memory files, no external services."""

import tempfile

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="filing-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = logging_config(level="WARNING", handlers=False)  # noqa: F405
# Limits out of the way (tests of the throttles set their own rates); counts in this process's memory,
# which tests may use (production never does: see CACHES in base.py).
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {scope: "100000/minute" for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]},  # noqa: F405
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "filing-tests"}}
# Every guessing-limit check reads the cache, which tests clear and fill at will (tests/test_limits_memo.py
# turns the per-worker memo on).
GUESS_LIMIT_MEMO_SECONDS = 0
# Jobs: no broker unless a test brings its own; webhooks to loopback receivers are allowed.
CELERY_BROKER_URL = "memory://"
NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = True
# On SQLite the test database lives in memory, shared by the tests' threads and the live server's, and
# its locks are table locks that nobody waits for: a transaction taking the write lock as it begins
# (make run's BEGIN IMMEDIATE) would turn every other thread away. The tests keep Django's deferred
# transactions; make run's settings are tested on a file by tests/api/test_sqlite_concurrency.py.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _options = {k: v for k, v in DATABASES["default"]["OPTIONS"].items() if k != "transaction_mode"}  # noqa: F405
    DATABASES = {**DATABASES, "default": {**DATABASES["default"], "OPTIONS": _options}}  # noqa: F405
# A "replica" alias mirroring the test database, unused (DATABASE_REPLICA_ALIAS None) until a test of
# the router turns it on with override_settings (tests/perf/test_router.py).
DATABASES = {**DATABASES, "replica": {**DATABASES["default"], "TEST": {"MIRROR": "default"}}}  # noqa: F405
DATABASE_REPLICA_ALIAS = None
# Each eligibility answer's row is written at once, in the test's transaction (tests/audit/test_recorder.py
# tests the batches).
ELIGIBILITY_RECORD_BATCH_SECONDS = 0
STRICT_ERROR_CODES = True  # an error code missing from config.errors.ErrorCode fails the test that sends it
