"""List pages: a count whose cost is bounded (exact up to API_EXACT_COUNT_LIMIT, an estimate beyond), pages that
never depend on it, and links that walk every row exactly once."""

import pytest
from django.db import connection, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from filings.models import Filing
from tests.factories import FilingFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/filings/"


@pytest.fixture
def limit(settings):
    settings.API_EXACT_COUNT_LIMIT = 5
    return 5


def walk(client, params) -> tuple[list[str], list[dict]]:
    """Every page from the first by its ``next`` link: the references seen and each page's envelope."""
    seen, envelopes = [], []
    response = client.get(URL, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["reference"] for row in body["results"]]
        envelopes.append({k: v for k, v in body.items() if k != "results"})
        if body["next"] is None:
            return seen, envelopes
        response = client.get(body["next"])


def test_a_count_within_the_limit_is_exact(auditor, limit):
    FilingFactory.create_batch(5)
    body = auditor.get(URL, {"page_size": 2}).json()
    assert (body["count"], body["count_exact"]) == (5, True)


def test_past_the_limit_the_count_is_an_estimate_and_says_so(auditor, limit):
    FilingFactory.create_batch(12)
    body = auditor.get(URL, {"page_size": 2}).json()
    assert body["count_exact"] is False
    assert body["count"] >= 6  # never below the limit + 1: "more than 5"
    if connection.vendor == "sqlite":
        assert body["count"] == 6  # no planner estimate there: the limit + 1


def test_every_row_of_an_exactly_counted_selection_is_reachable_and_the_last_page_is_exact(auditor, limit):
    filings = FilingFactory.create_batch(5)
    seen, envelopes = walk(auditor, {"page_size": 2})
    assert sorted(seen) == sorted(f.reference for f in filings)  # every row once, none twice
    assert [(e["count"], e["count_exact"]) for e in envelopes] == [(5, True)] * 3
    assert envelopes[0]["previous"] is None and envelopes[1]["previous"].endswith("page_size=2")


def test_pages_of_a_broad_selection_reach_the_first_rows_of_the_window_and_no_further(auditor, limit):
    filings = FilingFactory.create_batch(12)
    seen, envelopes = walk(auditor, {"page_size": 2})
    newest = sorted(filings, key=lambda f: (f.submitted_at, f.pk), reverse=True)
    assert seen == [f.reference for f in newest[:6]]  # pages 1-3 start at rows 0, 2, 4: inside the window of 5
    assert all(e["count_exact"] is False for e in envelopes)
    deeper = auditor.get(URL, {"page_size": 2, "page": 4})  # would start at row 6: beyond the window
    assert deeper.status_code == 404
    assert "5" in deeper.json()["message"]


def test_a_page_beyond_the_window_sends_no_query_for_rows(auditor, limit, django_assert_num_queries):
    FilingFactory.create_batch(3)
    with django_assert_num_queries(1):  # the token only: refused before any OFFSET reaches the database
        assert auditor.get(URL, {"page_size": 1, "page": 2_000_000}).status_code == 404


@pytest.mark.parametrize(
    "page", ["9223372036854775807", "99999999999999999999", "9" * 5000, "1000000000", "0", "-1", "x", "last", "１"]
)
def test_page_numbers_no_database_can_take_are_a_404_not_a_500(auditor, page):
    FilingFactory()
    response = auditor.get(URL, {"page": page})
    assert response.status_code == 404, response.content


def test_a_page_past_the_end_is_a_404(auditor, limit):
    FilingFactory.create_batch(3)
    assert auditor.get(URL, {"page_size": 2, "page": 2}).status_code == 200
    assert auditor.get(URL, {"page_size": 2, "page": 3}).status_code == 404


def test_an_empty_list_is_one_page_counting_zero(auditor):
    body = auditor.get(URL).json()
    assert body == {"count": 0, "count_exact": True, "next": None, "previous": None, "results": []}


def test_the_schema_documents_count_exact(auditor):
    schema = auditor.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    page = schema["components"]["schemas"]["PaginatedFilingList"]
    assert page["required"] == ["count", "count_exact", "next", "previous", "results"]
    assert page["properties"]["count_exact"]["type"] == "boolean"
    assert "estimate" in page["properties"]["count"]["description"]


@pytest.mark.django_db
@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(0, 13), limit=st.integers(1, 11), size=st.integers(1, 5))
def test_walking_next_reads_the_window_once_in_order_and_the_counts_agree(auditor, rows, limit, size):
    """Any number of rows, any limit, any page size: following ``next`` reads the list's first rows up to the
    window, each once, in the list's order; every exact count is the number of rows; an estimate is never
    below limit + 1; the page after the last one reached is a 404."""
    with override_settings(API_EXACT_COUNT_LIMIT=limit), transaction.atomic():
        mark = transaction.savepoint()
        FilingFactory.create_batch(rows)
        in_order = list(Filing.objects.order_by("-submitted_at", "-id").values_list("reference", flat=True))
        seen, envelopes = walk(auditor, {"page_size": size})
        reachable = min(rows, size * -(-limit // size))  # the pages that start inside the window
        assert seen == in_order[:reachable]
        for envelope in envelopes:
            if envelope["count_exact"]:
                assert envelope["count"] == rows
            else:
                assert rows > limit and envelope["count"] >= limit + 1
        assert auditor.get(URL, {"page_size": size, "page": len(envelopes) + 1}).status_code == 404
        transaction.savepoint_rollback(mark)
