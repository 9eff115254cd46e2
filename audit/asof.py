"""What the system held about a person at a past instant, rebuilt from the records that keep time.

A filing's state at an instant is the ``to_state`` of its last event up to that instant (events
are append-only); the last day it covered, as known then, comes from the event that ended it.
The person and their insured periods as they stood come from their history tables. Nothing here
reads today's state of a filing: the answer is what an auditor would have seen at that instant.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from config.actors import Actor
from config.errors import NotFound
from filings.choices import LIVE_STATES, FilingAction, FilingState, FilingType
from filings.models import Filing, FilingEvent, InProvinceFilingCity
from filings.selectors import EMERGENCY_FILING_VISITS
from registry.choices import PeriodStatus, VisitKind
from registry.models import InsuredPeriod, Person
from registry.selectors import person_looked_up


@dataclass(frozen=True)
class FilingThen:
    reference: str
    filing_type: str
    destination: str
    start_date: datetime.date
    end_date: datetime.date | None
    state: str
    covered_until: datetime.date | None
    events: int

    def covers(self, day: datetime.date) -> bool:
        if day < self.start_date or (self.end_date is not None and day > self.end_date):
            return False
        if self.state == FilingState.EFFECTIVE:
            return True
        return self.covered_until is not None and day <= self.covered_until


def _covered_until(event_changes: dict, action: str, filing: Filing) -> datetime.date | None:
    if action == FilingAction.EXPIRE or action == FilingAction.RECORD:
        return filing.end_date
    value = (event_changes or {}).get("covered_until")
    if isinstance(value, list) and value and value[-1]:
        return datetime.date.fromisoformat(value[-1])
    return None


def filings_as_of(*, person_id: int, at: datetime.datetime) -> list[FilingThen]:
    """The person's filings that existed at ``at``, each in the state its events gave it then."""
    events = (
        FilingEvent.objects.filter(filing__person_id=person_id, at__lte=at)
        .select_related("filing")
        .order_by("filing_id", "at", "id")
    )
    last: dict[int, tuple[FilingEvent, int]] = {}
    for event in events:
        count = last[event.filing_id][1] + 1 if event.filing_id in last else 1
        last[event.filing_id] = (event, count)
    result = []
    for event, count in last.values():
        filing = event.filing
        ended = event.to_state not in LIVE_STATES
        result.append(
            FilingThen(
                reference=filing.reference,
                filing_type=filing.filing_type,
                destination=filing.destination_id,
                start_date=filing.start_date,
                end_date=filing.end_date,
                state=event.to_state,
                covered_until=_covered_until(event.changes, event.action, filing) if ended else None,
                events=count,
            )
        )
    return sorted(result, key=lambda f: f.reference)


def person_as_of(
    *,
    id_number: str,
    actor: Actor | None,
    at: datetime.datetime,
    city: str | None = None,
    visit: str | None = None,
    day: datetime.date | None = None,
) -> dict:
    """The person, their insured periods and filings as held at ``at``; with ``city`` and ``visit``,
    what eligibility would have answered then for ``day`` (the instant's own date by default). The lookup by
    number is counted for ``actor`` (``registry.selectors.person_looked_up``)."""
    person = person_looked_up(actor=actor, id_number=id_number)
    try:
        then = person.history.as_of(at) if person is not None else None
    except Person.DoesNotExist:
        then = None
    if then is None:
        raise NotFound(_("No such person was known at that instant."))
    periods = [
        p
        for p in InsuredPeriod.history.as_of(at).filter(person_id=person.pk)
        if getattr(p, "person_id", None) == person.pk
    ]
    filings = filings_as_of(person_id=person.pk, at=at)
    answer = {
        "at": at,
        "person": {
            "id": person.pk,
            "name": then.name,
            "insurance_type": then.insurance_type,
            "insured_status": then.insured_status,
            "insured_region": then.insured_region_id,
        },
        "insured_periods": [
            {"starts_on": p.starts_on, "ends_on": p.ends_on, "insurance_type": p.insurance_type, "status": p.status}
            for p in sorted(periods, key=lambda p: p.starts_on or datetime.date.min)
        ],
        "filings": [asdict(f) for f in filings],
        "eligibility": None,
    }
    if city and visit:
        day = day or timezone.localtime(at).date()
        answer["eligibility"] = _eligibility_then(periods=periods, filings=filings, city=city, visit=visit, day=day)
    return answer


def _eligibility_then(*, periods, filings: list[FilingThen], city: str, visit: str, day: datetime.date) -> dict:
    """The eligibility answer the records of that instant gave (covered, basis, filing, reason_code)."""
    period = next(
        (p for p in periods if (p.starts_on is None or p.starts_on <= day) and (p.ends_on is None or p.ends_on >= day)),
        None,
    )
    if period is None or period.status != PeriodStatus.ACTIVE:
        return {"day": day, "covered": False, "basis": None, "filing": None, "reason_code": "not_actively_insured"}
    listed = InProvinceFilingCity.objects.in_force(day).filter(city_id=city).exists()
    if city[:2] == period.insured_region_id[:2] and not listed:
        return {"day": day, "covered": True, "basis": "in_province", "filing": None, "reason_code": "in_province"}
    for filing in filings:
        if filing.destination not in (city, city[:2] + "0000") or not filing.covers(day):
            continue
        if filing.filing_type == FilingType.EMERGENCY and visit not in EMERGENCY_FILING_VISITS:
            continue
        return {"day": day, "covered": True, "basis": "filing", "filing": filing.reference, "reason_code": "filed"}
    if visit == VisitKind.EMERGENCY:
        return {"day": day, "covered": True, "basis": "emergency", "filing": None, "reason_code": "emergency"}
    return {"day": day, "covered": False, "basis": None, "filing": None, "reason_code": "no_filing"}
