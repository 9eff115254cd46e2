"""Day filters of the lists compare instants with the bounds of local days (Asia/Shanghai), not a cast."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from filings.models import Filing
from tests.factories import ClaimFactory, FilingFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
LATE = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC: still 1 March here


@pytest.mark.parametrize(
    "params, found",
    [
        ({"submitted_before": "2026-03-01"}, True),
        ({"submitted_after": "2026-03-01"}, True),
        ({"submitted_after": "2026-03-02"}, False),
        ({"submitted_before": "2026-02-28"}, False),
        ({"submitted_after": "2026-03-01", "submitted_before": "2026-03-01"}, True),
    ],
)
def test_a_filing_submitted_late_in_the_evening_belongs_to_that_local_day(auditor, params, found):
    filing = FilingFactory()
    Filing.objects.filter(pk=filing.pk).update(submitted_at=LATE)
    with CaptureQueriesContext(connection) as queries:
        references = [row["reference"] for row in auditor.get("/api/v1/filings/", params).json()["results"]]
    assert (filing.reference in references) is found
    assert not any("django_datetime_cast_date" in q["sql"] or "AT TIME ZONE" in q["sql"] for q in queries)


def test_claims_filter_by_local_day_too(auditor):
    claim = ClaimFactory()
    type(claim).objects.filter(pk=claim.pk).update(submitted_at=LATE)
    before = auditor.get("/api/v1/claims/", {"submitted_before": "2026-03-01"}).json()["results"]
    after = auditor.get("/api/v1/claims/", {"submitted_after": "2026-03-02"}).json()["results"]
    assert [c["reference"] for c in before] == [claim.reference] and after == []
