"""Staff tokens, channel keys and person sessions: who gets in, and what they reach."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import ChannelAPIKey, PersonSession
from tests.factories import PersonFactory, UserFactory, channel_key

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
SESSION_URL = "/api/v1/person-sessions/"


@pytest.mark.parametrize("role", Role.values)
def test_each_role_gets_a_token_that_authenticates(anonymous, role):
    UserFactory(username=f"u_{role}", role=role)
    response = anonymous.post(TOKEN_URL, {"username": f"u_{role}", "password": "correct horse battery"})
    assert response.status_code == 200, response.content
    assert response.json()["role"] == role
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert anonymous.get("/api/v1/persons/").status_code == 200


@pytest.mark.parametrize(
    "role, status", [(Role.COUNTER, 201), (Role.ADMIN, 201), (Role.REVIEWER, 403), (Role.AUDITOR, 403)]
)
def test_only_counter_staff_and_admins_create_persons(client_for, role, status):
    body = {"id_number": "11010519491231002X", "name": "王五", "insurance_type": "employee"}
    response = client_for(role=role).post("/api/v1/persons/", body)
    assert response.status_code == status, response.content


def test_wrong_password_is_refused_with_a_message(anonymous):
    UserFactory(username="clerk")
    response = anonymous.post(TOKEN_URL, {"username": "clerk", "password": "wrong"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["message"]


def test_unknown_user_and_missing_password_are_refused(anonymous):
    assert anonymous.post(TOKEN_URL, {"username": "nobody", "password": "x"}).status_code == 401
    response = anonymous.post(TOKEN_URL, {"username": "nobody"})
    assert response.status_code == 400
    assert "password" in response.json()["errors"]


def test_inactive_staff_gets_no_token(anonymous):
    UserFactory(username="gone", is_active=False)
    assert anonymous.post(TOKEN_URL, {"username": "gone", "password": "correct horse battery"}).status_code == 401


def test_unknown_token_and_unknown_api_key_answer_401(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Token deadbeef")
    assert anonymous.get("/api/v1/regions/").status_code == 401
    anonymous.credentials(HTTP_AUTHORIZATION="Api-Key abcdefgh.notakey")
    response = anonymous.get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_no_credentials_answers_401(anonymous):
    response = anonymous.get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_revoked_key_is_refused(client_for):
    key = channel_key("mzt_app")
    ChannelAPIKey.objects.update(revoked=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/regions/").status_code == 401


class TestPersonSessions:
    def test_channel_key_opens_a_session_whose_bearer_reaches_only_that_person(self, client_for):
        me, other = PersonFactory(name="张三"), PersonFactory(name="李四")
        channel = client_for(channel="xm_wechat")
        response = channel.post(SESSION_URL, {"id_number": me.id_number, "name": "张三"})
        assert response.status_code == 201, response.content
        assert set(response.json()) == {"token", "expires_at"}

        person = APIClient()
        person.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
        listing = person.get("/api/v1/persons/")
        assert listing.status_code == 200
        assert [p["id_number"] for p in listing.json()["results"]] == [me.id_number]
        assert person.get(f"/api/v1/persons/{me.pk}/").status_code == 200
        assert person.get(f"/api/v1/persons/{other.pk}/").status_code == 404
        # A person cannot create or change person records.
        assert person.patch(f"/api/v1/persons/{me.pk}/", {"name": "x"}).status_code == 403

    def test_token_is_stored_hashed(self, client_for):
        me = PersonFactory(name="张三")
        token = (
            client_for(channel="xm_wechat")
            .post(SESSION_URL, {"id_number": me.id_number, "name": "张三"})
            .json()["token"]
        )
        stored = PersonSession.objects.get()
        assert token not in stored.token_hash and len(stored.token_hash) == 64

    def test_channel_key_alone_reaches_no_person(self, client_for):
        PersonFactory()
        assert client_for(channel="xm_wechat").get("/api/v1/persons/").status_code == 403

    @pytest.mark.parametrize("case", ["unknown_id", "name_mismatch"])
    def test_session_for_someone_not_insured_here_is_refused(self, client_for, case):
        me = PersonFactory(name="张三")
        body = (
            {"id_number": "11010519491231002X", "name": "张三"}
            if case == "unknown_id"
            else {"id_number": me.id_number, "name": "李四"}
        )
        response = client_for(channel="fj_web").post(SESSION_URL, body)
        assert response.status_code == 403
        assert response.json()["code"] == "person_not_insured_here"
        assert PersonSession.objects.count() == 0

    def test_hospital_and_staff_cannot_open_person_sessions(self, client_for):
        me = PersonFactory(name="张三")
        body = {"id_number": me.id_number, "name": "张三"}
        assert client_for(channel="hospital").post(SESSION_URL, body).status_code == 403
        assert client_for(role=Role.COUNTER).post(SESSION_URL, body).status_code == 403

    def test_expired_session_answers_401(self, client_for):
        me = PersonFactory(name="张三")
        token = (
            client_for(channel="xm_wechat")
            .post(SESSION_URL, {"id_number": me.id_number, "name": "张三"})
            .json()["token"]
        )
        PersonSession.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        person = APIClient()
        person.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = person.get("/api/v1/persons/")
        assert response.status_code == 401
        person.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
        assert person.get("/api/v1/persons/").status_code == 401

    def test_session_lifetime_follows_the_setting(self, client_for, settings):
        settings.PERSON_SESSION_LIFETIME = datetime.timedelta(minutes=5)
        me = PersonFactory(name="张三")
        before = timezone.now()
        client_for(channel="xm_wechat").post(SESSION_URL, {"id_number": me.id_number, "name": "张三"})
        lifetime = PersonSession.objects.get().expires_at - before
        assert datetime.timedelta(minutes=4, seconds=59) < lifetime <= datetime.timedelta(minutes=5, seconds=1)
