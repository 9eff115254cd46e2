"""PostgreSQL reads filings by index for eligibility and for every documented filing list filter.

40,000 filings of 20,000 persons are loaded with the benchmark's own generator (``COPY``) and
``ANALYZE``d, so the planner sees realistic statistics; no planner setting is changed. The SQL
explained is the SQL the real views send (captured, parameters inlined). ``make bench`` runs the
same check at 2,000,000 filings (``bench/load_prepare.py``).
"""

import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone

from bench.generate import generate
from bench.plans import captured_selects, explain, verdict
from registry.demo import load_institutions
from tests.conftest import postgres_only
from tests.factories import channel_key, referring_hospital

pytestmark = [pytest.mark.django_db, postgres_only("EXPLAIN of PostgreSQL plans")]
FILINGS = 40_000


@pytest.fixture
def loaded():
    load_institutions()
    generate(persons=FILINGS // 2, filings=FILINGS, claims=0, seed=7, out=io.StringIO())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id_number, f.destination_id, f.start_date FROM filings_filing f "
            "JOIN registry_person p ON p.id = f.person_id JOIN registry_region r ON r.code = f.destination_id "
            "WHERE f.state = 'effective' AND r.level = 'city' ORDER BY f.id LIMIT 1"
        )
        return cursor.fetchone()


def page_query(statements: list[str]) -> list[str]:
    """The statement that reads the page (the one with LIMIT), not the count."""
    return [sql for sql in statements if "LIMIT" in sql.upper() and "COUNT(" not in sql.upper()]


def test_eligibility_reads_filings_by_index(loaded):
    id_number, city, start = loaded
    client = Client(
        HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Api-Key {channel_key('hospital', institution=referring_hospital())}"
    )
    question = {"id_number": id_number, "city": city, "date": start.isoformat(), "visit": "inpatient"}
    statements = captured_selects(lambda: client.get("/api/v1/eligibility/", question))
    assert statements, "eligibility read no filings"
    ok, summary = verdict(statements)
    assert ok, summary + "\n" + "\n\n".join(explain(sql) for sql in statements)
    assert "filing_person_state" in summary or "one_live_filing_per_person" in summary


FILTERS = {
    "state": lambda row, today: {"state": "effective"},
    "filing_type": lambda row, today: {"filing_type": "referral"},
    "destination": lambda row, today: {"destination": row[1]},
    "channel": lambda row, today: {"channel": "kiosk"},
    "submitted_after": lambda row, today: {"submitted_after": (today - datetime.timedelta(days=7)).isoformat()},
    "submitted_before": lambda row, today: {"submitted_before": (today - datetime.timedelta(days=700)).isoformat()},
    "effective_on": lambda row, today: {"effective_on": today.isoformat()},
    "id_number": lambda row, today: {"id_number": row[0]},
    "state and destination": lambda row, today: {"state": "effective", "destination": row[1]},
}


def test_every_filing_list_filter_reads_its_page_by_index(loaded, auditor):
    """One load for all filters (loading is the slow part); every failing filter is named."""
    today, failures = timezone.localdate(), []
    for name, make in FILTERS.items():
        params = make(loaded, today)
        statements = page_query(captured_selects(lambda p=params: auditor.get("/api/v1/filings/", p)))
        assert len(statements) == 1, name
        ok, summary = verdict(statements)
        if not ok:
            failures.append(f"{name}: {summary}\n{explain(statements[0])}")
    assert not failures, "\n\n".join(failures)
    # The auditors' usual question (a state in a destination) is counted by the composite index too.
    both = {"state": "effective", "destination": loaded[1]}
    statements = captured_selects(lambda: auditor.get("/api/v1/filings/", both))
    ok, summary = verdict(statements)
    assert ok, summary
    assert "filing_destination_state" in summary


EVENT_FILTERS = {
    "record_type": lambda row, now: {"record_type": "filing"},
    "id_number": lambda row, now: {"id_number": row[0]},
    "action": lambda row, now: {"action": "approve"},
    "actor": lambda row, now: {"actor": "system"},
    "channel": lambda row, now: {"channel": "kiosk"},
    "from_state": lambda row, now: {"from_state": "submitted"},
    "to_state": lambda row, now: {"to_state": "revoked"},
    "at_after": lambda row, now: {"at_after": (now - datetime.timedelta(days=7)).isoformat()},
    "at_before": lambda row, now: {"at_before": (now - datetime.timedelta(days=700)).isoformat()},
}


def test_every_event_feed_filter_reads_events_by_index(loaded, auditor):
    """The auditors' event feed (keyset pages, no count): no filter scans the filings or their events."""
    now, failures = timezone.now(), []
    for name, make in EVENT_FILTERS.items():
        params = make(loaded, now)
        statements = captured_selects(lambda p=params: auditor.get("/api/v1/audit/events/", p))
        assert statements, name
        ok, summary = verdict(statements)
        if not ok:
            failures.append(f"{name}: {summary}\n" + "\n\n".join(explain(sql) for sql in statements))
    assert not failures, "\n\n".join(failures)
