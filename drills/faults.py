"""Faults under load: writers retrying with Idempotency-Key while PostgreSQL stops, crashes and restarts.

``python -m drills.faults [--seconds 50] [--writers 8] [--workers 3]`` (or ``make faults``):

1. a PostgreSQL cluster of its own (``initdb``/``pg_ctl`` in a temporary directory, as an
   unprivileged user when run as root; 127.0.0.1, a free port), migrated, demo data loaded,
   staff tokens and a channel key made for the writers;
2. gunicorn with the repository's ``gunicorn.conf.py`` and the production settings;
3. ``--writers`` client threads for ``--seconds`` (see ``drills.faults_client``: each request has
   its own Idempotency-Key and is sent again, with that key, until it has a final answer), while
   the database is stopped (``pg_ctl stop -m fast``) and started again, later killed
   (``-m immediate``: a crash, with recovery at start) and started again, and gunicorn workers
   are killed in the middle of their requests; meanwhile the clients lose ``--drop`` of the
   answers on purpose (the request is sent whole, the connection closed before the answer);
4. every request that needed a retry, and a sample of the others, is sent once more with its key
   after the recovery: each must answer its first answer again, creating nothing;
5. the reconciliation (``drills.faults_reconcile``): event chains, records against what each
   client was told, references without gaps, one record per client request, the idempotency table.

It prints one table and exits 1 on any inconsistency, duplicate, unresolved or refused request,
or a 5xx other than 503. Everything it started (gunicorn, the cluster) is stopped and its
temporary directory removed, also on failure (``--keep`` keeps the directory with the logs).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from drills.faults_cluster import Cluster, Server, free_port, remove

SECRET = "faults-" + secrets.token_urlsafe(32)
# Limits on guessing and lockouts (accounts/throttles.py, settings/base.py) far above what the
# writers do: they use valid credentials only, and a limit must not decide the outcome here.
UNTHROTTLED = {
    "AUTH_THROTTLE_RATE": "100000/minute",
    "TOKEN_FAILURE_RATE": "100000/minute",
    "API_KEY_FAILURE_RATE": "100000/minute",
    "BEARER_FAILURE_RATE": "100000/minute",
    "PERSON_SESSION_CHANNEL_FAILURE_RATE": "100000/minute",
    "PERSON_SESSION_ID_FAILURE_RATE": "100000/minute",
    "PERSONAL_LOOKUP_FAILURE_RATE": "100000/minute",
    "ELIGIBILITY_RATE": "100000/minute",
    "UPLOAD_RATE": "100000/minute",
    "STAFF_LOCKOUT_FAILURES": "100000",
}
ACCESS_STATUS = re.compile(r'" (\d{3}) ')


def environment(database_url: str, workdir: Path, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL"}}
    env.update(UNTHROTTLED)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": SECRET,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(workdir / "media"),
            "WEB_CONCURRENCY": str(workers),
            "LOG_LEVEL": "INFO",
        }
    )
    return env


BEGAN = time.monotonic()


def say(text: str) -> None:
    print(f"[faults +{time.monotonic() - BEGAN:3.0f}s] {text}", file=sys.stderr, flush=True)


class Faults(threading.Thread):
    """Stops and starts the database twice, then kills gunicorn workers, at fixed fractions of the run."""

    def __init__(self, cluster: Cluster, server: Server, *, started: float, seconds: float, down: float):
        super().__init__(name="faults", daemon=True)
        self.cluster, self.server = cluster, server
        self.started, self.seconds, self.down = started, seconds, down
        self.done: list[str] = []
        self.error: BaseException | None = None

    def at(self, fraction: float) -> None:
        time.sleep(max(0.0, self.started + fraction * self.seconds - time.monotonic()))

    def outage(self, mode: str) -> None:
        began = time.monotonic()
        self.cluster.stop(mode)
        time.sleep(self.down)
        self.cluster.start()
        self.done.append(
            f"t={began - self.started:5.1f}s  pg_ctl stop -m {mode}, start again: "
            f"database away {time.monotonic() - began:.1f} s"
        )
        say(self.done[-1])

    def run(self) -> None:
        try:
            self.at(0.2)
            self.outage("fast")
            self.at(0.5)
            self.outage("immediate")
            for fraction, count in ((0.75, None), (0.88, 1)):
                self.at(fraction)
                pids = self.server.kill_workers(count)
                self.done.append(
                    f"t={time.monotonic() - self.started:5.1f}s  SIGKILL gunicorn worker(s) {', '.join(map(str, pids))}"
                )
                say(self.done[-1])
        except BaseException as exc:
            self.error = exc


def replay_check(client, ledger, *, seconds: float, sample_every: int = 10) -> tuple[int, list[str]]:
    """Send again every request that was retried and every ``sample_every``-th other one answered 2xx.

    At most ``seconds`` long: whatever is left then stays unchecked (the count says how many were).
    """
    from drills.faults_client import Sent

    done = [sent for sent in ledger.requests() if sent.ok]
    chosen = [sent for i, sent in enumerate(done) if sent.retried or i % sample_every == 0]
    differing = []
    deadline = time.monotonic() + seconds
    checked = 0
    for sent in chosen:
        if time.monotonic() > deadline:
            break
        checked += 1
        again = Sent(sent.label, sent.method, sent.path, sent.key, sent.caller, payload=sent.payload, auth=sent.auth)
        client.send(again)
        if again.status != sent.status or again.body != sent.body or not again.replayed:
            differing.append(
                f"{sent.label} {sent.path} key {sent.key}: first {sent.status} {sent.body.get('reference')}, "
                f"again {again.status} {again.body.get('reference') or again.body.get('code')} "
                f"(replayed: {again.replayed})"
            )
    return checked, differing


def server_log(path: Path) -> tuple[Counter, int]:
    statuses, tracebacks = Counter(), 0
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = ACCESS_STATUS.search(line)
            if match and ('"POST ' in line or '"GET ' in line):
                statuses[match.group(1)] += 1
            if line.startswith("Traceback"):
                tracebacks += 1
    return statuses, tracebacks


def make_credentials():
    from accounts.choices import Role
    from accounts.services import channel_key_issue, staff_create, staff_token_issue
    from drills.faults_client import Credentials

    headers, callers = {}, {}
    for role in (Role.COUNTER, Role.REVIEWER, Role.ADMIN):
        user = staff_create(username=f"faults_{role}", role=role, password=secrets.token_urlsafe(18))
        _token, plain = staff_token_issue(user=user)
        headers[role] = f"Token {plain}"
        callers[headers[role]] = f"staff:{user.pk}"
    _key, plain = channel_key_issue(channel_code="xm_wechat", name="drills.faults")
    channel = f"Api-Key {plain}"
    callers[channel] = "channel:xm_wechat"
    return Credentials(headers[Role.COUNTER], headers[Role.REVIEWER], headers[Role.ADMIN], channel, callers)


def _by_kind(counts: Counter) -> str:
    kinds = ("persons", "person sessions", "filings", "claims")
    return f"{sum(counts.values())} (" + ", ".join(str(counts.get(kind, 0)) for kind in kinds) + ")"


def table(rows: list[tuple[str, object]]) -> str:
    width = max(len(name) for name, _value in rows)
    lines = []
    for name, value in rows:
        lines.append(f"  {name}" if value is None else f"  {name:<{width}}  {value}")
    return "\n".join(lines)


def run(args) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="faults-"))
    cluster = Cluster(workdir, free_port(args.db_port))
    server: Server | None = None
    began = time.monotonic()
    try:
        say(f"PostgreSQL cluster in {workdir} on 127.0.0.1:{cluster.port} (as {cluster.user or 'this user'})")
        cluster.init()
        cluster.start()
        cluster.create_database()
        env = environment(cluster.url, workdir, args.workers)
        os.environ.update(env)

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        from drills.faults_client import Client, Ledger, Writer
        from drills.faults_reconcile import Before, reconcile

        say("migrate, load_demo_data, credentials")
        call_command("migrate", verbosity=0, interactive=False)
        # The command refuses production settings (its passwords are printed); the data itself is what
        # the drill needs, so it is loaded directly, as contract/schema_check.py does.
        from registry.demo import load_demo_data

        load_demo_data()
        credentials = make_credentials()
        before = Before.now()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        connections.close_all()

        server = Server(workdir, free_port(args.http_port), args.workers, env)
        server.start()
        say(f"gunicorn ({args.workers} workers, production settings) on {server.base}; writers for {args.seconds} s")

        ledger = Ledger()
        started = time.monotonic()
        stop_at = started + args.seconds
        writers = [
            Writer(
                n,
                client=Client(
                    "127.0.0.1",
                    server.port,
                    patience=args.patience,
                    drop=args.drop,
                    seed=n,
                    fresh_keys=args.fresh_key_on_retry,
                ),
                credentials=credentials,
                ledger=ledger,
                stop_at=stop_at,
            )
            for n in range(args.writers)
        ]
        faults = Faults(cluster, server, started=started, seconds=args.seconds, down=args.down)
        for thread in (*writers, faults):
            thread.start()
        for thread in (*writers, faults):
            thread.join()
        load_seconds = time.monotonic() - started
        say(f"writers done after {load_seconds:.0f} s; sending retried requests once more")
        replays, replay_differs = replay_check(Client("127.0.0.1", server.port, patience=10), ledger, seconds=60)
        server.stop()
        server = None
        statuses, tracebacks = server_log(workdir / "gunicorn.log")

        say("reconciling")
        connections.close_all()
        result = reconcile(ledger, before)
        connections.close_all()

        requests = ledger.requests()
        attempts = ledger.attempts()
        unresolved = [s for s in requests if s.status is None]
        refused = [s for s in requests if s.status is not None and not s.ok]
        server_errors = sum(
            n for outcome, n in attempts.items() if outcome.isdigit() and outcome[0] == "5" and outcome != "503"
        )
        no_retry_after = attempts.get("503_without_retry_after", 0)
        thread_errors = [f"{t.name}: {t.error!r}" for t in (*writers, faults) if t.error is not None]
        inconsistencies = len(result.problems) + len(unresolved) + len(refused) + len(thread_errors) + no_retry_after
        duplicates = len(result.duplicates) + len(replay_differs)
        stories = ledger.stories

        rows: list[tuple[str, object]] = [
            ("run", None),
            ("PostgreSQL", pg_version),
            ("load", f"{load_seconds:.0f} s, {args.writers} writers, gunicorn {args.workers} workers"),
            *[(f"fault {i + 1}", text) for i, text in enumerate(faults.done)],
            ("requests (each meant once, one Idempotency-Key)", None),
            ("requests sent", len(requests)),
            *[(f"  {label}", n) for label, n in sorted(Counter(s.label for s in requests).items())],
            ("HTTP attempts", sum(attempts.values())),
            *[(f"  answered/failed: {outcome}", n) for outcome, n in sorted(attempts.items())],
            ("requests that needed a retry", sum(1 for s in requests if s.retried)),
            ("  finally answered by a replay", sum(1 for s in requests if s.replayed)),
            ("final answers 2xx", sum(1 for s in requests if s.ok)),
            ("final answers refused (4xx)", len(refused)),
            ("requests unresolved", len(unresolved)),
            ("server access log by status", " ".join(f"{k}:{v}" for k, v in sorted(statuses.items()))),
            ("server tracebacks logged", tracebacks),
            ("5xx other than 503 (answered to clients)", server_errors),
            ("503 without Retry-After", no_retry_after),
            (
                "stories complete / started (the rest stopped at the deadline)",
                f"{sum(1 for s in stories if s.complete)} / {len(stories)}",
            ),
            ("records", None),
            *[(f"  {what}", n) for what, n in sorted(result.checked.items())],
            ("records created (persons, sessions, filings, claims)", _by_kind(result.created)),
            ("records reconciled (one client each, events and version as told)", _by_kind(result.reconciled)),
            ("retried requests sent once more after recovery", f"{replays}, {replays - len(replay_differs)} identical"),
            ("result", None),
            ("inconsistencies", inconsistencies),
            ("duplicates after retries", duplicates),
        ]
        print("\nFaults under load (drills/faults.py)\n" + table(rows))
        details = [
            *result.problems,
            *result.duplicates,
            *replay_differs,
            *thread_errors,
            *[f"unresolved: {s.label} {s.path} after {len(s.outcomes)} attempts {s.outcomes[-3:]}" for s in unresolved],
            *[f"refused: {s.label} {s.path}: {s.status} {s.body} after {s.outcomes}" for s in refused],
        ]
        if details:
            print("\nProblems:")
            for line in details[:50]:
                print(f"  - {line}")
            if len(details) > 50:
                print(f"  … and {len(details) - 50} more")
        if args.keep:
            print(f"\nLogs kept in {workdir}")
        failed = inconsistencies or duplicates or server_errors
        say(f"{'FAILED' if failed else 'passed'} in {time.monotonic() - began:.0f} s")
        return 1 if failed else 0
    finally:
        if server is not None:
            server.stop()
        cluster.shutdown()
        if not args.keep:
            remove(workdir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drills.faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=50, help="how long the writers write (default 50)")
    parser.add_argument("--writers", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--down", type=float, default=5, help="seconds the database stays stopped (default 5)")
    parser.add_argument(
        "--drop", type=float, default=0.05, help="share of answers the client loses on purpose (default 0.05)"
    )
    parser.add_argument("--patience", type=float, default=60, help="seconds a client retries one request")
    parser.add_argument("--db-port", type=int, default=55432)
    parser.add_argument("--http-port", type=int, default=58000)
    parser.add_argument(
        "--fresh-key-on-retry",
        action="store_true",
        help="self-test: the clients retry with a NEW key, as a careless app would; the run must then fail",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data)")
    args = parser.parse_args(argv)
    # A SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the finally stops what was started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
