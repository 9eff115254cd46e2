"""The floor of the eligibility lookup and of the filing list: bare WSGI, raw psycopg, prepared statements.

Never part of the product: ``make bench`` serves it with the same gunicorn settings as the app
(``gunicorn bench.floor_app:application -c gunicorn.conf.py``) to show what the hardware gives when
nothing but the database work is done. ``BENCH_FLOOR_DSN`` names the database.

- ``GET /eligibility-same-sql/?id_number=…&city=…&date=…`` — the floor of our eligibility lookup:
  the very statement our selector sends (``BENCH_ELIGIBILITY_SQL``, taken from it by
  ``bench.load_prepare``), prepared; answers covered or not as JSON.
- ``GET /eligibility/?…`` — a lighter lookup than ours, for reference: the person, their insured period
  and the filings covering the day (no pending filing, in-province list, policy or institution).
- ``GET /list/?kind=filings|claims|events&n=…`` — the very statements our filing list, claim list or
  event feed sent for its n-th query (the page of 50 with what it joins and prefetches, the count or its
  estimate; captured by ``bench.load_prepare`` into ``BENCH_LIST_SQL``), prepared, every row as JSON.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from urllib.parse import parse_qs

import psycopg

ELIGIBILITY_SQL = """
SELECT r.level,
       EXISTS (SELECT 1 FROM registry_insuredperiod ip
               WHERE ip.person_id = p.id AND ip.status = 'active'
                 AND (ip.starts_on IS NULL OR ip.starts_on <= %(on)s)
                 AND (ip.ends_on IS NULL OR ip.ends_on >= %(on)s)) AS insured,
       f.reference, f.filing_type, f.destination_id, f.end_date, f.covered_until, f.state
FROM registry_region r
LEFT JOIN registry_person p ON p.id_number = %(id_number)s
LEFT JOIN filings_filing f ON f.person_id = p.id AND f.start_date <= %(on)s
     AND (f.end_date IS NULL OR f.end_date >= %(on)s)
     AND (f.state = 'effective' OR f.covered_until >= %(on)s)
WHERE r.code = %(city)s
ORDER BY f.effective_at DESC NULLS LAST
"""
_connection: psycopg.Connection | None = None
_list_sql: dict[str, list[list[str]]] | None = None
_eligibility_sql: dict | None = None


def connection() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["BENCH_FLOOR_DSN"], autocommit=True)
    return _connection


def eligibility(query: dict) -> dict:
    city = query["city"]
    on = datetime.date.fromisoformat(query["date"]) if query.get("date") else datetime.date.today()
    rows = (
        connection()
        .execute(ELIGIBILITY_SQL, {"id_number": query["id_number"], "city": city, "on": on}, prepare=True)
        .fetchall()
    )
    if not rows or rows[0][0] != "city":
        return {"code": "invalid", "errors": {"city": ["unknown city"]}}
    level, insured, *_ = rows[0]
    province = city[:2] + "0000"
    for _level, _insured, reference, filing_type, destination, end_date, covered_until, state in rows:
        if reference and destination in (city, province):
            until = covered_until if state != "effective" else end_date
            return {
                "covered": True,
                "filing": reference,
                "filing_type": filing_type,
                "valid_until": until.isoformat() if until else None,
            }
    return {"covered": False, "insured": bool(insured), "filing": None}


def our_eligibility_statement() -> dict:
    """Our eligibility statement with named parameters, as ``bench.load_prepare`` took it from the selector."""
    global _eligibility_sql
    if _eligibility_sql is None:
        _eligibility_sql = json.loads(Path(os.environ["BENCH_ELIGIBILITY_SQL"]).read_text())
    return _eligibility_sql


def eligibility_same_sql(query: dict) -> dict:
    """The same lookup as our endpoint's: its very statement (the place joined to the person), prepared."""
    statement = our_eligibility_statement()
    city = query["city"]
    on = datetime.date.fromisoformat(query["date"]) if query.get("date") else datetime.date.today()
    values = {
        "city": city,
        "province": city[:2] + "0000",
        "on": on,
        "today": datetime.date.today(),
        "institution": None,
    }
    values |= {"id_number": query["id_number"], **statement["constants"]}
    cursor = connection().execute(statement["sql"], values, prepare=True)
    names = [column.name for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if not rows or rows[0]["level"] != "city":
        return {"code": "invalid", "errors": {"city": ["unknown city"]}}
    for row in rows:
        if row["covering__reference"] and row["covering__destination_id"] in (city, values["province"]):
            ends = [d for d in (row["covering__end_date"], row["covering__covered_until"]) if d]
            return {"covered": True, "filing": row["covering__reference"], "valid_until": min(ends) if ends else None}
    pending = rows[0]["pending__reference"]
    return {"covered": False, "insured": rows[0]["region_on"] is not None, "pending": pending, "filing": None}


def list_statements() -> dict[str, list[list[str]]]:
    """The statements our lists sent, per kind and query, as ``bench.load_prepare`` captured them."""
    global _list_sql
    if _list_sql is None:
        _list_sql = json.loads(Path(os.environ["BENCH_LIST_SQL"]).read_text())
    return _list_sql


def lists(query: dict) -> dict:
    """One list's own SQL, run raw: every statement, every row with every column it reads, as JSON."""
    answer: dict = {"results": []}
    for sql in list_statements()[query["kind"]][int(query["n"])]:
        cursor = connection().execute(sql, prepare=True)
        names = [column.name for column in cursor.description]
        answer["results"].append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
    return answer


ROUTES = {"/eligibility/": eligibility, "/eligibility-same-sql/": eligibility_same_sql, "/list/": lists}


def application(environ, start_response):
    handler = ROUTES.get(environ.get("PATH_INFO", ""))
    if handler is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    body = json.dumps(handler(query), default=str, ensure_ascii=False).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
