"""Human-readable references: a prefix, the day, and a serial per day (BA20261123000042)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from registry.models import ReferenceSequence


def next_reference(prefix: str) -> str:
    """The next reference for ``prefix`` today; call inside the transaction that stores the record.

    The counter row is updated in place, so on PostgreSQL concurrent callers queue on its
    row lock and never share a serial; a rolled-back caller gives its serial back.
    """
    day = timezone.localdate()
    updated = ReferenceSequence.objects.filter(prefix=prefix, day=day).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                ReferenceSequence.objects.create(prefix=prefix, day=day, last=1)
        except IntegrityError:  # another caller created today's row first
            ReferenceSequence.objects.filter(prefix=prefix, day=day).update(last=F("last") + 1)
    last = ReferenceSequence.objects.get(prefix=prefix, day=day).last
    return f"{prefix}{day:%Y%m%d}{last:06d}"
