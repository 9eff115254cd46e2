"""Limits on guessing, counted in the cache every worker shares (``accounts.throttles`` explains the settings).

``FailureLimit`` counts failures only, per key; past the limit the key is refused 429 with
``Retry-After`` until the window has passed. ``personal_lookup_guesses`` is the one limit on
looking things up by a personal number (an ID number) that match nobody: per caller (a staff
user, a channel key, a hospital key), on every path that looks a person up by number — the API's
``id_number`` filters, eligibility, the admin's search — so a masked number plus guesses never
gives the full one.

``CallerQuota`` is the other kind: a total of requests per credential, counted whether they succeed or
not (``EligibilityQuota``: every eligibility question of one API key, scope ``eligibility``).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time

from django.conf import settings
from django.core.cache import cache as default_cache
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from config.actors import actor_of


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

    A check reads the shared history at most every ``GUESS_LIMIT_MEMO_SECONDS`` (1 s) per key and worker
    (``_memo``); a failure always reads it afresh, adds itself and keeps the result. So a caller who never
    fails (a hospital asking about its patients) costs no round trip to the cache at each question, and one
    who fails sees everybody's failures from its next attempt on: a worker can let at most one failure of a
    key through beyond the limit before it knows, which for a limit on guessing is of no consequence.
    """

    cache = default_cache
    # key -> (history as last read or written here, when, by this limit's timer)
    _memo: dict[str, tuple[list[float], float]] = {}
    _memo_lock = threading.Lock()
    _MEMO_KEYS = 10_000

    def __init__(self, scope: str, ident: str, *, timer=time.time):
        self.scope = scope
        self.key = f"guess_{scope}_{ident}"
        self.timer = timer
        self.limit, self.window = parse_rate(throttle_rate(scope))

    def _history(self, now: float, *, fresh: bool = False) -> list[float]:
        memo_seconds = settings.GUESS_LIMIT_MEMO_SECONDS
        seen = None if fresh or not memo_seconds else self._memo.get(self.key)
        if seen is not None and 0 <= now - seen[1] < memo_seconds:
            history = seen[0]
        else:
            history = self.cache.get(self.key, [])
            self._remember(history, now)
        return [moment for moment in history if moment > now - self.window]

    def _remember(self, history: list[float], now: float) -> None:
        if not settings.GUESS_LIMIT_MEMO_SECONDS:
            return
        with self._memo_lock:
            if len(self._memo) >= self._MEMO_KEYS:
                self._memo.clear()  # callers come and go: never more than this many kept
            self._memo[self.key] = (history, now)

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
        """Count one failure. Read, add and write under a short lock of the key in the shared cache: two
        failures at once (a guesser sending in parallel, on two workers) both count, where a plain read and
        write kept one of them and let bursts of parallel guesses through uncounted."""
        if self.limit is None:
            return
        locked = self._lock()
        try:
            now = self.timer()
            history = self._history(now, fresh=True)
            history.insert(0, now)
            self.cache.set(self.key, history[: self.limit], self.window)
            self._remember(history[: self.limit], now)
        finally:
            if locked:
                self.cache.delete(f"{self.key}_lock")

    def _lock(self) -> bool:
        """Take the key's lock (``add`` is atomic in every cache backend), waiting up to half a second; a lock
        left by a crashed worker expires after two. Without it after the wait the failure still counts."""
        for _ in range(100):
            if self.cache.add(f"{self.key}_lock", 1, 2):
                return True
            time.sleep(0.005)
        return False


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


def credential_ident(request) -> str:
    """Which credential is asking: an API key by its public prefix (two keys of one hospital count
    apart), else the caller (a staff user, a person)."""
    prefix = getattr(request.auth, "prefix", None)
    if prefix:
        return f"key:{prefix}"
    return caller_ident(actor_of(request.user))


class CallerQuota(BaseThrottle):
    """At most the scope's rate of requests per credential (``credential_ident``), in fixed windows
    (``6000/hour``: 6000 from each full hour of the clock), counted in the shared cache; past it every
    request is refused 429 with ``Retry-After`` until the window ends.

    Not DRF's ``SimpleRateThrottle``: it keeps the time of every request of the window and reads and
    rewrites that list at each one (6,000 entries at this rate). Here each worker counts in memory and
    adds its count to the shared cache every ``step`` requests of a credential — 1 % of the limit (60
    at 6000/hour; 1 for a limit under 200; at most 1,000) — when the cache also tells it the total so
    far. Most requests cost no round trip to the cache, which matters when the cache is the database
    (each write there is a transaction of its own: a few milliseconds). What that gives up, bounded: a
    credential may pass its limit by less than 1 % per worker, and a fixed window lets twice the rate
    through around a window's end. For a limit meant to stop enumeration and not a hospital, that is of
    no consequence.
    """

    scope = ""
    max_step = 1000
    cache = default_cache
    clock = staticmethod(time.time)
    # key -> [counted here and not yet added to the cache, the cache's total when last seen, window end]
    _counts: dict[str, list[float]] = {}
    _lock = threading.Lock()

    def allow_request(self, request, view) -> bool:
        limit, window = parse_rate(throttle_rate(self.scope))
        if limit is None:
            return True
        now = self.clock()
        slot = int(now // window)
        ends = (slot + 1) * window
        self.until = ends - now
        key = f"quota_{self.scope}_{keyed(credential_ident(request))}_{slot}"
        step = max(1, min(self.max_step, limit // 100))
        with self._lock:
            counts = self._counts.get(key)
            if counts is None:
                self._forget_ended(now)
                counts = self._counts[key] = [0, 0, ends]
            if counts[0] + counts[1] >= limit:
                return False
            counts[0] += 1
            if counts[0] < step:
                return True
            pending, counts[0] = counts[0], 0
        total = self._add_to_cache(key, int(pending), timeout=int(self.until) + 1)
        with self._lock:
            counts[1] = max(counts[1], total)
        return total <= limit

    def wait(self) -> float:
        return max(self.until, 1)

    def _add_to_cache(self, key: str, count: int, *, timeout: int) -> int:
        """Add ``count`` to the window's total in the shared cache; the total after.

        ``incr`` first: the database cache's ``add`` of a key that exists tries an INSERT and counts on
        the unique key to refuse it (an error in the server's log each time)."""
        try:
            return self.cache.incr(key, count)
        except ValueError:  # the window's first count
            if self.cache.add(key, count, timeout):
                return count
            return self.cache.incr(key, count)  # another worker's first count came first

    @classmethod
    def _forget_ended(cls, now: float) -> None:
        for key in [key for key, counts in cls._counts.items() if counts[2] <= now]:
            del cls._counts[key]


class EligibilityQuota(CallerQuota):
    """Every eligibility question of one API key (or staff user): scope ``eligibility``."""

    scope = "eligibility"
