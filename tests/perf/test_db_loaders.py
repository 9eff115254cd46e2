"""PostgreSQL instants parsed by psycopg's C loader (config.db_loaders) equal what Django's own loader returns."""

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from config.db_loaders import CTimestamptzLoader
from filings.models import Filing
from tests.conftest import postgres_only
from tests.factories import FilingFactory

pytestmark = [pytest.mark.django_db, postgres_only("psycopg's loaders of PostgreSQL instants")]

TEXTS = [
    "2026-01-01 00:00:00+08",
    "2025-12-31 23:59:59.999999+00",
    "2026-03-29 02:30:00.5+01",
    "1970-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2026-06-30 12:00:00-05:30",
    "2024-02-29 08:00:00.000001+14",
]


def read(texts: list[str], loader=None) -> list[datetime.datetime]:
    with connection.cursor() as cursor:
        if loader is not None:
            cursor.cursor.adapters.register_loader("timestamptz", loader)
        cursor.execute("SELECT unnest(%s::timestamptz[])", [texts])
        return [row[0] for row in cursor.fetchall()]


def test_every_connection_reads_instants_with_the_c_loader():
    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(1184, 0) is CTimestamptzLoader


def test_the_same_values_as_djangos_loader_in_utc():
    ours, djangos = read(TEXTS), read(TEXTS, Django)
    assert ours == djangos
    assert [value.tzinfo for value in ours] == [datetime.UTC] * len(TEXTS)
    assert ours[0] == datetime.datetime(2025, 12, 31, 16, 0, tzinfo=datetime.UTC)


class Django(BaseTzLoader):
    timezone = datetime.UTC


# Any instant PostgreSQL holds between years 2 and 9998, written with any offset it accepts (to the minute, ±15 h).
instants = st.builds(
    lambda moment, minutes: moment.replace(tzinfo=datetime.timezone(datetime.timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime.datetime(2, 1, 1), max_value=datetime.datetime(9998, 12, 31)),
    st.integers(min_value=-15 * 60 + 1, max_value=15 * 60 - 1),
)


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(instants, min_size=1, max_size=40))
def test_any_instants_read_as_djangos_loader_reads_them(values):
    """Random instants sent as text in their own offsets: the C loader's answers equal Django's, and the values."""
    texts = [value.isoformat(sep=" ") for value in values]
    ours = read(texts)
    assert ours == read(texts, Django)
    assert ours == values
    assert {value.tzinfo for value in ours} == {datetime.UTC}


def test_a_model_instant_round_trips():
    filing = FilingFactory()
    at = timezone.localtime().replace(microsecond=123456)
    Filing.objects.filter(pk=filing.pk).update(consent_at=at)
    read_back = Filing.objects.get(pk=filing.pk).consent_at
    assert read_back == at
    assert read_back.tzinfo is datetime.UTC
