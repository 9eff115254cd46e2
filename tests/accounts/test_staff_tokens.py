"""Staff API tokens (django-rest-knox): they expire, are stored hashed, and die at logout and with the password."""

import datetime
import hashlib

import pytest
from django.conf import settings
from django.contrib import admin
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import StaffToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
PASSWORD = "correct horse battery"


def take_token(username: str, password: str = PASSWORD) -> dict:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    status = client_with(token).get("/api/v1/regions/").status_code
    assert status in {200, 401}, status
    return status == 200


def test_token_answer_keeps_its_fields_and_says_when_it_expires():
    UserFactory(username="clerk", role=Role.REVIEWER)
    before = timezone.now()
    body = take_token("clerk")
    assert set(body) == {"token", "role", "expires_at"}
    assert body["role"] == Role.REVIEWER
    expires_at = parse_datetime(body["expires_at"])
    assert before + datetime.timedelta(hours=10) <= expires_at <= timezone.now() + datetime.timedelta(hours=10)
    assert works(body["token"])


def test_token_lifetime_follows_the_setting(settings):
    settings.STAFF_TOKEN_TTL = datetime.timedelta(minutes=5)
    UserFactory(username="clerk")
    before = timezone.now()
    body = take_token("clerk")
    lifetime = parse_datetime(body["expires_at"]) - before
    assert datetime.timedelta(minutes=4, seconds=59) < lifetime <= datetime.timedelta(minutes=5, seconds=1)


def test_expired_token_is_refused_and_deleted():
    UserFactory(username="clerk")
    token = take_token("clerk")["token"]
    assert works(token)
    AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    response = client_with(token).get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert AuthToken.objects.count() == 0


def test_the_database_holds_only_a_digest_of_the_token():
    UserFactory(username="clerk")
    token = take_token("clerk")["token"]
    stored = AuthToken.objects.get()
    assert stored.digest == hashlib.sha512(token.encode()).hexdigest()
    row = AuthToken.objects.values().get()
    assert all(token not in str(value) for value in row.values()), row
    # Knowing the digest (a database dump) does not authenticate.
    assert not works(stored.digest)


def test_each_login_gets_its_own_token_and_both_work():
    UserFactory(username="clerk")
    first, second = take_token("clerk")["token"], take_token("clerk")["token"]
    assert first != second
    assert works(first) and works(second)


class TestLogout:
    def test_logout_revokes_that_token_only(self):
        UserFactory(username="clerk")
        phone, desk = take_token("clerk")["token"], take_token("clerk")["token"]
        response = client_with(phone).post(LOGOUT_URL)
        assert response.status_code == 204, response.content
        assert not works(phone)
        assert works(desk)
        assert client_with(phone).post(LOGOUT_URL).status_code == 401

    def test_logout_needs_a_staff_token(self, client_for):
        assert APIClient().post(LOGOUT_URL).status_code == 401
        assert client_for(channel="xm_wechat").post(LOGOUT_URL).status_code == 401


class TestPasswordChange:
    def test_set_password_revokes_every_token_of_that_user(self):
        clerk = UserFactory(username="clerk")
        UserFactory(username="other")
        tokens = [take_token("clerk")["token"], take_token("clerk")["token"]]
        others = take_token("other")["token"]
        clerk.set_password("a brand new password")
        clerk.save()
        assert not any(works(token) for token in tokens)
        assert works(others)
        assert works(take_token("clerk", "a brand new password")["token"])

    def test_an_admin_changing_the_password_revokes_the_tokens(self, client):
        clerk = UserFactory(username="clerk")
        token = take_token("clerk")["token"]
        client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
        response = client.post(
            f"/admin/accounts/user/{clerk.pk}/password/",
            {"password1": "another long password", "password2": "another long password", "usable_password": "true"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert not works(token)

    def test_saving_the_user_without_a_new_password_keeps_the_tokens(self):
        clerk = UserFactory(username="clerk")
        token = take_token("clerk")["token"]
        clerk.first_name = "小李"
        clerk.save()
        clerk.refresh_from_db()
        clerk.save(update_fields=["last_login"])
        assert works(token)

    def test_deactivated_user_token_is_refused(self):
        clerk = UserFactory(username="clerk")
        token = take_token("clerk")["token"]
        clerk.is_active = False
        clerk.save()
        assert not works(token)


class TestAdmin:
    def test_tokens_are_listed_without_their_secret(self, client):
        UserFactory(username="clerk")
        token = take_token("clerk")["token"]
        stored = AuthToken.objects.get()
        client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
        listing = client.get("/admin/accounts/stafftoken/")
        assert listing.status_code == 200
        page = listing.content.decode()
        assert "clerk" in page
        # Neither the token nor its first characters (knox's token_key); the digest, one-way, names the row in URLs.
        assert token not in page and stored.token_key not in page
        detail = client.get(f"/admin/accounts/stafftoken/{stored.pk}/change/").content.decode()
        assert "clerk" in detail and stored.token_key not in detail

    def test_tokens_cannot_be_made_in_the_admin_but_can_be_revoked(self, client):
        UserFactory(username="clerk")
        token = take_token("clerk")["token"]
        client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
        assert client.get("/admin/accounts/stafftoken/add/").status_code == 403
        pk = AuthToken.objects.get().pk
        response = client.post(f"/admin/accounts/stafftoken/{pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not works(token)

    def test_only_the_staff_token_admin_is_registered(self):
        assert StaffToken in admin.site._registry
        assert AuthToken not in admin.site._registry
        assert "rest_framework.authtoken" not in settings.INSTALLED_APPS

    @pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER, Role.AUDITOR])
    def test_other_roles_do_not_see_tokens(self, client, role):
        client.force_login(UserFactory(role=role))
        assert client.get("/admin/accounts/stafftoken/").status_code == 403
