"""Schemathesis against the live app: the OpenAPI schema must tell the truth about every answer.

    .venv/bin/python contract/schema_check.py                    # SQLite, in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python contract/schema_check.py

(``make schema-check`` runs the first; ``.ci/run`` runs both.) What it does, all on loopback:

1. A database of its own: an SQLite file in a temporary directory, or, when ``DATABASE_URL`` names a
   PostgreSQL server, a database ``schemathesis_<pid>`` on it (created here, dropped at the end; the
   database the URL names is only used to connect). Migrated, the demo data loaded.
2. Credentials made with the services: one staff user and knox token per role (counter, reviewer,
   auditor, admin), an API key of a plain channel (``xm_wechat``) and of a hospital with its
   institution; the app is started with gunicorn and production settings (http on 127.0.0.1), a
   person session is opened through ``POST /api/v1/person-sessions/`` with the channel key, and a
   few filings and claims are made through the API in several states (``seed_records``).
3. ``schemathesis run`` once per credential against ``/api/schema/``, one request at a time: every
   check, a fixed seed, a bounded number of examples per operation, no example database (every run
   starts from nothing), path parameters drawn mostly from the records that exist, the coverage
   phase for the credential's share of the operations (``COVERAGE``).
4. Per credential: operations tested, test cases generated, distinct failures, 5xx answers (counted
   by schemathesis and again in gunicorn's access log). Exit 1 on any failure, error or 5xx.

Guessing limits (accounts/throttles.py) and the login lockout are raised for the run through their
environment variables: schemathesis sends thousands of bad credentials and unknown persons from one
address, and a run answered 429 everywhere would test nothing (429 is documented all the same).
``POST /auth/logout/`` is left out of the staff runs (it would revoke the token under test); the
person, channel and hospital runs still call it. ``POST /person-sessions/current/logout/`` is left
out of the person's run for the same reason. ``POST /auth/token/`` reads no credential and hashes
a password per try: only the channel's run calls it.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SETTINGS = "config.settings.production"
DEMO_PERSON = ("350203195603120312", "张三")
HOSPITAL_INSTITUTION = "H31010000001"
STAFF_ROLES = ("counter", "reviewer", "auditor", "admin")
CREDENTIALS = ("person", "channel", "hospital", *STAFF_ROLES)
TOKEN_RUN = "channel"  # the one run that tests POST /auth/token/

# The environment of the app under test: production settings, plain http on loopback, guessing
# limits out of the way (see the module docstring), the database cache (no Redis needed).
APP_ENV = {
    "DJANGO_SETTINGS_MODULE": SETTINGS,
    "DJANGO_SECRET_KEY": "schema-check-" + secrets.token_urlsafe(48),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_DEBUG": "false",
    "AUTH_THROTTLE_RATE": "1000000/minute",
    "TOKEN_FAILURE_RATE": "1000000/minute",
    "API_KEY_FAILURE_RATE": "1000000/minute",
    "BEARER_FAILURE_RATE": "1000000/minute",
    "PERSON_SESSION_CHANNEL_FAILURE_RATE": "1000000/minute",
    "PERSON_SESSION_ID_FAILURE_RATE": "1000000/minute",
    "PERSONAL_LOOKUP_FAILURE_RATE": "1000000/minute",
    "ELIGIBILITY_RATE": "1000000/minute",
    "UPLOAD_RATE": "1000000/minute",
    "STAFF_LOCKOUT_FAILURES": "1000000",
    "LOG_LEVEL": "WARNING",
    "CACHE_URL": "",
    "REDIS_URL": "",
    "CELERY_BROKER_URL": "",
}


# Operations whose input is judged against data the schema cannot carry: a schema-valid request may
# rightly be a 400 there (schemathesis' positive_data_acceptance expects POSITIVE_STATUSES elsewhere).
SEMANTIC_400 = {
    ("POST", "/api/v1/persons/"): "an ID number's check digit; region codes that must exist",
    ("PATCH", "/api/v1/persons/{id}/"): "an ID number's check digit; region codes that must exist",
    ("GET", "/api/v1/persons/{id}/"): "reveal needs a reason",
    ("POST", "/api/v1/filings/"): "policy: dates relative to today, codes that must exist, each type's rules",
    ("POST", "/api/v1/filings/{reference}/change/"): "as POST /filings/",
    ("POST", "/api/v1/claims/"): "policy: deadlines, catalogue codes, invoices that add up to the total",
    ("GET", "/api/v1/eligibility/"): "a city code that must exist",
    ("GET", "/api/v1/audit/events/"): "at_before after at_after; a cursor from an earlier answer",
    ("GET", "/api/v1/audit/persons/{id_number}/as-of/"): "city and visit go together",
    ("GET", "/api/v1/requirements/"): "filing_type or claim_kind: OpenAPI 3.0 cannot require one of two parameters",
    ("GET", "/api/v1/notifications/"): "after must be a cursor from an earlier answer",
}
# schemathesis' default, less 5xx (never right here), plus 412: a well-formed If-Match naming a
# version the record no longer has.
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]

# The coverage phase (schemathesis' deterministic sweep of every boundary, positive and negative:
# about 4,000 requests for the whole API) runs once per database: each operation with the one
# credential that passes its permission check and so reaches its validation. Every credential runs
# the fuzzing and stateful phases on every operation.
COVERAGE = {
    "channel": r"^/api/v1/(person-sessions|notifications|auth)/",
    "hospital": r"^/api/v1/eligibility/",
    "person": r"^/api/v1/(regions|institutions|requirements)/",
    "counter": r"^/api/v1/(persons/|filings/(?!\{reference\}/(approve|reject)/))",
    "reviewer": r"^/api/v1/filings/\{reference\}/(approve|reject)/$",
    "auditor": r"^/api/v1/audit/",
    "admin": r"^/api/v1/claims/",
}


# Path parameters drawn from the records that exist (most of the time), so that reads and transitions
# reach real records in every state and their answers are checked against the schema.
KNOWN_PROBABILITY = 0.8


def schemathesis_config(name: str, known: dict) -> str:
    """A run's schemathesis.toml: its share of the coverage phase; where 400 answers valid input; known values."""
    dictionaries = {
        "references": known["filings"] + known["claims"],
        "person_ids": [pk for pk, _id_number, _name in known["persons"]],
        "id_numbers": [id_number for _pk, id_number, _name in known["persons"]],
        "codes": ["310000", "310100", "350200", HOSPITAL_INSTITUTION],
        "items": ["residence_proof", "hospital_invoice", "id_copy", "discharge_summary"],
    }
    bindings = {
        "path.reference": "references",
        "path.id": "person_ids",
        "path.id_number": "id_numbers",
        "query.id_number": "id_numbers",
        "path.code": "codes",
        "path.item": "items",
    }
    lines = []
    for dictionary, values in dictionaries.items():
        lines += [f"[dictionaries.{dictionary}]", f"values = {json.dumps(values, ensure_ascii=False)}", ""]
    statuses = ", ".join(f'"{status}"' for status in POSITIVE_STATUSES)
    lines += ["[checks.positive_data_acceptance]", f"expected-statuses = [{statuses}]", ""]
    lines.append("[parameters]")
    for key, dictionary in bindings.items():
        lines.append(f'"{key}" = {{ dictionary = "{dictionary}", probability = {KNOWN_PROBABILITY} }}')
    lines += [
        "",
        "# The coverage phase for this credential's share of the operations only.",
        "[[operations]]",
        f"exclude-path-regex = '{COVERAGE[name]}'",
        "phases.coverage.enabled = false",
        "",
    ]
    for (method, path), reason in SEMANTIC_400.items():
        statuses = ", ".join(f'"{status}"' for status in [*POSITIVE_STATUSES, "400"])
        lines += [
            f"# {reason}",
            "[[operations]]",
            f'include-path = "{path}"',
            f'include-method = "{method}"',
            f"checks.positive_data_acceptance.expected-statuses = [{statuses}]",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("SCHEMA_CHECK_EXAMPLES", "8")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SCHEMA_CHECK_SEED", "15")))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--only", default="", help=f"comma-separated credentials, of {', '.join(CREDENTIALS)}")
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (reports, logs)")
    parser.add_argument("--verbose", action="store_true", help="print schemathesis' own output")
    args = parser.parse_args(argv)
    only = [c for c in args.only.split(",") if c] or list(CREDENTIALS)
    unknown = set(only) - set(CREDENTIALS)
    if unknown:
        parser.error(f"unknown credentials: {', '.join(sorted(unknown))}")

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="schema_check_"))
    database = Database(os.environ.get("DATABASE_URL", ""), workdir)
    server = None
    try:
        env = {**os.environ, **APP_ENV, "DATABASE_URL": database.create(), "MEDIA_ROOT": str(workdir / "media")}
        print(
            f"schema-check: {database.described}, seed {args.seed}, {args.max_examples} examples per operation",
            flush=True,
        )
        secrets = prepare(env)
        server = Server(env, workdir, args.workers)
        server.start()
        persons = secrets.pop("persons")
        secrets["person"] = "Bearer " + open_person_session(server.base, secrets["channel"])
        records = seed_records(server.base, secrets, persons)
        print(f"schema-check: setup {time.monotonic() - started:.0f} s; app on {server.base}", flush=True)
        known = {**records, "persons": persons}
        results = [run_schemathesis(name, secrets[name], server, workdir, args, known) for name in only]
    finally:
        if server is not None:
            server.stop()
        database.drop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"schema-check: kept {workdir}")

    server_errors_logged = server.count_server_errors() if server is not None else 0
    print()
    print(f"{'credential':<10} {'operations':>10} {'test cases':>10} {'failures':>8} {'5xx':>5} {'seconds':>8}")
    for r in results:
        print(
            f"{r['name']:<10} {r['operations']:>10} {r['cases']:>10} {r['failures']:>8} "
            f"{r['server_errors']:>5} {r['seconds']:>8.0f}"
        )
    total_failures = sum(r["failures"] for r in results)
    total_5xx = sum(r["server_errors"] for r in results)
    print(
        f"{'total':<10} {'':>10} {sum(r['cases'] for r in results):>10} {total_failures:>8} {total_5xx:>5} "
        f"{time.monotonic() - started:>8.0f}"
    )
    print(f"5xx in gunicorn's access log: {server_errors_logged}")
    bad = total_failures or total_5xx or server_errors_logged or any(r["errors"] for r in results)
    print("schema-check: " + ("FAILED" if bad else "passed"))
    return 1 if bad else 0


class Database:
    """The run's own database: an SQLite file in the work directory, or a fresh PostgreSQL database."""

    def __init__(self, url: str, workdir: Path):
        self.server_url = url
        self.workdir = workdir
        self.name = None
        self.described = ""

    def create(self) -> str:
        if not self.server_url or self.server_url.startswith("sqlite"):
            path = self.workdir / "schema_check.sqlite3"
            self.described = "SQLite"
            return f"sqlite:///{path}"
        import dj_database_url

        config = dj_database_url.parse(self.server_url)
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise SystemExit(f"schema-check: unsupported database engine {config['ENGINE']}")
        self.name = f"schemathesis_{os.getpid()}"
        self._admin(config, "DROP DATABASE IF EXISTS {} WITH (FORCE)", "CREATE DATABASE {}")
        self.config = config
        self.described = f"PostgreSQL {config.get('HOST') or 'socket'}:{config.get('PORT') or 5432}/{self.name}"
        return re.sub(r"/[^/?]*(\?|$)", f"/{self.name}\\1", self.server_url.rstrip("/"), count=1)

    def drop(self) -> None:
        if self.name:
            self._admin(self.config, "DROP DATABASE IF EXISTS {} WITH (FORCE)")

    def _admin(self, config: dict, *statements: str) -> None:
        import psycopg
        from psycopg import sql

        params = {k: config.get(key) for k, key in (("host", "HOST"), ("port", "PORT"), ("user", "USER"))}
        params["password"] = config.get("PASSWORD")
        params = {k: v for k, v in params.items() if v}
        with psycopg.connect(dbname=config["NAME"] or "postgres", autocommit=True, **params) as conn:
            for statement in statements:
                conn.execute(sql.SQL(statement).format(sql.Identifier(self.name)))


# Run in a child process with the app's environment: migrate, demo data, staff tokens, channel keys.
SETUP = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from registry.demo import load_demo_data
load_demo_data()
from accounts.services import channel_key_issue, staff_create, staff_token_issue
secrets = {}
for role in %(roles)r:
    user = staff_create(username=f"schema_{role}", role=role, password="Schema-check-%%s-pass" %% role)
    secrets[role] = "Token " + staff_token_issue(user=user)[1]
secrets["channel"] = "Api-Key " + channel_key_issue(channel_code="xm_wechat", name="schema-check")[1]
secrets["hospital"] = "Api-Key " + channel_key_issue(
    channel_code="hospital", name="schema-check hospital", institution_code=%(institution)r
)[1]
from registry.models import Person
secrets["persons"] = [[p.pk, p.id_number, p.name] for p in Person.objects.order_by("pk")]
print("SECRETS" + json.dumps(secrets))
"""


def prepare(env: dict) -> dict[str, str]:
    code = SETUP % {"roles": STAFF_ROLES, "institution": HOSPITAL_INSTITUTION}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit("schema-check: setting up the database failed")
    line = next(line for line in done.stdout.splitlines() if line.startswith("SECRETS"))
    return json.loads(line[len("SECRETS") :])


class Server:
    """gunicorn with the project's gunicorn.conf.py, on a free loopback port, logging to the work directory."""

    def __init__(self, env: dict, workdir: Path, workers: int):
        self.env = env
        self.workers = workers
        self.access_log = workdir / "access.log"
        self.error_log = workdir / "error.log"
        self.app_log = workdir / "app.log"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> None:
        command = [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--access-logfile",
            str(self.access_log),
            "--error-logfile",
            str(self.error_log),
        ]
        with open(self.app_log, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"schema-check: gunicorn exited ({self.process.returncode}); see {self.error_log}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("schema-check: the app did not answer /readyz within 60 s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def count_server_errors(self) -> int:
        """5xx lines of the access log (its format: ``host "request" status size time "agent"``)."""
        if not self.access_log.exists():
            return 0
        status = re.compile(r'" (5\d\d) ')
        lines = [line for line in self.access_log.read_text(errors="replace").splitlines() if status.search(line)]
        for line in lines[:20]:
            print("  5xx:", line)
        return len(lines)


def open_person_session(base: str, channel_key: str) -> str:
    body = json.dumps({"id_number": DEMO_PERSON[0], "name": DEMO_PERSON[1]}).encode()
    request = urllib.request.Request(
        base + "/api/v1/person-sessions/",
        data=body,
        method="POST",
        headers={"Authorization": channel_key, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["token"]


def call(base: str, method: str, path: str, authorization: str, body: dict | None = None) -> dict:
    """One request of the seeding; any answer but 2xx stops the run (the seed must work)."""
    request = urllib.request.Request(
        base + "/api/v1/" + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": authorization, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        detail = error.read()[:500]
        raise SystemExit(f"schema-check: seeding {method} {path} answered {error.code}: {detail!r}") from None


def seed_records(base: str, secrets: dict, persons: list) -> dict:
    """Records in several states, so that detail answers (and their nulls) are seen, not only 404s.

    张三 (the person's session) holds an effective self-service filing and a submitted claim; the
    counter files for the others: a fast-track filing awaiting review, a filing revoked at once, and
    a claim taken through review, approval and payment.
    """
    today = datetime.date.today()
    admitted, discharged = today - datetime.timedelta(days=20), today - datetime.timedelta(days=10)
    person, counter, reviewer, admin = (secrets[n] for n in ("person", "counter", "reviewer", "admin"))
    others = [id_number for _pk, id_number, _name in persons if id_number != DEMO_PERSON[0]]

    def filing(**more) -> dict:
        body = {
            "filing_type": "other_temporary",
            "destination": "310000",
            "start_date": today.isoformat(),
            "contact_name": "张三",
            "contact_phone": "13906001234",
            "consent": True,
        }
        return {**body, **more}

    def claim(invoice: str, **more) -> dict:
        body = {
            "claim_kind": "inpatient",
            "reason": "settlement_failed",
            "institution_name": "某三级医院",
            "institution_level": 3,
            "city": "310100",
            "admission_date": admitted.isoformat(),
            "discharge_date": discharged.isoformat(),
            "total_amount": "10000.00",
            "excluded_amount": "0.00",
            "invoices": [
                {"code": "31000026", "number": invoice, "amount": "10000.00", "issued_on": discharged.isoformat()}
            ],
            "bank_name": "中国银行",
            "bank_account": "6216610000001234567",
        }
        return {**body, **more}

    filings = [call(base, "POST", "filings/", person, filing())["reference"]]
    fast = filing(id_number=others[0], filing_type="long_term_resident", mode="fast_track", proof_basis="documents")
    filings.append(call(base, "POST", "filings/", counter, fast)["reference"])
    revoked = call(base, "POST", "filings/", counter, filing(id_number=others[1]))["reference"]
    call(base, "POST", f"filings/{revoked}/revoke/", counter, {"reason": "schema check"})
    filings.append(revoked)

    claims = [call(base, "POST", "claims/", person, claim("SC000001"))["reference"]]
    paid = call(base, "POST", "claims/", counter, claim("SC000002", id_number=others[0]))
    for item in [m["item"] for m in paid.get("materials", []) if m.get("required")]:
        call(base, "POST", f"claims/{paid['reference']}/materials/{item}/status/", counter, {"status": "accepted"})
    call(base, "POST", f"claims/{paid['reference']}/start-review/", reviewer, {})
    call(base, "POST", f"claims/{paid['reference']}/approve/", reviewer, {})
    call(base, "POST", f"claims/{paid['reference']}/pay/", admin, {"payment_reference": "SC-PAY-1"})
    claims.append(paid["reference"])
    return {"filings": filings, "claims": claims}


def run_schemathesis(name: str, authorization: str, server: Server, workdir: Path, args, known: dict) -> dict:
    """One ``schemathesis run`` with one credential; its figures read from the NDJSON event stream."""
    report = workdir / f"{name}.ndjson"
    config = workdir / f"{name}.toml"
    config.write_text(schemathesis_config(name, known))
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        server.base + "/api/schema/",
        "--header",
        f"Authorization: {authorization}",
        "--checks",
        "all",
        "--phases",
        args.phases,
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--generation-database",
        "none",
        "--workers",
        "1",  # one request at a time: deterministic, and SQLite takes one writer
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "20",
        "--no-color",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--output-truncate",
        "false",
    ]
    if name in STAFF_ROLES:
        command += ["--exclude-path", "/api/v1/auth/logout/"]
    # The person's run would end its own session (the other runs are answered 401 there, as documented).
    command += ["--exclude-path", "/api/v1/person-sessions/current/logout/"] if name == "person" else []
    if name != TOKEN_RUN:
        # It reads no credential (every run would test the same), and each try hashes a password.
        command += ["--exclude-path", "/api/v1/auth/token/"]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=workdir, env={**os.environ, "NO_COLOR": "1"}, capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    figures = read_report(report)
    failed = figures["failures"] or figures["errors"] or done.returncode not in (0, 1)
    (workdir / f"{name}.out").write_text(done.stdout + done.stderr)
    details = "\n\n".join(figures.pop("details"))
    (workdir / f"{name}.failures.txt").write_text(details)
    if args.verbose or failed or done.returncode:
        print(f"----- {name}: schemathesis exited {done.returncode}")
        print(tail(done.stdout + done.stderr, 60 if not args.verbose else 400))
        print(f"----- {name}: the failures, with the request and the answer")
        print("\n".join(details.splitlines()[:300]))
    print(
        f"schema-check: {name}: {figures['operations']} operations, {figures['cases']} test cases, "
        f"{figures['failures']} failures, {figures['server_errors']} 5xx, {seconds:.0f} s",
        flush=True,
    )
    return {"name": name, "seconds": seconds, **figures, "exit": done.returncode}


def read_report(path: Path) -> dict:
    """Operations, test cases, distinct failures, 5xx answers and errors from the NDJSON events."""
    operations: set[str] = set()
    cases = 0
    failures: dict[tuple, str] = {}
    server_errors = 0
    errors = 0
    if not path.exists():
        return {"operations": 0, "cases": 0, "failures": 0, "server_errors": 0, "errors": 1, "details": []}
    for line in path.read_text().splitlines():
        event = json.loads(line)
        kind, payload = next(iter(event.items()))
        if kind == "ScenarioFinished":
            recorder = payload.get("recorder") or {}
            label = recorder.get("label")
            if label:
                operations.add(label)
            cases += len(recorder.get("cases") or {})
            interactions = recorder.get("interactions") or {}
            for interaction in interactions.values():
                status = ((interaction or {}).get("response") or {}).get("status_code")
                if status and status >= 500:
                    server_errors += 1
            for case_id, case_checks in (recorder.get("checks") or {}).items():
                for check in case_checks:
                    if check.get("status") != "failure":
                        continue
                    failure = (check.get("failure_info") or {}).get("failure") or {}
                    response = (interactions.get(case_id) or {}).get("response") or {}
                    key = (label, failure.get("code"), failure.get("title"), response.get("status_code"))
                    failures.setdefault(key, describe(recorder, case_id, failure, response))
        elif kind == "NonFatalError":
            errors += 1
            failures.setdefault(("error", len(failures)), json.dumps(payload)[:2000])
    return {
        "operations": len(operations),
        "cases": cases,
        "failures": sum(1 for key in failures if key[0] != "error"),
        "server_errors": server_errors,
        "errors": errors,
        "details": list(failures.values()),
    }


def describe(recorder: dict, case_id: str, failure: dict, response: dict) -> str:
    """One failure, readable: the operation, the check, the request sent and the answer."""
    case = ((recorder.get("cases") or {}).get(case_id) or {}).get("value") or {}
    body = response.get("content") or {}
    if isinstance(body, dict) and "$base64" in body:
        body = base64.b64decode(body["$base64"]).decode("utf-8", "replace")
    phase = (case.get("meta") or {}).get("phase") or {}
    return (
        f"{recorder.get('label')}: {failure.get('code')} {failure.get('title')}\n"
        f"  {failure.get('message', '').strip()[:600]}\n"
        f"  phase {phase.get('name')} {((phase.get('data') or {}).get('description') or '')}\n"
        f"  request {case.get('method')} {case.get('path')} path={case.get('path_parameters')} "
        f"query={case.get('query')} headers={case.get('headers')}\n"
        f"  body={json.dumps(case.get('body'), ensure_ascii=False)[:400]}\n"
        f"  answer {response.get('status_code')} {str(body)[:400]}"
    )


def tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


if __name__ == "__main__":
    sys.exit(main())
