"""The desk manuals' pictures are the browser suite's: each one a manual shows is listed, is in
docs/desks/screenshots/ and is taken by a browser test; each listed one is shown by a manual.

Reads files only (no database, no browser), so it runs with the fast tests and tells at once when a
manual names a picture nobody takes, or a test stops taking one.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser.manual_screenshots import MANUAL_SCREENSHOT_NAMES, MANUAL_SCREENSHOTS

ROOT = Path(__file__).resolve().parents[2]
DESKS = ROOT / "docs" / "desks"
PICTURES = DESKS / "screenshots"
BROWSER_TESTS = ROOT / "tests" / "browser"
# ![…](screenshots/name.png) in a manual; the name in a test's manual_screenshot("name"…), or a value of a
# module's MANUAL dict whose values a test passes to it (test_statistics.py, test_admin_desk.py).
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
TAKEN = re.compile(r"""manual_screenshot\(\s*["']([\w-]+)["']""")


def shown_by_manuals() -> dict[str, list[str]]:
    """Each picture file a manual shows → the manuals showing it."""
    shown: dict[str, list[str]] = {}
    for manual in sorted(DESKS.glob("*.md")):
        for target in IMAGE.findall(manual.read_text(encoding="utf-8")):
            shown.setdefault(target, []).append(manual.name)
    return shown


def taken_by_tests() -> set[str]:
    """The names the browser tests pass to manual_screenshot, directly or through a MANUAL dict."""
    taken: set[str] = set()
    for source in BROWSER_TESTS.glob("test_*.py"):
        text = source.read_text(encoding="utf-8")
        taken |= set(TAKEN.findall(text))
        for block in re.findall(r"MANUAL\s*=\s*\{(.*?)\}", text, flags=re.S):
            taken |= set(re.findall(r""":\s*["']([\w-]+)["']""", block))
    return taken


def test_every_picture_a_manual_shows_is_listed_and_present():
    shown = shown_by_manuals()
    assert shown, "the desk manuals show no picture"
    wrong = {}
    for target, manuals in shown.items():
        path = (DESKS / target).resolve()
        if path.parent != PICTURES or path.suffix != ".png":
            wrong[target] = f"not a PNG in docs/desks/screenshots/ ({manuals})"
        elif path.stem not in MANUAL_SCREENSHOT_NAMES:
            wrong[target] = f"not listed in tests/browser/manual_screenshots.py ({manuals})"
        elif not path.is_file():
            wrong[target] = f"missing: run the browser tests ({manuals})"
    assert not wrong, wrong


def test_every_listed_picture_is_shown_by_a_manual_and_taken_by_a_test():
    shown = {Path(target).stem for target in shown_by_manuals()}
    taken = taken_by_tests()
    assert not MANUAL_SCREENSHOT_NAMES - shown, f"listed but shown by no manual: {MANUAL_SCREENSHOT_NAMES - shown}"
    assert not MANUAL_SCREENSHOT_NAMES - taken, f"listed but taken by no test: {MANUAL_SCREENSHOT_NAMES - taken}"
    assert not taken - MANUAL_SCREENSHOT_NAMES, f"taken but not listed: {taken - MANUAL_SCREENSHOT_NAMES}"


def test_no_stray_picture_in_the_folder():
    """A picture no longer listed is deleted with the step that showed it."""
    present = {path.stem for path in PICTURES.glob("*.png")}
    assert not present - MANUAL_SCREENSHOT_NAMES, present - MANUAL_SCREENSHOT_NAMES
    assert set(MANUAL_SCREENSHOTS) == MANUAL_SCREENSHOT_NAMES
