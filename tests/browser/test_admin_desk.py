"""An administrator in a real browser: the index with everything, and payment offered on an approved claim."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.choices import Role
from reimbursements.choices import ClaimState
from tests.browser import pages
from tests.browser.pages import Desk, Label
from tests.factories import ClaimFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_administrator_desk_and_payment_of_an_approved_claim(page, screenshot):
    UserFactory(role=Role.ADMIN, username="guanli", last_name="刘", first_name="管")
    claim = ClaimFactory(person=PersonFactory(name="冯十一"), state=ClaimState.APPROVED)
    desk = Desk(page)
    pages.log_in(desk, "guanli")

    for name in (Label.PERSONS, Label.FILINGS, Label.CLAIMS, "备案政策", "待遇政策", "办理渠道"):
        expect(pages.index_link(desk, name)).to_be_visible()
    expect(pages.index_link(desk, "工作人员")).to_be_visible()  # staff accounts are the administrator's
    screenshot("admin-desk")

    desk.goto(pages.claim_url(claim.pk))
    expect(page.locator(".field-state")).to_contain_text("审核通过")
    assert desk.offered_transitions() == {Label.PAY}, desk.record_tasks()
