"""Writes of the audit app: the record of every eligibility answer, one statement per answer."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.utils import timezone

from audit.digests import id_number_digest
from audit.models import EligibilityQuestion
from config.actors import Actor
from registry.models import Person

# The columns one answer writes, in the order of the statement's parameters; ``person`` is looked up in the
# statement itself, by the number as the eligibility selector looked it up.
COLUMNS = (
    "at",
    "institution",
    "caller",
    "key_prefix",
    "id_number_digest",
    "city",
    "visit",
    "treatment_date",
    "covered",
    "reason_code",
)
_statements: dict[str, str] = {}


def _insert_statement(connection) -> str:
    """``INSERT … SELECT`` of one row with the person found by number inside it: one round trip, no ORM.

    On PostgreSQL the row is committed without waiting for the WAL to reach the disk
    (``synchronous_commit`` off for this statement's own transaction only): an access log may lose
    its last fraction of a second (at most three times ``wal_writer_delay``, 0.6 s by default) if the
    server crashes, and never becomes inconsistent; filings, claims and their events still commit
    synchronously. Waiting for the disk at every question costs a hospital's admission desk more than
    the question itself (bench/README.md, "the record of eligibility answers").
    """
    statement = _statements.get(connection.vendor)
    if statement is None:
        quote = connection.ops.quote_name
        meta, person = EligibilityQuestion._meta, Person._meta
        columns = [quote(meta.get_field(name).column) for name in COLUMNS]
        columns.append(quote(meta.get_field("person").column))
        lookup = (
            f"(SELECT {quote(person.pk.column)} FROM {quote(person.db_table)} "
            f"WHERE {quote(person.get_field('id_number').column)} = %s)"
        )
        statement = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(['%s'] * len(COLUMNS))}, {lookup}"
        )
        if connection.vendor == "postgresql":
            statement += " FROM set_config('synchronous_commit', 'off', true)"
        _statements[connection.vendor] = statement
    return statement


def eligibility_question_record(
    *,
    actor: Actor,
    key_prefix: str,
    id_number: str,
    city_code: str,
    on: datetime.date,
    visit: str,
    covered: bool,
    reason_code: str,
    at: datetime.datetime | None = None,
) -> None:
    """Record one eligibility answer: who asked (the actor, its institution, its API key's prefix), the keyed
    hash of the number asked about (``audit.digests``) and the person it belongs to, the place, day and visit,
    and the answer's outcome. ``id_number`` is the number as the selector looked it up.

    ``ELIGIBILITY_RECORD = False`` (bench only: ``bench/unrecorded_settings.py``) records nothing.
    """
    if not settings.ELIGIBILITY_RECORD:
        return
    connection = connections[router.db_for_write(EligibilityQuestion) or DEFAULT_DB_ALIAS]
    ops = connection.ops
    params = [  # in the order of COLUMNS; the text and the flag go to the driver as they are
        ops.adapt_datetimefield_value(at or timezone.now()),
        actor.institution_code,
        actor.label[:80],
        key_prefix[:16],
        id_number_digest(id_number),
        city_code,
        visit,
        ops.adapt_datefield_value(on),
        covered,
        reason_code[:32],
        id_number,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_statement(connection), params)
