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

import hashlib
import hmac
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache as default_cache
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

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


def throttle_rate(scope: str) -> str | None:
    """The configured rate of a scope (e.g. ``"20/minute"``), or None when the scope is unlimited."""
    return api_settings.DEFAULT_THROTTLE_RATES.get(scope)


def parse_rate(rate: str | None) -> tuple[int | None, int | None]:
    """``"5/hour"`` → (5, 3600); None → (None, None), no limit."""
    if not rate:
        return None, None
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def keyed(value: str) -> str:
    """A cache-key part for a personal value (an ID number): a keyed hash, never the value itself."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


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


class FailureLimit:
    """At most ``rate`` failures per window for one key; the next attempt is refused until one ages out.

    ``check()`` before the attempt raises ``Throttled`` (429, ``Retry-After``) when the key is over
    its limit; ``record()`` after a failed attempt counts it. Successes are never counted, so a
    client that gets its credentials right is never slowed down by its own traffic.
    """

    cache = default_cache

    def __init__(self, scope: str, ident: str, *, timer=time.time):
        self.scope = scope
        self.key = f"guess_{scope}_{ident}"
        self.timer = timer
        self.limit, self.window = parse_rate(throttle_rate(scope))

    def _history(self, now: float) -> list[float]:
        history = self.cache.get(self.key, [])
        return [moment for moment in history if moment > now - self.window]

    def wait(self) -> float | None:
        """Seconds until the key may try again, or None when it may now."""
        if self.limit is None:
            return None
        now = self.timer()
        history = self._history(now)
        if len(history) < self.limit:
            return None
        # Newest first: the count falls under the limit when the limit-th newest failure ages out.
        return max(history[self.limit - 1] + self.window - now, 1)

    def check(self) -> None:
        wait = self.wait()
        if wait is not None:
            raise exceptions.Throttled(wait=wait)

    def record(self) -> None:
        if self.limit is None:
            return
        now = self.timer()
        history = self._history(now)
        history.insert(0, now)
        self.cache.set(self.key, history[: self.limit], self.window)


def check_all(limits: list[FailureLimit]) -> None:
    """Refuse with the longest wait of the limits that are exceeded."""
    waits = [wait for wait in (limit.wait() for limit in limits) if wait is not None]
    if waits:
        raise exceptions.Throttled(wait=max(waits))


def credential_failures(scope: str, request) -> FailureLimit:
    """Failures of one credential scheme (``api_key_failures``, ``bearer_failures``, ``token_failures``) per address."""
    return FailureLimit(scope, client_ip(request))


def person_session_guesses(*, channel_code: str, id_number: str) -> list[FailureLimit]:
    """ID number and name pairs that matched nobody: per channel, and per ID number across channels."""
    return [
        FailureLimit("person_session_channel", channel_code),
        FailureLimit("person_session_id_number", keyed(normalize_id_query(id_number))),
    ]
