"""The admin: each role sees what it may; auditors read only; only admins edit policy."""

import pytest

from accounts.choices import Role
from filings.models import FilingPolicy
from registry.models import Person
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(client):
    def login(role):
        user = UserFactory(role=role)
        client.force_login(user)
        return client

    return login


def test_auditor_reads_persons_but_cannot_add_or_change(admin_client_for):
    person = PersonFactory()
    client = admin_client_for(Role.AUDITOR)
    assert client.get("/admin/registry/person/").status_code == 200
    assert client.get("/admin/registry/person/add/").status_code == 403
    page = client.get(f"/admin/registry/person/{person.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # read-only view
    assert client.post(f"/admin/registry/person/{person.pk}/change/", {"name": "x"}).status_code == 403


def test_counter_adds_a_person_through_the_same_rules(admin_client_for):
    client = admin_client_for(Role.COUNTER)
    form = {
        "id_number": "11010519491231002x",
        "name": "王五",
        "insurance_type": "employee",
        "social_security_card": "",
        "phone": "13906001234",
        "insured_region": "350200",
        "insured_status": "active",
    }
    assert client.post("/admin/registry/person/add/", form).status_code == 302
    assert Person.objects.get().id_number == "11010519491231002X"
    bad = client.post("/admin/registry/person/add/", {**form, "id_number": "110105194912310021"})
    assert bad.status_code == 200 and Person.objects.count() == 1
    assert "校验" in bad.content.decode() or "check digit" in bad.content.decode()


@pytest.mark.parametrize(
    "role, can_change", [(Role.COUNTER, False), (Role.REVIEWER, False), (Role.AUDITOR, False), (Role.ADMIN, True)]
)
def test_only_admins_change_policy_tables(admin_client_for, role, can_change):
    policy = FilingPolicy.objects.get()
    client = admin_client_for(role)
    assert client.get("/admin/filings/filingpolicy/").status_code == 200
    page = client.get(f"/admin/filings/filingpolicy/{policy.pk}/change/").content.decode()
    assert ('name="_save"' in page) is can_change
