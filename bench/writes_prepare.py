"""Run by ``bench.writes`` with Django on one benchmark database: the write rows' requests and what they write.

    python -m bench.writes_prepare OUT_DIR PERSONS

- a counter staff token and a reviewer token;
- ``submit.txt``: one ``POST /api/v1/filings/`` per line (method, path, JSON body), each for a person picked at
  random among the actively insured with no live filing and nothing covering today (a self-service temporary
  filing to a province outside the person's insured one, from today: effective at once), never used before;
- ``approve.txt``: one ``POST /api/v1/claims/{reference}/approve/`` per claim under review (every one);
  ``floor_approve.txt`` approved claims (the floor checks no state: it approves them again, the same writes);
- ``submit_sql.json`` and ``approve_sql.json``: every statement one real submission and one real approval
  sent (``CaptureQueriesContext``), which the floor (``bench.write_floor``) is checked against;
- ``floor_submit.txt``: the floor's request lines, ``submit_50.txt`` the 50 clients' (persons not used by the
  endpoint's lines: each row consumes its own).

It checks that a submission answers 201 ``effective`` and an approval 200 ``approved``; prints one JSON line.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import sys
from pathlib import Path

import django

WRITE_VERBS = re.compile(r"^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)\"?", re.I)


def writes_of(statements: list[str]) -> list[dict]:
    """The writing statements among ``statements``: verb, table and the columns named."""
    found = []
    for sql in statements:
        match = WRITE_VERBS.match(sql)
        if not match:
            continue
        verb, table = match.group(1).split()[0].upper(), match.group(2)
        if verb == "INSERT":
            columns = re.findall(r'"(\w+)"', sql.split("VALUES", 1)[0])[1:]
        elif verb == "UPDATE":
            columns = re.findall(r'"(\w+)" = ', sql.split(" WHERE ", 1)[0])
        else:
            columns = []
        found.append({"verb": verb, "table": table, "columns": columns})
    return found


def main(out_dir: Path, wanted: int) -> None:
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.choices import Role
    from accounts.services import staff_create, staff_token_issue

    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random()
    today = timezone.localdate()
    tokens, actors = {}, {}
    for role in (Role.COUNTER, Role.REVIEWER):
        name, password = f"bench_{role}_{secrets.token_hex(4)}", secrets.token_urlsafe(16)
        user = staff_create(username=name, role=role, password=password)
        tokens[role], actors[str(role)] = staff_token_issue(user=user)[1], user.pk

    with connection.cursor() as cursor:
        # Persons who may file today: actively insured, no live filing, nothing covering today or later.
        # Sampled at random over the ids (a contiguous range would be the generator's order).
        cursor.execute("SELECT min(id), max(id) FROM registry_person")
        low, high = cursor.fetchone()
        ids = list({rng.randint(low, high) for _ in range(int(wanted * 3.6) + 100)})
        cursor.execute(
            "SELECT p.id_number, p.name, p.insured_region_id FROM registry_person p "
            "WHERE p.id = ANY(%s) AND p.insured_status = 'active' AND NOT EXISTS ("
            "  SELECT 1 FROM filings_filing f WHERE f.person_id = p.id AND (f.state IN ('submitted', 'effective') "
            "  OR f.covered_until >= %s OR (f.state = 'effective' AND (f.end_date IS NULL OR f.end_date >= %s))))",
            [ids, today, today],
        )
        persons = cursor.fetchall()
        rng.shuffle(persons)
        cursor.execute("SELECT reference FROM reimbursements_claim WHERE state = 'under_review' ORDER BY random()")
        claims = [row[0] for row in cursor.fetchall()]
        # The floor approves claims approved already (it checks no state and writes the same rows): it would
        # outrun the claims under review, which our endpoint needs, each once.
        cursor.execute(
            "SELECT reference FROM reimbursements_claim WHERE state = 'approved' ORDER BY random() LIMIT %s",
            [wanted],
        )
        approved_claims = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT code FROM registry_region WHERE level = 'province' ORDER BY code")
        provinces = [row[0] for row in cursor.fetchall()]

    def body(id_number: str, name: str, region: str) -> dict:
        destination = next(p for p in provinces if p[:2] != region[:2] and p[:2] in ("31", "44", "11", "32", "33"))
        return {
            "id_number": id_number,
            "name": name,
            "filing_type": "other_temporary",
            "destination": destination,
            "start_date": today.isoformat(),
            "contact_name": "张三",
            "contact_phone": "13906001234",
            "consent": True,
        }

    client = Client()
    counter = {"HTTP_AUTHORIZATION": f"Token {tokens[Role.COUNTER]}", "HTTP_HOST": "127.0.0.1"}
    reviewer = {"HTTP_AUTHORIZATION": f"Token {tokens[Role.REVIEWER]}", "HTTP_HOST": "127.0.0.1"}
    # Two submissions, the second captured: the first of a day also creates the day's reference counter.
    first, second, *persons = persons
    for person in (first, second):
        with CaptureQueriesContext(connection) as submitted:
            answer = client.post(
                "/api/v1/filings/",
                body(*person),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"bench-prepare-{secrets.token_hex(8)}",
                **counter,
            )
        if answer.status_code != 201 or answer.json().get("state") != "effective":
            raise SystemExit(f"a counter submission answered {answer.status_code}: {answer.content[:2000]!r}")
    first_claim, *claims = claims
    with CaptureQueriesContext(connection) as approved:
        answer = client.post(
            f"/api/v1/claims/{first_claim}/approve/",
            {},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"bench-prepare-{secrets.token_hex(8)}",
            **reviewer,
        )
    if answer.status_code != 200 or answer.json().get("state") != "approved":
        raise SystemExit(f"an approval answered {answer.status_code}: {answer.content[:2000]!r}")
    for name, captured in (("submit", submitted), ("approve", approved)):
        statements = [q["sql"] for q in captured.captured_queries]
        (out_dir / f"{name}_sql.json").write_text(
            json.dumps({"statements": statements, "writes": writes_of(statements)}, indent=1, ensure_ascii=False)
        )

    def lines(requests):
        return "".join(f"POST {path} {json.dumps(data, ensure_ascii=False)}\n" for path, data in requests)

    # A third of the persons for the endpoint side by side, a third for its floor, a third for the 50 clients;
    # every claim under review for the endpoint: each request consumes its own.
    third = len(persons) // 3
    (out_dir / "submit.txt").write_text(lines(("/api/v1/filings/", body(*p)) for p in persons[:third]))
    (out_dir / "floor_submit.txt").write_text(lines(("/submit/", body(*p)) for p in persons[third : 2 * third]))
    (out_dir / "submit_50.txt").write_text(lines(("/api/v1/filings/", body(*p)) for p in persons[2 * third :]))
    (out_dir / "approve.txt").write_text(lines((f"/api/v1/claims/{ref}/approve/", {}) for ref in claims))
    (out_dir / "floor_approve.txt").write_text(lines((f"/approve/{ref}", {}) for ref in approved_claims))
    credentials = {
        "counter": f"Token {tokens[Role.COUNTER]}",
        "reviewer": f"Token {tokens[Role.REVIEWER]}",
        "actors": actors,
    }
    (out_dir / "credentials.json").write_text(json.dumps(credentials))
    print(
        json.dumps(
            {
                "counter": f"Token {tokens[Role.COUNTER]}",
                "reviewer": f"Token {tokens[Role.REVIEWER]}",
                "actors": actors,
                "persons": len(persons),
                "claims": len(claims),
                "submit_writes": writes_of([q["sql"] for q in submitted.captured_queries]),
                "approve_writes": writes_of([q["sql"] for q in approved.captured_queries]),
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 40_000)
