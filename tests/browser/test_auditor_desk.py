"""An auditor reads in a real browser: a filing's history and the event browser, names not codes,
ID numbers masked, and nothing to act on; and answers "which claims were approved last week, by whom, for
how much, and are they paid" on one screen, then downloads it."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.choices import Role
from filings import services as filing_services
from filings.choices import FilingAction, FilingMode, FilingState
from registry.masking import mask_id_number
from tests.audit.decided import a_week_of_decisions
from tests.browser import pages
from tests.browser.conftest import SCREENSHOTS
from tests.browser.pages import Desk, Label
from tests.factories import ClaimFactory, FilingEventFactory, FilingFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

FULL_ID_NUMBER = re.compile(r"\b\d{17}[\dX]\b")


@pytest.fixture
def history():
    """A fast-track filing submitted at the counter by 王敏 and approved by 李审; and a claim."""
    counter = UserFactory(role=Role.COUNTER, username="chuangkou", last_name="王", first_name="敏")
    reviewer = UserFactory(role=Role.REVIEWER, username="shenhe", last_name="李", first_name="审")
    person = PersonFactory(name="郑十")
    filing = FilingFactory(
        person=person,
        state=FilingState.SUBMITTED,
        mode=FilingMode.FAST_TRACK,
        proof_basis="documents",
        effective_at=None,
        channel_id="counter",
    )
    FilingEventFactory(
        filing=filing,
        action=FilingAction.SUBMIT,
        to_state=FilingState.SUBMITTED,
        actor_label=f"staff:{counter.username}",
        channel_id="counter",
    )
    filing_services.filing_transition(filing_id=filing.pk, action=FilingAction.APPROVE, actor=reviewer.actor)
    claim = ClaimFactory(person=person, submitted_by=counter)
    return filing, claim, person


@pytest.fixture
def auditor(page):
    UserFactory(role=Role.AUDITOR, username="jihe", last_name="陈", first_name="稽")
    desk = Desk(page)
    pages.log_in(desk, "jihe")
    return desk


def assert_no_full_id_number(desk: Desk, person) -> None:
    body = desk.page.content()
    assert person.id_number not in body
    assert not FULL_ID_NUMBER.search(desk.text()), FULL_ID_NUMBER.search(desk.text())


def test_auditor_reads_a_filings_history(history, auditor, manual_screenshot):
    filing, _claim, person = history
    desk, page = auditor, auditor.page

    desk.follow(pages.index_link(desk, Label.FILINGS))
    assert desk.action_labels() == []  # nothing to act on in bulk
    pages.search(desk, filing.reference)
    desk.follow(pages.result_link(desk, filing.reference))
    expect(page.locator(".field-state")).to_contain_text("已生效")
    assert desk.record_tasks() == []  # nothing to act on here either
    assert desk.save_buttons() == 0
    assert_no_full_id_number(desk, person)

    desk.follow(page.locator("#content").get_by_role("link", name=Label.HISTORY))
    expect(page).to_have_url(re.compile(re.escape(pages.filing_history_url(filing.pk)) + r"(\?|$)"))
    table = page.locator("#change-history")
    expect(table).to_contain_text("提交")
    expect(table).to_contain_text(Label.APPROVE)
    expect(table).to_contain_text("已生效")
    expect(table).to_contain_text("王敏（窗口经办）")
    expect(table).to_contain_text("李审（审核）")
    assert "staff:" not in table.inner_text()
    assert_no_full_id_number(desk, person)
    manual_screenshot("auditor-history")


def test_auditor_browses_every_event(history, auditor, screenshot, manual_screenshot):
    filing, claim, person = history
    desk, page = auditor, auditor.page

    desk.goto(pages.AUDIT_EVENTS)
    assert "404" not in page.title(), "the auditors' event browser is missing"
    rows = page.locator("#result_list tr.event-row")
    expect(rows.first).to_be_visible()
    screenshot("auditor-desk")
    manual_screenshot("auditor-events")
    text = page.locator("#result_list").inner_text()
    assert filing.reference in text and claim.reference in text
    assert mask_id_number(person.id_number) in text
    assert "王敏（窗口经办）" in text and "李审（审核）" in text
    assert Label.APPROVE in text and "已生效" in text
    assert "staff:" not in text
    assert_no_full_id_number(desk, person)

    # Filtering by record keeps to that record.
    desk.type(page.locator("#event-filters [name=reference]"), filing.reference)
    desk.follow(page.locator("#event-filters input[type=submit]"))
    expect(rows.first).to_be_visible()
    assert claim.reference not in page.locator("#result_list").inner_text()
    # The reference links to the filing's page.
    desk.follow(page.locator("#result_list").get_by_role("link", name=filing.reference).first)
    expect(page.locator("#content")).to_contain_text(filing.reference)


def test_auditor_answers_who_approved_which_claims_last_week(auditor, screenshot, manual_screenshot):
    """From the index: the decisions report (last week by default), narrowed to approved claims, read on one
    screen with its totals, then downloaded as CSV holding the same rows."""
    week = a_week_of_decisions()
    desk, page = auditor, auditor.page
    tally = desk.start()

    desk.follow(pages.index_link(desk, Label.DECISIONS))
    desk.choose(page.locator("#decision-filters [name=kind]"), "手工报销申请")
    desk.choose(page.locator("#decision-filters [name=decision]"), "审核通过")
    desk.follow(page.locator("#decision-filters input[type=submit]"))
    rows = page.locator("#result_list tr.decision-row")
    expect(rows).to_have_count(3)
    table = page.locator("#result_list").inner_text()
    for name in ("paid", "unpaid", "by_wang"):
        assert week[name].reference in table
    for name in ("refused", "filing", "self_service", "before", "after"):
        assert week[name].reference not in table
    assert "李审（审核）" in table and "王核（审核）" in table
    assert "已支付" in table and "未支付" in table and str(week["paid"].payable_amount) in table
    assert "staff:" not in table and "approve" not in table
    total = sum(week[name].payable_amount for name in ("paid", "unpaid", "by_wang"))
    expect(page.locator("#decision-totals .total-amount")).to_have_text(str(total))
    expect(page.locator("#decision-totals .total-paid")).to_have_text(f"1 · {week['paid'].payable_amount}")
    # The table fits the screen: its last column ends inside the window, each name on one line.
    box = page.locator("#result_list").bounding_box()
    assert box["x"] + box["width"] <= 1366, box
    lines = page.locator("#result_list tr.decision-row td").evaluate_all(
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c); "
        "return new Set([...r.getClientRects()].map(rect => Math.round(rect.top))).size; })"
    )
    assert set(lines) == {1}, lines
    assert_no_full_id_number(desk, week["person"])
    screenshot("auditor-decisions")
    manual_screenshot("auditor-decisions")

    with page.expect_download() as download:
        desk.click(page.get_by_role("link", name="导出 CSV（当前所列决定）"))
    body = download.value.path().read_text(encoding="utf-8").lstrip("\ufeff")
    exported = list(csv.reader(io.StringIO(body)))
    assert [line[1] for line in exported[1:]] == [week[name].reference for name in ("paid", "unpaid", "by_wang")]
    assert exported[1][5] == "李审（审核）" and Decimal(exported[1][7]) == week["paid"].payable_amount
    assert exported[1][8] == "已支付" and exported[2][8] == "未支付"
    assert download.value.suggested_filename.startswith("decisions-")

    line = f"auditor task «which claims were approved last week, by whom, for how much, paid or not»: {tally}"
    print(line)
    folder = SCREENSHOTS.parent / "auditor-tasks"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "decisions.txt").write_text(line + "\n", encoding="utf-8")
