"""Every factory makes a row the model and the database accept, twice over (no collisions with seeded data)."""

import pytest

from filings.selectors import filing_policy_in_force, in_province_city_needs_filing
from reimbursements.selectors import claim_requirements
from tests import factories

pytestmark = pytest.mark.django_db

SIMPLE = [
    factories.PersonFactory,
    factories.InstitutionFactory,
    factories.FilingFactory,
    factories.RegionFactory,
    factories.ChannelFactory,
    factories.HolidayFactory,
    factories.FilingMaterialFactory,
    factories.FilingPolicyFactory,
    factories.FilingMaterialRequirementFactory,
    factories.InProvinceFilingCityFactory,
    factories.BenefitPolicyFactory,
    factories.ClaimPolicyFactory,
    factories.ClaimMaterialRequirementFactory,
    factories.ClaimMaterialFactory,
]


@pytest.mark.parametrize("factory", SIMPLE, ids=lambda f: f.__name__)
def test_factory_rows_are_valid_and_distinct(factory):
    first, second = factory(), factory()
    for row in (first, second):
        row.refresh_from_db()  # a policy row ends when the next of its timeline starts
        row.full_clean()
    assert first.pk != second.pk


def test_region_factory_makes_new_cities_under_an_existing_province():
    city = factories.RegionFactory()
    assert (city.level, city.parent_id) == ("city", "310000")
    assert city.code not in {"310000", "310100"}


def test_filing_material_factory_stores_a_pdf():
    material = factories.FilingMaterialFactory()
    assert material.file.read() == factories.PDF
    assert material.filing.state == "submitted"


def test_policy_factories_take_effect_after_the_seeded_rows():
    policy = factories.FilingPolicyFactory(long_term_min_holding_months=3)
    assert filing_policy_in_force() == policy
    factories.InProvinceFilingCityFactory(city_id="350500")
    assert in_province_city_needs_filing(city_code="350500")
    extra = factories.ClaimMaterialRequirementFactory(claim_kind="outpatient")
    assert extra in claim_requirements(claim_kind="outpatient")


@pytest.mark.parametrize("state", ["submitted", "materials_incomplete", "under_review", "approved", "paid", "rejected"])
def test_claim_factory_walks_the_claim_to_the_state_asked_for(state):
    claim = factories.ClaimFactory(state=state)
    assert claim.state == state
    assert claim.reference.startswith("BX")
    assert list(claim.materials.values_list("item", flat=True)) == [
        "hospital_invoice",
        "expense_list",
        "discharge_summary",
        "id_copy",
    ]
    assert claim.events.first().action == "submit"
    if state in ("approved", "paid"):
        assert claim.payable_amount is not None


def test_claim_factory_takes_body_fields_and_builds_without_saving():
    claim = factories.ClaimFactory(claim_kind="outpatient", city="440100", total_amount="900.00", excluded_amount=0)
    assert (claim.claim_kind, claim.city_id) == ("outpatient", "440100")
    assert claim.materials.filter(item="prescription").exists()
    unsaved = factories.ClaimFactory.build()
    assert unsaved.pk is None and unsaved.city_id == "310100"
