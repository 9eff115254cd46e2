"""Reads of the filings app, each scoped to what the caller may see."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from accounts.permissions import is_person, is_staff_user
from filings.models import FilingMaterialRequirement, FilingPolicy, Institution, Person, Region


def region_list() -> QuerySet[Region]:
    return Region.objects.all()


def institution_list() -> QuerySet[Institution]:
    return Institution.objects.select_related("city")


def person_list(*, user) -> QuerySet[Person]:
    """Staff see every person; a person sees only themself; channels see none."""
    qs = Person.objects.select_related("insured_region")
    if is_staff_user(user):
        return qs
    if is_person(user):
        return qs.filter(pk=user.person_id)
    return qs.none()


def filing_requirements(*, filing_type: str, on: datetime.date | None = None) -> QuerySet[FilingMaterialRequirement]:
    return FilingMaterialRequirement.objects.in_force(on).filter(filing_type=filing_type)


def filing_policy_in_force(*, on: datetime.date | None = None) -> FilingPolicy:
    """The filing policy row in force on a date; falls back to the built-in defaults when none is."""
    policy = FilingPolicy.objects.in_force(on).order_by("-effective_from").first()
    return policy or FilingPolicy(effective_from=datetime.date.min)
