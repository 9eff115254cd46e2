"""Limits on guessing credentials, counted in the cache every worker shares.

Every limit here keeps its counts in Django's ``default`` cache, which production settings make
a store shared by all workers and hosts (Redis, or a database table): four gunicorn workers see
one count, not four. Rates are read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` when a
limit is used, so a setting change (or a test's override) takes effect at once.

- ``client_ip`` is the one answer to "which address is this client?": ``REMOTE_ADDR``, unless
  ``TRUSTED_PROXY_COUNT`` says how many proxies of ours stand in front (then the address the
  outermost of them saw, from the right of ``X-Forwarded-For``). The throttles and django-axes
  both use it, so a forged ``X-Forwarded-For`` moves neither.
- ``StaffLoginThrottle``: every password attempt at ``/auth/token/`` per client address.
- ``FailureLimit``: counts failures only (a bad API key, Bearer token or staff token; an ID number
  and name that match nobody) per key (an address, a channel, an ID number). Past the limit the
  key is answered 429 with ``Retry-After`` until the window has passed: ID number and name pairs
  before they are checked (they can be guessed); credentials instead of their 401 (they cannot be
  guessed, and a valid one is never held up; see ``accounts.authentication``).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache as default_cache
from rest_framework.throttling import SimpleRateThrottle

from config.limits import FailureLimit, check_all, keyed, parse_rate, throttle_rate  # noqa: F401 (re-exported)
from registry.selectors import normalize_id_query


def client_ip(request) -> str:
    """The client's address, trusting ``X-Forwarded-For`` only as far as ``TRUSTED_PROXY_COUNT`` says.

    With 0 (the default) the header is ignored: the address is the peer's, ``REMOTE_ADDR``. With
    ``n`` > 0 our ``n`` proxies each appended the address they saw, so the client is the ``n``-th
    entry from the right (DRF's ``NUM_PROXIES`` means the same); entries further left were written
    by the client and are never read. An entry that is not an IP address falls back to the peer;
    no address at all (a request made in code, a Unix socket) is "".
    """
    meta = request.META
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        address = _ip_or_empty(hops[-min(proxies, len(hops))])
        if address:
            return address
    return _ip_or_empty(meta.get("REMOTE_ADDR") or "")


def _ip_or_empty(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


class SharedRateThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle, keyed by ``client_ip`` and reading its rate at call time."""

    cache = default_cache

    def get_rate(self):
        return throttle_rate(self.scope)

    def get_ident(self, request):
        return client_ip(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class StaffLoginThrottle(SharedRateThrottle):
    """Every attempt at the staff password, per client address (scope ``auth``)."""

    scope = "auth"


def credential_failures(scope: str, request) -> FailureLimit:
    """Failures of one credential scheme (``api_key_failures``, ``bearer_failures``, ``token_failures``) per address."""
    return FailureLimit(scope, client_ip(request))


def person_session_guesses(*, channel_code: str, id_number: str) -> list[FailureLimit]:
    """ID number and name pairs that matched nobody: per channel, and per ID number across channels."""
    return [
        FailureLimit("person_session_channel", channel_code),
        FailureLimit("person_session_id_number", keyed(normalize_id_query(id_number))),
    ]
