"""An administrator changes a reimbursement ratio from a date, in a real browser: typed as a percent, the row in
force kept for what it decided, the new row taking over from the chosen day."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Role
from config.admin_policy_rows import percent
from reimbursements.models import BenefitPolicy
from tests.browser import pages
from tests.browser.pages import Desk
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BENEFITS_LINK = "待遇政策"
CHANGE_FROM_A_DATE = "从某日起调整"


def test_administrator_changes_a_ratio_from_a_date(page, screenshot, manual_screenshot):
    UserFactory(role=Role.ADMIN, username="guanli", last_name="刘", first_name="管")
    row = BenefitPolicy.objects.in_force().get(insurance_type="employee", visit_kind="inpatient", institution_level=3)
    start = timezone.localdate() + datetime.timedelta(days=7)
    desk = Desk(page)
    pages.log_in(desk, "guanli")
    tally = desk.start()

    desk.follow(pages.index_link(desk, BENEFITS_LINK))
    listed = pages.result_rows(desk).filter(has_text="职工").filter(has_text="住院").filter(has_text="三级")
    expect(listed.first).to_contain_text(percent(row.ratio))  # the list shows percent
    desk.follow(listed.first.locator("th a, td a").first)
    # The row in force: its values read only, the task offered.
    expect(page.locator("input[name=ratio]")).to_have_count(0)
    assert CHANGE_FROM_A_DATE in desk.record_tasks()
    screenshot("policy-row-in-force")
    manual_screenshot("admin-policy-row")
    pages.open_task(desk, CHANGE_FROM_A_DATE)
    expect(page.locator("#id_ratio")).to_have_value(percent(row.ratio).removesuffix("%"))
    expect(page.locator(".field-ratio .unit")).to_have_text("%")
    desk.type(page.locator("#id_effective_from"), start.isoformat())
    desk.type(page.locator("#id_ratio"), "88")
    screenshot("policy-change")
    manual_screenshot("admin-policy-change")
    pages.confirm_task(desk, CHANGE_FROM_A_DATE)
    assert start.isoformat() in desk.success_message()
    print(f"\nadministrator, change a benefit ratio from a date: {tally}")

    row.refresh_from_db()
    new = BenefitPolicy.objects.get(
        insurance_type="employee", visit_kind="inpatient", institution_level=3, effective_from=start
    )
    assert row.effective_to == start - datetime.timedelta(days=1)
    assert new.ratio == Decimal("0.8800") and new.effective_to is None
    # The new row starts later: its page is an ordinary form, in percent.
    expect(page.locator("#id_ratio")).to_have_value("88")
    screenshot("policy-change-new-row")
    manual_screenshot("admin-policy-new-row")
