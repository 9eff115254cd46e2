"""Instants read from PostgreSQL by psycopg's C parser.

Django reads ``timestamptz`` with a subclass of psycopg's pure-Python loader (to set the time zone of the
values it returns), so every instant of every row is parsed by a regular expression in Python: 3 µs each,
300 on a 50-row filing page, millions in an export of the audit events. psycopg's C loader
(``psycopg_binary``, which ``requirements.txt`` installs) parses in 0.4 µs, but Python cannot subclass it.

``CTimestamptzLoader`` wraps it: registered on each new connection (``connection_created``), it returns what
Django's does — an aware ``datetime`` in UTC, Django's connection time zone with ``USE_TZ`` — and declares
that zone as ``timezone``, which Django compares before each cursor to decide whether to register its own
again. Where the C module is absent, or the connection's zone is not UTC, nothing is registered.
``tests/perf/test_db_loaders.py`` checks the values are the same as Django's, around the zone's edges.
"""

from __future__ import annotations

import datetime

from psycopg.adapt import Loader

try:
    from psycopg_binary._psycopg import TimestamptzLoader as _CLoader
except ImportError:  # psycopg without its binary package: Django's loader stays
    _CLoader = None

UTC = datetime.UTC


class CTimestamptzLoader(Loader):
    """``timestamptz`` in text format parsed in C, returned in UTC (``timezone`` as Django's loaders declare it)."""

    timezone = UTC

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._load = _CLoader(oid, context).load

    def load(self, data):
        value = self._load(data)
        # The session's zone is UTC (Django sets it on connecting), so the C parser answers in UTC already.
        return value if value.tzinfo is UTC else value.astimezone(UTC)


def register(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: parse this PostgreSQL connection's instants in C."""
    if _CLoader is None or connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    connection.connection.adapters.register_loader("timestamptz", CTimestamptzLoader)
