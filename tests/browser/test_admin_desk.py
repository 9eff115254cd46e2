"""An administrator in a real browser: the index with everything, payment offered on an approved claim, a new
counter user who logs in and works at once, and the package pages (API keys, lockouts, schedules) in Chinese."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from playwright.sync_api import expect

from accounts.choices import Role
from accounts.models import ChannelAPIKey, User
from reimbursements.choices import ClaimState
from tests.browser import pages
from tests.browser.conftest import VIEWPORT
from tests.browser.pages import Desk, Label
from tests.factories import ClaimFactory, PersonFactory, UserFactory, channel_key

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "窗口 办理 稳妥 2026"
ENGLISH = re.compile(r"[A-Za-z]{2,}")
# The pages the administrator's manual (docs/desks/admin.md) shows: this test's name → the manual's.
MANUAL = {"admin-lockouts": "admin-lockouts", "admin-periodic-tasks": "admin-periodic-tasks"}


def test_administrator_desk_and_payment_of_an_approved_claim(page, screenshot, manual_screenshot):
    UserFactory(role=Role.ADMIN, username="guanli", last_name="刘", first_name="管")
    claim = ClaimFactory(person=PersonFactory(name="冯十一"), state=ClaimState.APPROVED)
    desk = Desk(page)
    pages.log_in(desk, "guanli")

    for name in (Label.PERSONS, Label.FILINGS, Label.CLAIMS, "备案政策", "待遇政策", "办理渠道"):
        expect(pages.index_link(desk, name)).to_be_visible()
    expect(pages.index_link(desk, "工作人员")).to_be_visible()  # staff accounts are the administrator's
    screenshot("admin-desk")
    manual_screenshot("admin-index")

    desk.goto(pages.claim_url(claim.pk))
    expect(page.locator(".field-state")).to_contain_text("审核通过")
    assert desk.offered_transitions() == {Label.PAY}, desk.record_tasks()


def test_administrator_creates_a_counter_user_who_logs_in_and_works(
    page, browser, live_server, screenshot, manual_screenshot
):
    UserFactory(role=Role.ADMIN, username="guanli", is_superuser=True)
    claim = ClaimFactory(person=PersonFactory(name="陈十二"))
    admin_desk = Desk(page)
    pages.log_in(admin_desk, "guanli")

    tally = admin_desk.start()
    admin_desk.follow(pages.index_link(admin_desk, "工作人员"))
    admin_desk.follow(page.locator("#content a.addlink"))
    pages.staff_form_fill(admin_desk, username="chuangkou1", role=str(Role.COUNTER.label), password=NEW_PASSWORD)
    screenshot("admin-user-form")
    manual_screenshot("admin-staff-form")
    pages.save(admin_desk)
    admin_desk.success_message()
    print(f"admin creates counter user: {tally}")
    screenshot("admin-user-created")
    user = User.objects.get(username="chuangkou1")
    assert (user.role, user.is_staff, user.is_active, user.has_usable_password()) == (Role.COUNTER, True, True, True)

    # The new user, in a browser of their own, logs in with what the administrator typed and works at once.
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN")
    try:
        counter_desk = Desk(context.new_page())
        pages.log_in(counter_desk, "chuangkou1", NEW_PASSWORD)
        tally = counter_desk.start()
        counter_desk.follow(pages.index_link(counter_desk, Label.CLAIMS))
        counter_desk.follow(pages.result_link(counter_desk, claim.reference))
        expect(counter_desk.page.locator("#content")).to_contain_text("陈十二")
        print(f"new counter user opens a claim: {tally}")
        counter_desk.page.screenshot(path=str(screenshot("counter-first-claim")), full_page=True)
        assert Label.REQUEST_MATERIALS in counter_desk.record_tasks(), counter_desk.record_tasks()
    finally:
        context.close()


def test_the_package_pages_read_in_chinese(page, screenshot, manual_screenshot):
    """The API keys, the lockouts and the job schedule: their titles, columns and filters' names are Chinese."""
    UserFactory(role=Role.ADMIN, username="guanli", is_superuser=True)
    channel_key("xm_wechat")
    ChannelAPIKey.objects.update(name="公众号后台")  # what an administrator names a key
    AccessAttempt.objects.create(
        username="zhangsan", ip_address="10.0.0.9", user_agent="Chrome", failures_since_start=5, path_info="/admin/"
    )
    desk = Desk(page)
    pages.log_in(desk, "guanli")
    for url, title, name in (
        (pages.API_KEYS, "渠道 API 密钥", "admin-api-keys"),
        (pages.LOCKOUTS, "登录尝试", "admin-lockouts"),
        (pages.PERIODIC_TASKS, "周期性任务", "admin-periodic-tasks"),
    ):
        desk.goto(url)
        expect(page.locator("#content h1")).to_contain_text(title)
        heads = page.locator("#result_list thead th").all_inner_texts()
        filters = page.locator("#changelist-filter summary, #changelist-filter h3").all_inner_texts()
        english = ENGLISH.findall(" ".join(heads + filters))
        assert not [word for word in english if word not in {"API", "IP"}], (url, heads, filters)
        screenshot(name)
        if name in MANUAL:
            manual_screenshot(MANUAL[name])
