"""What every registered admin obeys: a list page takes only the filters it offers; a history page never writes."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from simple_history.admin import SimpleHistoryAdmin

from registry.masking import PERSONAL_FIELDS
from reimbursements.models import PoolUsageElsewhere
from tests.factories import (
    BenefitPoolFactory,
    ChronicQualificationFactory,
    ClaimFactory,
    FilingFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LOOKUPS = ("", "__exact", "__startswith", "__istartswith", "__contains", "__icontains", "__regex", "__in", "__gt")


def personal_paths(model, depth: int = 2, prefix: str = "") -> list[str]:
    """Every path from ``model`` to a personal field: its own, and through forward relations (two hops)."""
    paths = []
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False):
            continue
        if field.name in PERSONAL_FIELDS:
            paths.append(prefix + field.name)
        elif depth and isinstance(field, (models.ForeignKey, models.OneToOneField)) and field.related_model:
            paths += personal_paths(field.related_model, depth - 1, f"{prefix}{field.name}__")
    return paths


ADMINS = sorted(
    ((model, model_admin) for model, model_admin in admin.site._registry.items()),
    key=lambda pair: pair[0]._meta.label,
)
WALK = [
    pytest.param(model, path, id=f"{model._meta.label_lower}:{path}")
    for model, _ in ADMINS
    for path in personal_paths(model)
]


def test_the_walk_covers_the_models_holding_personal_numbers():
    labels = {model._meta.label_lower for model, _path in (p.values for p in WALK)}
    assert {"registry.person", "filings.filing", "reimbursements.claim", "reimbursements.poolusageelsewhere"} <= labels
    assert len(WALK) >= 20


@pytest.fixture
def staff():
    client = Client()
    client.force_login(UserFactory(role="admin"))  # the widest view: every list page of the domain
    return client


@pytest.fixture
def records():
    person = PersonFactory(id_number="350203195603120312", phone="13906001234")
    FilingFactory(person=person)
    ClaimFactory(person=person, bank_account="6216610000001234567")
    return person


@pytest.mark.parametrize(("model", "path"), WALK)
def test_a_lookup_on_a_personal_field_is_refused_with_400(staff, records, model, path):
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    for lookup in LOOKUPS:
        value = "3502,1390" if lookup == "__in" else "3502"
        response = staff.get(url, {path + lookup: value})
        assert response.status_code == 400, (path + lookup, response.status_code)
        body = response.content.decode()
        assert "350203" not in body and "13906" not in body and "621661" not in body
        assert "请使用本页提供的筛选和搜索" in body  # the bureau's own page, in Chinese


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[m._meta.label_lower for m, _ in ADMINS])
def test_every_admin_takes_only_its_offered_lookups(model, model_admin):
    """One rule for every registered admin, the packages' included."""
    assert model_admin.lookup_allowed("pk__regex", "1", None) is False
    assert model_admin.lookup_allowed("id__gt", "0", None) is False


def test_the_offered_filters_still_work(staff, records):
    response = staff.get("/admin/reimbursements/claim/", {"state__exact": "submitted"})
    assert response.status_code == 200 and b"BX" in response.content
    response = staff.get("/admin/filings/filing/", {"state__exact": "effective"})
    assert response.status_code == 200


def test_a_personal_number_is_searched_whole(staff, records):
    found = staff.get("/admin/registry/person/", {"q": "350203195603120312"})
    partial = staff.get("/admin/registry/person/", {"q": "3502031956"})
    assert "1 个" in found.content.decode() or "350203********0312" in found.content.decode()
    assert "350203********0312" not in partial.content.decode()


# --- a history page never writes ------------------------------------------------------------------------

HISTORY_ADMINS = [
    pytest.param(model, id=model._meta.label_lower)
    for model, model_admin in ADMINS
    if isinstance(model_admin, SimpleHistoryAdmin)
]


def test_the_history_walk_covers_the_money_records():
    labels = {p.values[0]._meta.label_lower for p in HISTORY_ADMINS}
    assert {"reimbursements.poolusageelsewhere", "reimbursements.benefitpool", "registry.insuredperiod"} <= labels


@pytest.mark.parametrize("model", HISTORY_ADMINS)
@pytest.mark.parametrize("role", ["counter", "reviewer", "auditor", "admin"])
def test_posting_a_past_version_is_refused_for_every_role(model, role):
    """django-simple-history would save the posted form, checking only the view permission."""
    record = HISTORY_RECORDS[model._meta.label_lower]()
    version = record.history.order_by("-history_id").first()
    client = Client()
    client.force_login(UserFactory(role=role))
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{record.pk}/history/{version.history_id}/"
    before = {f.attname: getattr(record, f.attname) for f in model._meta.concrete_fields}
    response = client.post(url, {"_save": "1", "source": "改写", "name": "改写", "fund_paid": "1"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert {f.attname: getattr(record, f.attname) for f in model._meta.concrete_fields} == before


def _pool_usage():
    return PoolUsageElsewhere.objects.create(
        person=PersonFactory(), year=2026, pool_id="fund", fund_paid=Decimal("1000"), source="平台A"
    )


def _material():
    claim = ClaimFactory()
    material = claim.materials.first()
    material.status = "received"
    material.save()
    return material


HISTORY_RECORDS = {
    "reimbursements.poolusageelsewhere": _pool_usage,
    "reimbursements.benefitpool": lambda: BenefitPoolFactory(code="hospice"),
    "registry.insuredperiod": lambda: PersonFactory().insured_periods.first(),
    "registry.chronicqualification": lambda: ChronicQualificationFactory(),
    "registry.person": lambda: PersonFactory(),
    "reimbursements.claimmaterial": _material,
}
