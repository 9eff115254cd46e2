"""Counter staff at work in a real browser: find a person, file for them, record a claim's materials.

Each task starts on the admin index and is counted (clicks, fields typed, page loads); the
figures are printed and written to test-artifacts/counter-tasks.txt for the issue's note.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Role
from accounts.models import User
from filings.choices import FilingState
from filings.models import Filing
from reimbursements.choices import ClaimState, MaterialStatus
from reimbursements.models import Claim, ClaimMaterial
from tests.browser import pages
from tests.browser.conftest import SCREENSHOTS
from tests.browser.pages import Desk, Label
from tests.factories import PDF, ClaimFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def report(task: str, what: str, tally: pages.Tally) -> None:
    """Print the task's cost and keep it in test-artifacts/counter-tasks/<task>.txt (one file a task)."""
    line = f"counter task «{what}»: {tally}"
    print(line)
    folder = SCREENSHOTS.parent / "counter-tasks"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{task}.txt").write_text(line + "\n", encoding="utf-8")


@pytest.fixture
def counter(page):
    UserFactory(role=Role.COUNTER, username="chuangkou", last_name="王", first_name="敏")
    desk = Desk(page)
    pages.log_in(desk, "chuangkou")
    return desk


def test_counter_finds_a_person_and_files_for_them(counter, screenshot, manual_screenshot):
    person = PersonFactory(name="张三丰")
    PersonFactory(name="张翠山")
    PersonFactory(name="李四")
    desk, page = counter, counter.page

    # Persons are found by name too (a part of it).
    desk.goto(pages.PERSONS)
    pages.search(desk, "张")
    expect(pages.result_rows(desk)).to_have_count(2)
    assert "李四" not in page.locator("#result_list").inner_text()
    desk.goto(pages.INDEX)

    # The counter's desk: the index offers persons and filings to add, nothing to decide.
    expect(pages.index_link(desk, Label.PERSONS)).to_be_visible()
    expect(pages.index_link(desk, Label.FILINGS)).to_be_visible()

    tally = desk.start()
    # Find the person by the ID number on their card; open them.
    desk.follow(pages.index_link(desk, Label.PERSONS))
    expect(page.locator("#content h1")).to_contain_text(Label.PERSONS)
    screenshot("counter-desk")
    pages.search(desk, person.id_number)
    expect(pages.result_rows(desk)).to_have_count(1)
    row_text = pages.result_rows(desk).first.inner_text()
    assert "张三丰" in row_text and person.id_number not in row_text  # the list shows the number masked
    desk.follow(pages.result_link(desk, "张三丰"))
    expect(page.locator("#id_name")).to_have_value("张三丰")
    pages.file_for_person(desk)
    expect(page.locator("#content h1")).to_contain_text(Label.ADD)
    for label in ("参保人", "备案类型", "就医地", "开始日期", "联系人", "联系人电话", "已签署知情同意"):
        expect(page.locator("form#filing_form")).to_contain_text(label)
    # The form starts valid: the usual type from today, the contact taken from the person.
    expect(page.locator("#id_start_date")).not_to_have_value("")
    expect(page.locator("#id_contact_name")).to_have_value("张三丰")
    # Only the fields of the chosen type: no referral fields for a trip, no end date for long-term residence.
    expect(page.locator(".form-row.field-referral_diagnosis")).to_be_hidden()
    expect(page.locator(".form-row.field-end_date")).to_be_visible()
    pages.filing_form_fill(
        desk,
        person_query=person.id_number,
        person_choice="张三丰",
        filing_type="其他临时外出",
        destination="上海",
        contact_name="张三丰",
        contact_phone=None,  # the person's number on record, offered masked
    )
    screenshot("counter-filing-form")
    manual_screenshot("counter-filing-form")
    pages.save(desk)

    success = desk.success_message()
    filing = Filing.objects.get(person=person)
    assert filing.reference in success
    assert filing.contact_phone == person.phone
    report(
        "file-for-a-person",
        "file for a person (from the index: find by ID number, open, to the filing form, fill, save)",
        tally,
    )

    # The save leads to the new filing's page: its reference and state; the counter's tasks, never a
    # reviewer's.
    expect(page.locator("#content")).to_contain_text(filing.reference)
    assert filing.state == FilingState.EFFECTIVE  # self-service at the counter takes effect at once
    expect(page.locator(".field-state")).to_contain_text("已生效")
    offered = desk.offered_transitions()
    assert Label.APPROVE not in offered and Label.REJECT not in offered
    assert offered == {Label.CHANGE, Label.CORRECT_CONTACT, Label.REVOKE}, offered
    assert desk.save_buttons() == 0  # a stored filing is read, not edited
    manual_screenshot("counter-filing-saved")

    # No decision is offered in the lists either.
    desk.goto(pages.FILINGS)
    assert not {Label.APPROVE_FILINGS, Label.REJECT_FILINGS} & set(desk.action_labels())
    assert not any(Label.APPROVE in label for label in desk.action_labels())


def test_counter_makes_a_claim_for_a_person(counter, screenshot, manual_screenshot):
    person = PersonFactory(name="钱五")
    desk, page = counter, counter.page
    admission = timezone.localdate() - datetime.timedelta(days=20)
    discharge = admission + datetime.timedelta(days=10)

    tally = desk.start()
    desk.follow(pages.index_link(desk, Label.PERSONS))
    pages.search(desk, person.id_number)
    desk.follow(pages.result_link(desk, "钱五"))
    pages.claim_for_person(desk)
    for label in ("报销类别", "就医城市", "入院日期", "出院日期", "费用总额"):
        expect(page.locator("#claim_form")).to_contain_text(label)
    pages.claim_form_fill(
        desk,
        person_query=person.id_number,
        person_choice="钱五",
        claim_kind="住院",
        reason="就医时未备案",
        institution_name="上海某三级医院",
        institution_level="三级",
        city="310100",
        admission=admission.isoformat(),
        discharge=discharge.isoformat(),
        total="12000.00",
        invoice_number="FP-BROWSER-0001",
    )
    screenshot("counter-claim-form")
    manual_screenshot("counter-claim-form", full_page=True)
    pages.make_claim(desk)
    success = desk.success_message()
    claim = Claim.objects.get(person=person)
    assert claim.reference in success
    report(
        "create-a-claim",
        "create a claim (from the index: find by ID number, open, to the claim form, fill, submit)",
        tally,
    )

    assert claim.state == ClaimState.SUBMITTED
    assert claim.total_amount == Decimal("12000.00")
    expect(page.locator("#content")).to_contain_text(claim.reference)
    assert pages.checklist_names(desk), "the new claim's page shows its checklist"
    screenshot("counter-claim")
    manual_screenshot("counter-claim-saved")

    # The form starts with one invoice row; 添加另一张票据 adds one, with its date shortcuts (a static script).
    desk.goto(pages.CLAIM_ADD)
    expect(page.locator("#invoices tr.invoice-row")).to_have_count(1)
    page.locator("#add-invoice").click()
    expect(page.locator("#invoices tbody tr.invoice-row")).to_have_count(2)
    expect(page.locator("#id_invoices-TOTAL_FORMS")).to_have_value("2")
    expect(page.locator("#invoices tbody tr.invoice-row").nth(1).locator(".datetimeshortcuts")).to_have_count(1)
    # Where an emergency took place is asked of emergencies only.
    expect(page.locator("#claim_form .form-row.field-setting")).to_be_hidden()
    page.locator("#id_claim_kind").select_option("emergency")
    expect(page.locator("#claim_form .form-row.field-setting")).to_be_visible()
    expect(page.locator("#claim_form .form-row.field-disease")).to_be_hidden()
    # The city picker offers cities only: 上海 the city, never 上海 the province.
    desk.click(page.locator(".select2-selection[aria-labelledby='select2-id_city-container']"))
    page.locator(".select2-container--open .select2-search__field").fill("上海")
    expect(page.locator(".select2-results__option", has_text="310100")).to_have_count(1)
    expect(page.locator(".select2-results__option", has_text="310000")).to_have_count(0)


def test_counter_records_a_claims_materials(counter):
    person = PersonFactory(name="赵六")
    claim = ClaimFactory(person=person)
    first = claim.materials.order_by("sort_order").first()
    desk, page = counter, counter.page

    tally = desk.start()
    desk.follow(pages.index_link(desk, Label.CLAIMS))
    pages.search(desk, person.id_number)
    desk.follow(pages.result_link(desk, claim.reference))
    expect(page.locator("#content")).to_contain_text(claim.reference)
    assert first.name in pages.checklist_names(desk)
    pages.checklist_step(desk, first.name, Label.STEP_ACCEPT)
    desk.success_message()
    report(
        "record-materials",
        "record materials (from the index: find the claim by ID number, open, accept one item on the panel)",
        tally,
    )

    assert ClaimMaterial.objects.get(pk=first.pk).status == MaterialStatus.ACCEPTED
    assert pages.checklist_status_text(desk, first.name) == Label.ACCEPTED
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED

    # The claim's page offers the counter's steps, never review, approval or payment.
    desk.goto(pages.claim_url(claim.pk))
    offered = desk.offered_transitions()
    assert not {Label.START_REVIEW, Label.APPROVE, Label.REFUSE_PAYMENT, Label.PAY} & offered, offered
    assert offered == {Label.REQUEST_MATERIALS, Label.WITHDRAW}, offered
    assert desk.save_buttons() == 0  # the checklist changes on the panel; the record is read
    # The claim queue holds no bulk action for the counter.
    desk.goto(pages.CLAIM_QUEUE)
    assert desk.action_labels() == []


def test_counter_runs_a_claim_through_corrections_from_its_page(counter, screenshot, manual_screenshot, tmp_path):
    """Submission, 补正 and resubmission, worked from the claim's page: the panel's ticks and scans."""
    person = PersonFactory(name="孙八")
    claim = ClaimFactory(person=person, submitted_by=User.objects.get(username="chuangkou"))
    blurred, *others = claim.materials.filter(required=True).order_by("sort_order")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    desk, page = counter, counter.page

    # The index lists the counter's own open claims; the claim is found from there.
    desk.goto(pages.INDEX)
    own = page.locator("#desk-own-work tr", has_text="我受理的报销申请（未办结）")
    expect(own.locator("td")).to_have_text("1")
    screenshot("counter-index")
    manual_screenshot("counter-index")
    tally = desk.start()
    desk.follow(page.locator("#desk-own-work a", has_text="我受理的报销申请（未办结）").first)
    desk.follow(pages.result_link(desk, claim.reference))
    summary = pages.checklist_summary(desk)
    assert f"必交 {1 + len(others)} 项" in summary and blurred.name in summary
    # The person hands in every required item; one is a blurred copy: received, then refused with a reason.
    for material in others:
        pages.checklist_step(desk, material.name, Label.STEP_ACCEPT)
    pages.checklist_step(desk, blurred.name, Label.STEP_RECEIVE)
    row = pages.checklist_row(desk, blurred.name)
    desk.type(row.locator("input[name=reason]"), "复印件模糊")
    pages.checklist_step(desk, blurred.name, Label.STEP_REJECT)
    assert pages.checklist_status_text(desk, blurred.name).startswith(Label.REJECTED)
    screenshot("counter-claim-panel")
    manual_screenshot("counter-materials-panel")
    # 补正: the form names what is missing; confirm it.
    pages.open_task(desk, Label.REQUEST_MATERIALS)
    expect(page.locator("#id_reason")).to_contain_text(blurred.name)
    pages.confirm_task(desk, Label.REQUEST_MATERIALS)
    desk.success_message()
    claim.refresh_from_db()
    assert claim.state == ClaimState.MATERIALS_INCOMPLETE
    # The person comes back with a clear scan: attached on the panel, then resubmitted.
    pages.checklist_attach(desk, blurred.name, scan)
    assert pages.checklist_status_text(desk, blurred.name) == Label.RECEIVED
    pages.open_task(desk, Label.RESUBMIT)
    pages.confirm_task(desk, Label.RESUBMIT)
    desk.success_message()
    report(
        "claim-through-corrections",
        "run a claim through 补正 (from the index's own work: open, accept 3 items, refuse 1 with a reason, "
        "request materials, attach the new scan, resubmit)",
        tally,
    )
    claim.refresh_from_db()
    blurred.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED
    assert blurred.status == MaterialStatus.RECEIVED and blurred.file
