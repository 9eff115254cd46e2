"""The guide's walk-throughs run as a newcomer runs them: the very scripts its pages show, with bash and curl.

docs/getting-started/filing-walkthrough.sh and claim-walkthrough.sh are what the two pages include (pymdownx
snippets), so a command the guide shows that the API refuses fails here. They run against pytest-django's
live server, after the demo data ``make run`` loads, with the credentials ``load_demo_data`` printed; then the
records are checked in the database.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import EligibilityQuestion
from filings.models import Filing
from registry.models import Person
from reimbursements.models import Claim
from tests.reference_data import allow_flush_on_sqlite, reseed_reference_data

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "getting-started"
ZHANG = "350203195603120312"  # the demo person of both walk-throughs
# "  role  username  password" (demo staff) or "  channel  key" (channel keys), as load_demo_data prints them.
DEMO_LINE = re.compile(r"^\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$")

pytestmark = [
    pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-throughs are curl commands; curl is missing"),
    pytest.mark.django_db(transaction=True),  # the live server answers from another thread
]


@pytest.fixture
def demo_env(live_server):
    """The environment a newcomer sets after `make run`: where the API is, the keys and the staff passwords."""
    reseed_reference_data()
    printed = io.StringIO()
    call_command("load_demo_data", stdout=printed)
    staff, keys = {}, {}
    for line in printed.getvalue().splitlines():
        if match := DEMO_LINE.match(line):
            if match.group(3):
                staff[match.group(1)] = match.group(3)
            else:
                keys[match.group(1)] = match.group(2)
    yield {
        **os.environ,
        "B": f"{live_server.url}/api/v1",
        "KEY": keys["xm_wechat"],
        "HKEY": keys["hospital"],
        "COUNTER_PASSWORD": staff["counter"],
        "REVIEWER_PASSWORD": staff["reviewer"],
        "ADMIN_PASSWORD": staff["admin"],
    }
    allow_flush_on_sqlite()


def walk(script: str, env: dict[str, str]) -> str:
    """Run one walk-through with bash; its output, or the test fails with what it printed."""
    done = subprocess.run(
        ["bash", str(GUIDE / script)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    said = f"{script} exited {done.returncode}\n--- stdout (end)\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, said
    # A command substitution inside an echo does not stop the script when it fails: nothing may be said on stderr.
    assert done.stderr == "", said
    return done.stdout


def test_the_filing_then_the_claim_walkthrough_run_as_the_guide_shows(demo_env):
    today = timezone.localdate()
    zhang = Person.objects.get(id_number=ZHANG)

    printed = walk("filing-walkthrough.sh", demo_env)
    filing = Filing.objects.get(person=zhang)
    assert (filing.state, filing.start_date) == ("revoked", today)
    assert filing.covered_until == today - datetime.timedelta(days=1)
    assert [e.action for e in filing.events.order_by("id")] == ["submit", "activate", "revoke"]
    # The Shanghai hospital's two questions: covered by the filing, then not after the revocation.
    answers = EligibilityQuestion.objects.filter(person=zhang, caller="channel:hospital").order_by("id")
    assert [(a.covered, a.reason_code) for a in answers] == [(True, "filed"), (False, "no_filing")]
    assert f"→ filing {filing.reference} is revoked" in printed

    printed = walk("claim-walkthrough.sh", demo_env)
    refiled = Filing.objects.exclude(pk=filing.pk).get(person=zhang)
    assert (refiled.state, refiled.start_date) == ("effective", today - datetime.timedelta(days=9))
    claim = Claim.objects.get(person=zhang)
    assert (claim.state, claim.basis, claim.filing) == ("paid", "filed", refiled)
    assert (claim.admission_date, claim.discharge_date) == (refiled.start_date, today)
    # The sample policy for an employee's inpatient care at a tertiary hospital, filed (no own share first):
    # (20000.00 total − 1000.00 outside the catalogue − 1000.00 deductible) × 85 %.
    assert claim.payable_amount == Decimal("15300.00")
    assert claim.breakdown["payable"] == "15300.00"
    assert claim.payment_reference == f"ZF{today:%Y%m%d}0001"
    assert [e.action for e in claim.events.order_by("id")] == [
        "submit",
        "request_materials",
        "submit",
        "start_review",
        "approve",
        "pay",
    ]
    materials = {m.item: m for m in claim.materials.all()}
    assert {m.status for m in materials.values() if m.required} == {"accepted"}
    assert materials["discharge_summary"].file
    assert f"→ claim {claim.reference} is paid" in printed
