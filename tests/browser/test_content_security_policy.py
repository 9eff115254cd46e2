"""The Content-Security-Policy in a real browser: every desk page and the API docs work under it.

The live server answers with the policy of every environment (settings.SECURE_CSP, which the production
settings keep: tests/api/test_deploy_settings.py). Chromium reports each thing the policy blocks as a
``securitypolicyviolation`` event and a console error; a page that needed an inline script, a style or
an image from elsewhere would show one here. None may.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.choices import Role
from config.csp import policy_header
from tests.browser import pages
from tests.browser.pages import Desk
from tests.factories import ClaimFactory, FilingFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert response.headers["content-security-policy"] == policy_header(settings.SECURE_CSP), url


def assert_clean(page, url: str) -> None:
    violations = page.evaluate("window.__violations")
    assert violations == [], (url, violations)
    assert page.problems == [], (url, page.problems)


def test_every_desk_page_works_under_the_policy(watched):
    UserFactory(role=Role.ADMIN, username="guanli", is_superuser=True)
    person = PersonFactory(name="卫十二")
    filing = FilingFactory(person=person)
    claim = ClaimFactory(person=PersonFactory(name="蒋十三"))
    clerk = UserFactory(role=Role.COUNTER)
    desk = Desk(watched)
    pages.log_in(desk, "guanli")
    assert_clean(watched, pages.INDEX)

    for url in [
        pages.INDEX,
        pages.PERSONS,
        pages.FILINGS,
        pages.CLAIMS,
        pages.AUDIT_EVENTS,
        f"{pages.PERSONS}{person.pk}/change/",
        pages.filing_url(filing.pk),
        pages.claim_url(claim.pk),
        pages.FILING_ADD,
        pages.CLAIM_ADD,
        f"/admin/accounts/user/{clerk.pk}/change/",
    ]:
        visit(watched, url)
        watched.wait_for_load_state("networkidle")
        assert_clean(watched, url)

    # The admin's own scripts run: a date field gets its calendar and "today" shortcut.
    visit(watched, pages.FILING_ADD)
    shortcut = watched.locator(".datetimeshortcuts a").first
    expect(shortcut).to_be_visible()
    shortcut.click()
    assert_clean(watched, pages.FILING_ADD)


def test_the_api_docs_work_under_the_policy(watched):
    visit(watched, "/api/docs/")
    # Swagger UI (served from this site) ran its start-up script, fetched the schema and drew the operations.
    expect(watched.locator(".opblock").first).to_be_visible(timeout=20_000)
    assert watched.locator(".opblock").count() > 20
    watched.locator(".opblock-summary").first.click()
    expect(watched.locator(".opblock-body").first).to_be_visible()
    assert_clean(watched, "/api/docs/")
