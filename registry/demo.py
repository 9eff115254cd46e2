"""Demo data for a newcomer's first `make run`: sample institutions and persons (other apps add theirs).

Everything here is clearly sample data; real institution lists and persons are imported.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import module_has_submodule
from stdnum.cn import ric

from registry.choices import InsuranceType
from registry.models import ChronicQualification, Institution, Person
from registry.services import insured_period_open
from registry.validators import normalize_phone

DATA = Path(__file__).resolve().parent / "data"

DEMO_PERSONS = [
    # name, birth date, sequence, insurance type, phone, retired (as the enrolment import says): 张三 is the
    # resettled retiree of the filing walk-through (docs/getting-started/filing-walkthrough.md)
    ("张三", "19560312", "031", InsuranceType.EMPLOYEE, "13906001234", True),
    ("李四", "19800521", "052", InsuranceType.EMPLOYEE, "13812345678", False),
    ("王芳", "19920808", "084", InsuranceType.RESIDENT, "0592-5551234", False),
    ("陈明", "19481130", "115", InsuranceType.RESIDENT, "13700001111", True),
]


def demo_id_number(birth: str, sequence: str, area: str = "350203") -> str:
    """A checksum-valid ID number for a demo person (思明区 by default)."""
    body = area + birth + sequence
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def numbered_id_number(n: int) -> str:
    """The n-th distinct checksum-valid ID number (birth dates from 1950, 1000 per day): the generated
    persons of the benchmarks and of the tests, each a different number."""
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000)
    return demo_id_number(birth.strftime("%Y%m%d"), f"{n % 1000:03d}")


def load_institutions() -> int:
    with open(DATA / "institutions.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        Institution.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "city_id": row["city_code"],
                "level": int(row["level"]),
                "settles_inpatient": row["inpatient"] == "1",
                "settles_outpatient": row["outpatient"] == "1",
                "settles_chronic_outpatient": row["chronic_outpatient"] == "1",
            },
        )
    return len(rows)


def load_persons() -> list[Person]:
    persons = []
    for name, birth, sequence, insurance_type, phone, retired in DEMO_PERSONS:
        person, created = Person.objects.get_or_create(
            id_number=demo_id_number(birth, sequence),
            defaults={
                "name": name,
                "insurance_type": insurance_type,
                "phone": normalize_phone(phone),
                "retired": retired,
            },
        )
        if created:
            insured_period_open(person, starts_on=None)  # insured since before the records begin
        persons.append(person)
    # 陈明 holds a hypertension qualification (门诊慢特病), settled directly across provinces.
    ChronicQualification.objects.get_or_create(
        person=persons[-1], disease_id="hypertension", defaults={"starts_on": datetime.date(2024, 1, 1)}
    )
    return persons


def load() -> list[DemoSection]:
    """The registry's part of the demo data: sample institutions and demo persons."""
    institutions = load_institutions()
    persons = load_persons()
    return [
        DemoSection(f"Sample institutions: {institutions}", []),
        DemoSection("Demo insured persons (ID number, name):", [f"{p.id_number}  {p.name}" for p in persons]),
    ]


@dataclass(frozen=True)
class DemoSection:
    """What a demo loader prints: a title and lines; ``secret`` lines are shown this once only."""

    title: str
    lines: list[str]
    secret: bool = False


def load_demo_data() -> list[DemoSection]:
    """Every installed app's demo data (its ``demo.load()``), in INSTALLED_APPS order, in one transaction.

    Apps are found, not imported by name, so the registry needs no import of the apps above it.
    """
    sections: list[DemoSection] = []
    with transaction.atomic():
        for app in apps.get_app_configs():
            if not module_has_submodule(app.module, "demo"):
                continue
            module = import_module(f"{app.name}.demo")
            if hasattr(module, "load"):
                sections.extend(module.load())
    return sections
