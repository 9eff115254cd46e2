"""An administrator creates a staff account that can log in, and a login refused says why (issue 25)."""

import pytest
from django.test import Client

from accounts.choices import Role
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = "Xiamen-2026-counter!"


@pytest.fixture
def administrator(client):
    client.force_login(UserFactory(username="guanli", role=Role.ADMIN, is_superuser=True))
    return client


def test_a_new_staff_account_needs_a_role_and_can_then_log_in(administrator):
    no_role = administrator.post(
        "/admin/accounts/user/add/", {"username": "wangmin", "password1": GOOD, "password2": GOOD}
    )
    assert no_role.status_code == 200 and "role" in no_role.context["adminform"].form.errors
    assert not User.objects.filter(username="wangmin").exists()
    made = administrator.post(
        "/admin/accounts/user/add/",
        {"username": "wangmin", "role": Role.COUNTER, "password1": GOOD, "password2": GOOD},
    )
    assert made.status_code == 302
    user = User.objects.get(username="wangmin")
    assert (user.role, user.is_staff, user.is_active) == (Role.COUNTER, True, True)
    fresh = Client()
    logged_in = fresh.post("/admin/login/?next=/admin/", {"username": "wangmin", "password": GOOD})
    assert logged_in.status_code == 302 and logged_in["Location"] == "/admin/"
    assert fresh.get("/admin/").status_code == 200


def test_a_login_with_the_right_password_says_why_it_is_refused(client):
    UserFactory(username="tingyong", role=Role.COUNTER, is_active=False, password=GOOD)
    UserFactory(username="wujuese", role="", is_staff=True, password=GOOD)
    deactivated = client.post("/admin/login/", {"username": "tingyong", "password": GOOD})
    assert "已停用" in deactivated.content.decode()
    roleless = client.post("/admin/login/", {"username": "wujuese", "password": GOOD})
    assert "尚未分配角色" in roleless.content.decode()
    wrong = client.post("/admin/login/", {"username": "tingyong", "password": "not-the-password-1"})
    page = wrong.content.decode()
    assert "已停用" not in page and "尚未分配角色" not in page  # nothing said without the password


def test_giving_a_role_lets_an_account_log_in(administrator):
    user = UserFactory(username="laozhang", role="", is_staff=False)
    page = administrator.get(f"/admin/accounts/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name not in ("password", "groups")}
    data.update({"role": Role.REVIEWER, "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "09:00"})
    data.pop("date_joined", None)
    data.pop("last_login", None)
    answer = administrator.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert answer.status_code == 302, answer.context["adminform"].form.errors if answer.context else answer
    user.refresh_from_db()
    assert (user.role, user.is_staff) == (Role.REVIEWER, True)
