"""Filters shared by the apps' filtersets."""

from __future__ import annotations

import datetime

import django_filters
from django.utils import timezone


def _start_of(day: datetime.date) -> datetime.datetime:
    """The first instant of ``day`` in the bureau's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DayFromFilter(django_filters.DateFilter):
    """Instants from the start of a local day on. Compared as instants, not as ``__date`` of the column,
    so the column's index serves the filter."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__gte": _start_of(value)})


class DayUntilFilter(django_filters.DateFilter):
    """Instants up to the end of a local day (before the start of the next)."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__lt": _start_of(value + datetime.timedelta(days=1))})
