"""Production: secrets from the environment, secure cookies, compressed static files."""

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from config.checks import deployment_secret_key

from .base import *  # noqa: F403
from .base import MIDDLEWARE, SILENCED_SYSTEM_CHECKS, STORAGES, TRUSTED_PROXY_COUNT, env_bool

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
# A key under 50 characters, or a development one, fails the system checks (config.E001, config.E002).
checks.register(deployment_secret_key, checks.Tags.security)
# The demo accounts and keys (load_demo_data) are refused here.
DEMO_DATA_ALLOWED = False

# HTTPS. TLS ends at our proxy, which names the scheme in X-Forwarded-Proto (DJANGO_PROXY_SSL_HEADER names
# another header; empty: none is trusted). Behind a proxy (TRUSTED_PROXY_COUNT ≥ 1) plain http is redirected
# to https, the probes excepted (DJANGO_SSL_REDIRECT decides otherwise). HSTS for a year with subdomains,
# sent over https only (DJANGO_HSTS_SECONDS, 0: none; DJANGO_HSTS_INCLUDE_SUBDOMAINS); preloading, a
# promise browsers keep for months, only when DJANGO_HSTS_PRELOAD says so.
_ssl_header = os.environ.get("DJANGO_PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
SECURE_PROXY_SSL_HEADER = ("HTTP_" + _ssl_header.upper().replace("-", "_"), "https") if _ssl_header else None
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", TRUSTED_PROXY_COUNT > 0)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# security.W003 looks for Django's CsrfViewMiddleware by name; ours is that class, not run under /api/
# (config.api.middleware.CsrfNotForApi), where every request carries its credential in a header, not a cookie.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W003"]
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")  # preload is opted into, not a default
# Cookies only over https (DJANGO_SECURE_COOKIES=false: plain http on loopback, docker compose on a laptop).
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# gunicorn serves the admin's static files itself (collectstatic runs at image build).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
# Webhooks only to public addresses unless the operator says otherwise (an internal gateway).
NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = env_bool("NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS", False)
