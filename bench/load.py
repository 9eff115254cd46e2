"""``make bench`` on PostgreSQL: our endpoints against the floor and the naive version, under wrk.

    BENCH_FILINGS=2000000 .venv/bin/python -m bench.load

Generates the data if absent (``bench.generate`` into ``bench_load_<filings>`` and ``bench_load_10000``),
checks the query plans (``plan: index`` or the sequential scan found), serves each variant with
gunicorn (``gunicorn.conf.py``, production settings, 2 workers, persistent connections), loads it
with ``wrk`` (loopback, fixed duration and concurrency, ID numbers rotated from a list), stops it,
runs the CSV export memory check, and prints one table (also ``bench/out/load.txt``).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
SERVER = "postgres://postgres@127.0.0.1:5432/"
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
PORT = 8431
SMALL = 10_000
# Rounds of our eligibility with and without the record of answers (alternating; see main).
RECORD_ROUNDS = int(os.environ.get("BENCH_RECORD_ROUNDS", "5"))
# The sustained rows: long enough for every worker to be restarted by max_requests several times.
SUSTAINED = os.environ.get("BENCH_SUSTAINED", "60s")
# BENCH_ONLY=sustained: the calibration and the sustained rows alone (a quick check of the server's restarts);
# BENCH_ONLY=lists: the calibration and the list rows with their floors; BENCH_ONLY=eligibility: ours and its floor;
# BENCH_ONLY=writes: the calibration and the write rows (bench/writes.py) alone.
ONLY = os.environ.get("BENCH_ONLY", "")
CALIBRATION_STEPS = 5_000_000
FLOOR = "bench.floor_app:application"
LISTS = (("filings", "filing"), ("claims", "claim"), ("events", "audit-event"))


def calibration() -> float:
    """Seconds a fixed pure-Python loop takes here (the best of three): tables of machines of different speeds
    are compared through it."""
    best = float("inf")
    for _round in range(3):
        started = time.perf_counter()
        total = 0
        for step in range(CALIBRATION_STEPS):
            total += step * step % 7
        best = min(best, time.perf_counter() - started)
    return best


def calibration_line(seconds: float) -> str:
    return f"calibration: a pure-Python loop of {CALIBRATION_STEPS:,} steps in {seconds:.2f} s"


def db_url(filings: int) -> str:
    return f"{SERVER}bench_load_{filings}"


def filings_in(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            # The generated filings only (references BG…): the write rows add filings of their own, which must
            # not make the next run generate everything again.
            return conn.execute("SELECT count(*) FROM filings_filing WHERE reference LIKE 'BG%'").fetchone()[0]
    except psycopg.Error:
        return None


def ensure_data(filings: int) -> str:
    url = db_url(filings)
    held = filings_in(url)
    # The write rows (bench/writes.py) add filings to the data they run on: more than generated is still it.
    if held is not None and held >= filings:
        print(f"data: {url.rsplit('/', 1)[1]} already holds {held:,} filings")
        return url
    print(f"data: generating {filings:,} filings into {url.rsplit('/', 1)[1]}", flush=True)
    subprocess.run(
        [PY, "-m", "bench.generate", "--persons", str(max(filings // 2, 1000)), "--filings", str(filings)]
        + ["--claims", str(filings // 10), "--database-url", url],
        cwd=ROOT,
        check=True,
    )
    return url


def django_env(url: str, settings: str = "config.settings.production") -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": url,
        "DATABASE_CONN_MAX_AGE": "600",
        "DJANGO_SECURE_COOKIES": "false",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_MAX_REQUESTS": "0",
        "LOG_LEVEL": "WARNING",
        "BENCH_FLOOR_DSN": url,
        # The load asks about generated numbers, some of them nobody's: it is no guesser. The limit's
        # check (a cache read per question) still runs.
        "PERSONAL_LOOKUP_FAILURE_RATE": "100000000/minute",
        # One key asks thousands of questions a second: far above any hospital's rate (6000/hour by
        # default), so it is raised too; the per-key count (config.limits.CallerQuota) still runs.
        "ELIGIBILITY_RATE": "100000000/minute",
    }


def prepare(url: str, tag: str) -> dict:
    """Credentials, request paths and plans of one database (a subprocess with Django on it)."""
    out = subprocess.run(
        [PY, "-m", "bench.load_prepare", str(OUT / tag)], cwd=ROOT, env=django_env(url), capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"bench.load_prepare failed on {url}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def wait_for_port(proc: subprocess.Popen, port: int = PORT, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see bench/out/gunicorn.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start listening in time")


def _serve(app: str, env: dict, port: int, log) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), app, "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=log,
        stderr=log,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _wrk(port: int, paths: Path, auth: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "BENCH_PATHS": str(paths), "BENCH_AUTH": auth}
    script = str(ROOT / "bench" / "wrk" / "rotate.lua")
    command = ["wrk", *args, "-s", script, f"http://127.0.0.1:{port}"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"wrk failed: {err[-2000:]}")
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH_RESULT "))
    result = json.loads(line.removeprefix("BENCH_RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def serve_and_load(app: str, env: dict, paths_file: Path, auth: str, path_prefix: str = "") -> dict:
    """Start gunicorn with ``app``, warm up, run wrk, stop gunicorn; return wrk's numbers."""
    return serve_side_by_side([(app, env)], paths_file, auth, path_prefix)[0]


def serve_side_by_side(
    servers: list[tuple[str, dict]], paths_file: Path, auth: str, path_prefix: str = "", duration: str | None = None
) -> list:
    """Serve each (app, env) with its own gunicorn on its own port and load them all at once, each with
    ``CONNECTIONS`` divided among them; return wrk's numbers for each, in order.

    Run at the same moment, variants see the same machine: on a shared virtual machine whose speed drifts
    by a fifth within minutes, two runs one after the other compare the moments more than the variants.
    With one server, a plain run (its ``WEB_CONCURRENCY`` workers)."""
    log = open(OUT / "gunicorn.log", "a")  # noqa: SIM115 - closed below
    ports = [PORT + i for i in range(len(servers))]
    procs = [_serve(app, env, port, log) for (app, env), port in zip(servers, ports, strict=True)]
    try:
        for proc, port in zip(procs, ports, strict=True):
            wait_for_port(proc, port)
        lines = paths_file.read_text().splitlines()
        rotated = OUT / "wrk_paths.txt"
        rotated.write_text("".join(f"{path_prefix}{line}\n" for line in lines))
        # Warm-up: every worker connects, imports and prepares before the measured run.
        for warm in [_wrk(port, rotated, auth, "-t1", "-c4", "-d2s") for port in ports]:
            _result(warm)
        connections = max(int(CONNECTIONS) // len(servers), 1)
        threads = "-t2" if len(servers) == 1 else "-t1"
        runs = [_wrk(port, rotated, auth, threads, f"-c{connections}", f"-d{duration or DURATION}") for port in ports]
        return [_result(run) for run in runs]
    finally:
        for proc in procs:
            _stop(proc)
        log.close()


def sustained(url: str, paths: Path, auth: str, preload: bool, recycle: bool = True) -> dict:
    """Our eligibility for ``SUSTAINED`` as shipped: 2 × CPUs + 1 workers, recycled after 2,000 to 4,000 requests
    each (every few seconds at this rate), the application loaded before forking or not; the restarts are
    counted in the server's log."""
    log_file = OUT / "gunicorn.log"
    before = log_file.read_text().count("Autorestarting worker") if log_file.exists() else 0
    # INFO: gunicorn says "Autorestarting worker" at that level.
    env = {**django_env(url), "GUNICORN_PRELOAD": "true" if preload else "false", "LOG_LEVEL": "INFO"}
    env.pop("WEB_CONCURRENCY", None)  # the shipped number of workers (2 × CPUs + 1), not the bench's 2
    if recycle:
        env.pop("GUNICORN_MAX_REQUESTS", None)  # the shipped configuration's recycling
    result = serve_side_by_side(
        [("config.wsgi:application", env)], paths, auth, "/api/v1/eligibility/", duration=SUSTAINED
    )[0]
    result["restarts"] = log_file.read_text().count("Autorestarting worker") - before
    return result


def export_memory(fmt: str = "csv") -> dict:
    env = {**os.environ, "BENCH_DATABASE_URL": f"{SERVER}bench_export", "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    events = os.environ.get("BENCH_EXPORT_EVENTS", "1000000")
    run = subprocess.run(
        [PY, "-m", "bench.export_memory", "--events", events, "--format", fmt],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    found = {}
    for line in run.stdout.splitlines():
        for key, label in (
            ("rows", "CSV rows streamed" if fmt == "csv" else "XLSX rows written"),
            ("seconds", "export time (s)"),
            ("growth", "growth (MB"),
            ("peak", "RSS peak"),
        ):
            if line.startswith(label):
                found[key] = float(line.split()[-1].replace(",", ""))
    found["ok"] = run.returncode == 0
    return found


def statistics_pages(url: str) -> dict:
    """``bench.stats_pages`` on the big database: each statistics page's time, from the events and rolled up."""
    run = subprocess.run([PY, "-m", "bench.stats_pages"], cwd=ROOT, env=django_env(url), capture_output=True, text=True)
    if run.returncode:
        print(f"bench.stats_pages failed:\n{run.stderr[-3000:]}", flush=True)
        return {}
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "gunicorn.log").write_text("")
    started = time.monotonic()
    big = int(os.environ.get("BENCH_FILINGS", "2000000"))
    seconds = calibration()
    print(calibration_line(seconds), flush=True)
    if ONLY == "writes":
        from bench.writes import render as render_writes
        from bench.writes import write_rows

        rows = write_rows(ensure_data(big), OUT / f"writes_{big}", big)
        text = render_writes(rows, seconds)
        print(text)
        (OUT / "writes.txt").write_text(text + "\n")
        return
    if ONLY == "sustained":
        big_url = ensure_data(big)
        big_info = prepare(big_url, f"load_{big}")
        key, big_dir = f"Api-Key {big_info['key']}", OUT / f"load_{big}"
        rows = sustained_rows(big_url, big_dir, key, big)
        text = render_sustained(rows, seconds)
        print(text)
        (OUT / "sustained.txt").write_text(text + "\n")
        return
    if ONLY == "eligibility":
        big_url, big_info, big_dir, env = big_database(big)
        floor_env = {**env, "BENCH_ELIGIBILITY_SQL": str(big_dir / "eligibility_sql.json")}
        key = f"Api-Key {big_info['key']}"
        floor = serve_and_load(FLOOR, floor_env, big_dir / "eligibility_floor.txt", "")
        ours = serve_and_load("config.wsgi:application", env, big_dir / "eligibility.txt", key, "/api/v1/eligibility/")
        for label, r in (("floor: bare WSGI, our SQL prepared", floor), ("eligibility, our endpoint", ours)):
            p50, p99 = r["p50_us"] / 1000, r["p99_us"] / 1000
            print(f"{label:<40} {r['rps']:>8,.0f} req/s  p50 {p50:.1f} ms  p99 {p99:.1f} ms")
        print(f"eligibility ≥ 0.8 × floor: {ours['rps'] / floor['rps']:.2f} ×")
        return
    if ONLY == "lists":
        _big_url, big_info, big_dir, env = big_database(big)
        floor_env = {**env, "BENCH_LIST_SQL": str(big_dir / "list_sql.json")}
        text = "\n".join(list_lines(list_rows(big_dir, env, floor_env, f"Token {big_info['token']}"), seconds))
        print(text)
        (OUT / "lists.txt").write_text(text + "\n")
        return
    big_url, small_url = ensure_data(big), ensure_data(SMALL)
    big_info, small_info = prepare(big_url, f"load_{big}"), prepare(small_url, f"load_{SMALL}")
    key, token = f"Api-Key {big_info['key']}", f"Token {big_info['token']}"
    big_dir, small_dir = OUT / f"load_{big}", OUT / f"load_{SMALL}"
    rows: list[tuple[str, dict]] = []

    def measure(label, app, env, paths, auth, prefix=""):
        print(f"load: {label}", flush=True)
        rows.append((label, serve_and_load(app, env, paths, auth, prefix)))

    env = django_env(big_url)
    floor_env = {
        **env,
        "BENCH_ELIGIBILITY_SQL": str(big_dir / "eligibility_sql.json"),
        "BENCH_LIST_SQL": str(big_dir / "list_sql.json"),
    }
    measure(
        f"floor: bare WSGI, our SQL prepared ({big:,})",
        "bench.floor_app:application",
        floor_env,
        big_dir / "eligibility_floor.txt",
        "",
    )
    measure(
        f"lighter lookup, bare WSGI, 3 tables ({big:,})",
        "bench.floor_app:application",
        floor_env,
        big_dir / "eligibility_floor_light.txt",
        "",
    )
    # Our eligibility with and without the record of answers, side by side: both served at once (one worker
    # each, the same 2 in all), loaded at once (half the connections each), so that each round compares the
    # variants at one moment of the machine; RECORD_ROUNDS rounds, the order of the ports alternating. The
    # table shows each one's median run, the target the median of the rounds' costs with every round's.
    recorded, unrecorded = [], []
    one_worker = {"WEB_CONCURRENCY": "1"}
    on = ("config.wsgi:application", {**env, **one_worker})
    off = ("config.wsgi:application", {**django_env(big_url, "bench.unrecorded_settings"), **one_worker})
    for round_ in range(RECORD_ROUNDS):
        print(f"load: eligibility, record on and off side by side, round {round_ + 1} of {RECORD_ROUNDS}", flush=True)
        pair = [on, off] if round_ % 2 == 0 else [off, on]
        first, second = serve_side_by_side(pair, big_dir / "eligibility.txt", key, "/api/v1/eligibility/")
        recorded.append(first if pair[0] is on else second)
        unrecorded.append(second if pair[0] is on else first)
    rows.append((f"eligibility, record on, side by side ({big:,})", median_run(recorded)))
    rows.append((f"eligibility, record off, side by side ({big:,})", median_run(unrecorded)))
    big_info["record_costs"] = [1 - a["rps"] / b["rps"] for a, b in zip(recorded, unrecorded, strict=True)]
    measure(
        f"eligibility, our endpoint ({big:,})",
        "config.wsgi:application",
        env,
        big_dir / "eligibility.txt",
        key,
        "/api/v1/eligibility/",
    )
    measure(
        f"naive DRF generic view ({big:,})",
        "config.wsgi:application",
        django_env(big_url, "bench.naive_settings"),
        big_dir / "eligibility.txt",
        key,
        "/api/v1/eligibility/",
    )
    measure(
        f"eligibility, our endpoint ({SMALL:,})",
        "config.wsgi:application",
        django_env(small_url),
        small_dir / "eligibility.txt",
        f"Api-Key {small_info['key']}",
        "/api/v1/eligibility/",
    )
    rows += list_rows(big_dir, env, floor_env, token)
    # The statistics before the write rows: those add tens of thousands of decisions today, which the pages count
    # live from the events (past 20,000 live decisions the service page counts the whole period in Python).
    print("statistics: each page, a month and 12 months, from the events and rolled up", flush=True)
    big_info["statistics"] = statistics_pages(big_url)
    from bench.writes import write_rows

    big_info["writes"] = write_rows(big_url, OUT / f"writes_{big}", big)
    print("export: 1,000,000 events to CSV", flush=True)
    export = export_memory()
    print("export: 1,000,000 events to Excel (.xlsx)", flush=True)
    export_xlsx = export_memory("xlsx")
    big_info["sustained"] = sustained_rows(big_url, big_dir, key, big)
    big_info["calibration"] = seconds
    text = render(rows, export, big_info, big, time.monotonic() - started, export_xlsx)
    print(text)
    (OUT / "load.txt").write_text(text + "\n")
    write_readme(text)


README = Path(__file__).resolve().parent / "README.md"
MARKERS = ("<!-- make-bench:start -->\n", "<!-- make-bench:end -->")


def write_readme(text: str) -> None:
    """The whole run's table into bench/README.md between its markers, with the commit and the machine: the
    figures there are written by the run that measured them, never typed."""
    from docs_tools.markers import replace_between
    from ops.common import git_revision

    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True)
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    changes = " (with local changes)" if dirty.stdout else ""
    header = (
        f"Written by `make bench` on commit {git_revision()[:7]}{changes}, {os.cpu_count()} cores, {memory:.0f} GiB:"
    )
    start, end = MARKERS
    try:
        page = replace_between(README.read_text(encoding="utf-8"), start, end, f"{header}\n\n```\n{text}\n```\n")
    except ValueError as exc:
        print(f"bench/README.md: {exc}; not written")
        return
    README.write_text(page, encoding="utf-8")
    print("bench/README.md: the table written between its markers")


def big_database(big: int) -> tuple[str, dict, Path, dict]:
    """The big database (generated if absent), prepared: its URL, credentials, request files and Django's env."""
    url = ensure_data(big)
    return url, prepare(url, f"load_{big}"), OUT / f"load_{big}", django_env(url)


def list_rows(big_dir: Path, env: dict, floor_env: dict, token: str) -> list[tuple[str, dict]]:
    """Each list right after its floor (the very statements it sent, raw): filings by state and destination,
    claims by state and kind, the event feed from a day in the last two years; 50 rows a page."""
    rows = []
    for kind, label in LISTS:
        for name, app, paths, environment, auth in (
            ("same raw SQL (floor)", FLOOR, big_dir / f"list_{kind}_floor.txt", floor_env, ""),
            ("our endpoint", "config.wsgi:application", big_dir / f"list_{kind}.txt", env, token),
        ):
            print(f"load: {label} list 50 rows, {name}", flush=True)
            rows.append((f"{label} list 50 rows, {name}", serve_and_load(app, environment, paths, auth)))
    return rows


def list_lines(rows: list[tuple[str, dict]], seconds: float) -> list[str]:
    """The list rows alone (``BENCH_ONLY=lists``), each with its ratio to its floor."""
    by = dict(rows)
    lines = [
        f"make bench, list rows only (PostgreSQL, gunicorn 2 workers, wrk -c{CONNECTIONS} {DURATION})",
        calibration_line(seconds),
        "",
        f"| {'measure':<52} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'× floor':>7} | errors |",
        f"|{'-' * 54}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 9}|--------|",
    ]
    for label, r in rows:
        floor = by[label.replace("our endpoint", "same raw SQL (floor)")]
        lines.append(
            f"| {label:<52} | {r['rps']:>8,.0f} | {r['p50_us'] / 1000:>7.1f} | {r['p99_us'] / 1000:>7.1f} | "
            f"{r['rps'] / floor['rps']:>7.2f} | {r['errors_status'] + r['errors_other']:>6} |"
        )
    for _kind, label in LISTS:
        ours, raw = by[f"{label} list 50 rows, our endpoint"], by[f"{label} list 50 rows, same raw SQL (floor)"]
        ratio = ours["p50_us"] / raw["p50_us"]
        lines.append(f"- {label} list ≤ 2 × its raw SQL (p50): {ratio:.1f} × — {'met' if ratio <= 2 else 'MISSED'}")
    return lines


def sustained_rows(url: str, directory: Path, key: str, big: int) -> list[tuple[str, dict]]:
    rows = []
    for preload, recycle in ((True, True), (False, True), (True, False)):
        restarts = "restarts on" if recycle else "restarts off"
        label = f"eligibility {SUSTAINED}, {restarts}, {'preloaded' if preload else 'not preloaded'} ({big:,})"
        print(f"load: {label}", flush=True)
        rows.append((label, sustained(url, directory / "eligibility.txt", key, preload, recycle)))
    return rows


def sustained_lines(rows: list[tuple[str, dict]]) -> list[str]:
    lines = [
        f"| {'measure':<60} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'p99/p50':>7} | restarts | errors |",
        f"|{'-' * 62}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 9}|----------|--------|",
    ]
    for label, r in rows:
        lines.append(
            f"| {label:<60} | {r['rps']:>8,.0f} | {r['p50_us'] / 1000:>7.1f} | {r['p99_us'] / 1000:>7.1f} | "
            f"{r['p99_us'] / r['p50_us']:>7.1f} | {r['restarts']:>8} | {r['errors_status'] + r['errors_other']:>6} |"
        )
    (_label, preloaded), (_other, cold), (_third, steady) = rows
    ratio = preloaded["p99_us"] / preloaded["p50_us"]
    lines.append(
        f"- sustained p99 ≤ 3 × p50 with workers restarting (preloaded): {ratio:.1f} × — "
        f"{'met' if ratio <= 3 and preloaded['restarts'] >= 4 else 'MISSED'} ({preloaded['restarts']} restarts; "
        f"not preloaded: {cold['p99_us'] / cold['p50_us']:.1f} ×, {cold['restarts']} restarts; "
        f"no restarts: {steady['p99_us'] / steady['p50_us']:.1f} ×)"
    )
    return lines


def render_sustained(rows: list[tuple[str, dict]], seconds: float) -> str:
    workers = os.cpu_count() * 2 + 1
    head = f"make bench, sustained rows only (PostgreSQL, gunicorn {workers} workers, wrk -c{CONNECTIONS} {SUSTAINED})"
    return "\n".join([head, calibration_line(seconds), "", *sustained_lines(rows)])


def median_run(runs: list[dict]) -> dict:
    """The run with the median throughput (the upper one of an even number)."""
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


def render(rows, export, info, big, elapsed, export_xlsx=None) -> str:
    from bench.writes import write_lines

    by = dict(rows)
    floor = rows[0][1]["rps"]
    lines = [
        f"make bench (PostgreSQL, gunicorn 2 workers, wrk -c{CONNECTIONS} {DURATION}), {time.strftime('%Y-%m-%d')}",
        f"{calibration_line(info.get('calibration', 0))} (compare tables of different machines through it)",
        "",
        f"| {'measure':<52} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'× floor':>7} | errors |",
        f"|{'-' * 54}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 9}|--------|",
    ]
    for label, r in rows:
        ref = floor if " list " not in label else by[label.replace("our endpoint", "same raw SQL (floor)")]["rps"]
        ratio = f"{r['rps'] / ref:>7.2f}" if "side by side" not in label else f"{'(pair)':>7}"
        lines.append(
            f"| {label:<52} | {r['rps']:>8,.0f} | {r['p50_us'] / 1000:>7.1f} | {r['p99_us'] / 1000:>7.1f} | "
            f"{ratio} | {r['errors_status'] + r['errors_other']:>6} |"
        )
    export_xlsx = export_xlsx or {}
    for name, measured in (("CSV", export), ("XLSX", export_xlsx)):
        if measured:
            lines.append(
                f"| {name + ' export of ' + format(int(measured.get('rows', 0)), ',') + ' events':<52} | "
                f"{measured.get('seconds', 0):>6.0f} s | peak RSS {measured.get('peak', 0):.0f} MB, "
                f"growth {measured.get('growth', 0):.1f} MB |"
            )
    pages = info.get("statistics", {})
    for page in pages.get("rows", []):
        lines.append(
            f"| {page['label']:<52} | {page['median_ms']:>6,.0f} ms median, slowest {page['max_ms']:,.0f} ms |"
        )
    if pages:
        lines.append(
            f"| {'statistics: history rolled up (' + format(pages['rolled_days'], ',') + ' days)':<52} | "
            f"{pages['rolled_seconds']:>6,.0f} s |"
        )
    rolled_pages = [page for page in pages.get("rows", []) if "from the events" not in page["label"]]
    slowest_page = max((page["median_ms"] for page in rolled_pages), default=float("nan"))
    ours, naive = by[f"eligibility, our endpoint ({big:,})"], by[f"naive DRF generic view ({big:,})"]
    recorded = by[f"eligibility, record on, side by side ({big:,})"]
    unrecorded = by[f"eligibility, record off, side by side ({big:,})"]
    costs = info.get("record_costs") or [1 - recorded["rps"] / unrecorded["rps"]]
    record_cost = sorted(costs)[len(costs) // 2]
    light = by[f"lighter lookup, bare WSGI, 3 tables ({big:,})"]
    small = by[f"eligibility, our endpoint ({SMALL:,})"]

    def verdict(ok):
        return "met" if ok else "MISSED"

    lines += [
        "",
        "(list rows: × floor is relative to that list's raw SQL, not the eligibility floor; the side-by-side pair "
        "was served and loaded at once, one worker and half the connections each)",
        "targets:",
        f"- eligibility ≥ 0.8 × floor: {ours['rps'] / floor:.2f} × — {verdict(ours['rps'] >= 0.8 * floor)}"
        f" (and {ours['rps'] / light['rps']:.2f} × the lighter 3-table lookup)",
        f"- eligibility ≥ 2 × naive: {ours['rps'] / naive['rps']:.2f} × — {verdict(ours['rps'] >= 2 * naive['rps'])}",
        f"- eligibility record costs < 10 % of eligibility throughput: {record_cost * 100:.1f} % — "
        f"{verdict(record_cost < 0.10)} (median of {len(costs)} rounds: "
        f"{', '.join(f'{cost * 100:.1f}' for cost in costs)} %, each on and off served and loaded at once; "
        f"median runs {recorded['rps']:,.0f} against {unrecorded['rps']:,.0f} req/s, one worker each)",
        f"- p99 ≤ 3 × p50 (eligibility): {ours['p99_us'] / ours['p50_us']:.1f} × — "
        f"{verdict(ours['p99_us'] <= 3 * ours['p50_us'])}",
        f"- p50 at {big:,} within 1.2 × of {SMALL:,}: {ours['p50_us'] / small['p50_us']:.2f} × — "
        f"{verdict(ours['p50_us'] <= 1.2 * small['p50_us'])}",
        *(
            f"- {label} list ≤ 2 × its raw SQL (p50): {ours['p50_us'] / raw['p50_us']:.1f} × — "
            f"{verdict(ours['p50_us'] <= 2 * raw['p50_us'])}"
            for label, ours, raw in (
                (label, by[f"{label} list 50 rows, our endpoint"], by[f"{label} list 50 rows, same raw SQL (floor)"])
                for _kind, label in LISTS
            )
        ),
        f"- export memory growth < 100 MB: {export.get('growth', float('nan')):.1f} MB — "
        f"{verdict(export.get('ok') and export.get('growth', 999) < 100)}",
        f"- xlsx export memory growth < 100 MB: {export_xlsx.get('growth', float('nan')):.1f} MB — "
        f"{verdict(export_xlsx.get('ok') and export_xlsx.get('growth', 999) < 100)}",
        f"- statistics page < 1 s (rolled up: a month, 12 months, this year so far; median): slowest "
        f"{slowest_page:,.0f} ms — "
        f"{verdict(bool(rolled_pages) and slowest_page < 1000)}",
        "",
        *(sustained_lines(info["sustained"]) if info.get("sustained") else []),
        "",
        *(write_lines(info["writes"]) if info.get("writes") else []),
        "",
        f"plans at {big:,} filings (EXPLAIN of the SQL our code sends):",
        *(f"- {name}: {plan}" for name, plan in info["plans"].items()),
        "",
        f"total {elapsed:.0f} s",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    random.seed(0)
    main()
