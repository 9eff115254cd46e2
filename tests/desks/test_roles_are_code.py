"""Roles are code, not editable groups; keys and staff accounts are revoked or deactivated, never deleted."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.choices import Role
from accounts.models import ChannelAPIKey, User
from tests.factories import UserFactory, channel_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator() -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN))
    return client


def test_role_groups_are_shown_read_only(administrator):
    group = Group.objects.get(name=Role.COUNTER)
    before = set(group.permissions.values_list("codename", flat=True))
    page = administrator.get(f"/admin/auth/group/{group.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = administrator.post(f"/admin/auth/group/{group.pk}/change/", {"name": "x", "permissions": []})
    assert response.status_code == 403
    assert set(group.permissions.values_list("codename", flat=True)) == before
    assert administrator.get("/admin/auth/group/add/").status_code == 403


def test_staff_accounts_are_deactivated_not_deleted(administrator):
    clerk = UserFactory(role=Role.COUNTER)
    listing = administrator.get("/admin/accounts/user/")
    choices = {value for value, _label in listing.context["action_form"].fields["action"].choices if value}
    assert choices == {"deactivate"}
    administrator.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [clerk.pk]})
    clerk.refresh_from_db()
    assert clerk.is_active is False and User.objects.filter(pk=clerk.pk).exists()
    assert administrator.post(f"/admin/accounts/user/{clerk.pk}/delete/").status_code == 403


def test_channel_keys_are_revoked_not_deleted_and_listed_in_chinese(administrator):
    channel_key("xm_wechat")
    key = ChannelAPIKey.objects.get()
    listing = administrator.get("/admin/accounts/channelapikey/")
    html = listing.content.decode()
    assert "前缀" in html and "可用" in html and "Has expired" not in html
    choices = {value for value, _label in listing.context["action_form"].fields["action"].choices if value}
    assert choices == {"revoke"}
    selected = {"action": "revoke", "_selected_action": [key.pk]}
    asked = administrator.post("/admin/accounts/channelapikey/", selected)  # irreversible: it asks once
    assert asked.status_code == 200 and key.prefix in asked.content.decode() and "无法恢复" in asked.content.decode()
    key.refresh_from_db()
    assert not key.revoked
    administrator.post("/admin/accounts/channelapikey/", {**selected, "apply": "1"})
    key.refresh_from_db()
    assert key.revoked


def test_a_new_key_is_shown_once_and_only_its_hash_is_kept(administrator):
    response = administrator.post(
        "/admin/accounts/channelapikey/add/", {"name": "微信后台", "channel": "xm_wechat"}, follow=True
    )
    key = ChannelAPIKey.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    secret = shown[0].rsplit(" ", 1)[-1].rsplit("：", 1)[-1]
    assert secret.startswith(key.prefix + ".") and key.hashed_key != secret
    assert ChannelAPIKey.objects.is_valid(secret)


def test_the_unused_generic_api_key_admin_is_gone(administrator):
    assert administrator.get("/admin/rest_framework_api_key/apikey/").status_code == 404
