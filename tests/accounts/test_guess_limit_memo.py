"""A guessing limit's check reads the shared failure history at most every GUESS_LIMIT_MEMO_SECONDS per key and
worker; a failure always reads it afresh (config.limits.FailureLimit). A caller who never fails costs no round
trip at each question; a guesser gets at most one failure past the limit per worker."""

import threading
import time

import pytest
from django.core.cache import cache
from rest_framework.exceptions import Throttled

from config.limits import FailureLimit


class CountingCache:
    """The shared cache as another worker sees it, counting this worker's reads."""

    def __init__(self):
        self.reads = 0

    def get(self, key, default=None):
        self.reads += 1
        return cache.get(key, default)

    def set(self, key, value, timeout=None):
        cache.set(key, value, timeout)

    def add(self, key, value, timeout=None):
        return cache.add(key, value, timeout)

    def delete(self, key):
        return cache.delete(key)


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def memo(settings):
    settings.GUESS_LIMIT_MEMO_SECONDS = 1
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "personal_lookups": "3/hour"},
    }
    cache.clear()
    FailureLimit._memo.clear()
    yield
    FailureLimit._memo.clear()
    cache.clear()


def limit(clock, store=None) -> FailureLimit:
    made = FailureLimit("personal_lookups", "hospital-a", timer=clock)
    made.cache = store or CountingCache()
    return made


def test_checks_within_a_second_read_the_cache_once(memo):
    clock, store = Clock(), CountingCache()
    for _ in range(50):
        limit(clock, store).check()
        clock.now += 0.01
    assert store.reads == 1  # 50 questions in half a second: one read
    clock.now += 1
    limit(clock, store).check()
    assert store.reads == 2


def test_without_the_memo_every_check_reads(memo, settings):
    settings.GUESS_LIMIT_MEMO_SECONDS = 0
    clock, store = Clock(), CountingCache()
    for _ in range(5):
        limit(clock, store).check()
    assert store.reads == 5


def test_a_workers_own_failures_count_at_once(memo):
    clock = Clock()
    for _ in range(3):
        limit(clock).check()
        limit(clock).record()
    with pytest.raises(Throttled):
        limit(clock).check()


def test_other_workers_failures_are_seen_within_the_memo_and_a_guesser_passes_at_most_once(memo):
    clock = Clock()
    limit(clock).check()  # this worker has read an empty history
    cache.set("guess_personal_lookups_hospital-a", [clock.now - 3, clock.now - 2, clock.now - 1], 3600)
    limit(clock).check()  # other workers' three failures: not yet seen here (stale by less than a second)
    limit(clock).record()  # the attempt failed: the history is read afresh, and kept
    with pytest.raises(Throttled):
        limit(clock).check()  # refused from the next attempt on: one past the limit, not more
    assert len(cache.get("guess_personal_lookups_hospital-a")) == 3  # the newest three (the limit) are kept


def test_after_the_memo_a_quiet_worker_sees_the_others(memo):
    clock = Clock()
    limit(clock).check()
    cache.set("guess_personal_lookups_hospital-a", [clock.now] * 3, 3600)
    clock.now += 1.01
    with pytest.raises(Throttled):
        limit(clock).check()


def test_the_memo_keeps_a_bounded_number_of_keys(memo, monkeypatch):
    monkeypatch.setattr(FailureLimit, "_MEMO_KEYS", 10)
    clock = Clock()
    for n in range(25):
        FailureLimit("personal_lookups", f"caller-{n}", timer=clock).check()
        assert len(FailureLimit._memo) <= 10


class SlowReadCache(CountingCache):
    """A shared cache whose reads take a while: two failures recorded at once overlap between read and write."""

    def get(self, key, default=None):
        value = super().get(key, default)
        time.sleep(0.02)
        return value


def test_failures_recorded_at_once_all_count(memo):
    """Four workers record a failure each at the same moment: the history holds four, not the last writer's one."""
    store, start = SlowReadCache(), threading.Barrier(4)
    clock = Clock()
    big = FailureLimit("personal_lookups", "hospital-a", timer=clock).limit

    def fail():
        made = limit(clock, store)
        start.wait()
        made.record()

    threads = [threading.Thread(target=fail) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert big == 3
    assert len(cache.get("guess_personal_lookups_hospital-a")) == 3  # the limit keeps the newest three of four
    with pytest.raises(Throttled):
        FailureLimit("personal_lookups", "hospital-a", timer=clock).check()
    assert cache.get("guess_personal_lookups_hospital-a_lock") is None  # every lock let go
