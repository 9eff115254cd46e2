"""The counter's desk (issue 25): the materials panel atop a claim, the filing form by type, the claim
form's city picker and invoices, and the counter's own open work on the index."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from filings import services as filing_services
from filings.models import Filing, FilingMaterial
from reimbursements.models import Claim, ClaimMaterial
from tests.desks.test_counter_steps import claim_form
from tests.factories import (
    PDF,
    ClaimFactory,
    FilingFactory,
    FilingRequestFactory,
    PersonFactory,
    UserFactory,
)
from tests.filings.test_filing_admin import counter_form

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clerk():
    return UserFactory(role=Role.COUNTER)


@pytest.fixture
def counter(clerk) -> Client:
    return login(clerk)


def change_url(claim) -> str:
    return f"/admin/reimbursements/claim/{claim.pk}/change/"


def panel_url(claim, item: str) -> str:
    return f"/admin/reimbursements/claim/{claim.pk}/materials/{item}/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the materials panel ------------------------------------------------------------------------------


def test_the_panel_counts_required_received_accepted_and_names_the_missing(counter):
    claim = ClaimFactory()
    required = list(claim.materials.filter(required=True).order_by("sort_order"))
    assert len(required) >= 3
    first, second = required[0], required[1]
    ClaimMaterial.objects.filter(pk=first.pk).update(status="accepted")
    ClaimMaterial.objects.filter(pk=second.pk).update(status="received")
    panel = counter.get(change_url(claim)).context["materials_panel"]
    summary = panel["summary"]
    assert (summary.required, summary.received, summary.accepted) == (len(required), 2, 1)
    assert summary.missing == [m.name for m in required[2:]]
    assert panel["editable"] and [row["material"].item for row in panel["rows"]][:2] == [first.item, second.item]
    html = counter.get(change_url(claim)).content.decode()
    assert html.index('id="materials-panel"') < html.index('id="claim_form"')  # atop the page, before the record
    assert "materials-TOTAL_FORMS" not in html  # the old inline is gone


def test_the_panel_offers_only_steps_up(counter):
    claim = ClaimFactory()
    material = claim.materials.filter(required=True).first()
    ClaimMaterial.objects.filter(pk=material.pk).update(status="accepted")
    rows = {row["material"].item: row for row in counter.get(change_url(claim)).context["materials_panel"]["rows"]}
    assert rows[material.item]["steps"] == []
    others = [row for item, row in rows.items() if item != material.item]
    assert all([step for step, _label in row["steps"]] == ["received", "accepted"] for row in others)


def test_a_tick_on_the_panel_goes_through_the_service_and_comes_back_to_the_claim(counter, clerk):
    claim = ClaimFactory()
    material = claim.materials.first()
    response = counter.post(panel_url(claim, material.item), {"status": "received"})
    assert response.status_code == 302 and response["Location"] == change_url(claim) + "#materials-panel"
    material.refresh_from_db()
    assert (material.status, material.changed_by) == ("received", clerk)
    assert material.history.count() == 2  # the service's history row, as through the API
    page = counter.get(response["Location"])
    assert any(material.name in said and "已收取" in said for said in messages_of(page))


def test_the_panel_never_takes_an_item_back(counter):
    claim = ClaimFactory()
    material = claim.materials.first()
    counter.post(panel_url(claim, material.item), {"status": "accepted"})
    refused = counter.post(panel_url(claim, material.item), {"status": "received"}, follow=True)
    material.refresh_from_db()
    assert material.status == "accepted"
    assert any("已受理" in said for said in messages_of(refused))
    # A scan for an accepted item keeps it accepted (the service never lowers on an upload).
    scan = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    counter.post(panel_url(claim, material.item), {"status": "", "file": scan})
    material.refresh_from_db()
    assert material.status == "accepted" and material.file and material.files_uploaded == 1


def test_a_scan_attached_on_the_panel_makes_a_missing_item_received(counter):
    claim = ClaimFactory()
    material = claim.materials.first()
    scan = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    response = counter.post(panel_url(claim, material.item), {"status": "", "file": scan})
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.status == "received" and material.content_type == "application/pdf"
    rows = counter.get(change_url(claim)).context["materials_panel"]["rows"]
    row = next(row for row in rows if row["material"].pk == material.pk)
    assert f"/admin/reimbursements/claim/{claim.pk}/document/{material.pk}/" in row["file"]


def test_a_wrong_file_or_an_empty_post_is_said_and_nothing_changes(counter):
    claim = ClaimFactory()
    material = claim.materials.first()
    bad = SimpleUploadedFile("a.pdf", b"plain text", "application/pdf")
    said = messages_of(counter.post(panel_url(claim, material.item), {"status": "", "file": bad}, follow=True))
    said += messages_of(counter.post(panel_url(claim, material.item), {"status": ""}, follow=True))
    material.refresh_from_db()
    assert material.status == "missing" and not material.file
    assert len(said) == 2 and all(material.name in message for message in said)


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.AUDITOR])
def test_other_roles_read_the_panel_and_may_not_post_to_it(role):
    claim = ClaimFactory()
    material = claim.materials.first()
    client = login(UserFactory(role=role))
    page = client.get(change_url(claim))
    assert page.status_code == 200
    panel = page.context["materials_panel"]
    assert not panel["editable"] and all(row["steps"] == [] for row in panel["rows"])
    assert 'class="material-form"' not in page.content.decode()
    assert client.post(panel_url(claim, material.item), {"status": "accepted"}).status_code == 403
    material.refresh_from_db()
    assert material.status == "missing"


def test_a_decided_claims_panel_is_read_only(counter):
    claim = ClaimFactory(state="approved")
    material = claim.materials.first()
    assert not counter.get(change_url(claim)).context["materials_panel"]["editable"]
    assert counter.post(panel_url(claim, material.item), {"status": "rejected", "reason": "x"}).status_code == 403
    assert counter.get(panel_url(claim, material.item)).status_code == 405


def test_materials_request_then_panel_then_resubmission(counter):
    """补正 to resubmission from the claim's page: refused while a required item has nothing, then taken."""
    claim = ClaimFactory()
    missing, *others = claim.materials.filter(required=True).order_by("sort_order")
    for material in others:
        counter.post(panel_url(claim, material.item), {"status": "accepted"})
    counter.post(panel_url(claim, missing.item), {"status": "received"})
    counter.post(panel_url(claim, missing.item), {"status": "rejected", "reason": "模糊不清"})
    missing.refresh_from_db()
    assert (missing.status, missing.status_reason) == ("rejected", "模糊不清")
    request = counter.post(
        f"/admin/reimbursements/claim/{claim.pk}/do/request_materials/", {"reason": "请补交清晰的材料"}
    )
    assert request.status_code == 302
    claim.refresh_from_db()
    assert claim.state == "materials_incomplete"
    early = counter.post(f"/admin/reimbursements/claim/{claim.pk}/do/submit/", {"reason": ""})
    assert early.status_code == 200 and Claim.objects.get(pk=claim.pk).state == "materials_incomplete"
    scan = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
    counter.post(panel_url(claim, missing.item), {"status": "", "file": scan})
    assert counter.post(f"/admin/reimbursements/claim/{claim.pk}/do/submit/", {"reason": ""}).status_code == 302
    claim.refresh_from_db()
    missing.refresh_from_db()
    assert (claim.state, missing.status) == ("submitted", "received")


# --- the claim form -----------------------------------------------------------------------------------


def test_the_claim_form_offers_cities_only(counter):
    form = counter.get("/admin/reimbursements/claim/add/").context["form"]
    levels = set(form.fields["city"].queryset.values_list("level", flat=True))
    assert levels == {"city"}
    # The autocomplete behind the picker answers cities only, never the province of the same name.
    answer = counter.get(
        "/admin/autocomplete/",
        {"app_label": "reimbursements", "model_name": "claim", "field_name": "city", "term": "上海"},
    ).json()
    assert [r["id"] for r in answer["results"]] == ["310100"]
    person = PersonFactory()
    province = counter.post("/admin/reimbursements/claim/add/", claim_form(person, city="310000"))
    assert province.status_code == 200 and "city" in province.context["form"].errors
    assert not Claim.objects.exists()


def test_the_claim_form_starts_with_one_invoice_row_and_marks_required_fields(counter):
    page = counter.get("/admin/reimbursements/claim/add/")
    assert len(page.context["invoices"].forms) == 1
    html = page.content.decode()
    assert 'id="add-invoice"' in html and 'id="invoice-empty-row"' in html
    assert "reimbursements/invoice_rows.js" in html and "<script>" not in html.replace("<script src", "")
    for name in ("person", "claim_kind", "city", "admission_date", "total_amount"):
        assert f'<label for="id_{name}" class="required">' in html, name


def test_rows_added_in_the_browser_are_taken(counter):
    person = PersonFactory()
    form = claim_form(person, **{"invoices-TOTAL_FORMS": "4"})  # two filled, two added and left blank
    response = counter.post("/admin/reimbursements/claim/add/", form)
    assert response.status_code == 302
    assert Claim.objects.get().invoices.count() == 2


def test_a_claim_without_an_invoice_says_so_in_words(counter):
    person = PersonFactory()
    form = claim_form(person, **{"invoices-TOTAL_FORMS": "1"})
    for name in ("code", "number", "amount", "issued_on"):
        form[f"invoices-0-{name}"] = ""
    response = counter.post("/admin/reimbursements/claim/add/", form)
    assert response.status_code == 200 and not Claim.objects.exists()
    html = response.content.decode()
    assert "请至少填写一张票据" in html
    assert "请更正：票据" in html
    assert "Please submit" not in html and "请提交" not in html and "下面的错误" not in html


# --- the filing form by type --------------------------------------------------------------------------


def test_the_filing_form_starts_valid_with_the_persons_contact(counter):
    person = PersonFactory(name="陈七", phone="13906009999")
    form = counter.get(f"/admin/filings/filing/add/?person={person.pk}").context["adminform"].form
    assert form["filing_type"].value() == "other_temporary"
    assert form["start_date"].value() == timezone.localdate()
    assert form["contact_name"].value() == "陈七"
    # The phone is the person's by default, shown masked (a full number on a page would be a reveal).
    assert not form["contact_phone"].value() and not form.fields["contact_phone"].required
    assert form.fields["contact_phone"].widget.attrs["placeholder"] == "139****9999"
    shown = json.loads(form.fields["filing_type"].widget.attrs["data-type-fields"])
    assert shown["referral_diagnosis"] == ["referral"]
    assert "end_date" in shown and "retiree_resettled" not in shown["end_date"]
    assert "other_temporary" in shown["end_date"] and "emergency" in shown["end_date"]
    # The defaults as they stand, with the consent ticked and a destination, make a filing.
    data = counter_form(person, contact_name="陈七", contact_phone="", proxy_name="", proxy_id_number="")
    data.pop("proxy_authorization")
    assert counter.post("/admin/filings/filing/add/", data).status_code == 302
    assert Filing.objects.get(person=person).contact_phone == "13906009999"
    # Without a phone on record the field is required as before.
    nobody = PersonFactory(phone="")
    refused = counter.post("/admin/filings/filing/add/", counter_form(nobody, contact_phone=""))
    assert refused.status_code == 200 and "contact_phone" in refused.context["adminform"].form.errors


def test_the_filing_form_drops_the_fields_the_type_does_not_take(counter):
    person = PersonFactory()
    data = counter_form(
        person,
        referral_diagnosis="高血压",  # typed while 转诊 was chosen, then the type changed
        referral_date="not a date",
        employer_name="某公司",
    )
    response = counter.post("/admin/filings/filing/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    filing = Filing.objects.get()
    assert (filing.referral_diagnosis, filing.referral_date, filing.employer_name) == ("", None, "")


def test_the_filing_form_still_judges_the_fields_of_the_type(counter):
    person = PersonFactory()
    response = counter.post("/admin/filings/filing/add/", counter_form(person, filing_type="referral"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"referral_diagnosis", "referral_date"} <= set(errors), errors
    later = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    long_term = counter.post(
        "/admin/filings/filing/add/", counter_form(person, filing_type="long_term_resident", end_date=later)
    )
    # A long-term filing takes no end date: the hidden field's value is dropped, never refused.
    if long_term.status_code == 200:
        assert "end_date" not in long_term.context["adminform"].form.errors
    else:
        assert Filing.objects.get(person=person).end_date is None


# --- the counter's own open work ----------------------------------------------------------------------


def test_the_index_lists_the_counters_own_open_work_and_not_another_counters(counter, clerk):
    mine_open = ClaimFactory(submitted_by=clerk)
    mine_to_check = ClaimFactory(submitted_by=clerk)
    item = mine_to_check.materials.first().item
    counter.post(panel_url(mine_to_check, item), {"status": "received"})
    ClaimFactory(submitted_by=clerk, state="rejected")  # decided: not open work
    other = ClaimFactory()  # another counter's
    person = PersonFactory()
    filing_services.filing_submit(
        actor=clerk.actor,
        person=person,
        data={**FilingRequestFactory(fast_track=True), "start_date": timezone.localdate()},
    )
    lines = {str(line.label): line for line in counter.get("/admin/").context["own_work"]}
    assert {name: line.count for name, line in lines.items()} == {
        "我受理的报销申请（未办结）": 2,
        "我受理的报销申请（有待核对的材料）": 1,
        "我登记的备案（未办结）": 1,
    }
    listed = counter.get(lines["我受理的报销申请（未办结）"].url).context["cl"].result_list
    assert {c.pk for c in listed} == {mine_open.pk, mine_to_check.pk} and other.pk not in {c.pk for c in listed}
    to_check = counter.get(lines["我受理的报销申请（有待核对的材料）"].url).context["cl"].result_list
    assert [c.pk for c in to_check] == [mine_to_check.pk]
    filings = counter.get(lines["我登记的备案（未办结）"].url).context["cl"].result_list
    assert [f.person_id for f in filings] == [person.pk]
    # Another counter sees none of it.
    stranger = login(UserFactory(role=Role.COUNTER)).get("/admin/")
    assert [line.count for line in stranger.context["own_work"]] == [0, 0, 0]


def test_a_reviewer_has_no_counter_work_on_the_index():
    assert login(UserFactory(role=Role.REVIEWER)).get("/admin/").context["own_work"] == []


def test_the_upload_task_keeps_an_accepted_item_accepted(counter):
    claim = ClaimFactory()
    material = claim.materials.first()
    counter.post(panel_url(claim, material.item), {"status": "accepted"})
    scan = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    response = counter.post(
        f"/admin/reimbursements/claim/{claim.pk}/do/upload/",
        {"item": material.item, "status": "received", "file": scan},
    )
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.status == "accepted" and material.files_uploaded == 1


# --- the filing's materials panel ---------------------------------------------------------------------


def test_a_filing_awaiting_documents_takes_a_scan_on_its_panel(counter):
    filing = FilingFactory(state="submitted", proof_basis="documents", documents=False, effective_at=None)
    url = f"/admin/filings/filing/{filing.pk}/change/"
    panel = counter.get(url).context["materials_panel"]
    required = [row for row in panel["rows"] if row["material"]["required"]]
    assert panel["editable"] and required
    assert panel["summary"]["required"] == len(required) and panel["summary"]["received"] == 0
    item = required[0]["material"]["item"]
    scan = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    response = counter.post(f"/admin/filings/filing/{filing.pk}/materials/{item}/", {"file": scan})
    assert response.status_code == 302 and response["Location"] == url + "#materials-panel"
    assert FilingMaterial.objects.get(filing=filing).item == item
    panel = counter.get(url).context["materials_panel"]
    assert panel["summary"]["received"] == 1
    row = next(row for row in panel["rows"] if row["material"]["item"] == item)
    assert row["status_label"] == "已收到" and "/document/" in row["file"]
    bad = SimpleUploadedFile("a.pdf", b"plain text", "application/pdf")
    said = messages_of(counter.post(f"/admin/filings/filing/{filing.pk}/materials/{item}/", {"file": bad}, follow=True))
    assert said and FilingMaterial.objects.filter(filing=filing).count() == 1


def test_an_effective_filings_panel_is_read_only_and_a_reviewer_may_not_post():
    filing = FilingFactory()  # effective on documents: nothing more is taken
    counter = login(UserFactory(role=Role.COUNTER))
    assert not counter.get(f"/admin/filings/filing/{filing.pk}/change/").context["materials_panel"]["editable"]
    submitted = FilingFactory(state="submitted", proof_basis="documents", documents=False, effective_at=None)
    reviewer = login(UserFactory(role=Role.REVIEWER))
    item = reviewer.get(f"/admin/filings/filing/{submitted.pk}/change/").context["materials_panel"]["rows"][0]
    scan = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    url = f"/admin/filings/filing/{submitted.pk}/materials/{item['material']['item']}/"
    assert reviewer.post(url, {"file": scan}).status_code == 403
    assert not FilingMaterial.objects.exists()


@pytest.mark.parametrize("junk", ["abc", "１２", "99999999999999999999999"])
@pytest.mark.parametrize(
    "url, form",
    [("/admin/reimbursements/claim/add/", claim_form), ("/admin/filings/filing/add/", counter_form)],
    ids=["claim", "filing"],
)
def test_a_person_the_form_cannot_read_is_named_on_the_form_not_a_500(counter, url, form, junk):
    data = {**form(PersonFactory()), "person": junk}
    response = counter.post(url, data)
    assert response.status_code == 200
    shown = response.context["adminform"].form if "adminform" in response.context else response.context["form"]
    assert "person" in shown.errors  # the filing's admin form, the counter's claim form
    assert not Claim.objects.exists() and not Filing.objects.exists()
