"""Limits on guessing, counted in the cache every worker shares (``accounts.throttles`` explains the settings).

``FailureLimit`` counts failures only, per key; past the limit the key is refused 429 with
``Retry-After`` until the window has passed. ``personal_lookup_guesses`` is the one limit on
looking things up by a personal number (an ID number) that match nobody: per caller (a staff
user, a channel key, a hospital key), on every path that looks a person up by number — the API's
``id_number`` filters, eligibility, the admin's search — so a masked number plus guesses never
gives the full one.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache as default_cache
from rest_framework import exceptions
from rest_framework.settings import api_settings


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


def caller_ident(actor) -> str:
    """Who is guessing: a staff user, a channel or hospital key (by its channel and institution), a person."""
    if actor is None:
        return "anonymous"
    if getattr(actor, "user", None) is not None:
        return f"user:{actor.user.pk}"
    if getattr(actor, "person_id", None) is not None:
        return f"person:{actor.person_id}"
    return f"channel:{actor.channel_code}:{actor.institution_code or ''}"


def personal_lookup_guesses(actor) -> FailureLimit:
    """Lookups by a personal number that matched nobody, per caller (scope ``personal_lookups``)."""
    return FailureLimit("personal_lookups", keyed(caller_ident(actor)))


def named_person_guesses(actor, id_number: str) -> list[FailureLimit]:
    """ID number and name pairs that matched nobody, as person sessions count theirs: per caller (a channel,
    a hospital key) and per ID number across callers (scopes ``person_session_channel`` and
    ``person_session_id_number``)."""
    return [
        FailureLimit("person_session_channel", keyed(caller_ident(actor))),
        FailureLimit("person_session_id_number", keyed(id_number)),
    ]
