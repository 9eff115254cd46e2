"""The auditors' desk in the admin: the event browser, CSV exports of lists and events, reveals with a reason."""

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from accounts.choices import Role
from audit import admin as audit_admin
from registry import services
from registry.models import Person, PersonDataAccess
from tests.factories import (
    ClaimEventFactory,
    ClaimFactory,
    FilingEventFactory,
    FilingFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FULL_ID = re.compile(rb"(?<!\d)\d{17}[\dX](?!\d)")
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
BROWSER = "/admin/audit/auditevent/"


def admin_as(role: str) -> tuple[object, Client]:
    user = UserFactory(role=role, first_name="敏", last_name="王")
    client = Client()
    client.force_login(user)
    return user, client


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheet programs read Chinese only with the BOM
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def events():
    """A filing with three events (submit, approve by a named reviewer, revoke) and a claim with one."""
    zhang = PersonFactory(name="张三")
    li = PersonFactory(name="李四")
    filing = FilingFactory(person=zhang, reference="BA20250301000001")
    reviewer = UserFactory(role=Role.REVIEWER, username="rev1", first_name="丽", last_name="陈")
    FilingEventFactory(filing=filing, at=T0, actor_label=f"person:{zhang.pk}", channel_id="xm_wechat")
    FilingEventFactory(
        filing=filing,
        at=T0 + datetime.timedelta(hours=1),
        action="approve",
        from_state="submitted",
        to_state="effective",
        actor=reviewer,
        actor_label="staff:rev1",
        channel_id="counter",
    )
    FilingEventFactory(
        filing=filing,
        at=T0 + datetime.timedelta(hours=2),
        action="revoke",
        from_state="effective",
        to_state="revoked",
        actor_label="system",
        reason="参保终止",
    )
    claim = ClaimFactory(person=li)
    ClaimEventFactory(claim=claim, at=T0 + datetime.timedelta(minutes=30), actor_label="staff:rev1")
    return {"zhang": zhang, "li": li, "filing": filing, "claim": claim}


# --- the event browser ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_the_browser_shows_every_record_s_events_with_names_and_labels(events, role):
    _user, client = admin_as(role)
    response = client.get(BROWSER, {"at_before": "2025-03-02T00:00"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="event-row"') == 4  # three filing events + one claim event, nothing of today
    assert "BA20250301000001" in html and events["claim"].reference in html
    assert "陈丽（审核）" in html  # the reviewer by name and role, not staff:rev1
    assert "参保人 张三" in html and "系统" in html  # the person and the system by name
    assert "已撤销" in html and "参保终止" in html  # Chinese state labels, the reason
    assert "staff:" not in html.split('id="result_list"')[1] and "person:" not in html
    assert FULL_ID.search(response.content) is None
    zhang = events["zhang"].id_number
    assert f"{zhang[:6]}********{zhang[-4:]}" in html


def test_the_browser_filters_as_the_api_does(events):
    _user, client = admin_as(Role.AUDITOR)
    response = client.get(BROWSER, {"record_type": "filing", "action": "approve"})
    html = response.content.decode()
    assert html.count('class="event-row"') == 1 and "陈丽（审核）" in html and "参保终止" not in html
    response = client.get(BROWSER, {"id_number": events["li"].id_number})
    html = response.content.decode()
    assert events["claim"].reference in html and "BA20250301000001" not in html


def test_the_actor_and_channel_filters_are_choices_of_people_and_channels(events):
    _user, client = admin_as(Role.AUDITOR)
    form = client.get(BROWSER).context["form"]
    actors = dict(form.fields["actor"].choices)
    assert actors["staff:rev1"] == "陈丽（审核）" and actors["system"] == "系统"
    assert dict(form.fields["channel"].choices)["xm_wechat"] != "xm_wechat"  # by its name
    chosen = client.get(BROWSER, {"actor": "staff:rev1", "at_before": "2025-03-02T00:00"}).content.decode()
    listed = chosen.split('id="result_list"')[1]
    assert listed.count('class="event-row"') == listed.count("陈丽（审核）") >= 1
    assert "参保人 张三" not in listed and ">系统<" not in listed
    typed = client.get(BROWSER, {"actor": "staff:nobody"})
    assert typed.status_code == 200 and "actor" in typed.context["form"].errors


def test_the_browser_pages_by_cursor(events, monkeypatch):
    monkeypatch.setattr(audit_admin, "PAGE_SIZE", 2)
    _user, client = admin_as(Role.AUDITOR)
    first = client.get(BROWSER, {"at_before": "2025-03-02T00:00"})
    assert first.content.decode().count('class="event-row"') == 2
    next_link = re.search(r'href="\?([^"]+)" class="next-page"', first.content.decode()).group(1)
    second = client.get(BROWSER + "?" + next_link.replace("&amp;", "&"))
    html = second.content.decode()
    assert html.count('class="event-row"') == 2 and "参保终止" in html and 'class="next-page"' not in html


@pytest.mark.parametrize(
    "params, field",
    [
        ({"at_after": "yesterday"}, "at_after"),
        ({"action": "fly"}, "action"),
        ({"record_type": "person"}, "record_type"),
        ({"channel": "nowhere"}, "channel"),
    ],
)
def test_bad_filters_are_named_on_the_page_not_a_500(events, params, field):
    _user, client = admin_as(Role.AUDITOR)
    response = client.get(BROWSER, params)
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {field}
    assert response.content.decode().count('class="event-row"') == 0


def test_a_bad_cursor_is_said_in_words(events):
    _user, client = admin_as(Role.AUDITOR)
    response = client.get(BROWSER, {"cursor": "not-a-cursor"})
    assert response.status_code == 200 and response.context["cursor_error"]


@pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER])
def test_only_auditors_browse_and_export_events(events, role):
    _user, client = admin_as(role)
    assert client.get(BROWSER).status_code == 403
    assert client.get(BROWSER + "export/").status_code == 403
    assert "auditevent" not in client.get("/admin/").content.decode()


def test_auditors_find_the_browser_on_the_index():
    _user, client = admin_as(Role.AUDITOR)
    assert BROWSER in client.get("/admin/").content.decode()


def test_the_browser_exports_the_same_csv_as_the_api(events, auditor):
    _user, client = admin_as(Role.AUDITOR)
    params = {"record_type": "filing", "at_before": "2025-03-02T00:00:00+08:00"}
    from_admin = csv_rows(client.get(BROWSER + "export/", {**params, "at_before": "2025-03-02T00:00"}))
    from_api = csv_rows(auditor.get("/api/v1/audit/events/", {**params, "format": "csv"}))
    assert from_admin == from_api
    assert from_admin[0][:4] == ["record_type", "reference", "id_number", "action"]
    assert [row[3] for row in from_admin[1:]] == ["submit", "approve", "revoke"]


# --- exports of filings and claims ----------------------------------------------------------


def test_auditors_export_the_filtered_filing_list(events):
    other = FilingFactory(state="submitted", reference="BA20250301000002")
    _user, client = admin_as(Role.AUDITOR)
    listing = client.get("/admin/filings/filing/", {"state__exact": "effective"})
    assert "/admin/filings/filing/export/?state__exact=effective" in listing.content.decode()
    response = client.get("/admin/filings/filing/export/", {"state__exact": "effective"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][:5] == ["编号", "姓名", "身份证号码", "备案类型", "状态"]
    assert [row[0] for row in rows[1:]] == ["BA20250301000001"]
    zhang = events["zhang"].id_number
    assert rows[1][1:5] == ["张三", f"{zhang[:6]}********{zhang[-4:]}", "其他临时外出", "已生效"]
    assert other.reference not in str(rows)
    assert not any(FULL_ID.search(",".join(row).encode()) for row in rows)


def test_auditors_export_claims_with_amounts(events):
    _user, client = admin_as(Role.AUDITOR)
    rows = csv_rows(client.get("/admin/reimbursements/claim/export/"))
    claim = events["claim"]
    assert len(rows) == 2 and rows[1][0] == claim.reference
    header = rows[0]
    assert rows[1][header.index("费用总额")] == str(claim.total_amount)


@pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER])
def test_desk_staff_do_not_export_lists(events, role):
    _user, client = admin_as(role)
    assert client.get("/admin/filings/filing/export/").status_code == 403
    assert "/export/" not in client.get("/admin/filings/filing/").content.decode()


# --- reveals in the admin -------------------------------------------------------------------


@pytest.fixture
def person():
    return PersonFactory(name="王五", phone="13912345678")


def test_the_person_page_shows_phone_and_id_masked_with_a_reveal_button(person):
    _user, client = admin_as(Role.COUNTER)
    html = client.get(f"/admin/registry/person/{person.pk}/change/").content.decode()
    assert "13912345678" not in html and "139****5678" in html
    assert person.id_number not in html
    assert f"/admin/registry/person/{person.pk}/reveal/" in html


@pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN])
def test_a_reveal_asks_why_records_one_access_per_field_and_shows_the_values(person, role):
    user, client = admin_as(role)
    url = f"/admin/registry/person/{person.pk}/reveal/"
    form = client.get(url)
    assert form.status_code == 200 and "13912345678" not in form.content.decode()
    token = form.context["form"]["token"].value()
    data = {"fields": ["id_number", "phone"], "purpose": "other", "reason": "  核对银行卡开户信息 ", "token": token}
    response = client.post(url, data)
    html = response.content.decode()
    assert person.id_number in html and "13912345678" in html
    assert "no-store" in response["Cache-Control"]
    accesses = PersonDataAccess.objects.filter(person=person)
    assert sorted(accesses.values_list("field", flat=True)) == ["id_number", "phone"]
    assert {(a.user_id, a.purpose, a.reason) for a in accesses} == {(user.pk, "other", "核对银行卡开户信息")}
    # A refresh posts the same form again: no second record, and the values are not shown again.
    again = client.post(url, data, follow=True)
    assert "13912345678" not in again.content.decode() and person.id_number not in again.content.decode()
    assert PersonDataAccess.objects.filter(person=person).count() == 2


@pytest.mark.parametrize("purpose", ["counter_check", "phone_enquiry", "audit", "payment_check"])
def test_a_listed_purpose_needs_no_words(person, purpose):
    _user, client = admin_as(Role.COUNTER)
    url = f"/admin/registry/person/{person.pk}/reveal/"
    token = client.get(url).context["form"]["token"].value()
    response = client.post(url, {"fields": ["phone"], "purpose": purpose, "reason": "", "token": token})
    assert "13912345678" in response.content.decode()
    assert PersonDataAccess.objects.get(person=person).purpose == purpose


@pytest.mark.parametrize(
    "data, field",
    [
        ({"fields": ["phone"], "purpose": "other", "reason": ""}, "reason"),
        ({"fields": ["phone"], "purpose": "other", "reason": "核对"}, "reason"),  # fewer than 4 characters
        ({"fields": ["phone"], "purpose": "curiosity", "reason": "看看而已啊"}, "purpose"),
        ({"fields": [], "purpose": "audit", "reason": ""}, "fields"),
    ],
)
def test_a_reveal_without_a_purpose_or_a_field_shows_nothing_and_records_nothing(person, data, field):
    _user, client = admin_as(Role.COUNTER)
    url = f"/admin/registry/person/{person.pk}/reveal/"
    token = client.get(url).context["form"]["token"].value()
    response = client.post(url, {**data, "token": token})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "13912345678" not in response.content.decode()
    assert not PersonDataAccess.objects.exists()


def test_an_empty_phone_field_keeps_the_stored_number_and_a_typed_one_replaces_it(person):
    _user, client = admin_as(Role.COUNTER)
    url = f"/admin/registry/person/{person.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"phone": "", "insured_region": person.insured_region_id})
    for prefix in ("insured_periods", "chronic_qualifications"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data = {name: value for name, value in data.items() if value is not None}
    inline_prefixes = [fs.formset.prefix for fs in client.get(url).context["inline_admin_formsets"]]
    for prefix in inline_prefixes:
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Person.objects.get(pk=person.pk).phone == "13912345678"
    response = client.post(url, {**data, "phone": "13800001111"})
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).phone == "13800001111"


def test_a_persons_history_names_who_changed_what_with_numbers_masked(person):
    user, client = admin_as(Role.COUNTER)
    services.person_update(person=person, data={"phone": "13800001111"}, actor=user.actor)
    response = client.get(f"/admin/registry/person/{person.pk}/history/")
    html = response.content.decode()
    assert response.status_code == 200 and html.count('class="history-row"') == 2
    assert "139****5678 → 138****1111" in html and "王敏" in html
    assert "13912345678" not in html and "13800001111" not in html and person.id_number not in html
    version = person.history.order_by("history_id").first().history_id
    assert client.get(f"/admin/registry/person/{person.pk}/history/{version}/").status_code == 403
