"""Run by ``bench.load`` with Django on one benchmark database: credentials, request paths, plans.

Prints one JSON line: the hospital API key, the auditor token and the plan of each query.
"""

from __future__ import annotations

import datetime
import json
import random
import secrets
import sys
from pathlib import Path
from urllib.parse import urlencode

import django


def main(out_dir: Path) -> None:
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.choices import Role
    from accounts.services import channel_key_issue, staff_create, staff_token_issue
    from bench.plans import captured_selects, verdict
    from registry.models import Institution

    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    today = timezone.localdate()
    # A hospital's key belongs to its institution (a key without one is refused): the first of the catalogue.
    institution = Institution.objects.order_by("code").values_list("code", flat=True).first()
    _k, key = channel_key_issue(
        channel_code="hospital", name=f"bench {secrets.token_hex(4)}", institution_code=institution
    )
    user = staff_create(username=f"bench_{secrets.token_hex(4)}", role=Role.AUDITOR, password=secrets.token_urlsafe(16))
    _t, token = staff_token_issue(user=user)

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM filings_filing")
        top = cursor.fetchone()[0]
        ids = sorted({rng.randint(1, top) for _ in range(3000)})
        cursor.execute(
            "SELECT p.id_number, f.destination_id, r.level, f.start_date FROM filings_filing f "
            "JOIN registry_person p ON p.id = f.person_id JOIN registry_region r ON r.code = f.destination_id "
            "WHERE f.id = ANY(%s)",
            [ids],
        )
        sample = cursor.fetchall()
        cursor.execute("SELECT parent_id, min(code) FROM registry_region WHERE level = 'city' GROUP BY parent_id")
        city_of = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM registry_person")
        persons = cursor.fetchone()[0]
        cursor.execute(
            "SELECT destination_id FROM filings_filing WHERE state = 'effective' "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 20"
        )
        busy = [row[0] for row in cursor.fetchall()]

    from tests.factories import valid_id_number

    questions = []
    for id_number, destination, level, start in sample:
        city = destination if level == "city" else city_of.get(destination, "310100")
        on = min(start + datetime.timedelta(days=rng.randint(0, 200)), today)
        questions.append({"id_number": id_number, "city": city, "date": on.isoformat(), "visit": "inpatient"})
    for _ in range(len(sample) // 5):  # persons without a filing or not known, other cities
        n = rng.randrange(persons + persons // 10)
        questions.append(
            {"id_number": valid_id_number(n), "city": "440100", "date": today.isoformat(), "visit": "outpatient"}
        )
    rng.shuffle(questions)
    (out_dir / "eligibility.txt").write_text("".join(f"?{urlencode(q)}\n" for q in questions))
    (out_dir / "eligibility_floor.txt").write_text(
        "".join(f"/eligibility-same-sql/?{urlencode(q)}\n" for q in questions)
    )
    (out_dir / "eligibility_floor_light.txt").write_text("".join(f"/eligibility/?{urlencode(q)}\n" for q in questions))
    lists = [{"state": "effective", "destination": d, "page_size": 50} for d in busy]
    (out_dir / "list.txt").write_text("".join(f"?{urlencode(q)}\n" for q in lists))
    (out_dir / "list_floor.txt").write_text("".join(f"/filings/?{urlencode(q)}\n" for q in lists))

    client = Client()
    staff = {"HTTP_AUTHORIZATION": f"Token {token}", "HTTP_HOST": "127.0.0.1"}
    hospital = {"HTTP_AUTHORIZATION": f"Api-Key {key}", "HTTP_HOST": "127.0.0.1"}
    plans = {}
    q = questions[0]
    ok, plans["eligibility"] = verdict(captured_selects(lambda: client.get("/api/v1/eligibility/", q, **hospital)))
    (out_dir / "eligibility_sql.json").write_text(json.dumps(eligibility_statement()))
    some = sample[0][0]
    filters = {
        "state": "effective",
        "filing_type": "referral",
        "destination": busy[0],
        "channel": "kiosk",
        "submitted_after": (today - datetime.timedelta(days=7)).isoformat(),
        "submitted_before": (today - datetime.timedelta(days=700)).isoformat(),
        "effective_on": today.isoformat(),
        "id_number": some,
    }
    for name, value in filters.items():
        _ok, plans[f"filings ?{name}="] = verdict(
            captured_selects(lambda n=name, v=value: client.get("/api/v1/filings/", {n: v}, **staff))
        )
    list_statements = captured_selects(lambda: client.get("/api/v1/filings/", lists[0], **staff))
    _ok, plans["filings ?state=effective&destination="] = verdict(list_statements)
    # The floor of the list runs these very statements (the count and the page), the destination
    # as a parameter: "the same raw SQL".
    literal = f"'{lists[0]['destination']}'"
    templates = [sql.replace("%", "%%").replace(literal, "%(destination)s") for sql in list_statements]
    if not all("%(destination)s" in sql for sql in templates):
        raise SystemExit(f"the list's SQL does not name the destination as {literal}: {list_statements}")
    (out_dir / "list_sql.json").write_text(json.dumps(templates))
    with connection.cursor() as cursor:
        cursor.execute("SELECT reference FROM filings_filing WHERE id = %s", [ids[0]])
        reference = cursor.fetchone()[0]
    now = timezone.now()
    event_filters = {
        "record_type": "filing",
        "reference": reference,
        "id_number": some,
        "action": "approve",
        "actor": "system",
        "channel": "kiosk",
        "from_state": "submitted",
        "to_state": "revoked",
        "at_after": (now - datetime.timedelta(days=7)).isoformat(),
        "at_before": (now - datetime.timedelta(days=700)).isoformat(),
    }
    for name, value in event_filters.items():
        _ok, plans[f"audit/events ?{name}="] = verdict(
            captured_selects(lambda n=name, v=value: client.get("/api/v1/audit/events/", {n: v}, **staff))
        )
    (out_dir / "credentials.json").write_text(json.dumps({"hospital": f"Api-Key {key}", "auditor": f"Token {token}"}))
    print(json.dumps({"key": key, "token": token, "plans": plans}))


def eligibility_statement() -> dict:
    """The statement the eligibility selector compiled (this process has just run it), its parameters named."""
    from filings import selectors

    compiled = next(iter(selectors._compiled.queries.values()))
    slots = [*compiled.place.params, *compiled.person.params]
    parts = compiled.sql.split("%s")
    if len(parts) != len(slots) + 1:
        raise SystemExit("the eligibility statement's placeholders do not match its parameters")
    sql, constants = parts[0], {}
    for i, ((name, constant), part) in enumerate(zip(slots, parts[1:], strict=True)):
        if name is None:
            name = f"constant_{i}"
            constants[name] = constant
        sql += f"%({name})s{part}"
    return {"sql": sql, "constants": constants}


if __name__ == "__main__":
    main(Path(sys.argv[1]))
