"""The statistics pages in a real browser, as a manager reads them at 1366×768: each page reached from the
admin index, its charts drawn by ECharts served from this site (no console error, no blocked script), each
chart beside its table, nothing wider than the screen, and a screenshot of each page kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.choices import Role
from stats.periods import last_month
from tests.browser import pages
from tests.browser.conftest import VIEWPORT
from tests.browser.pages import Desk
from tests.factories import UserFactory
from tests.stats.scene import stats_scene

pytestmark = pytest.mark.django_db(transaction=True)
PAGES = {
    "filings": "filingstatistics",
    "claims": "claimstatistics",
    "service": "servicestatistics",
    "eligibility": "eligibilitystatistics",
}
# The pictures of the auditor's manual (docs/desks/auditor.md), one a page.
MANUAL = {
    "filings": "auditor-statistics-filings",
    "claims": "auditor-statistics-claims",
    "service": "auditor-statistics-service",
    "eligibility": "auditor-statistics-eligibility",
}


def test_each_statistics_page_draws_its_charts_beside_their_numbers(watched, screenshot, manual_screenshot):
    page = watched
    stats_scene(11, last_month(), filings=30, claims=4, answers=40)
    UserFactory(role=Role.AUDITOR, username="tongji", last_name="孙", first_name="统")
    desk = Desk(page)
    pages.log_in(desk, "tongji")
    index = page.locator("#content-main").inner_text()
    for subject, model in PAGES.items():
        desk.goto(f"/admin/stats/{model}/")
        charts = page.locator(".stats-chart")
        expect(charts.first).to_be_visible()
        count = charts.count()
        assert count >= 2, subject  # the totals, and by the default grouping
        for number in range(count):
            chart = charts.nth(number)
            expect(chart).to_have_attribute("data-rendered", "true")
            assert chart.locator("canvas").count() == 1, subject
            table = page.locator(f"table[data-chart='{chart.get_attribute('id')}']")
            expect(table).to_be_visible()
            assert table.locator("tbody tr").count() >= 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORT["width"], f"{subject}: the page is {width}px wide"
        assert page.locator("h1").inner_text().lower() in index.lower()
        assert page.evaluate("window.__violations") == [], subject
        screenshot(f"statistics-{subject}")
        manual_screenshot(MANUAL[subject])
    assert page.problems == []
