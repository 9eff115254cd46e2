"""Pages read as the bureau's staff read: Chinese names, one date format, no dead links, no English 403."""

import pytest
from django.test import Client

from accounts.choices import Role
from registry.models import Region
from tests.factories import ClaimFactory, FilingFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def as_role(role) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def test_the_province_and_the_city_of_one_name_read_differently():
    province, city = Region.objects.get(code="310000"), Region.objects.get(code="310100")
    assert province.name == city.name == "上海市"
    assert str(province) == "上海市（省·310000）" and str(city) == "上海市（市·310100）"


def test_checklist_rows_show_the_items_name_and_status_not_codes():
    claim = ClaimFactory()
    material = claim.materials.first()
    assert str(material) == f"{material.name}（未提交）"
    html = as_role(Role.COUNTER).get(f"/admin/reimbursements/claim/{claim.pk}/change/").content.decode()
    assert f"{claim.pk}:{material.item}" not in html


def test_the_header_has_no_link_to_a_public_site_and_the_person_list_says_full_name():
    PersonFactory()
    html = as_role(Role.COUNTER).get("/admin/registry/person/").content.decode()
    assert "查看站点" not in html
    assert "姓名" in html


def test_dates_read_in_one_format():
    filing = FilingFactory()
    html = as_role(Role.AUDITOR).get(f"/admin/filings/filing/{filing.pk}/change/").content.decode()
    start = filing.start_date
    assert f"{start.year}年{start.month}月{start.day}日" in html
    assert start.isoformat() not in html


def test_a_refusal_page_is_in_chinese():
    response = as_role(Role.COUNTER).get("/admin/auth/group/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权" in html and "Forbidden" not in html
