"""Channel keys once verified are kept per worker for API_KEY_CACHE_SECONDS: no query, no hash, until then."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import authentication
from accounts.models import Channel, ChannelAPIKey
from tests.factories import channel_key

pytestmark = pytest.mark.django_db
URL = "/api/v1/regions/"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(authentication, "_clock", clock)
    authentication.forget_verified_keys()
    yield clock
    authentication.forget_verified_keys()


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def key_queries(client) -> int:
    """Queries of the api-key table made by one request."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return sum("accounts_channelapikey" in q["sql"] for q in queries.captured_queries)


def test_a_verified_key_is_not_looked_up_again_within_the_ttl(clock, settings):
    settings.API_KEY_CACHE_SECONDS = 30
    client = client_with(channel_key("mzt_app"))
    assert key_queries(client) == 1
    assert key_queries(client) == 0
    clock.now += 29
    assert key_queries(client) == 0
    clock.now += 2  # past the TTL: verified again
    assert key_queries(client) == 1


def test_a_cached_request_does_one_query_less(clock, settings, django_assert_num_queries):
    settings.API_KEY_CACHE_SECONDS = 30
    client = client_with(channel_key("mzt_app"))
    with CaptureQueriesContext(connection) as first:
        client.get(URL)
    with django_assert_num_queries(len(first.captured_queries) - 1):
        client.get(URL)


def test_a_revoked_key_stops_working_after_the_ttl(clock, settings):
    settings.API_KEY_CACHE_SECONDS = 30
    client = client_with(channel_key("mzt_app"))
    assert client.get(URL).status_code == 200
    ChannelAPIKey.objects.update(revoked=True)
    clock.now += 10
    assert client.get(URL).status_code == 200  # still within the TTL: documented
    clock.now += 21
    assert client.get(URL).status_code == 401
    clock.now += 1
    assert client.get(URL).status_code == 401


def test_a_deactivated_channel_stops_working_after_the_ttl(clock, settings):
    settings.API_KEY_CACHE_SECONDS = 5
    client = client_with(channel_key("mzt_app"))
    assert client.get(URL).status_code == 200
    Channel.objects.filter(code="mzt_app").update(is_active=False)
    clock.now += 6
    assert client.get(URL).status_code == 401


def test_a_bad_key_is_never_cached(clock, settings):
    settings.API_KEY_CACHE_SECONDS = 30
    good = channel_key("mzt_app")
    prefix = good.partition(".")[0]
    bad = client_with(f"{prefix}.not-the-secret")
    for _ in range(3):
        assert bad.get(URL).status_code == 401
    assert authentication._verified_keys == {}
    assert key_queries(client_with(good)) == 1  # the good key of the same prefix is checked afresh


def test_zero_seconds_checks_every_request(clock, settings):
    settings.API_KEY_CACHE_SECONDS = 0
    client = client_with(channel_key("mzt_app"))
    assert key_queries(client) == 1
    assert key_queries(client) == 1
    assert authentication._verified_keys == {}


def test_a_key_is_not_kept_past_its_own_expiry(clock, settings):
    import datetime

    from django.utils import timezone

    settings.API_KEY_CACHE_SECONDS = 30
    key = channel_key("mzt_app")
    ChannelAPIKey.objects.update(expiry_date=timezone.now() + datetime.timedelta(seconds=1))
    client = client_with(key)
    assert client.get(URL).status_code == 200
    (_principal, _key, until) = next(iter(authentication._verified_keys.values()))
    assert until <= clock.now + 1
