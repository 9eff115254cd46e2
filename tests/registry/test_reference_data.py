"""Regions, institutions and material requirements as the frontends read them."""

import pytest

from filings.models import FilingMaterialRequirement
from registry.models import Region
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_regions_hold_34_provinces_and_every_prefecture(auditor):
    assert Region.objects.filter(level="province").count() == 34
    assert 330 <= Region.objects.filter(level="city").count() <= 345
    for code in ("110100", "120100", "310100", "500100"):  # municipalities' GB/T 2260 city rows
        assert Region.objects.get(code=code).parent_id == code[:2] + "0000"


def test_fujian_lists_its_nine_cities(client_for):
    response = client_for(channel="xm_wechat").get("/api/v1/regions/", {"parent": "350000"})
    assert response.status_code == 200
    codes = [r["code"] for r in response.json()["results"]]
    assert codes == [f"350{n}00" for n in range(1, 10)]
    assert response.json()["results"][1] == {"code": "350200", "name": "厦门市", "level": "city", "parent": "350000"}


def test_institutions_filter_by_city_level_and_direct_settlement(client_for):
    a = InstitutionFactory(city_id="310100", level=3, settles_inpatient=True, settles_chronic_outpatient=True)
    b = InstitutionFactory(city_id="310100", level=2, settles_inpatient=True, settles_chronic_outpatient=False)
    c = InstitutionFactory(city_id="440100", level=3, settles_inpatient=False, settles_outpatient=False)
    client = client_for(channel="xm_wechat")

    def codes(**params):
        return {i["code"] for i in client.get("/api/v1/institutions/", params).json()["results"]}

    assert codes(city="310100") == {a.code, b.code}
    assert codes(level=3) == {a.code, c.code}
    assert codes(direct_settlement="inpatient") == {a.code, b.code}
    assert codes(direct_settlement="chronic_outpatient", city="310100") == {a.code}
    body = client.get(f"/api/v1/institutions/{a.code}/").json()
    assert body["direct_settlement"] == {"inpatient": True, "outpatient": True, "chronic_outpatient": True}
    bad = client.get("/api/v1/institutions/", {"direct_settlement": "dental"})
    assert bad.status_code == 400
    assert "direct_settlement" in bad.json()["errors"]


def test_institution_code_must_be_h_and_11_digits():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        InstitutionFactory.build(code="H3101000001").full_clean()
    InstitutionFactory.build(code="H31010000001").full_clean()


def test_requirements_list_the_checklist_for_a_filing_type(client_for):
    response = client_for(channel="nhsa_app").get("/api/v1/requirements/", {"filing_type": "retiree_resettled"})
    assert response.status_code == 200
    items = {i["item"]: i for i in response.json()["items"]}
    assert set(items) == {"registration_form", "household_proof"}
    assert items["household_proof"]["commitment_may_replace"] is True
    assert items["registration_form"]["commitment_may_replace"] is False


def test_requirements_follow_the_policy_table(client_for):
    FilingMaterialRequirement.objects.filter(filing_type="other_temporary").update(effective_to="2001-01-01")
    response = client_for(channel="nhsa_app").get("/api/v1/requirements/", {"filing_type": "other_temporary"})
    assert response.json()["items"] == []


def test_requirements_without_a_known_type_name_the_parameter(client_for):
    response = client_for(channel="nhsa_app").get("/api/v1/requirements/", {"filing_type": "holiday"})
    assert response.status_code == 400
    assert "filing_type" in response.json()["errors"]
