"""``make bench``'s write rows: a filing submitted at the counter and a claim approved, each beside its floor.

    BENCH_FILINGS=2000000 .venv/bin/python -m bench.writes      # or BENCH_ONLY=writes make bench

- **side by side** (``serve_pair``): our endpoint and its floor (``bench.write_floor``, the same rows written with
  raw SQL in one transaction) each served by its own gunicorn (``gunicorn.conf.py``, production settings, one
  worker each), loaded at the same moment by two ``wrk`` with half the connections each, for
  ``BENCH_WRITE_DURATION`` (60 s): filing submissions (``POST /api/v1/filings/``, a counter token, a
  self-service temporary filing, effective at once) and claim approvals (``POST /api/v1/claims/{ref}/approve/``,
  a reviewer token);
- **50 concurrent counter clients** (``fifty``): our submission endpoint alone with the shipped number of
  workers (2 × CPUs + 1), ``wrk -t2 -c50`` for the same duration.

Every POST has its own body (a person with no live filing, or a claim under review, each used once: picked
by ``bench.writes_prepare`` afresh before every run, since a run consumes them) and its own ``Idempotency-Key``
(``bench/wrk/post.lua``). Statuses ≥ 500 are counted apart from other non-2xx answers (a 409 or 422 is no 5xx
but should not happen either).
"""

from __future__ import annotations

import collections
import json
import os
import secrets
import subprocess
import time
from pathlib import Path

from bench.load import (
    CONNECTIONS,
    OUT,
    PORT,
    PY,
    ROOT,
    _result,
    _serve,
    _stop,
    calibration,
    calibration_line,
    db_url,
    django_env,
    wait_for_port,
)

DURATION = os.environ.get("BENCH_WRITE_DURATION", "60s")
# Persons prepared per run (a third each for our endpoint, its floor and the 50 clients: the floor files
# 400 a second, 24,000 in a minute) and the lines each
# server's warm-up takes first.
PERSONS = int(os.environ.get("BENCH_WRITE_PERSONS", "90000"))
WARM_LINES = 1000
FIFTY = 50
# What the floor writes per request, by table (``bench.write_floor``); checked against what ours wrote.
FLOOR_WRITES = {
    "submit": [
        "accounts_idempotencyrecord",
        "registry_referencesequence",
        "filings_filing",
        "filings_filingevent",
        "filings_filingevent",
        "notifications_notification",
        "accounts_idempotencyrecord",
    ],
    "approve": [
        "accounts_idempotencyrecord",
        "reimbursements_claim",
        "reimbursements_claimevent",
        "notifications_notification",
        "accounts_idempotencyrecord",
    ],
}


def prepare(url: str, out_dir: Path) -> dict:
    """Tokens, the request lines and the captured statements (``bench.writes_prepare``, Django on ``url``)."""
    out = subprocess.run(
        [PY, "-m", "bench.writes_prepare", str(out_dir), str(PERSONS)],
        cwd=ROOT,
        env=django_env(url),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"bench.writes_prepare failed on {url}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _post(port: int, lines: Path, auth: str, threads: int, connections: int, duration: str, skip: int = 0):
    env = {
        **os.environ,
        "BENCH_LINES": str(lines),
        "BENCH_AUTH": auth,
        "BENCH_SKIP": str(skip),
        "BENCH_THREADS": str(threads),
        "BENCH_NONCE": secrets.token_hex(6),
    }
    script = str(ROOT / "bench" / "wrk" / "post.lua")
    # A timeout well above any answer: a slow answer is measured, not cut off at wrk's default 2 s.
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--timeout", "30s", "-s", script]
    command.append(f"http://127.0.0.1:{port}")
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def serve_and_post(servers: list[tuple[str, dict, Path, str]], *, connections: int, threads: int) -> list[dict]:
    """Serve each (app, env, lines, auth) with its own gunicorn, warm each up on the first ``WARM_LINES`` lines
    of its file, then load them all at once for ``DURATION`` on the rest; wrk's numbers for each, in order."""
    log = open(OUT / "gunicorn.log", "a")  # noqa: SIM115 - closed below
    ports = [PORT + 10 + i for i in range(len(servers))]
    procs = [_serve(app, env, port, log) for (app, env, _l, _a), port in zip(servers, ports, strict=True)]
    try:
        for proc, port in zip(procs, ports, strict=True):
            wait_for_port(proc, port)
        warm = []
        for (_app, _env, lines, auth), port in zip(servers, ports, strict=True):
            head = lines.with_suffix(".warm")
            head.write_text("".join(lines.read_text().splitlines(keepends=True)[:WARM_LINES]))
            warm.append(_post(port, head, auth, 1, 2, "2s"))
        for run in warm:
            _result(run)
        runs = [
            _post(port, lines, auth, threads, connections, DURATION, skip=WARM_LINES)
            for (_app, _env, lines, auth), port in zip(servers, ports, strict=True)
        ]
        return [_result(run) for run in runs]
    finally:
        for proc in procs:
            _stop(proc)
        log.close()


def write_rows(url: str, out_dir: Path, big: int) -> list[tuple[str, dict]]:
    """The write rows on the database ``url``: each pair side by side, then the 50 clients."""
    info = prepare(url, out_dir)
    env = {**django_env(url), "WEB_CONCURRENCY": "1"}
    floor_env = {**env, "BENCH_WRITE_ACTORS": json.dumps(info["actors"])}
    counter, reviewer = info["counter"], info["reviewer"]
    pair_connections = max(int(CONNECTIONS) // 2, 1)
    rows: list[tuple[str, dict]] = []
    for name, ours_label, floor_label, auth in (
        ("submit", "filing submission, our endpoint", "filing submission, raw SQL floor", counter),
        ("approve", "claim approval, our endpoint", "claim approval, raw SQL floor", reviewer),
    ):
        print(f"load: {ours_label} and its floor, side by side, {DURATION}", flush=True)
        ours, floor = serve_and_post(
            [
                ("config.wsgi:application", env, out_dir / f"{name}.txt", auth),
                ("bench.write_floor:application", floor_env, out_dir / f"floor_{name}.txt", ""),
            ],
            connections=pair_connections,
            threads=1,
        )
        ours["writes"] = [w["table"] for w in info[f"{name}_writes"]]
        floor["writes"] = FLOOR_WRITES[name]
        rows.append((f"{ours_label}, side by side ({big:,})", ours))
        rows.append((f"{floor_label}, side by side ({big:,})", floor))
    shipped = {**django_env(url)}
    shipped.pop("WEB_CONCURRENCY", None)  # the shipped number of workers (2 × CPUs + 1)
    label = f"filing submission, {FIFTY} concurrent counter clients, {DURATION} ({big:,})"
    print(f"load: {label}", flush=True)
    (fifty,) = serve_and_post(
        [("config.wsgi:application", shipped, out_dir / "submit_50.txt", counter)], connections=FIFTY, threads=2
    )
    rows.append((label, fifty))
    return rows


def _ms(us: float) -> str:
    return f"{us / 1000:>7.1f}"


def write_lines(rows: list[tuple[str, dict]]) -> list[str]:
    """The write rows' table and their targets."""
    lines = [
        f"| {'measure':<66} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | p99/p50 | 5xx | other non-2xx |",
        f"|{'-' * 68}|{'-' * 9}|{'-' * 9}|{'-' * 9}|---------|-----|---------------|",
    ]
    for label, r in rows:
        other = r.get("status_other", 0) + r.get("errors_other", 0)
        lines.append(
            f"| {label:<66} | {r['rps']:>7,.0f} | {_ms(r['p50_us'])} | {_ms(r['p99_us'])} | "
            f"{r['p99_us'] / r['p50_us']:>7.1f} | {r.get('status_5xx', 0):>3} | {other:>13} |"
        )
    by = dict(rows)
    lines.append("targets:")
    for ours_label, floor_label in zip(list(by)[0:4:2], list(by)[1:4:2], strict=True):
        ours, floor = by[ours_label], by[floor_label]
        same = collections.Counter(ours.get("writes", [])) == collections.Counter(floor.get("writes", []))
        lines.append(
            f"- {ours_label.split(',')[0]}: {ours['rps'] / floor['rps']:.2f} × its floor's req/s "
            f"({ours['rps']:,.0f} against {floor['rps']:,.0f}; "
            f"p50 {ours['p50_us'] / floor['p50_us']:.1f} × the floor's), "
            f"served and loaded at once, one worker each; tables written per request "
            f"{'the same' if same else 'DIFFER: ' + str(ours.get('writes')) + ' against ' + str(floor.get('writes'))}"
            f"; requests past the prepared lines (used twice): ours {ours.get('reused', 0)}, "
            f"the floor {floor.get('reused', 0)}"
        )
    fifty = rows[-1][1]
    ratio = fifty["p99_us"] / fifty["p50_us"]
    bad = fifty.get("status_5xx", 0)
    other = fifty.get("status_other", 0) + fifty.get("errors_other", 0)
    ok = bad == 0 and ratio <= 3
    lines.append(
        f"- {FIFTY} counter clients: no 5xx, p99 ≤ 3 × p50: {bad} 5xx, p99 {ratio:.1f} × p50 — "
        f"{'met' if ok else 'MISSED'} ({other} other non-2xx answers or socket errors, "
        f"{fifty.get('reused', 0)} requests past the prepared persons)"
    )
    return lines


def render(rows: list[tuple[str, dict]], seconds: float) -> str:
    workers = os.cpu_count() * 2 + 1
    return "\n".join(
        [
            f"make bench, write rows (PostgreSQL; pairs one worker each, wrk -c{int(CONNECTIONS) // 2} each; "
            f"{FIFTY} clients {workers} workers; {DURATION}), {time.strftime('%Y-%m-%d')}",
            calibration_line(seconds),
            "",
            *write_lines(rows),
        ]
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    big = int(os.environ.get("BENCH_FILINGS", "2000000"))
    url = os.environ.get("BENCH_WRITE_DATABASE_URL") or db_url(big)
    seconds = calibration()
    print(calibration_line(seconds), flush=True)
    rows = write_rows(url, OUT / f"writes_{big}", big)
    text = render(rows, seconds)
    print(text)
    (OUT / "writes.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
