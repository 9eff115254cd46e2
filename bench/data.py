"""Synthetic data: the persons CSV, filings created in bulk, and the questions asked of them.

Person ``n`` is the n-th line of the CSV (ID number ``valid_id_number(n)``). Persons below
``FILED`` hold an effective filing (the first ``CHANGED`` of them also an older, changed one
it replaced); the next ``REVOKED`` hold only a revoked filing; the rest hold none.
"""

from __future__ import annotations

import csv
import datetime
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from filings.choices import FILING_CATEGORY, FilingCategory, FilingState, FilingType
from filings.models import Filing
from registry.choices import InsuranceType, VisitKind
from registry.demo import numbered_id_number as valid_id_number
from registry.models import Institution

PERSONS = 100_000
FILED = 50_000
CHANGED = 2_000
REVOKED = 2_000
BATCH = 2_000

CSV_HEADER = ("id_number", "name", "insurance_type", "social_security_card", "phone", "insured_status")
# Valid mainland mobile prefixes; the last four digits vary with the person.
PHONE_PREFIXES = ("1390600", "1380592", "1370500", "1860592", "1500592", "1590592", "1330592", "1770592")

# Destinations (provinces and cities) and a city where a filing for each covers treatment.
COVERED_CITY = {
    "310000": "310100",
    "440000": "440300",
    "110000": "110100",
    "310100": "310100",
    "440100": "440100",
    "330100": "330100",
}
DESTINATIONS = tuple(COVERED_CITY)
OUT_OF_PROVINCE_CITIES = ("310100", "440100", "440300", "330100", "110100", "320100")
# Inside the insured province (Xiamen): 350200 needs no filing, 350400 still does.
IN_PROVINCE_CITIES = ("350200", "350400")
FILING_TYPES = (
    FilingType.RETIREE_RESETTLED,
    FilingType.LONG_TERM_RESIDENT,
    FilingType.STATIONED_WORKER,
    FilingType.OTHER_TEMPORARY,
    FilingType.REFERRAL,
)
# A tertiary institution of the insured city, as referrals require.
REFERRING_INSTITUTION = "H35020000001"


def phone(n: int) -> str:
    return f"{PHONE_PREFIXES[n % len(PHONE_PREFIXES)]}{n // len(PHONE_PREFIXES) % 10_000:04d}"


def write_persons_csv(path: Path, count: int = PERSONS) -> list[str]:
    """Write ``count`` active persons to ``path``; returns their ID numbers, person ``n`` at index ``n``."""
    id_numbers = [valid_id_number(n) for n in range(count)]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADER)
        for n, id_number in enumerate(id_numbers):
            insurance_type = InsuranceType.EMPLOYEE if n % 3 else InsuranceType.RESIDENT
            writer.writerow([id_number, f"参保人{n}", insurance_type, f"3502{n:010d}", phone(n), "active"])
    return id_numbers


@dataclass
class Coverage:
    """Where and from when each person's filing covers, to ask questions with known answers."""

    effective: dict[int, tuple[str, datetime.date]] = field(default_factory=dict)
    revoked: dict[int, tuple[str, datetime.date]] = field(default_factory=dict)


def effective_filing(
    person_pk: int, n: int, filing_type: str, destination: str, start: datetime.date, *, reference: str, **extra
) -> Filing:
    """An effective filing of person ``person_pk`` (unsaved, for ``bulk_create``: no events, no service rules)."""
    submitted = timezone.make_aware(datetime.datetime.combine(start, datetime.time(9)))
    temporary = FILING_CATEGORY[filing_type] == FilingCategory.TEMPORARY
    referral = filing_type == FilingType.REFERRAL
    fields = {
        "reference": reference,
        "person_id": person_pk,
        "filing_type": filing_type,
        "category": FILING_CATEGORY[filing_type],  # bulk_create skips Filing.save(), which sets it
        "destination_id": destination,
        "start_date": start,
        "end_date": start + datetime.timedelta(days=364) if temporary else None,
        "contact_name": f"联系人{n}",
        "contact_phone": phone(n),
        "consent": True,
        "consent_at": submitted,
        "channel_id": "xm_wechat",
        "state": FilingState.EFFECTIVE,
        "submitted_at": submitted,
        "effective_at": submitted,
        "referring_institution_id": REFERRING_INSTITUTION if referral else None,
        "referral_diagnosis": "冠状动脉粥样硬化性心脏病" if referral else "",
        "referral_date": start if referral else None,
    }
    fields.update(extra)
    return Filing(**fields)


def create_filings(person_pks: list[int], *, today: datetime.date, rng: random.Random) -> Coverage:
    """Bulk-insert the filings (no events, no service rules) and return what they cover."""
    coverage = Coverage()
    # One fixed day before every start date, so no reference clashes with those filing_submit hands out.
    prefix = f"BA{today - datetime.timedelta(days=400):%Y%m%d}"
    serial = iter(range(1, 1_000_000))

    def build(n: int, filing_type: str, destination: str, start: datetime.date, **extra) -> Filing:
        return effective_filing(
            person_pks[n], n, filing_type, destination, start, reference=f"{prefix}{next(serial):06d}", **extra
        )

    def ended(last_day: datetime.date, state: str, reason: str) -> dict:
        at = timezone.make_aware(datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(10)))
        return {"state": state, "covered_until": last_day, "ended_at": at, "end_reason": reason}

    starts = {n: today - datetime.timedelta(days=rng.randrange(365)) for n in range(FILED + REVOKED)}
    with transaction.atomic():
        # Changed filings first, so the effective filings that replaced them can point at them.
        changed = []
        for n in range(CHANGED):
            start = starts[n] - datetime.timedelta(days=rng.randint(30, 300))
            destination = DESTINATIONS[(n + 1) % len(DESTINATIONS)]
            last_day = starts[n] - datetime.timedelta(days=1)
            extra = ended(last_day, FilingState.CHANGED, "变更备案地")
            changed.append(build(n, FILING_TYPES[n % len(FILING_TYPES)], destination, start, **extra))
        Filing.objects.bulk_create(changed, batch_size=BATCH)
        replaced = dict(Filing.objects.filter(state=FilingState.CHANGED).values_list("person_id", "pk"))

        effective = []
        for n in range(FILED):
            destination = DESTINATIONS[n % len(DESTINATIONS)]
            replaces = replaced.get(person_pks[n]) if n < CHANGED else None
            effective.append(
                build(n, FILING_TYPES[n % len(FILING_TYPES)], destination, starts[n], replaces_id=replaces)
            )
            coverage.effective[n] = (destination, starts[n])
        Filing.objects.bulk_create(effective, batch_size=BATCH)

        revoked = []
        for n in range(FILED, FILED + REVOKED):
            start = min(starts[n], today - datetime.timedelta(days=60))
            destination = DESTINATIONS[n % len(DESTINATIONS)]
            last_day = start + datetime.timedelta(days=rng.randint(10, 50))
            extra = ended(last_day, FilingState.REVOKED, "参保人申请撤销")
            revoked.append(build(n, FILING_TYPES[n % len(FILING_TYPES)], destination, start, **extra))
            coverage.revoked[n] = (destination, start)
        Filing.objects.bulk_create(revoked, batch_size=BATCH)
    return coverage


@dataclass(frozen=True)
class Question:
    """The arguments of one eligibility check."""

    id_number: str
    city_code: str
    on: datetime.date
    visit: str
    institution_code: str | None

    def as_kwargs(self) -> dict:
        return {
            "id_number": self.id_number,
            "city_code": self.city_code,
            "on": self.on,
            "visit": self.visit,
            "institution_code": self.institution_code,
        }

    def as_query(self) -> dict:
        query = {"id_number": self.id_number, "city": self.city_code, "date": self.on.isoformat(), "visit": self.visit}
        if self.institution_code:
            query["institution"] = self.institution_code
        return query


def institutions_by_city() -> dict[str, list[str]]:
    by_city: dict[str, list[str]] = {}
    for city, code in Institution.objects.order_by("code").values_list("city_id", "code"):
        by_city.setdefault(city, []).append(code)
    return by_city


def eligibility_questions(
    count: int, *, coverage: Coverage, id_numbers: list[str], today: datetime.date, rng: random.Random
) -> list[Question]:
    """A mix of questions: covered by a filing, filed elsewhere, revoked, unfiled, in-province, unknown persons."""
    institutions = institutions_by_city()
    questions = []

    def day_between(first: datetime.date) -> datetime.date:
        return first + datetime.timedelta(days=rng.randint(0, max(0, (today - first).days)))

    year_ago = today - datetime.timedelta(days=364)
    for _ in range(count):
        draw = rng.random()
        if draw < 0.45:  # the city and a day the person's effective filing covers
            n = rng.randrange(FILED)
            destination, start = coverage.effective[n]
            city, on = COVERED_CITY[destination], day_between(start)
        elif draw < 0.60:  # a filed person somewhere else (or before the filing started)
            n = rng.randrange(FILED)
            destination, _start = coverage.effective[n]
            city = rng.choice([c for c in OUT_OF_PROVINCE_CITIES if c != COVERED_CITY[destination]])
            on = day_between(year_ago)
        elif draw < 0.70:  # a revoked filing: covered up to its last day only
            n = rng.randrange(FILED, FILED + REVOKED)
            destination, start = coverage.revoked[n]
            city, on = COVERED_CITY[destination], day_between(start)
        elif draw < 0.85:  # a person without any filing
            n = rng.randrange(FILED + REVOKED, len(id_numbers))
            city, on = rng.choice(OUT_OF_PROVINCE_CITIES), day_between(year_ago)
        elif draw < 0.93:  # treatment inside the insured province
            n = rng.randrange(len(id_numbers))
            city, on = rng.choice(IN_PROVINCE_CITIES), day_between(year_ago)
        else:  # not insured with this bureau
            n = -1
            city, on = rng.choice(OUT_OF_PROVINCE_CITIES), day_between(year_ago)
        id_number = id_numbers[n] if n >= 0 else valid_id_number(len(id_numbers) + rng.randrange(100_000))
        institution = rng.choice(institutions[city]) if city in institutions and rng.random() < 0.3 else None
        questions.append(Question(id_number, city, on, rng.choice(VisitKind.values), institution))
    return questions
