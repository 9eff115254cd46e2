"""Reads of the registry, each scoped to what the caller may see."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from config.actors import Actor, ActorKind
from config.errors import ValidationFailed
from config.limits import check_all, named_person_guesses, personal_lookup_guesses
from registry.choices import HolidayKind
from registry.identifiers import name_key, normalize_identifier
from registry.models import Holiday, HolidayYear, Institution, Person, Region
from registry.statutory import statutory_holidays
from registry.workdays import DueDate, WorkingCalendar

# From this month on, next year's calendar is expected (the State Council publishes it in October-December).
CALENDAR_DUE_MONTH = 11


def region_list() -> QuerySet[Region]:
    return Region.objects.all()


def institution_list() -> QuerySet[Institution]:
    return Institution.objects.select_related("city")


def scoped_to_actor(queryset: QuerySet, actor: Actor | None, *, owner: str = "person_id") -> QuerySet:
    """Staff see every record; a person only their own (``owner`` names the person field); others none."""
    if actor is None:
        return queryset.none()
    if actor.is_staff:
        return queryset
    if actor.kind == ActorKind.PERSON:
        return queryset.filter(**{owner: actor.person_id})
    return queryset.none()


def person_list(*, actor: Actor | None) -> QuerySet[Person]:
    """Staff see every person; a person sees only themself; channels see none."""
    return scoped_to_actor(Person.objects.select_related("insured_region"), actor, owner="pk")


def person_for_request(*, actor: Actor, id_number: str | None, name: str | None = None) -> Person:
    """The person a filing or claim is for: the session's person, or the one staff or a hospital name.

    A hospital names the person by ID number *and* name, both matching, and its misses count like a
    channel's person-session guesses: a hospital key cannot learn who is insured here from numbers.
    """
    if actor.kind == ActorKind.PERSON:
        return Person.objects.select_related("insured_region").get(pk=actor.person_id)
    if not id_number:
        raise ValidationFailed(_("Name the person by ID number."), errors={"id_number": [_("This field is required.")]})
    if actor.is_hospital:
        return _person_named_by_hospital(actor, id_number, name)
    person = person_looked_up(actor=actor, id_number=id_number)
    if person is None:
        raise ValidationFailed(
            _("No insured person of this bureau has this ID number."),
            errors={"id_number": [_("Not an insured person here.")]},
        )
    return person


def person_looked_up(*, actor: Actor | None, id_number: str) -> Person | None:
    """The person an ID number names, as a counted lookup (``config.limits.personal_lookup_guesses``): past the
    caller's limit every lookup is refused (429) whether the number is somebody's or not, and a number of
    nobody counts. The one way staff paths look a person up by number: filings and claims made for a person,
    the auditor's as-of view and event feed, the persons list's filter."""
    guesses = personal_lookup_guesses(actor)
    guesses.check()
    person = Person.objects.select_related("insured_region").filter(id_number=normalize_id_query(id_number)).first()
    if person is None:
        guesses.record()
    return person


def _person_named_by_hospital(actor: Actor, id_number: str, name: str | None) -> Person:
    number = normalize_id_query(id_number)
    if not (name or "").strip():
        raise ValidationFailed(
            _("Name the person by ID number and name."), errors={"name": [_("This field is required.")]}
        )
    # Its pairs, and as every lookup by number of this key (its eligibility questions included).
    guesses = [*named_person_guesses(actor, number), personal_lookup_guesses(actor)]
    check_all(guesses)
    person = Person.objects.select_related("insured_region").filter(id_number=number).first()
    if person is None or name_key(person.name) != name_key(name):
        for guess in guesses:
            guess.record()
        # One answer for "nobody has this number" and "the name is another": neither is confirmed.
        raise ValidationFailed(
            _("No insured person of this bureau has this ID number and name."),
            code="person_not_found",
            errors={"id_number": [_("No insured person here matches the ID number and name.")]},
        )
    return person


def normalize_id_query(value: str) -> str:
    """An ID number as searched for: NFKC, digits of any script as ASCII, separators removed, ``x`` as ``X``
    (``registry.identifiers.normalize_identifier``, as numbers are stored); never validated.

    Stored numbers are valid and normalised this same way, so a malformed query simply finds
    nobody; it is not an error. (Checking the checksum and birth date here cost more than the
    eligibility lookup's own parameters.)
    """
    return normalize_identifier(value or "")


def working_days_after(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` Chinese working days after ``start``, by the holiday table (holidays and 调休)."""
    return due_date_after(start, days).day


def due_date_after(start: datetime.date, days: int) -> DueDate:
    """``days`` working days after ``start``, provisional when a year counted has no published calendar."""
    return working_calendar(start, start + working_days_reach(days)).add(start, days)


def working_days_reach(days: int) -> datetime.timedelta:
    """How far ``days`` working days can reach: holidays never stretch them beyond a few weeks more."""
    return datetime.timedelta(days=7 * days + 30)


def working_calendar(first: datetime.date, last: datetime.date) -> WorkingCalendar:
    """The calendar from ``first`` to ``last``: the table's rows, and the statutory days of unpublished years."""
    holidays, makeup = set(), set()
    for day, kind in Holiday.objects.filter(date__gte=first, date__lte=last).values_list("date", "kind"):
        (makeup if kind == HolidayKind.WORKDAY else holidays).add(day)
    years = range(first.year, last.year + 1)
    published = set(HolidayYear.objects.filter(year__in=list(years)).values_list("year", flat=True))
    return WorkingCalendar.of(years, holidays=holidays, makeup_workdays=makeup, published_years=published)


def calendar_years_missing(*, today: datetime.date) -> list[int]:
    """The years whose calendar should be entered by now and is not: this year, and from 1 November the next."""
    wanted = [today.year, today.year + 1] if today.month >= CALENDAR_DUE_MONTH else [today.year]
    published = set(HolidayYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [year for year in wanted if year not in published]


def statutory_days_missing(*, year: int) -> dict[datetime.date, str]:
    """Festival days the law fixes in ``year`` that the table does not give off: its calendar is incomplete."""
    off = set(Holiday.objects.filter(date__year=year).exclude(kind=HolidayKind.WORKDAY).values_list("date", flat=True))
    return {day: name for day, name in statutory_holidays(year).items() if day not in off}
