"""Two reviewers, two browsers, one claim: the one who acts second is told who did what when, and what
they typed stays on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.choices import Role
from reimbursements.choices import ClaimState
from reimbursements.models import Claim
from tests.browser import pages
from tests.browser.pages import Desk, Label
from tests.factories import ClaimFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refusal_typed_in_one_tab_after_an_approval_in_another(page, browser, live_server, screenshot):
    UserFactory(role=Role.REVIEWER, username="shenhe", last_name="李", first_name="审")
    UserFactory(role=Role.REVIEWER, username="fuhe", last_name="王", first_name="复")
    claim = ClaimFactory(person=PersonFactory(name="郑十二"), state=ClaimState.UNDER_REVIEW)
    first = Desk(page)
    pages.log_in(first, "shenhe")
    other_context = browser.new_context(base_url=live_server.url, viewport=page.viewport_size, locale="zh-CN")
    second = Desk(other_context.new_page())
    pages.log_in(second, "fuhe")

    # The first reviewer opens the claim and starts refusing it, typing the reason.
    first.goto(pages.claim_url(claim.pk))
    pages.open_task(first, Label.REFUSE_PAYMENT)
    reason = "住院天数与出院小结不符，需核实"
    first.type(first.page.locator("#id_reason"), reason)
    # Meanwhile the second approves it from a page of their own.
    second.goto(pages.claim_url(claim.pk))
    pages.open_task(second, Label.APPROVE)
    pages.confirm_task(second, Label.APPROVE)
    assert Label.APPROVE not in second.record_tasks()

    first.start()
    pages.confirm_task(first, Label.REFUSE_PAYMENT)
    stale = first.page.locator("#task-stale")
    expect(stale).to_contain_text("王复（审核）")
    expect(stale).to_contain_text(Label.APPROVE)
    expect(first.page.locator("#id_reason")).to_have_value(reason)  # what was typed is kept
    expect(first.page.locator("#task-form input[type=submit]")).to_have_count(0)
    screenshot("stale-task")
    other_context.close()

    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED
    print(f"stale refusal: {first.tally}")
