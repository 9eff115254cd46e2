"""Staff accounts lock after repeated password failures (django-axes), longer each time, at the API and the admin."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "correct horse battery"
LIMIT = 5
COOLOFF = datetime.timedelta(minutes=15)


@pytest.fixture(autouse=True)
def lockout_settings(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.STAFF_LOCKOUT_COOLOFF = COOLOFF
    settings.STAFF_LOCKOUT_MAX = datetime.timedelta(hours=24)


def attempt(username: str, password: str, address: str = "203.0.113.7", **headers):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def fail(username: str, times: int, **kwargs) -> list:
    return [attempt(username, "wrong password", **kwargs) for _ in range(times)]


def age_failures(username: str, by: datetime.timedelta) -> None:
    """As if the last failure of the account had happened ``by`` earlier."""
    for row in AccessAttempt.objects.filter(username=username):
        row.attempt_time -= by
        row.save(update_fields=["attempt_time"])


def assert_locked(response, *, about: datetime.timedelta) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "account_locked"
    assert body["message"] and body["errors"] == {}
    retry_after = int(response["Retry-After"])
    assert about - datetime.timedelta(seconds=5) <= datetime.timedelta(seconds=retry_after) <= about


def test_the_account_locks_at_the_limit_and_refuses_even_the_right_password():
    UserFactory(username="clerk")
    answers = fail("clerk", LIMIT)
    assert [r.status_code for r in answers[:-1]] == [401] * (LIMIT - 1)
    assert all(r.json()["code"] == "invalid_credentials" for r in answers[:-1])
    assert_locked(answers[-1], about=COOLOFF)

    assert_locked(attempt("clerk", PASSWORD), about=COOLOFF)
    assert AuthToken.objects.count() == 0
    # Attempts while locked are not counted: the lock does not grow under a clerk who keeps trying.
    assert AccessAttempt.objects.get(username="clerk").failures_since_start == LIMIT


def test_after_the_cool_off_the_right_password_works_and_clears_the_failures():
    UserFactory(username="clerk")
    fail("clerk", LIMIT)
    age_failures("clerk", COOLOFF - datetime.timedelta(seconds=30))
    assert_locked(attempt("clerk", PASSWORD), about=datetime.timedelta(seconds=30))

    age_failures("clerk", datetime.timedelta(seconds=31))
    response = attempt("clerk", PASSWORD)
    assert response.status_code == 200, response.content
    assert not AccessAttempt.objects.filter(username="clerk").exists()
    assert [r.status_code for r in fail("clerk", LIMIT - 1)] == [401] * (LIMIT - 1)


def test_each_failure_after_a_lock_locks_again_for_twice_as_long():
    UserFactory(username="clerk")
    fail("clerk", LIMIT)
    lock = COOLOFF
    for _round in range(3):
        age_failures("clerk", lock + datetime.timedelta(seconds=1))  # the lock has run out
        lock *= 2
        assert_locked(attempt("clerk", "still wrong"), about=lock)
        assert_locked(attempt("clerk", PASSWORD), about=lock)
    assert lock == COOLOFF * 8


def test_the_lock_never_exceeds_the_maximum(settings):
    settings.STAFF_LOCKOUT_MAX = datetime.timedelta(minutes=40)
    UserFactory(username="clerk")
    fail("clerk", LIMIT)
    age_failures("clerk", COOLOFF + datetime.timedelta(seconds=1))
    assert_locked(attempt("clerk", "wrong"), about=COOLOFF * 2)
    age_failures("clerk", COOLOFF * 2 + datetime.timedelta(seconds=1))
    assert_locked(attempt("clerk", "wrong"), about=datetime.timedelta(minutes=40))


def test_failures_are_forgotten_after_a_quiet_day():
    UserFactory(username="clerk")
    fail("clerk", LIMIT - 1)
    age_failures("clerk", datetime.timedelta(hours=24, seconds=1))
    assert [r.status_code for r in fail("clerk", LIMIT - 1)] == [401] * (LIMIT - 1)


def test_changing_address_or_forging_x_forwarded_for_does_not_help():
    UserFactory(username="clerk")
    answers = [
        attempt(
            "clerk", "wrong", address=f"198.51.100.{n}", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}", HTTP_USER_AGENT=f"ua{n}"
        )
        for n in range(LIMIT)
    ]
    assert answers[-1].status_code == 429
    assert_locked(attempt("clerk", PASSWORD, address="192.0.2.99"), about=COOLOFF)


def test_the_lock_is_per_account():
    UserFactory(username="clerk")
    UserFactory(username="colleague")
    fail("clerk", LIMIT)
    assert attempt("colleague", PASSWORD).status_code == 200


def test_unknown_usernames_are_counted_too():
    answers = fail("nobody", LIMIT)
    assert answers[-1].status_code == 429


def test_the_admin_login_locks_with_a_message_in_chinese():
    UserFactory(username="clerk")
    browser = Client()
    for _ in range(LIMIT - 1):
        page = browser.post("/admin/login/", {"username": "clerk", "password": "wrong"})
        assert page.status_code == 200  # the login form again, with its error
    page = browser.post("/admin/login/", {"username": "clerk", "password": "wrong"})
    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    text = page.content.decode()
    assert "账户已锁定" in text and "分钟" in text
    locked = browser.post("/admin/login/", {"username": "clerk", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in browser.session

    # The API shares the count: the same account is locked there too.
    assert attempt("clerk", PASSWORD).status_code == 429


def test_an_admin_unlocks_an_account_by_deleting_its_attempts():
    UserFactory(username="clerk")
    fail("clerk", LIMIT)
    AccessAttempt.objects.filter(username="clerk").delete()
    assert attempt("clerk", PASSWORD).status_code == 200


def test_lockout_is_documented_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "429" in operation["responses"]
    assert "Retry-After" in operation["responses"]["429"]["headers"]
