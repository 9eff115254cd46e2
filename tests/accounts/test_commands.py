"""Operator commands: create_staff, issue_key, load_demo_data."""

import io
import sys

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ChannelAPIKey, User
from registry.models import Institution, Person

pytestmark = pytest.mark.django_db


def test_create_staff_with_a_role_and_password(capsys):
    call_command("create_staff", "alice", role="reviewer", password="s3cret-pass-2026")
    user = User.objects.get(username="alice")
    assert (user.role, user.is_staff, user.check_password("s3cret-pass-2026")) == ("reviewer", True, True)
    assert list(user.groups.values_list("name", flat=True)) == ["reviewer"]
    assert "Created reviewer account alice" in capsys.readouterr().out


def test_create_staff_refuses_an_unknown_role():
    with pytest.raises(CommandError, match="Unknown role 'janitor'"):
        call_command("create_staff", "bob", role="janitor", password="x")
    assert not User.objects.filter(username="bob").exists()


def test_create_staff_without_terminal_or_password_exits_non_zero(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="No --password"):
        call_command("create_staff", "carol", role="counter")
    assert not User.objects.filter(username="carol").exists()


def test_create_staff_refuses_a_taken_username():
    call_command("create_staff", "dave", role="counter", password="pw-one-two-three")
    with pytest.raises(CommandError, match="已存在"):  # operators read Chinese
        call_command("create_staff", "dave", role="auditor", password="pw-one-two-three")


def test_issue_key_prints_only_a_working_key(capsys):
    call_command("issue_key", "mzt_app")
    key = capsys.readouterr().out.strip()
    assert "\n" not in key and "." in key
    stored = ChannelAPIKey.objects.get()
    assert stored.channel_id == "mzt_app" and key not in stored.hashed_key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/regions/").status_code == 200


def test_issue_key_for_an_unknown_channel_exits_non_zero():
    with pytest.raises(CommandError, match="未知办理渠道 fax_machine"):
        call_command("issue_key", "fax_machine")
    assert ChannelAPIKey.objects.count() == 0


def test_demo_data_loads_once_and_prints_secrets_once(capsys):
    call_command("load_demo_data")
    first = capsys.readouterr().out
    counts = (Institution.objects.count(), Person.objects.count(), User.objects.count(), ChannelAPIKey.objects.count())
    call_command("load_demo_data")
    second = capsys.readouterr().out
    assert counts[0] >= 30 and counts[1] >= 4 and counts[2] == 4 and counts[3] == 8
    assert (
        Institution.objects.count(),
        Person.objects.count(),
        User.objects.count(),
        ChannelAPIKey.objects.count(),
    ) == counts
    assert "demo_auditor" in first and "demo_auditor" not in second
    assert "xm_wechat" in first and "exist already" in second
    assert Institution.objects.values("city__parent").distinct().count() >= 5
    assert all(name.endswith("（示例）") for name in Institution.objects.values_list("name", flat=True))


def test_the_guides_filing_walk_through_works_on_the_demo_data(client_for):
    """张三 files a resettled retiree's filing for Shanghai (self-service, at once) and a Shanghai hospital finds
    him covered: docs/getting-started/filing-walkthrough.md, as written, on a fresh ``make run``."""
    call_command("load_demo_data", stdout=io.StringIO())
    zhang = Person.objects.get(name="张三")
    assert zhang.id_number == "350203195603120312" and zhang.retired
    filed = client_for(person=zhang).post(
        "/api/v1/filings/",
        {
            "filing_type": "retiree_resettled",
            "destination": "310000",
            "start_date": timezone.localdate().isoformat(),
            "contact_name": "张三",
            "contact_phone": "13906001234",
            "consent": True,
        },
    )
    assert filed.status_code == 201, filed.content
    assert (filed.json()["state"], filed.json()["proof_basis"]) == ("effective", "commitment")
    hospital = client_for(channel="hospital", institution=Institution.objects.get(code="H31010000001"))
    answer = hospital.get(
        "/api/v1/eligibility/",
        {"id_number": zhang.id_number, "city": "310100", "visit": "inpatient", "institution": "H31010000001"},
    ).json()
    assert (answer["covered"], answer["filing"]) == (True, filed.json()["reference"])
