"""The desk manuals' pictures (docs/desks/*.md), taken while each task is walked in a real browser.

Each test walks the tasks of one desk as its manual tells them, checks that the page says what the
manual says it says, and saves the picture the manual shows at that step (``manual_screenshot``,
docs/desks/screenshots/). Other pictures come from the desks' own tests (test_counter_desk.py and so on).
The data are the factories': made-up names, ID numbers shown masked.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Role
from accounts.models import User
from filings.choices import FilingMode, FilingState
from reimbursements.choices import ClaimState
from tests.browser import pages
from tests.browser.pages import Desk, Label
from tests.factories import ClaimFactory, FilingFactory, PersonFactory, UserFactory, claim_accept_all

pytestmark = pytest.mark.django_db(transaction=True)

REVEAL_LOG = "/admin/registry/persondataaccess/"
CHANNELS = "/admin/accounts/channel/"
HOLIDAYS = "/admin/registry/holiday/"


def test_login_page(page, manual_screenshot):
    UserFactory(role=Role.COUNTER, username="chuangkou")
    page.goto(pages.LOGIN)
    page.fill("#id_username", "chuangkou")
    page.fill("#id_password", pages.PASSWORD)
    expect(page.get_by_role("button", name=Label.LOG_IN)).to_be_visible()
    manual_screenshot("login")


def logged_in(page, role, username: str, full_name: str, **extra) -> Desk:
    """A staff member of ``role`` with a Chinese name (family name first), logged in on ``page``."""
    UserFactory(role=role, username=username, last_name=full_name[0], first_name=full_name[1:], **extra)
    desk = Desk(page)
    pages.log_in(desk, username)
    return desk


@pytest.fixture
def counter(page):
    return logged_in(page, Role.COUNTER, "chuangkou", "王敏")


def test_counter_manual(counter, manual_screenshot):
    """A person's page, a filing's tasks (更正联系人信息, 撤销), a refused filing, the reveal form."""
    desk, page = counter, counter.page
    person = PersonFactory(name="张三丰", phone="13906001234")
    PersonFactory(name="张翠山")
    filing = FilingFactory(person=person, contact_name="张三丰", channel_id="counter")
    ClaimFactory(person=person, submitted_by=User.objects.get(username="chuangkou"))

    desk.follow(pages.index_link(desk, Label.PERSONS))
    pages.search(desk, person.id_number)
    expect(pages.result_rows(desk)).to_have_count(1)
    assert person.id_number not in pages.result_rows(desk).first.inner_text()
    manual_screenshot("counter-person-search")
    desk.follow(pages.result_link(desk, "张三丰"))
    expect(page.locator("#content a.file-for-person")).to_be_visible()
    expect(page.locator("#content a.claim-for-person")).to_be_visible()
    manual_screenshot("counter-person", full_page=True)

    # A second filing overlapping the first is refused, saying why; what was typed stays.
    pages.file_for_person(desk)
    pages.filing_form_fill(
        desk,
        person_query=person.id_number,
        person_choice="张三丰",
        filing_type="其他临时外出",
        destination="上海",
        contact_name="张三丰",
        contact_phone=None,
    )
    pages.save(desk)
    assert desk.error_messages(), "the overlapping filing was not refused"
    manual_screenshot("counter-filing-refused")

    # The filing's tasks: correct the contact, then revoke.
    desk.goto(pages.filing_url(filing.pk))
    pages.open_task(desk, Label.CORRECT_CONTACT)
    desk.type(page.locator("#id_contact_name"), "张君宝")
    desk.type(page.locator("#id_contact_phone"), "13906005678")
    manual_screenshot("counter-correct-contact")
    pages.confirm_task(desk, Label.CORRECT_CONTACT)
    desk.success_message()
    pages.open_task(desk, Label.REVOKE)
    manual_screenshot("counter-revoke")

    # The reveal form: which number, why.
    desk.goto(f"{pages.PERSONS}{person.pk}/change/")
    desk.follow(page.locator("a.reveal-link"))
    manual_screenshot("reveal-form")


def test_counter_manual_claim(counter, manual_screenshot):
    """A claim's 补正: the request naming what is missing, the resubmission refused, the withdrawal."""
    desk = counter
    claim = ClaimFactory(person=PersonFactory(name="孙八"), submitted_by=User.objects.get(username="chuangkou"))
    desk.goto(pages.claim_url(claim.pk))
    pages.open_task(desk, Label.REQUEST_MATERIALS)
    manual_screenshot("counter-request-materials")
    pages.confirm_task(desk, Label.REQUEST_MATERIALS)
    desk.success_message()
    claim.refresh_from_db()
    assert claim.state == ClaimState.MATERIALS_INCOMPLETE
    pages.open_task(desk, Label.RESUBMIT)
    pages.confirm_task(desk, Label.RESUBMIT)
    assert desk.error_messages()
    manual_screenshot("counter-resubmit-refused")
    desk.goto(pages.claim_url(claim.pk))
    pages.open_task(desk, Label.WITHDRAW)
    manual_screenshot("counter-withdraw-claim")


@pytest.fixture
def reviewer(page):
    return logged_in(page, Role.REVIEWER, "shenhe", "李审")


def fast_track_filing(name: str, due_in_days: int):
    return FilingFactory(
        person=PersonFactory(name=name),
        state=FilingState.SUBMITTED,
        mode=FilingMode.FAST_TRACK,
        proof_basis="documents",
        effective_at=None,
        submitted_at=timezone.now(),
        review_due=timezone.localdate() + datetime.timedelta(days=due_in_days),
    )


def test_reviewer_manual(reviewer, manual_screenshot):
    """The index's due counts, a filing decided alone (审核通过 / 不予通过), a batch confirmed, 不予支付."""
    desk, page = reviewer, reviewer.page
    late = fast_track_filing("周八", -1)
    today = fast_track_filing("吴九", 0)
    later = [fast_track_filing(name, 2) for name in ("郑十", "冯十一")]
    claim = ClaimFactory(person=PersonFactory(name="陈十二"))
    claim_accept_all(claim)
    desk.goto(pages.INDEX)
    expect(page.locator("#desk-queues")).to_be_visible()
    manual_screenshot("reviewer-index")

    # The overdue count leads to the queue showing just those.
    desk.follow(page.locator("#desk-queues a[href$='?due=overdue']").first)
    expect(pages.result_rows(desk)).to_have_count(1)
    expect(pages.result_rows(desk).first).to_contain_text(late.reference)
    desk.follow(pages.result_link(desk, late.reference))
    assert desk.offered_transitions() == {Label.APPROVE, Label.REJECT}, desk.record_tasks()
    manual_screenshot("reviewer-filing-page")
    pages.open_task(desk, Label.APPROVE)
    expect(page.locator("#task-confirm")).to_be_visible()
    manual_screenshot("reviewer-filing-approve")
    desk.goto(pages.filing_url(today.pk))
    pages.open_task(desk, Label.REJECT)
    desk.type(page.locator("#id_reason"), "就医地与所附转诊证明不符")
    manual_screenshot("reviewer-filing-reject")
    pages.confirm_task(desk, Label.REJECT)
    desk.success_message()
    today.refresh_from_db()
    assert today.state == FilingState.REJECTED

    # A batch: tick, choose, 执行; the page says what will happen to which records before 确认.
    desk.goto(pages.FILING_QUEUE)
    for filing in later:
        desk.click(pages.result_rows(desk).filter(has_text=filing.reference).locator("input.action-select"))
    desk.choose(page.locator("select[name=action]"), Label.APPROVE_FILINGS)
    desk.follow(page.get_by_role("button", name=Label.GO))
    expect(page.get_by_role("button", name=Label.CONFIRM)).to_be_visible()
    manual_screenshot("reviewer-bulk-confirm")
    desk.follow(page.get_by_role("button", name=Label.CONFIRM))
    assert Label.APPROVE_FILINGS in desk.success_message()

    # A claim refused for payment, with its reason.
    desk.goto(pages.CLAIM_QUEUE)
    expect(pages.result_rows(desk).filter(has_text=claim.reference)).to_have_count(1)
    manual_screenshot("reviewer-claim-queue")
    pages.run_action(desk, claim.reference, Label.START_REVIEW)
    desk.goto(pages.claim_url(claim.pk))
    pages.open_task(desk, Label.REFUSE_PAYMENT)
    desk.type(page.locator("#id_reason"), "发票与费用清单金额不一致")
    manual_screenshot("reviewer-claim-refuse")
    pages.confirm_task(desk, Label.REFUSE_PAYMENT)
    desk.success_message()
    claim.refresh_from_db()
    assert claim.state == ClaimState.REJECTED


@pytest.fixture
def auditor(page):
    return logged_in(page, Role.AUDITOR, "jihe", "陈稽")


def test_auditor_manual(auditor, manual_screenshot):
    """The auditor's index, a reveal with its purpose and reason, and the log that names who read what."""
    desk, page = auditor, auditor.page
    person = PersonFactory(name="褚十三")
    desk.goto(pages.INDEX)
    manual_screenshot("auditor-index")

    desk.goto(f"{pages.PERSONS}{person.pk}/change/")
    desk.follow(page.locator("a.reveal-link"))
    desk.click(page.get_by_label("身份证号码"))
    desk.choose(page.locator("#id_purpose"), "其他")
    desk.type(page.locator("#id_reason"), "核查投诉件所涉身份信息")
    desk.follow(page.locator("#content form input[type=submit]"))
    expect(page.locator("#content")).to_contain_text(person.id_number)
    desk.goto(REVEAL_LOG)
    expect(pages.result_rows(desk)).to_have_count(1)
    expect(pages.result_rows(desk).first).to_contain_text("陈稽")
    manual_screenshot("auditor-reveal-log")


@pytest.fixture
def administrator(page):
    return logged_in(page, Role.ADMIN, "guanli", "刘管", is_superuser=True)


def test_administrator_manual(administrator, manual_screenshot):
    """Staff accounts, a channel, an API key issued and revoked, the holidays, and a payment recorded."""
    desk, page = administrator, administrator.page
    UserFactory(role=Role.COUNTER, username="chuangkou", last_name="王", first_name="敏")
    UserFactory(role=Role.REVIEWER, username="shenhe", last_name="李", first_name="审")
    claim = ClaimFactory(person=PersonFactory(name="卫十四"), state=ClaimState.APPROVED)

    desk.goto(pages.STAFF)
    expect(pages.result_rows(desk).filter(has_text="shenhe")).to_have_count(1)
    manual_screenshot("admin-staff-list")

    desk.goto(CHANNELS)
    desk.follow(pages.result_link(desk, "counter"))
    manual_screenshot("admin-channel")

    # A key: issued (its secret shown once), then revoked after the warning.
    desk.goto(pages.API_KEYS)
    desk.follow(page.locator("#content a.addlink"))
    desk.type(page.locator("#id_name"), "公众号后台")
    desk.choose(page.locator("#id_channel"), page.locator("#id_channel option").nth(1).inner_text().strip())
    manual_screenshot("admin-api-key-form")
    pages.save(desk)
    expect(page.locator("ul.messagelist li.warning")).to_be_visible()
    manual_screenshot("admin-api-key-issued")
    row = pages.result_rows(desk).filter(has_text="公众号后台")
    desk.click(row.locator("input.action-select"))
    desk.choose(page.locator("select[name=action]"), "撤销所选密钥")
    desk.follow(page.get_by_role("button", name=Label.GO))
    expect(page.get_by_role("button", name=Label.CONFIRM)).to_be_visible()
    manual_screenshot("admin-api-key-revoke")
    desk.follow(page.get_by_role("button", name=Label.CONFIRM))
    desk.success_message()

    desk.goto(HOLIDAYS)
    expect(pages.result_rows(desk).first).to_be_visible()
    manual_screenshot("admin-holidays")

    # Payment of an approved claim, with the bank's reference.
    desk.goto(pages.claim_url(claim.pk))
    pages.open_task(desk, Label.PAY)
    desk.type(page.locator("#id_payment_reference"), "ZF20261204-0001")
    manual_screenshot("admin-pay")
    pages.confirm_task(desk, Label.PAY)
    desk.success_message()
    claim.refresh_from_db()
    assert claim.state == ClaimState.PAID
