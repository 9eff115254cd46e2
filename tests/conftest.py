"""Shared fixtures: API clients authenticated as each kind of caller."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.choices import Role
from tests.factories import channel_key, person_token, referring_hospital, staff_token


def postgres_only(reason: str = "needs PostgreSQL"):
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=f"{reason}; this run uses {connection.vendor}")


@pytest.fixture
def client_for():
    """client_for(role=...), client_for(channel=...), client_for(person=..., channel=...)."""

    def make(*, role: str | None = None, channel: str | None = None, person=None, institution=None) -> APIClient:
        client = APIClient()
        if person is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {person_token(person, channel or 'xm_wechat')}")
        elif channel is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {channel_key(channel, institution=institution)}")
        else:
            _user, token = staff_token(role or Role.COUNTER)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


@pytest.fixture
def counter(client_for):
    return client_for(role=Role.COUNTER)


@pytest.fixture
def auditor(client_for):
    return client_for(role=Role.AUDITOR)


@pytest.fixture
def reviewer(client_for):
    return client_for(role=Role.REVIEWER)


@pytest.fixture
def hospital(client_for):
    """A key of the hospital channel belonging to Xiamen's tertiary test hospital (it may refer)."""
    return client_for(channel="hospital", institution=referring_hospital())


@pytest.fixture
def anonymous():
    return APIClient()
