"""Contract classes declare their caller table; this hook turns it into one test per caller. The schema served."""

import pytest
from rest_framework.test import APIClient

from tests.api.mixins import CALLERS

SCHEMA_URL = "/api/schema/"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    """The OpenAPI schema as a client generator fetches it (once per module)."""
    with django_db_blocker.unblock():
        return APIClient().get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def pytest_generate_tests(metafunc):
    """``who``/``expected`` from the class's ``callers``; ``queries_who``/``queries`` from its ``num_queries``.

    A contract must say what every kind of caller gets: a table that leaves one out is an error.
    """
    cls = metafunc.cls
    if cls is None:
        return
    if {"who", "expected"} <= set(metafunc.fixturenames) and hasattr(cls, "callers"):
        callers = cls.callers
        if set(callers) != set(CALLERS):
            missing, extra = set(CALLERS) - set(callers), set(callers) - set(CALLERS)
            raise ValueError(f"{cls.__name__}.callers: missing {sorted(missing)}, unknown {sorted(extra)}")
        ordered = [(who, callers[who]) for who in CALLERS]
        metafunc.parametrize(("who", "expected"), ordered, ids=[f"{who}-{status}" for who, status in ordered])
    if {"queries_who", "queries"} <= set(metafunc.fixturenames) and hasattr(cls, "num_queries"):
        pinned = list(cls.num_queries.items())
        metafunc.parametrize(("queries_who", "queries"), pinned, ids=[who for who, _n in pinned])
