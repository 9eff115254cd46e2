"""Every list endpoint reads a page in a fixed number of queries, whatever the page size (no N+1)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from filings.models import FilingEvent
from tests.factories import ClaimFactory, FilingFactory, PersonFactory

pytestmark = pytest.mark.django_db
ROWS = 12
SMALL, LARGE = 2, 10


def filings():
    FilingFactory.create_batch(ROWS)


def claims():
    ClaimFactory.create_batch(ROWS)


def persons():
    PersonFactory.create_batch(ROWS)


def events():
    filing = FilingFactory()
    at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    FilingEvent.objects.bulk_create(
        FilingEvent(filing=filing, action="submit", to_state="submitted", actor_label="system", at=at)
        for _ in range(ROWS)
    )


# url, the rows it lists, the pinned number of queries of one page, and what they are.
ENDPOINTS = {
    # the token with its user, the count, the page with person, destination, channel, replaces, replaced_by
    "filings": ("/api/v1/filings/", filings, 3),
    # the token, the count, the page, the page's invoices
    "claims": ("/api/v1/claims/", claims, 4),
    # the token, the count, the page
    "persons": ("/api/v1/persons/", persons, 3),
    # the token, then one read per event table (cursor pagination, no count)
    "audit events": ("/api/v1/audit/events/", events, 3),
}


def page_queries(client, url: str, page_size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": page_size})
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_list_queries_are_pinned_and_constant_in_the_page_size(name, auditor):
    url, make, pinned = ENDPOINTS[name]
    make()
    small, small_rows = page_queries(auditor, url, SMALL)
    large, large_rows = page_queries(auditor, url, LARGE)
    assert (small_rows, large_rows) == (SMALL, LARGE)
    assert small == large == pinned, f"{name}: {small} queries at page size {SMALL}, {large} at {LARGE}"
