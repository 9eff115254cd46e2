"""Human-readable references: a prefix, the day, and a serial per day (BA20261123000042)."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from registry.models import ReferenceSequence


def next_reference(prefix: str) -> str:
    """The next reference for ``prefix`` today; call inside the transaction that stores the record.

    The counter row is updated in place, so on PostgreSQL concurrent callers queue on its
    row lock and never share a serial; a rolled-back caller gives its serial back.
    """
    day = timezone.localdate()
    last = _count_up(prefix, day)
    if last is None:
        try:
            with transaction.atomic():
                last = ReferenceSequence.objects.create(prefix=prefix, day=day, last=1).last
        except IntegrityError:  # another caller created today's row first
            last = _count_up(prefix, day)
    return f"{prefix}{day:%Y%m%d}{last:06d}"


def _count_up(prefix: str, day) -> int | None:
    """Today's serial counted up and read back in one statement (``RETURNING``); None when there is no row yet."""
    table = connection.ops.quote_name(ReferenceSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE prefix = %s AND day = %s RETURNING last",  # noqa: S608
            [prefix, connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    return row[0] if row else None
