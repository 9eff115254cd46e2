"""A person session ends with the key that opened it, with its channel, and at the channel's logout (issue 24).

Item 4: a revoked or expired key, a deactivated channel, or the logout ends it at the next request.
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.authentication import forget_verified_keys
from accounts.models import Channel, ChannelAPIKey, PersonSession
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
OPEN = "/api/v1/person-sessions/"
LOGOUT = "/api/v1/person-sessions/current/logout/"
READ = "/api/v1/filings/"


def open_session(person, code: str = "xm_wechat") -> tuple[ChannelAPIKey, str]:
    key, plain = ChannelAPIKey.objects.create_key(name="wechat backend", channel=Channel.objects.get(code=code))
    channel = APIClient()
    channel.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
    response = channel.post(OPEN, {"id_number": person.id_number, "name": person.name}, format="json")
    assert response.status_code == 201, response.content
    return key, response.json()["token"]


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_the_session_records_the_key_that_opened_it():
    key, _token = open_session(PersonFactory())
    assert PersonSession.objects.get().api_key_id == key.pk


def test_revoking_the_key_ends_its_sessions_at_once_and_only_its_own():
    person = PersonFactory()
    key, token = open_session(person)
    _other_key, other_token = open_session(person)
    assert bearer(token).get(READ).status_code == 200
    key.revoked = True
    key.save()
    forget_verified_keys()
    assert bearer(token).get(READ).status_code == 401
    assert bearer(other_token).get(READ).status_code == 200


def test_a_key_past_its_expiry_ends_its_sessions():
    key, token = open_session(PersonFactory())
    ChannelAPIKey.objects.filter(pk=key.pk).update(expiry_date=timezone.now() - datetime.timedelta(seconds=1))
    assert bearer(token).get(READ).status_code == 401


def test_deactivating_the_channel_ends_its_sessions():
    _key, token = open_session(PersonFactory())
    Channel.objects.filter(code="xm_wechat").update(is_active=False)
    assert bearer(token).get(READ).status_code == 401


def test_the_channel_ends_one_session_by_logout():
    person = PersonFactory()
    _key, token = open_session(person)
    _key2, other = open_session(person)
    assert bearer(token).post(LOGOUT).status_code == 204
    assert bearer(token).get(READ).status_code == 401
    assert bearer(token).post(LOGOUT).status_code == 401
    assert bearer(other).get(READ).status_code == 200


@pytest.mark.parametrize("credential", ["Token abc", "Api-Key abc.def", ""])
def test_only_a_session_token_logs_a_session_out(credential):
    client = APIClient()
    if credential:
        client.credentials(HTTP_AUTHORIZATION=credential)
    assert client.post(LOGOUT).status_code == 401
