"""A claim's bank account and proxy ID number: masked for every reader, in full only through a logged reveal,
the bank account only for the roles that pay (SPEC §6; issue 23, item 1)."""

import pytest
from django.test import Client

from accounts.choices import Role
from registry.models import PersonDataAccess
from tests.factories import ClaimFactory, PersonFactory, UserFactory, valid_id_number

pytestmark = pytest.mark.django_db

ACCOUNT = "6216610000001234560"  # passes Luhn, as a real card does
PROXY = valid_id_number(77)


@pytest.fixture
def claim():
    return ClaimFactory(
        person=PersonFactory(name="赵六"),
        bank_name="中国银行",
        bank_account=ACCOUNT,
        account_holder="赵六",
        proxy_name="赵七",
        proxy_id_number=PROXY,
        proxy_relationship="子女",
    )


def url(claim) -> str:
    return f"/api/v1/claims/{claim.reference}/"


@pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN])
def test_every_staff_role_reads_both_numbers_masked(client_for, claim, role):
    body = client_for(role=role).get(url(claim)).json()
    assert body["bank_account"] == "*" * 15 + "4560"
    assert body["proxy_id_number"] == PROXY[:6] + "*" * 8 + PROXY[-4:]
    assert PersonDataAccess.objects.count() == 0


def test_the_claimant_reads_them_masked_too_and_may_not_reveal(client_for, claim):
    client = client_for(person=claim.person)
    assert client.get(url(claim)).json()["bank_account"].endswith("*4560")
    refused = client.get(url(claim), {"reveal": "bank_account", "purpose": "payment_check"})
    assert refused.status_code == 403
    assert PersonDataAccess.objects.count() == 0


def test_the_paying_role_reveals_the_bank_account_for_a_payment_check(client_for, claim):
    response = client_for(role=Role.ADMIN).get(url(claim), {"reveal": "bank_account", "purpose": "payment_check"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["bank_account"] == ACCOUNT
    assert body["proxy_id_number"] != PROXY  # only what was asked for
    assert "no-store" in response["Cache-Control"]
    access = PersonDataAccess.objects.get()
    assert (access.person_id, access.field, access.record, access.purpose) == (
        claim.person_id,
        "bank_account",
        claim.reference,
        "payment_check",
    )


@pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER, Role.AUDITOR])
def test_roles_that_do_not_pay_may_not_reveal_the_bank_account(client_for, claim, role):
    response = client_for(role=role).get(url(claim), {"reveal": "bank_account,proxy_id_number", "purpose": "audit"})
    assert response.status_code == 403
    assert response.json()["code"] == "action_not_allowed"
    assert ACCOUNT not in response.content.decode() and PROXY not in response.content.decode()
    assert PersonDataAccess.objects.count() == 0  # nothing half-recorded


def test_a_clerk_reveals_the_proxy_id_number_with_a_purpose(client_for, claim):
    response = client_for(role=Role.COUNTER).get(url(claim), {"reveal": "proxy_id_number", "purpose": "counter_check"})
    assert response.status_code == 200
    assert response.json()["proxy_id_number"] == PROXY
    assert list(PersonDataAccess.objects.values_list("field", "record")) == [("proxy_id_number", claim.reference)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"reveal": "bank_account", "purpose": "other", "reason": "看看"}, "reason"),
        ({"reveal": "bank_account", "purpose": "curiosity"}, "purpose"),
        ({"reveal": "id_number", "purpose": "audit"}, "reveal"),
        ({"purpose": "payment_check"}, "reveal"),
    ],
)
def test_a_bad_reveal_names_the_field_and_records_nothing(client_for, claim, params, field):
    response = client_for(role=Role.ADMIN).get(url(claim), params)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert PersonDataAccess.objects.count() == 0


# --- the admin --------------------------------------------------------------------------------


def admin_as(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def page(claim) -> str:
    return f"/admin/reimbursements/claim/{claim.pk}/"


def test_the_claim_page_masks_both_numbers_and_offers_the_reveal_by_role(claim):
    for role, offered in [(Role.ADMIN, True), (Role.REVIEWER, True), (Role.AUDITOR, True)]:
        html = admin_as(role).get(page(claim) + "change/").content.decode()
        assert ACCOUNT not in html and PROXY not in html and "4560" in html
        assert (page(claim) + "reveal/" in html) is offered
    form = admin_as(Role.REVIEWER).get(page(claim) + "reveal/")
    choices = [value for value, _label in form.context["form"].fields["fields"].choices]
    assert choices == ["proxy_id_number"]  # a reviewer does not pay


def test_a_bank_account_reveal_in_the_admin_is_recorded_and_shown_once(claim):
    client = admin_as(Role.ADMIN)
    form = client.get(page(claim) + "reveal/")
    assert ACCOUNT not in form.content.decode()
    token = form.context["form"]["token"].value()
    data = {"fields": ["bank_account"], "purpose": "payment_check", "reason": "", "token": token}
    shown = client.post(page(claim) + "reveal/", data)
    assert ACCOUNT in shown.content.decode() and PROXY not in shown.content.decode()
    assert PersonDataAccess.objects.filter(field="bank_account", record=claim.reference).count() == 1
    again = client.post(page(claim) + "reveal/", data)  # a refresh posts the used token
    assert again.status_code == 302
    assert PersonDataAccess.objects.count() == 1


def test_a_reviewer_posting_bank_account_is_refused(claim):
    client = admin_as(Role.REVIEWER)
    token = client.get(page(claim) + "reveal/").context["form"]["token"].value()
    data = {"fields": ["bank_account"], "purpose": "payment_check", "reason": "", "token": token}
    response = client.post(page(claim) + "reveal/", data)
    assert response.status_code == 200  # the form refuses a choice it did not offer
    assert "fields" in response.context["form"].errors
    assert ACCOUNT not in response.content.decode()
    assert PersonDataAccess.objects.count() == 0
