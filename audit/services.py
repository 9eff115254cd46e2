"""Writes of the audit app: the record of every eligibility answer, one statement per answer."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.utils import timezone

from audit.digests import id_number_digest
from audit.models import EligibilityQuestion
from audit.recorder import BatchWriter
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
    """``INSERT … SELECT`` of one row with the person found by number inside it; no ORM. A batch sends it
    once per row, all in one round trip and one transaction.

    On PostgreSQL the rows are committed without waiting for the WAL to reach the disk
    (``synchronous_commit`` off for the statement's own transaction only): an access log may lose
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

    The row is handed to this process's batch writer (``audit.recorder``), which writes it within
    ``ELIGIBILITY_RECORD_BATCH_SECONDS``; with 0, it is written at once in the caller's transaction.
    Raises ``audit.recorder.RecordUnavailable`` when the database has refused the waiting rows for too long.
    ``ELIGIBILITY_RECORD = False`` (bench only: ``bench/unrecorded_settings.py``) records nothing.
    """
    if not settings.ELIGIBILITY_RECORD:
        return
    row = (
        at or timezone.now(),
        actor.institution_code,
        actor.label[:80],
        key_prefix[:16],
        id_number,
        city_code,
        visit,
        on,
        covered,
        reason_code[:32],
    )
    alias = router.db_for_write(EligibilityQuestion) or DEFAULT_DB_ALIAS
    delay = settings.ELIGIBILITY_RECORD_BATCH_SECONDS
    if delay <= 0:
        write_questions(connections[alias], [row])
        return
    global _writer
    if _writer is None or _writer.alias != alias or _writer.delay != delay:
        _writer = BatchWriter(write_questions, alias=alias, delay=delay)
    _writer.put(row)


_writer: BatchWriter | None = None


def write_questions(connection, rows) -> None:
    """Write recorded answers (rows in the order of ``COLUMNS`` with the number in place of its digest), one
    statement per row sent in one round trip; the digest is computed here, off the request when batched."""
    ops = connection.ops
    params = [
        [
            ops.adapt_datetimefield_value(at),
            institution,
            caller,
            prefix,
            id_number_digest(id_number),
            city,
            visit,
            ops.adapt_datefield_value(on),
            covered,
            reason,
            id_number,  # the person, looked up inside the statement
        ]
        for at, institution, caller, prefix, id_number, city, visit, on, covered, reason in rows
    ]
    with connection.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(_insert_statement(connection), params[0])
        else:
            cursor.executemany(_insert_statement(connection), params)
