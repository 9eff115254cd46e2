"""Guessing is throttled in a store every worker shares, by an address that X-Forwarded-For cannot forge."""

import datetime

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.test import RequestFactory
from rest_framework.test import APIClient

from accounts import throttles
from accounts.models import PersonSession
from accounts.throttles import FailureLimit, StaffLoginThrottle, client_ip
from config import limits
from tests.factories import PersonFactory, channel_key, person_token

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
SESSION_URL = "/api/v1/person-sessions/"


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(settings):
    """rates(scope="n/period", ...): those limits for this test, every other one out of the way."""

    def set_rates(**wanted):
        current = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {**current, "DEFAULT_THROTTLE_RATES": {**current["DEFAULT_THROTTLE_RATES"], **wanted}}

    return set_rates


def meta_request(remote="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


class TestClientAddress:
    def test_by_default_x_forwarded_for_is_ignored(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        assert client_ip(meta_request(forwarded="1.2.3.4")) == "203.0.113.7"

    def test_with_one_proxy_only_the_last_hop_counts(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_ip(meta_request(forwarded="1.2.3.4, 198.51.100.9")) == "198.51.100.9"
        assert client_ip(meta_request(forwarded="198.51.100.9")) == "198.51.100.9"
        assert client_ip(meta_request()) == "203.0.113.7"

    def test_with_two_proxies_the_second_hop_from_the_right(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        assert client_ip(meta_request(forwarded="6.6.6.6, 198.51.100.9, 10.0.0.2")) == "198.51.100.9"

    def test_a_hop_that_is_no_address_falls_back_to_the_peer(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_ip(meta_request(forwarded="1.2.3.4, not-an-ip")) == "203.0.113.7"

    def test_no_address_at_all_is_empty(self):
        request = meta_request()
        del request.META["REMOTE_ADDR"]
        assert client_ip(request) == ""

    def test_drf_and_axes_use_the_same_setting(self, settings):
        from axes.helpers import get_client_ip_address

        assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT
        settings.TRUSTED_PROXY_COUNT = 1
        request = meta_request(forwarded="1.2.3.4, 198.51.100.9")
        assert get_client_ip_address(request) == client_ip(request) == "198.51.100.9"


def token_attempt(address="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().post(TOKEN_URL, {"username": f"u{forwarded}", "password": "wrong"}, **extra)


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "throttled"
    assert body["message"] and body["errors"] == {}
    assert int(response["Retry-After"]) >= 1


class TestStaffPasswordAttempts:
    def test_attempts_per_address_are_limited(self, rates):
        rates(auth="3/minute")
        assert [token_attempt().status_code for _ in range(3)] == [401, 401, 401]
        assert_throttled(token_attempt())
        assert token_attempt(address="198.51.100.1").status_code == 401  # another client

    def test_a_forged_x_forwarded_for_does_not_reset_the_count(self, rates, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        rates(auth="3/minute")
        answers = [token_attempt(forwarded=f"10.1.{n}.{n}").status_code for n in range(10)]
        assert answers == [401] * 3 + [429] * 7

    def test_behind_one_proxy_only_the_last_hop_is_the_client(self, rates, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        rates(auth="3/minute")
        # The client rotates what it writes itself; our proxy appends the address it saw.
        answers = [
            token_attempt(address="10.0.0.2", forwarded=f"6.6.6.{n}, 198.51.100.9").status_code for n in range(5)
        ]
        assert answers == [401] * 3 + [429] * 2
        # Another client behind the same proxy has its own count.
        assert token_attempt(address="10.0.0.2", forwarded="198.51.100.10").status_code == 401


class TestSharedStore:
    """Two workers are two processes with two cache clients: the count must live in the store they share."""

    @pytest.fixture
    def two_workers(self):
        call_command("createcachetable", "throttle_test_cache", verbosity=0)
        return DatabaseCache("throttle_test_cache", {}), DatabaseCache("throttle_test_cache", {})

    def test_two_throttle_instances_over_two_cache_clients_share_one_count(self, rates, two_workers):
        rates(auth="4/minute")
        first_worker, second_worker = two_workers
        assert first_worker is not second_worker
        request = meta_request()

        def worker_throttle(store):
            throttle = StaffLoginThrottle()
            throttle.cache = store
            return throttle

        assert worker_throttle(first_worker).allow_request(request, None)
        assert worker_throttle(second_worker).allow_request(request, None)
        assert worker_throttle(first_worker).allow_request(request, None)
        assert worker_throttle(second_worker).allow_request(request, None)
        # The fifth try is refused whichever worker it reaches.
        assert not worker_throttle(first_worker).allow_request(request, None)
        assert not worker_throttle(second_worker).allow_request(request, None)

    def test_failure_limits_over_two_cache_clients_share_one_count(self, rates, two_workers):
        rates(api_key_failures="2/minute")
        first_worker, second_worker = two_workers
        limits = []
        for store in two_workers:
            limit = FailureLimit("api_key_failures", "203.0.113.7")
            limit.cache = store
            limits.append(limit)
        limits[0].record()
        assert limits[1].wait() is None
        limits[1].record()
        assert limits[0].wait() is not None and limits[1].wait() is not None

    def test_the_api_throttles_through_the_database_cache(self, rates, settings):
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache_e2e"}
        }
        call_command("createcachetable", verbosity=0)
        rates(auth="2/minute")
        assert [token_attempt().status_code for _ in range(2)] == [401, 401]
        assert_throttled(token_attempt())
        assert caches["default"].get("throttle_auth_203.0.113.7")  # the count is a row of that table

    def test_production_settings_never_count_in_process_memory(self):
        import importlib
        import os

        from config.settings import base

        for env in ({}, {"REDIS_URL": "redis://127.0.0.1:6379/1"}, {"CACHE_URL": "redis://cache:6379/0"}):
            saved = {key: os.environ.pop(key, None) for key in ("REDIS_URL", "CACHE_URL")}
            os.environ.update(env)
            try:
                backend = importlib.reload(base).CACHES["default"]["BACKEND"]
            finally:
                for key in ("REDIS_URL", "CACHE_URL"):
                    os.environ.pop(key, None)
                    if saved[key] is not None:
                        os.environ[key] = saved[key]
            expected = "redis.RedisCache" if env else "db.DatabaseCache"
            assert backend.endswith(expected), (env, backend)
        importlib.reload(base)


class TestCredentialFailures:
    @pytest.mark.parametrize(
        "scope, header",
        [
            ("api_key_failures", "Api-Key abcdefgh.notakey"),
            ("bearer_failures", "Bearer not-a-session-token"),
            ("token_failures", "Token not-a-staff-token"),
        ],
    )
    def test_bad_credentials_eventually_get_429_with_retry_after(self, rates, scope, header):
        rates(**{scope: "3/minute"})
        client = APIClient(REMOTE_ADDR="203.0.113.7")
        client.credentials(HTTP_AUTHORIZATION=header)
        assert [client.get("/api/v1/regions/").status_code for _ in range(3)] == [401] * 3
        assert_throttled(client.get("/api/v1/regions/"))
        assert 1 <= int(client.get("/api/v1/regions/")["Retry-After"]) <= 60
        # Another address is not affected, nor another scheme from this one.
        other = APIClient(REMOTE_ADDR="198.51.100.1")
        other.credentials(HTTP_AUTHORIZATION=header)
        assert other.get("/api/v1/regions/").status_code == 401

    def test_a_valid_key_behind_the_same_address_is_not_held_up(self, rates):
        """A hospital's NAT: one broken client must not lock its neighbours out; keys cannot be guessed anyway."""
        rates(api_key_failures="2/minute")
        good = channel_key("xm_wechat")
        noisy = APIClient(REMOTE_ADDR="203.0.113.7")
        noisy.credentials(HTTP_AUTHORIZATION="Api-Key abcdefgh.notakey")
        assert [noisy.get("/api/v1/regions/").status_code for _ in range(3)] == [401, 401, 429]
        neighbour = APIClient(REMOTE_ADDR="203.0.113.7")
        neighbour.credentials(HTTP_AUTHORIZATION=f"Api-Key {good}")
        assert neighbour.get("/api/v1/regions/").status_code == 200
        assert_throttled(noisy.get("/api/v1/regions/"))

    def test_a_good_request_costs_no_cache_lookup(self, client_for, monkeypatch):
        calls = []
        monkeypatch.setattr(throttles.FailureLimit, "wait", lambda self: calls.append(self) or None)
        client_for(channel="xm_wechat").get("/api/v1/regions/")
        client_for(person=PersonFactory()).get("/api/v1/regions/")
        assert calls == []

    def test_the_count_runs_out_with_its_window(self, rates, monkeypatch):
        rates(bearer_failures="2/minute")
        now = [1_000_000.0]
        monkeypatch.setattr(limits.time, "time", lambda: now[0])
        client = APIClient(REMOTE_ADDR="203.0.113.7")
        client.credentials(HTTP_AUTHORIZATION="Bearer nope")
        assert [client.get("/api/v1/regions/").status_code for _ in range(3)] == [401, 401, 429]
        now[0] += 61
        assert client.get("/api/v1/regions/").status_code == 401

    def test_successes_are_never_counted(self, rates, client_for):
        rates(bearer_failures="2/minute")
        person = PersonFactory()
        client = APIClient(REMOTE_ADDR="203.0.113.7")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {person_token(person, 'xm_wechat')}")
        assert {client.get("/api/v1/regions/").status_code for _ in range(10)} == {200}


class TestPersonSessionGuesses:
    def guess(self, key, id_number, name, address="203.0.113.7"):
        client = APIClient(REMOTE_ADDR=address)
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client.post(SESSION_URL, {"id_number": id_number, "name": name})

    def test_guessing_the_name_of_one_id_number_is_stopped_even_across_channels(self, rates):
        rates(person_session_id_number="3/hour")
        person = PersonFactory(name="张三")
        wechat, web = channel_key("xm_wechat"), channel_key("fj_web")
        answers = [self.guess(wechat, person.id_number, name).status_code for name in ("李四", "王五", "赵六")]
        assert answers == [403, 403, 403]
        # The right name now waits too, from this channel and from another one.
        assert_throttled(self.guess(wechat, person.id_number, "张三"))
        assert_throttled(self.guess(web, person.id_number, "张三"))
        assert PersonSession.objects.count() == 0
        # Other persons are not affected.
        other = PersonFactory(name="钱七")
        assert self.guess(wechat, other.id_number, "钱七").status_code == 201

    def test_the_id_number_is_counted_whatever_its_spelling(self, rates):
        rates(person_session_id_number="2/hour")
        person = PersonFactory(name="张三", id_number="11010519491231002X")
        key = channel_key("xm_wechat")
        self.guess(key, "11010519491231002X", "李四")
        self.guess(key, " 11010519491231002x ", "李四")
        assert_throttled(self.guess(key, "11010519491231002x", person.name))

    def test_a_channel_guessing_many_id_numbers_is_stopped(self, rates):
        rates(person_session_channel="3/minute")
        key = channel_key("xm_wechat")
        persons = PersonFactory.create_batch(5)
        answers = [self.guess(key, p.id_number, "不对").status_code for p in persons[:3]]
        assert answers == [403, 403, 403]
        assert_throttled(self.guess(key, persons[3].id_number, persons[3].name))
        # Another channel is counted on its own.
        assert self.guess(channel_key("fj_web"), persons[4].id_number, persons[4].name).status_code == 201

    def test_successful_sessions_are_never_counted(self, rates):
        rates(person_session_channel="2/minute", person_session_id_number="2/hour")
        person = PersonFactory(name="张三")
        key = channel_key("xm_wechat")
        assert {self.guess(key, person.id_number, "张三").status_code for _ in range(5)} == {201}

    def test_the_cache_never_holds_the_id_number(self, rates):
        rates(person_session_id_number="3/hour")
        person = PersonFactory(name="张三")
        self.guess(channel_key("xm_wechat"), person.id_number, "李四")
        keys = list(cache._cache.keys())  # LocMemCache: every key it holds
        assert keys and not any(person.id_number in key or person.id_number.lower() in key for key in keys)


def test_429_is_documented_with_retry_after():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/v1/auth/token/", "/api/v1/auth/logout/", "/api/v1/person-sessions/"):
        responses = schema["paths"][path]["post"]["responses"]
        assert "429" in responses, path
        assert "Retry-After" in responses["429"]["headers"], path


def test_staff_login_throttle_reads_its_rate_at_call_time(rates):
    rates(auth="1/minute")
    assert StaffLoginThrottle().num_requests == 1
    rates(auth="7/minute")
    assert StaffLoginThrottle().num_requests == 7
    assert datetime.timedelta(seconds=StaffLoginThrottle().duration) == datetime.timedelta(minutes=1)
