"""The counter's steps in the admin: file and claim for a person from their page, make a claim with its
invoices, resubmit after 补正, record documents, change a filing; errors shown all at once, in words."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from filings.models import Filing, FilingMaterial
from reimbursements import services as claim_services
from reimbursements.models import Claim, ClaimInvoice
from tests.factories import (
    PDF,
    ClaimFactory,
    FilingFactory,
    PersonFactory,
    UserFactory,
    claim_accept_all,
    claim_deliver_all,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def counter() -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.COUNTER))
    return client


def claim_form(person, **overrides) -> dict:
    today = timezone.localdate()
    admitted, discharged = today - datetime.timedelta(days=20), today - datetime.timedelta(days=10)
    form = {
        "person": person.pk,
        "claim_kind": "inpatient",
        "reason": "settlement_failed",
        "institution_name": "上海某三级医院",
        "institution_level": "3",
        "city": "310100",
        "admission_date": admitted.isoformat(),
        "discharge_date": discharged.isoformat(),
        "total_amount": "10000.00",
        "excluded_amount": "500.00",
        "invoices-TOTAL_FORMS": "3",
        "invoices-INITIAL_FORMS": "0",
        "invoices-MIN_NUM_FORMS": "1",
        "invoices-MAX_NUM_FORMS": "1000",
        "invoices-0-code": "31000026",
        "invoices-0-number": "SH0001",
        "invoices-0-amount": "6000.00",
        "invoices-0-issued_on": discharged.isoformat(),
        "invoices-1-code": "31000026",
        "invoices-1-number": "SH0002",
        "invoices-1-amount": "4000.00",
        "invoices-1-issued_on": discharged.isoformat(),
    }
    form.update(overrides)
    return form


def test_the_person_page_links_their_records_and_offers_to_file_and_claim(counter):
    person = PersonFactory()
    filing, claim = FilingFactory(person=person), ClaimFactory(person=person)
    html = counter.get(f"/admin/registry/person/{person.pk}/change/").content.decode()
    assert f"/admin/filings/filing/add/?person={person.pk}" in html
    assert f"/admin/reimbursements/claim/add/?person={person.pk}" in html
    assert f"/admin/filings/filing/{filing.pk}/change/" in html and filing.reference in html
    assert f"/admin/reimbursements/claim/{claim.pk}/change/" in html and claim.reference in html


def test_filing_for_a_person_starts_with_that_person_chosen(counter):
    person = PersonFactory()
    form = counter.get(f"/admin/filings/filing/add/?person={person.pk}").context["adminform"].form
    assert str(form["person"].value()) == str(person.pk)


def test_the_counter_makes_a_claim_with_its_invoices_and_materials_received(counter):
    person = PersonFactory()
    response = counter.post(
        f"/admin/reimbursements/claim/add/?person={person.pk}", claim_form(person, received_all="on")
    )
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/reimbursements/claim/{claim.pk}/change/"
    assert (claim.person, claim.channel_id, claim.state, claim.total_amount) == (person, "counter", "submitted", 10000)
    assert sorted(ClaimInvoice.objects.values_list("number", flat=True)) == ["SH0001", "SH0002"]
    assert claim.materials.exists() and set(claim.materials.values_list("status", flat=True)) == {"received"}
    assert claim.events.get().actor_label.startswith("staff:")


def test_every_error_of_a_claim_comes_at_once_and_nothing_is_written(counter):
    person = PersonFactory()
    today = timezone.localdate()
    response = counter.post(
        "/admin/reimbursements/claim/add/",
        claim_form(
            person,
            total_amount="abc",  # a shape error
            discharge_date=(today - datetime.timedelta(days=30)).isoformat(),  # before the admission: a rule error
            institution_name="",  # the services want a name or a catalogue institution
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"total_amount", "discharge_date", "institution_name"} <= set(errors), errors
    assert not Claim.objects.exists()
    said = " ".join(str(message) for messages in errors.values() for message in messages)
    assert "discharge_date" not in said and "admission_date" not in said  # field names, never codes


def test_invoices_that_do_not_add_up_are_said_beside_the_invoices(counter):
    person = PersonFactory()
    response = counter.post("/admin/reimbursements/claim/add/", claim_form(person, **{"invoices-1-amount": "3000.00"}))
    assert response.status_code == 200 and response.context["invoices"].non_form_errors()
    assert not Claim.objects.exists()


def test_the_reviewer_may_not_make_a_claim(counter):
    reviewer = Client()
    reviewer.force_login(UserFactory(role=Role.REVIEWER))
    assert reviewer.get("/admin/reimbursements/claim/add/").status_code == 403


def test_the_counter_resubmits_a_claim_after_corrections(counter):
    claim = ClaimFactory(state="materials_incomplete")
    claim_deliver_all(claim)
    response = counter.post(f"/admin/reimbursements/claim/{claim.pk}/do/submit/", {"reason": "补齐出院小结"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == "submitted"


def test_the_counter_uploads_a_filing_document_and_a_wrong_file_is_named(counter):
    filing = FilingFactory(state="submitted", proof_basis="documents", documents=False, effective_at=None)
    url = f"/admin/filings/filing/{filing.pk}/do/upload/"
    item = counter.get(url).context["form"].fields["item"].choices[0][0]
    bad = counter.post(url, {"item": item, "file": SimpleUploadedFile("a.pdf", b"plain text", "application/pdf")})
    assert bad.status_code == 200 and "file" in bad.context["form"].errors
    assert not FilingMaterial.objects.exists()
    good = counter.post(url, {"item": item, "file": SimpleUploadedFile("scan.png", PNG, "image/png")})
    assert good.status_code == 302
    assert FilingMaterial.objects.get().item == item


def test_the_counter_records_a_claim_document_as_accepted(counter):
    claim = ClaimFactory(state="submitted")
    material = claim.materials.first()
    response = counter.post(
        f"/admin/reimbursements/claim/{claim.pk}/do/upload/",
        {"item": material.item, "status": "accepted", "file": SimpleUploadedFile("x.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.status == "accepted" and material.file


def test_the_counter_changes_a_filing_and_the_old_one_is_kept_as_changed(counter):
    filing = FilingFactory()
    url = f"/admin/filings/filing/{filing.pk}/do/change/"
    unchanged = {
        "destination": filing.destination_id,
        "end_date": filing.end_date.isoformat(),
        "contact_name": filing.contact_name,
    }
    nothing = counter.post(url, unchanged)
    assert nothing.status_code == 200 and nothing.context["form"].non_field_errors()
    response = counter.post(url, {**unchanged, "destination": "440000", "reason": "换城市"})
    assert response.status_code == 302, response.context["form"].errors
    filing.refresh_from_db()
    new = Filing.objects.get(replaces=filing)
    assert (filing.state, new.destination_id, new.state) == ("changed", "440000", "effective")


def test_a_live_filing_is_named_with_a_link_when_the_counter_files_again(counter):
    person = PersonFactory()
    live = FilingFactory(person=person)
    from tests.filings.test_filing_admin import counter_form

    response = counter.post("/admin/filings/filing/add/", counter_form(person))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/admin/filings/filing/{live.pk}/change/"' in html and live.reference in html


def test_the_materials_request_form_starts_with_the_missing_items_by_name(counter):
    claim = ClaimFactory()
    claim_accept_all(claim)
    item = claim.materials.filter(required=True).first()
    clerk = UserFactory(role="counter").actor
    claim_services.claim_material_update(
        claim_id=claim.pk, item=item.item, actor=clerk, status="rejected", reason="模糊"
    )
    page = counter.get(f"/admin/reimbursements/claim/{claim.pk}/do/request_materials/")
    assert page.status_code == 200
    assert page.context["form"].fields["reason"].initial == f"请补正以下材料：{item.name}。"
    assert item.name in page.content.decode()
