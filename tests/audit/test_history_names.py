"""Histories show names, not stored codes: a filing's mode, type and destination, a claim's basis, a person's
insurance type and region, and staff as 姓名（角色）; the codes stay in each change's title, for machines."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from registry.choices import InsuranceType, PeriodStatus
from registry.models import Region
from tests.factories import ClaimFactory, FilingRequestFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
# Codes as stored that people should never have to read where a name exists.
CODES = re.compile(r"\b(self_service|fast_track|other_temporary|310000|350200|no_filing|employee|resident)\b|staff:")


def visible(html: str) -> str:
    """The text a person reads: no tags, no attributes (titles included), no scripts or form options."""
    html = re.sub(r"(?s)<(script|style|select)\b.*?</\1>", " ", html)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def auditor() -> Client:
    client = Client()
    client.force_login(UserFactory(role="auditor"))
    return client


def test_a_filings_history_names_its_mode_type_and_destination(client_for):
    person = PersonFactory(name="张三")
    reference = client_for(person=person).post("/api/v1/filings/", FilingRequestFactory()).json()["reference"]
    filing = person.filings.get(reference=reference)
    page = auditor().get(f"/admin/filings/filing/{filing.pk}/history/").content.decode()
    text = visible(page.split('id="change-history"')[1])
    assert "自助开通" in text and "其他临时外出" in text
    assert Region.objects.get(code="310000").name in text
    assert not CODES.search(text), CODES.search(text)
    assert 'data-stored="mode: self_service"' in page  # the stored code, for whoever needs it


def test_a_claims_history_names_its_basis():
    claim = ClaimFactory()
    page = auditor().get(f"/admin/reimbursements/claim/{claim.pk}/history/").content.decode()
    text = visible(page.split('id="change-history"')[1])
    assert "未备案" in text and "窗口经办）" in text
    assert not CODES.search(text), CODES.search(text)
    assert 'data-stored="basis: no_filing"' in page


def test_a_persons_history_names_the_type_the_region_and_who_changed_it():
    person = PersonFactory(name="李四", insured_region_id="350200")
    clerk = UserFactory(role="counter", username="chuangkou", last_name="王", first_name="敏")
    person.insurance_type = InsuranceType.RESIDENT
    person.insured_region_id = "310000"
    person._history_user = clerk
    person.save()
    page = auditor().get(f"/admin/registry/person/{person.pk}/history/").content.decode()
    text = visible(page.split('id="change-history"')[1])
    assert "王敏（窗口经办）" in text
    assert "城乡居民" in text and Region.objects.get(code="310000").name in text
    assert not CODES.search(text), CODES.search(text)
    assert 'title="insurance_type: employee → resident"' in page


def test_a_versioned_rows_history_names_its_values_and_who_changed_them():
    """django-simple-history's page (an insured period): the status by its label, the person by name, staff as
    姓名（角色）, never their username."""
    person = PersonFactory(name="赵六")
    period = person.insured_periods.get()
    clerk = UserFactory(role="counter", username="chuangkou", last_name="王", first_name="敏")
    period.status = "suspended"
    period._history_user = clerk
    period.save()
    client = Client()
    client.force_login(UserFactory(role="admin"))
    page = client.get(f"/admin/registry/insuredperiod/{period.pk}/history/").content.decode()
    text = visible(page.split('id="change-history"')[1])
    assert "王敏（窗口经办）" in text and "chuangkou" not in text
    assert str(PeriodStatus.SUSPENDED.label) in text and "suspended" not in text


def test_djangos_history_page_names_staff_with_their_role():
    clerk = UserFactory(role="counter", username="chuangkou", last_name="王", first_name="敏")
    region = Region.objects.get(code="310000")
    LogEntry.objects.create(
        user=clerk,
        content_type=ContentType.objects.get_for_model(Region),
        object_id=region.pk,
        object_repr=str(region),
        action_flag=CHANGE,
        change_message="[]",
    )
    client = Client()
    client.force_login(UserFactory(role="admin"))
    page = client.get(f"/admin/registry/region/{region.pk}/history/").content.decode()
    text = visible(page.split('id="change-history"')[1])
    assert "王敏（窗口经办）" in text and "chuangkou" not in text


@pytest.mark.parametrize("missing", [["expense_list"], ["expense_list", "discharge_summary"], None])
def test_a_materials_request_names_the_missing_items_not_as_a_change(missing):
    """补正's missing items are a list of names, however many (two are not an old and a new value)."""
    from config.actors import Actor
    from reimbursements import services

    claim = ClaimFactory()
    items = missing or [m.item for m in claim.materials.filter(required=True)]
    names = dict(claim.materials.values_list("item", "name"))
    claim.materials.exclude(item__in=items).update(status="accepted")
    services.claim_transition(
        claim_id=claim.pk, action="request_materials", actor=Actor.staff(UserFactory(role="counter")), reason="补交"
    )
    page = auditor().get(f"/admin/reimbursements/claim/{claim.pk}/history/").content.decode()
    text = visible(page.split('id="change-history"')[1])
    assert f"尚缺材料：{'、'.join(names[item] for item in items)}" in text
    assert "→" not in text.split("尚缺材料：")[1].split("\n")[0]
    assert not any(re.search(rf"\b{item}\b", text) for item in items)


def test_a_yes_or_no_reads_as_是_or_否():
    from accounts.history import describe_changes
    from filings.models import Filing

    shown = str(describe_changes(Filing, {"proxy_authorization": False, "consent": True}))
    assert "：否" in shown and "：是" in shown and "False" not in shown and "True" not in shown
