"""config.db_router: reads to the replica when there is one; writes, and a request's reads after them, to the primary.

The ``replica`` alias of the test settings mirrors the test database (``TEST: {"MIRROR": "default"}``)
and is off (``DATABASE_REPLICA_ALIAS = None``) unless a test turns it on, as production does when
``DATABASE_REPLICA_URL`` is set.
"""

import datetime

import pytest
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.models import ChannelAPIKey
from config import db_router
from config.api.middleware import PrimaryPinningMiddleware
from filings.models import Filing
from registry.models import Holiday, Person
from tests.conftest import postgres_only
from tests.factories import referring_hospital

pytestmark = pytest.mark.django_db(databases=["default", "replica"])
ELIGIBILITY = "/api/v1/eligibility/"
QUESTION = {"id_number": "11010519491231002X", "city": "310100", "visit": "inpatient", "date": "2026-06-15"}


# A whole request on two connections: on SQLite the mirror is a second connection to one shared
# in-memory database, which the test's open transaction locks; PostgreSQL has real sessions.
REQUESTS_ON_TWO_CONNECTIONS = postgres_only("a request served by two connections")


@pytest.fixture(autouse=True)
def unpinned():
    token = db_router.reset_pin()
    yield
    db_router.restore_pin(token)


@pytest.fixture
def with_replica(settings):
    settings.DATABASE_REPLICA_ALIAS = "replica"


def run_request(method: str, work):
    """``work()`` inside a request passing through PrimaryPinningMiddleware; returns what it returned."""
    seen = {}

    def view(request):
        seen["result"] = work()
        return HttpResponse()

    PrimaryPinningMiddleware(view)(getattr(RequestFactory(), method)("/api/v1/filings/"))
    return seen["result"]


def tables_read(alias: str, captured) -> str:
    return " ".join(q["sql"] for q in captured.captured_queries)


class TestWithoutReplica:
    def test_everything_goes_to_default(self):
        assert router.db_for_read(Filing) == "default"
        assert router.db_for_write(Filing) == "default"
        assert not db_router.is_pinned()  # nothing to pin to

    @REQUESTS_ON_TWO_CONNECTIONS
    def test_eligibility_reads_only_the_primary(self, client_for):
        hospital = client_for(channel="hospital", institution=referring_hospital())
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            assert hospital.get(ELIGIBILITY, QUESTION).status_code == 200
        assert on_replica.captured_queries == []


@pytest.mark.usefixtures("with_replica")
class TestWithReplica:
    def test_reads_go_to_the_replica_and_writes_to_the_primary(self):
        assert router.db_for_read(Filing) == "replica"
        assert router.db_for_read(Person) == "replica"
        assert router.db_for_write(Filing) == "default"

    def test_a_write_pins_the_later_reads_to_the_primary(self):
        def write_then_read():
            before = router.db_for_read(Filing)
            Holiday.objects.create(date=datetime.date(2031, 1, 2), name="test")
            return before, router.db_for_read(Filing), Holiday.objects.filter(date=datetime.date(2031, 1, 2)).db

        assert run_request("get", write_then_read) == ("replica", "default", "default")
        # The next request starts on the replica again.
        assert run_request("get", lambda: router.db_for_read(Filing)) == "replica"

    def test_an_unsafe_request_reads_the_primary_from_the_start(self):
        assert run_request("post", lambda: router.db_for_read(Filing)) == "default"
        assert run_request("delete", lambda: router.db_for_read(Filing)) == "default"
        assert run_request("head", lambda: router.db_for_read(Filing)) == "replica"

    def test_a_transaction_reads_the_primary(self):
        with transaction.atomic():
            assert router.db_for_read(Filing) == "default"
            assert Filing.objects.select_for_update().filter(pk=0).db == "default"

    def test_credentials_are_read_on_the_primary(self):
        assert router.db_for_read(ChannelAPIKey) == "default"

    def test_the_replica_is_never_migrated(self):
        assert router.allow_migrate("replica", "filings") is False
        assert router.allow_migrate("default", "filings") is True

    @REQUESTS_ON_TWO_CONNECTIONS
    def test_eligibility_is_served_by_the_replica(self, client_for):
        # A key of no institution: the replica's connection does not see what this test wrote.
        hospital = client_for(channel="hospital", institution=referring_hospital())
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            response = hospital.get(ELIGIBILITY, QUESTION)
        assert response.status_code == 200, response.content
        assert response.json()["reason_code"] == "not_insured_here"
        replica_sql = tables_read("replica", on_replica)
        assert "registry_region" in replica_sql and "registry_person" in replica_sql
        assert len(on_replica.captured_queries) == 1  # the one-query pin holds on the replica
        # The answer's record (audit.EligibilityQuestion) is written on the primary, naming the person
        # in its INSERT; every read of the answer itself is on the replica.
        reads = [q["sql"] for q in on_primary.captured_queries if not q["sql"].lstrip().upper().startswith("INSERT")]
        assert "registry_person" not in " ".join(reads)
