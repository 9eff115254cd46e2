"""List pages: a count whose cost is bounded (exact up to API_EXACT_COUNT_LIMIT, an estimate beyond), pages that
never depend on it, and links that walk every row exactly once."""

import pytest
from django.db import connection

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


def test_every_page_of_a_broad_filter_is_reachable_and_the_last_is_exact(auditor, limit):
    filings = FilingFactory.create_batch(12)
    seen, envelopes = walk(auditor, {"page_size": 5})
    assert sorted(seen) == sorted(f.reference for f in filings)  # every row once, none twice
    assert len(envelopes) == 3
    assert [e["count_exact"] for e in envelopes] == [False, False, True]
    assert envelopes[-1]["count"] == 12  # the last page knows the total: rows before it and on it
    assert envelopes[0]["previous"] is None and envelopes[1]["previous"].endswith("page_size=5")


def test_a_page_past_the_end_is_a_404_and_page_two_of_nothing_too(auditor, limit):
    FilingFactory.create_batch(3)
    assert auditor.get(URL, {"page_size": 2, "page": 2}).status_code == 200
    assert auditor.get(URL, {"page_size": 2, "page": 3}).status_code == 404
    for bad in ("0", "-1", "x", "last", "１"):
        assert auditor.get(URL, {"page": bad}).status_code == 404, bad


def test_an_empty_list_is_one_page_counting_zero(auditor):
    body = auditor.get(URL).json()
    assert body == {"count": 0, "count_exact": True, "next": None, "previous": None, "results": []}


def test_the_schema_documents_count_exact(auditor):
    schema = auditor.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    page = schema["components"]["schemas"]["PaginatedFilingList"]
    assert page["required"] == ["count", "count_exact", "next", "previous", "results"]
    assert page["properties"]["count_exact"]["type"] == "boolean"
    assert "estimate" in page["properties"]["count"]["description"]
