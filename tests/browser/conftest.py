"""The admin in a real browser: headless Chromium (Debian's package, ``make browser``) driven by Playwright.

Each test gets a fresh browser context at 1366×768 in front of pytest-django's ``live_server``.
The live server answers from another thread, so these tests are transactional: their rows are
committed, and every table is emptied after each test. The reference data the migrations seed
(regions, channels, policies, holidays) is loaded again when an earlier transactional test of the
same worker has emptied it.

Without Chromium the tests skip, saying how to get it; under CI (``CI=true``) they fail instead,
since CI installs it (``.ci/run`` calls ``make browser``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.manual_screenshots import MANUAL_SCREENSHOT_NAMES
from tests.reference_data import allow_flush_on_sqlite, reseed_reference_data

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent.parent / "test-artifacts" / "screenshots"
MANUAL_SCREENSHOTS = HERE.parent.parent / "docs" / "desks" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}
MISSING = f"Chromium not found at {CHROMIUM}: run `make browser`"


def pytest_collection_modifyitems(config, items):
    """Skip this folder's tests where Chromium is absent (never under CI, which installs it)."""
    if CHROMIUM.exists() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=MISSING)
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per worker process."""
    if not CHROMIUM.exists():
        pytest.fail(f"{MISSING} (CI installs it before the tests)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in the test's thread, so Django takes the
    # tests' own ORM calls (factories, checks), ordinary synchronous ones, for calls from async code.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            # The browser's own words (a file field's button, a date field's placeholder) in Chinese too, as on
            # the desks: its Chinese strings are Debian's chromium-l10n (`make browser`); without them, English.
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=["--lang=zh-CN"],
                env={**os.environ, "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"},
            )
            yield chromium
            chromium.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """The seeded reference data, loaded again when an earlier transactional test emptied the tables."""
    reseed_reference_data()
    yield
    allow_flush_on_sqlite()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture
def page(request, browser, live_server, reference_data):
    """A fresh page (own cookies) at 1366×768 whose relative URLs go to the live server.

    When the test fails, the page as it was is kept in test-artifacts/failures/ for a look.
    """
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "browser_call_failed", False):
        failures = SCREENSHOTS.parent / "failures"
        failures.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(failures / f"{request.node.name}.png"), full_page=True)
        (failures / f"{request.node.name}.html").write_text(page.content(), encoding="utf-8")
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot("counter-desk"): the whole page as test-artifacts/screenshots/counter-desk.png."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def manual_screenshot(page):
    """manual_screenshot("counter-person"): the window (1366×768) as docs/desks/screenshots/counter-person.png.

    The desk manuals (docs/desks/*.md) show these pictures; every name is listed once in
    tests/browser/manual_screenshots.py, and each test run writes them again, so they never go stale.
    ``full_page=True`` for the few pages a manual shows whole.
    """

    def take(name: str, *, full_page: bool = False) -> Path:
        assert name in MANUAL_SCREENSHOT_NAMES, f"{name} is not listed in tests/browser/manual_screenshots.py"
        MANUAL_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = MANUAL_SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
        return path

    return take


# Registered before any script of a page runs: keeps every violation the page reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation, console error and uncaught error it meets recorded."""
    page.context.add_init_script(RECORD_VIOLATIONS)
    problems: list[str] = []

    def console(message) -> None:
        # A failed load is recorded with its address below; the console's copy names none.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    def answered(response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):  # the browser asks; none is served
            problems.append(f"{response.status}: {response.url}")

    page.on("console", console)
    page.on("response", answered)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url} {request.failure}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.problems = problems
    return page
