"""EXPLAIN the SQL our real code paths send, and say whether it reads filings and events by index.

Used by ``make bench`` (at 2,000,000 filings) and by tests/perf (a small PostgreSQL database).
"""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

WATCHED = ("filings_filing", "filings_filingevent")
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
INDEX = re.compile(r"(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)")


def captured_selects(call) -> list[str]:
    """The SQL of the SELECTs ``call`` sends that touch a watched table (parameters inlined by Django)."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and any(table in q["sql"] for table in WATCHED)
    ]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def verdict(statements: list[str]) -> tuple[bool, str]:
    """(no sequential scan of a watched table, a one-line summary naming the indexes used)."""
    seq, used = set(), []
    for sql in statements:
        plan = explain(sql)
        seq |= {t for t in SEQ_SCAN.findall(plan) if t in WATCHED}
        used += [i for i in INDEX.findall(plan) if i not in used]
    if seq:
        return False, f"SEQ SCAN on {', '.join(sorted(seq))} (indexes also used: {', '.join(used) or 'none'})"
    return True, f"index ({', '.join(used)})"
