"""A real PostgreSQL streaming standby on this machine, and the API's reads served by it.

    .venv/bin/python drills/standby.py            # run as root (it drops to the postgres user) or as postgres

What it does, all under one temporary directory, never touching the system's cluster:

1. ``initdb`` a primary on port 5434 (PostgreSQL 15 binaries in /usr/lib/postgresql/15/bin),
   migrates the project's schema into it;
2. ``pg_basebackup -R`` from it a standby on port 5433 (streaming replication, hot standby);
3. runs the application (production settings) with ``DATABASE_URL`` at the primary and
   ``DATABASE_REPLICA_URL`` at the standby: writes some data, waits for the standby to replay them,
   asks eligibility and the filing list through the test client, and prints which server answered
   (``pg_is_in_recovery()`` and the port of each connection, queries per connection, and the
   ``pg_stat_database`` counters of each server before and after);
4. stops both servers and removes the directory (``finally``), whatever happened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PRIMARY_PORT = int(os.environ.get("STANDBY_PRIMARY_PORT", "5434"))
STANDBY_PORT = int(os.environ.get("STANDBY_PORT", "5433"))
DB = "bureau_standby_demo"
ROOT = Path(__file__).resolve().parent.parent


def as_postgres(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program as the unprivileged postgres user (servers refuse to run as root)."""
    command = [str(a) for a in args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def url(port: int) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{DB}"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="standby-demo-"))
    primary, standby = work / "primary", work / "standby"
    started: list[Path] = []
    if os.geteuid() == 0:
        shutil.chown(work, "postgres", "postgres")
    try:
        print(f"[1] initdb primary in {primary} (port {PRIMARY_PORT})")
        as_postgres(PG_BIN / "initdb", "-D", primary, "-U", "postgres", "-A", "trust", "--no-sync")
        # initdb's pg_hba.conf already trusts replication connections from 127.0.0.1.
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nport = {PRIMARY_PORT}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{work}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
            )
        as_postgres(PG_BIN / "pg_ctl", "-D", primary, "-l", work / "primary.log", "-w", "start")
        started.append(primary)
        as_postgres(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", PRIMARY_PORT, "-U", "postgres", DB)
        env = {**os.environ, "DATABASE_URL": url(PRIMARY_PORT), "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
        env.pop("DATABASE_REPLICA_URL", None)
        t = time.monotonic()
        subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
        print(f"    schema migrated into the primary in {time.monotonic() - t:.0f} s")

        print(f"[2] pg_basebackup -R: standby in {standby} (port {STANDBY_PORT})")
        as_postgres(
            PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", PRIMARY_PORT, "-U", "postgres",
            "-D", standby, "-R", "-X", "stream", "--no-sync",
        )  # fmt: skip
        with open(standby / "postgresql.auto.conf", "a") as conf:
            conf.write(f"\nport = {STANDBY_PORT}\n")
        as_postgres(PG_BIN / "pg_ctl", "-D", standby, "-l", work / "standby.log", "-w", "start")
        started.append(standby)

        print("[3] the application, DATABASE_URL at the primary, DATABASE_REPLICA_URL at the standby")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "standby-demo-secret-key-" + "x" * 40),
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": url(PRIMARY_PORT),
            "DATABASE_REPLICA_URL": url(STANDBY_PORT),
            "LOG_LEVEL": "WARNING",
        }
        subprocess.run([sys.executable, __file__, "--client"], cwd=ROOT, env=env, check=True)
        return 0
    finally:
        print("[4] stopping and removing what was started")
        for data in reversed(started):
            try:
                as_postgres(PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
                print(f"    stopped {data.name}")
            except subprocess.CalledProcessError as exc:
                print(f"    could not stop {data}: {exc.stderr}")
        shutil.rmtree(work, ignore_errors=True)
        print(f"    removed {work}")


def server_counters(port: int) -> dict:
    import psycopg

    with psycopg.connect(url(port), autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit, tup_returned, tup_fetched, tup_inserted, pg_is_in_recovery()"
            " FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return dict(zip(["xact_commit", "tup_returned", "tup_fetched", "tup_inserted", "in_recovery"], row, strict=True))


def client() -> None:
    """Inside the application: write on the primary, read through the API, say who answered."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime
    import secrets

    from django.db import connections
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.choices import Role
    from accounts.services import channel_key_issue, staff_create, staff_token_issue
    from bench.data import effective_filing
    from filings.models import Filing
    from registry import services as registry_services
    from registry.choices import InsuranceType
    from registry.demo import numbered_id_number
    from registry.models import Institution, Person

    for alias in ("default", "replica"):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')")
            recovery, port = cursor.fetchone()
        print(f"    alias {alias!r:10} → port {port}, pg_is_in_recovery() = {recovery}")

    # Writes: through the ORM, outside a request; the router sends them to the primary.
    first = Person.objects.count() + 900_000  # numbers no earlier run used
    people = []
    for n in range(first, first + 5):
        person = Person.objects.create(
            id_number=numbered_id_number(n), name=f"参保人{n}", insurance_type=InsuranceType.EMPLOYEE
        )
        registry_services.insured_period_open(person, starts_on=None)
        people.append(person)
    today_date = datetime.date.today()
    Filing.objects.bulk_create(
        effective_filing(p.pk, n, "other_temporary", "310000", today_date, reference=f"BS{first + n:014d}")
        for n, p in enumerate(people)
    )
    institution = Institution.objects.order_by("code").values_list("code", flat=True).first()
    _key, key = channel_key_issue(
        channel_code="hospital", name=f"standby {secrets.token_hex(4)}", institution_code=institution
    )
    user = staff_create(
        username=f"standby_{secrets.token_hex(4)}", role=Role.AUDITOR, password=secrets.token_urlsafe(16)
    )
    _auth_token, token = staff_token_issue(user=user)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (lsn,) = cursor.fetchone()
    for _ in range(100):  # until the standby has replayed them
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                break
        time.sleep(0.1)
    connections.close_all()
    from config import db_router

    db_router.reset_pin()  # the writes above pinned this thread; requests start unpinned anyway

    before = {port: server_counters(port) for port in (PRIMARY_PORT, STANDBY_PORT)}
    hospital, auditor = APIClient(), APIClient()
    hospital.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    auditor.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    today = datetime.date.today().isoformat()
    covered, listed = 0, 0
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections["replica"]) as on_standby,
    ):
        for person in people * 20:
            query = {"id_number": person.id_number, "city": "310100", "visit": "inpatient", "date": today}
            response = hospital.get("/api/v1/eligibility/", query)
            assert response.status_code == 200, response.content
            covered += response.json()["covered"]
        for _ in range(10):
            response = auditor.get("/api/v1/filings/", {"state": "effective", "destination": "310000"})
            assert response.status_code == 200, response.content
            listed = response.json().get("count", len(response.json().get("results", [])))
    connections.close_all()  # a closing backend reports its statistics
    time.sleep(1.0)
    after = {port: server_counters(port) for port in (PRIMARY_PORT, STANDBY_PORT)}

    print(f"    100 eligibility requests ({covered} covered), 10 filing lists ({listed} filings each)")
    print(f"    queries on the primary (default): {len(on_primary.captured_queries)}")
    for q in on_primary.captured_queries[:4]:
        print(f"        {q['sql'][:110]}")
    print(f"    queries on the standby (replica): {len(on_standby.captured_queries)}")
    for q in on_standby.captured_queries[:3]:
        print(f"        {q['sql'][:110]}")
    print("    pg_stat_database, after minus before:")
    for port, name in ((PRIMARY_PORT, "primary"), (STANDBY_PORT, "standby")):
        delta = {k: after[port][k] - before[port][k] for k in ("xact_commit", "tup_returned", "tup_fetched")}
        print(f"        {name:8} port {port} in_recovery={after[port]['in_recovery']!s:5} {delta}")


if __name__ == "__main__":
    if "--client" in sys.argv:
        client()
    else:
        sys.exit(main())
