"""Staff passwords: every way of setting one refuses what Django's validators refuse, in Chinese.

The validators (settings AUTH_PASSWORD_VALIDATORS): at least 12 characters, not a common password, not
digits only, not like the username. Each path is walked with one password of each kind: it is refused
with the validator's Chinese message and nothing is created or changed; a good password goes through.
"""

from __future__ import annotations

import getpass
import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from accounts.choices import Role
from accounts.models import User
from accounts.services import staff_create
from config.errors import ValidationFailed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERNAME = "zhangwei"
GOOD = "青山-绿水-2026-长流"
# Each weak password, and the message (Django's zh_Hans, Simplified Chinese) it is refused with.
WEAK = {
    "one character": ("a", "密码长度太短。密码必须包含至少 12 个字符。"),
    "digits only": ("20261203095930", "密码只包含数字。"),
    "common": ("password1234", "这个密码太常见了。"),
    "like the username": (f"{USERNAME}.2026", "密码跟 用户名 太相似了。"),
    # What Django's four validators let through (accounts.passwords.VarietyValidator):
    "blank": (" " * 12, "密码为空白。"),
    "one character repeated": ("a" * 12, "密码使用的不同字符太少：请至少使用 5 个不同字符。"),
    "keyboard run": ("qwertyuiopas", "密码是键盘或字母表上的连续序列。"),
    "digits padded with a space": ("123456789012345 ", "密码只包含数字。"),
}
KINDS = list(WEAK)


class Terminal:
    """Standard input as a terminal: the commands then ask for the password."""

    def isatty(self):
        return True

    def readline(self):
        return ""


def weak(kind: str) -> str:
    return WEAK[kind][0]


def reason(kind: str) -> str:
    return WEAK[kind][1]


class TestService:
    @pytest.mark.parametrize("kind", KINDS)
    def test_staff_create_refuses_a_weak_password_and_creates_nothing(self, kind):
        with pytest.raises(ValidationFailed) as refused:
            staff_create(username=USERNAME, role=Role.COUNTER, password=weak(kind))
        assert reason(kind) in refused.value.errors["password"]
        assert str(refused.value.message).startswith("密码不符合要求：")
        assert not User.objects.filter(username=USERNAME).exists()

    def test_staff_create_takes_a_good_password(self):
        user = staff_create(username=USERNAME, role=Role.COUNTER, password=GOOD)
        assert user.check_password(GOOD)


class TestCreateStaff:
    @pytest.mark.parametrize("kind", KINDS)
    def test_password_option_refuses_a_weak_password(self, kind):
        with pytest.raises(CommandError, match=re.escape(reason(kind))):
            call_command("create_staff", USERNAME, role=Role.REVIEWER, password=weak(kind))
        assert not User.objects.filter(username=USERNAME).exists()

    @pytest.mark.parametrize("kind", KINDS)
    def test_prompted_password_is_refused_too(self, kind, monkeypatch):
        monkeypatch.setattr("sys.stdin", Terminal())
        monkeypatch.setattr(getpass, "getpass", lambda prompt="": weak(kind))
        with pytest.raises(CommandError, match=re.escape(reason(kind))):
            call_command("create_staff", USERNAME, role=Role.COUNTER)
        assert not User.objects.filter(username=USERNAME).exists()

    def test_a_good_prompted_password_creates_the_account(self, monkeypatch):
        monkeypatch.setattr("sys.stdin", Terminal())
        monkeypatch.setattr(getpass, "getpass", lambda prompt="": GOOD)
        call_command("create_staff", USERNAME, role=Role.COUNTER)
        assert User.objects.get(username=USERNAME).check_password(GOOD)


class TestDjangoCommands:
    @pytest.mark.parametrize("kind", KINDS)
    def test_changepassword_refuses_a_weak_password_and_keeps_the_old_one(self, kind, monkeypatch, capsys):
        user = UserFactory(username=USERNAME)
        monkeypatch.setattr(getpass, "getpass", lambda prompt="": weak(kind))
        with pytest.raises(CommandError):  # after three tries, each refused
            call_command("changepassword", USERNAME)
        assert reason(kind) in capsys.readouterr().err
        user.refresh_from_db()
        assert user.check_password("correct horse battery")

    def test_changepassword_takes_a_good_password(self, monkeypatch):
        user = UserFactory(username=USERNAME)
        monkeypatch.setattr(getpass, "getpass", lambda prompt="": GOOD)
        call_command("changepassword", USERNAME)
        user.refresh_from_db()
        assert user.check_password(GOOD)

    @pytest.mark.parametrize("kind", KINDS)
    def test_createsuperuser_without_input_refuses_a_weak_password(self, kind, monkeypatch):
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", weak(kind))
        with pytest.raises(CommandError, match=re.escape(reason(kind))):
            call_command("createsuperuser", username=USERNAME, email="", interactive=False)
        assert not User.objects.filter(username=USERNAME).exists()

    def test_createsuperuser_on_a_terminal_offers_no_way_round_the_validators(self, monkeypatch):
        """Django asks "Bypass password validation and create user anyway?"; a yes changes nothing here."""
        monkeypatch.setattr(getpass, "getpass", lambda prompt="": weak("common"))
        monkeypatch.setattr("builtins.input", lambda prompt="": "y")
        with pytest.raises(CommandError, match=re.escape(reason("common"))):
            call_command("createsuperuser", username=USERNAME, email="", interactive=True, stdin=Terminal())
        assert not User.objects.filter(username=USERNAME).exists()

    def test_createsuperuser_takes_a_good_password(self, monkeypatch):
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", GOOD)
        call_command("createsuperuser", username=USERNAME, email="", interactive=False, verbosity=0)
        assert User.objects.get(username=USERNAME).check_password(GOOD)


class TestAdmin:
    @pytest.fixture
    def administrator(self, client):
        client.force_login(UserFactory(username="guanli", role=Role.ADMIN, is_superuser=True))
        return client

    @pytest.mark.parametrize("kind", KINDS)
    def test_adding_a_user_refuses_a_weak_password(self, kind, administrator):
        response = administrator.post(
            "/admin/accounts/user/add/",
            {"username": USERNAME, "role": Role.COUNTER, "password1": weak(kind), "password2": weak(kind)},
        )
        assert response.status_code == 200
        assert reason(kind) in response.content.decode()
        assert not User.objects.filter(username=USERNAME).exists()

    def test_adding_a_user_with_a_good_password(self, administrator):
        response = administrator.post(
            "/admin/accounts/user/add/",
            {"username": USERNAME, "role": Role.COUNTER, "password1": GOOD, "password2": GOOD},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert User.objects.get(username=USERNAME).check_password(GOOD)

    @pytest.mark.parametrize("kind", KINDS)
    def test_setting_a_users_password_refuses_a_weak_one(self, kind, administrator):
        user = UserFactory(username=USERNAME)
        response = administrator.post(
            f"/admin/accounts/user/{user.pk}/password/",
            {"password1": weak(kind), "password2": weak(kind), "usable_password": "true"},
        )
        assert response.status_code == 200
        assert reason(kind) in response.content.decode()
        user.refresh_from_db()
        assert user.check_password("correct horse battery")

    @pytest.mark.parametrize("kind", KINDS)
    def test_changing_ones_own_password_refuses_a_weak_one(self, kind, client):
        user = UserFactory(username=USERNAME, role=Role.COUNTER)
        client.force_login(user)
        response = client.post(
            "/admin/password_change/",
            {"old_password": "correct horse battery", "new_password1": weak(kind), "new_password2": weak(kind)},
        )
        assert response.status_code == 200
        assert reason(kind) in response.content.decode()
        user.refresh_from_db()
        assert user.check_password("correct horse battery")


def test_demo_accounts_get_passwords_the_validators_accept_and_that_log_in(capsys):
    call_command("load_demo_data")
    printed = capsys.readouterr().out
    accounts = re.findall(r"^\s+(\w+)\s+(demo_\w+)\s+(\S+)$", printed, flags=re.MULTILINE)
    assert {role for role, _username, _password in accounts} == set(Role.values)
    for _role, username, password in accounts:
        user = User.objects.get(username=username)
        validate_password(password, user=user)
        assert user.check_password(password)
