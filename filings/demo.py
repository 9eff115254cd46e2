"""Demo data for a newcomer's first `make run`: sample institutions, persons, staff and keys.

Everything here is clearly sample data; real institution lists and persons are imported.
"""

from __future__ import annotations

import csv
import secrets
from pathlib import Path

from django.db import transaction
from stdnum.cn import ric

from accounts.choices import Role
from accounts.models import Channel, ChannelAPIKey, User
from accounts.services import channel_key_issue, staff_create
from filings.choices import InsuranceType
from filings.models import Institution, Person
from filings.validators import normalize_phone

DATA = Path(__file__).resolve().parent / "data"

DEMO_PERSONS = [
    # name, birth date, sequence, insurance type, phone
    ("张三", "19560312", "031", InsuranceType.EMPLOYEE, "13906001234"),
    ("李四", "19800521", "052", InsuranceType.EMPLOYEE, "13812345678"),
    ("王芳", "19920808", "084", InsuranceType.RESIDENT, "0592-5551234"),
    ("陈明", "19481130", "115", InsuranceType.RESIDENT, "13700001111"),
]


def demo_id_number(birth: str, sequence: str, area: str = "350203") -> str:
    """A checksum-valid ID number for a demo person (思明区 by default)."""
    body = area + birth + sequence
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


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
    for name, birth, sequence, insurance_type, phone in DEMO_PERSONS:
        person, _created = Person.objects.get_or_create(
            id_number=demo_id_number(birth, sequence),
            defaults={"name": name, "insurance_type": insurance_type, "phone": normalize_phone(phone)},
        )
        persons.append(person)
    return persons


def create_staff_accounts() -> list[tuple[str, str, str]]:
    """One demo account per role, created only when missing; returns (role, username, password) once."""
    created = []
    for role in Role.values:
        username = f"demo_{role}"
        if User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(12)
        staff_create(username=username, role=role, password=password)
        created.append((role, username, password))
    return created


def issue_channel_keys() -> list[tuple[str, str]]:
    """A key for every channel that has none yet; returns (channel, key) once."""
    issued = []
    for channel in Channel.objects.filter(is_active=True).order_by("code"):
        if ChannelAPIKey.objects.filter(channel=channel).exists():
            continue
        _key, plain = channel_key_issue(channel_code=channel.code, name=f"demo {channel.code}")
        issued.append((channel.code, plain))
    return issued


@transaction.atomic
def load_demo_data() -> dict:
    return {
        "institutions": load_institutions(),
        "persons": load_persons(),
        "staff": create_staff_accounts(),
        "keys": issue_channel_keys(),
    }
