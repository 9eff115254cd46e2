"""Twenty people pressing "submit" at the same moment, against real servers over HTTP.

On SQLite: ``make run``'s server (``manage.py runserver``, threaded, the dev settings) on a file database
(a copy of this test's database), so the settings' SQLite options are the ones under test: every
transaction takes the write lock at BEGIN and waits for it (busy timeout), in WAL mode. Without them,
two requests that read and then write fail at once with "database is locked": 503s.
On PostgreSQL: gunicorn with ``gunicorn.conf.py`` and the production settings, on the test database.

Both: twenty filings for one person → exactly one 201 and nineteen 409 ``live_filing_exists``, no 5xx;
twenty filings for twenty people → twenty 201.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from accounts.choices import Role
from filings.models import Filing
from tests.factories import FilingRequestFactory, PersonFactory, staff_token
from tests.reference_data import reseed_reference_data

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
CALLERS = 20
URL = "/api/v1/filings/"
LIVE = ("submitted", "effective")
# What the servers read from the environment, and nothing of this process's (a DATABASE_URL, a Redis).
OURS = ("DJANGO_", "DATABASE_", "CACHE_URL", "REDIS_URL", "CELERY_", "GUNICORN_", "WEB_CONCURRENCY", "SQLITE_")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS) and k != "TRUSTED_PROXY_COUNT"}
    return {**env, "LOG_LEVEL": "WARNING", **values}


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str], port: int, log: Path, stop=signal.SIGTERM) -> Iterator[str]:
    """Run the server until the block ends (then send it ``stop``); yields its base URL once /healthz answers."""
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"the server did not answer within 30 s:\n{log.read_text()[-3000:]}")
                time.sleep(0.1)
            yield base
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, stop)
            try:
                process.wait(timeout=2)  # gunicorn's master lingers ~5 s after its workers have gone
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def post_at_once(base: str, token: str, bodies: list[dict]) -> list[tuple[int, str, str]]:
    """POST every body at the same moment (one thread each, behind a barrier); (status, code, text) per answer.

    The text is the filing's reference for a 201, the message for an error.
    """
    barrier = threading.Barrier(len(bodies))
    answers: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def submit(body: dict) -> None:
        request = urllib.request.Request(
            base + URL,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        try:
            answer = json.loads(payload)
            code, text = answer.get("code", ""), answer.get("reference") or answer.get("message", "")
        except ValueError:
            code, text = "", payload[:300].decode(errors="replace")
        with lock:
            answers.append((status, code, text))

    threads = [threading.Thread(target=submit, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert len(answers) == len(bodies), f"{len(bodies) - len(answers)} requests got no answer"
    return answers


# The conflict is named live_filing_exists, or now and then coverage_overlap: the validation pass before the
# transaction (filings.services.filing_validate) reads the live filings and the filings covering the days in
# two statements, and the winner may commit between them. Both are the 409 of "another filing exists", and
# both name the winner.
CONFLICTS = {"live_filing_exists", "coverage_overlap"}


def one_wins(answers: list[tuple[int, str, str]]) -> None:
    assert not [a for a in answers if a[0] >= 500], answers
    assert sorted(status for status, _code, _text in answers) == [201] + [409] * (CALLERS - 1), answers
    (winner,) = [text for status, _code, text in answers if status == 201]
    for status, code, text in answers:
        if status == 409:
            assert code in CONFLICTS and winner in text, (code, text)


def everyone_wins(answers: list[tuple[int, str, str]]) -> None:
    assert [status for status, _code, _text in answers] == [201] * CALLERS, answers


def office(*, persons: int) -> tuple[list[dict], str]:
    """The reference data, ``persons`` insured persons, a counter clerk's token, and a filing body per caller."""
    reseed_reference_data()
    people = [PersonFactory() for _ in range(persons)]
    _clerk, token = staff_token(Role.COUNTER)
    bodies = [FilingRequestFactory(id_number=people[i % persons].id_number) for i in range(CALLERS)]
    # The servers' settings keep throttle counts in the database cache (the test settings in memory).
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}
    ):
        call_command("createcachetable", verbosity=0)
    return bodies, token


# -- SQLite: make run's server -----------------------------------------------------------------------------

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason=f"make run's SQLite server; this run uses {connection.vendor} (its twin below runs gunicorn on it)",
)


@contextlib.contextmanager
def runserver(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``manage.py runserver`` as ``make run`` starts it, on a file copy of this test's database."""
    database = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(database) as copy:
        connection.connection.backup(copy)
    copy.close()
    port = free_port()
    env = server_env(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    with serving(command, env, port, tmp_path / "runserver.log") as base:
        yield base, database


def live_filings(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # the server's settings set it
        table = Filing._meta.db_table
        return db.execute(f"SELECT count(*) FROM {table} WHERE state IN (?, ?)", LIVE).fetchone()[0]


@sqlite_only
def test_sqlite_twenty_filings_for_one_person_at_once_one_wins_nineteen_conflict(tmp_path):
    bodies, token = office(persons=1)
    with runserver(tmp_path) as (base, database):
        one_wins(post_at_once(base, token, bodies))
    assert live_filings(database) == 1


@sqlite_only
def test_sqlite_twenty_people_filing_at_once_all_succeed(tmp_path):
    bodies, token = office(persons=CALLERS)
    with runserver(tmp_path) as (base, database):
        everyone_wins(post_at_once(base, token, bodies))
    assert live_filings(database) == CALLERS


# -- PostgreSQL: gunicorn with the production settings ---------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=f"gunicorn on PostgreSQL; this run uses {connection.vendor} (its twin above runs make run's server)",
)


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, tmp_path_factory) -> Iterator[str]:
    """gunicorn (gunicorn.conf.py, 4 sync workers, production settings, plain http) on the test database.

    One for the module: it keeps nothing between requests that a test's rows could depend on. Preloaded,
    so that four workers start for the price of one import; stopped at once (SIGINT, then SIGKILL) when done.
    """
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    port = free_port()
    workdir = tmp_path_factory.mktemp("gunicorn")
    env = server_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_COOKIES="false",
        DATABASE_URL=f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        MEDIA_ROOT=str(workdir / "media"),
        WEB_CONCURRENCY="4",
        GUNICORN_ACCESS_LOG=str(workdir / "access.log"),
    )
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--preload",
        "--no-control-socket",  # gunicorn 27 otherwise shares ~/.gunicorn/gunicorn.ctl with any other
    ]
    with serving(command, env, port, workdir / "gunicorn.log", stop=signal.SIGINT) as base:
        yield base


@postgres_only
def test_postgres_twenty_filings_for_one_person_at_once_one_wins_nineteen_conflict(gunicorn):
    bodies, token = office(persons=1)
    one_wins(post_at_once(gunicorn, token, bodies))
    assert Filing.objects.filter(state__in=LIVE).count() == 1


@postgres_only
def test_postgres_twenty_people_filing_at_once_all_succeed(gunicorn):
    bodies, token = office(persons=CALLERS)
    everyone_wins(post_at_once(gunicorn, token, bodies))
    assert Filing.objects.filter(state__in=LIVE).count() == CALLERS
