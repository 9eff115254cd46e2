"""Where a request's time goes: the WSGI application called in-process, as gunicorn calls it.

```sh
.venv/bin/python -m bench.profile_requests postgres://postgres@127.0.0.1:5432/bench_load_2000000 \
    [--paths bench/out/load_2000000] [--requests 3000] \
    [--profile eligibility|filings|claims|events|floor|floor_filings|…]
.venv/bin/python -m bench.profile_requests postgres://postgres@127.0.0.1:5432/bench_load_2000000 \
    --profile submit|approve [--writes bench/out/writes_2000000] [--requests 300]
```

Uses the request paths and credentials that ``bench.load`` wrote for that database (``bench.load_prepare``;
``make bench`` runs it). Prints the mean time per request of our eligibility endpoint, of the filing and
claim lists and the event feed, and of each one's floor, all in this one process with production settings;
with ``--profile`` it prints cProfile's functions for that one, by their own time (``--sampling``:
pyinstrument's call tree, which distorts less). ``--profile submit|approve`` runs the write rows' POSTs
instead (``bench.writes_prepare``'s lines and tokens: each line is used once, so every run consumes persons or
claims; prepare again with ``python -m bench.writes_prepare DIR N``), with the floor's same writes
(``bench.write_floor``) beside them. Never part of the product.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

OUT = Path(__file__).resolve().parent / "out"


def environ_for(path: str, authorization: str | None) -> dict:
    parts = urlsplit(path)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if authorization:
        environ["HTTP_AUTHORIZATION"] = authorization
    return environ


def post_environ(line: str, authorization: str | None, key: str) -> dict:
    """The WSGI environ of one line of ``bench.writes_prepare`` ("POST /path {json}")."""
    method, path, body = line.split(" ", 2)
    payload = body.encode()
    environ = environ_for(path, authorization)
    environ.update(
        REQUEST_METHOD=method,
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(len(payload)),
        HTTP_IDEMPOTENCY_KEY=key,
    )
    environ["wsgi.input"] = io.BytesIO(payload)
    return environ


def drive_posts(app, lines: list[str], authorization: str | None) -> tuple[float, dict]:
    """POST each line once; the mean microseconds per request and the statuses seen."""
    statuses: dict[str, int] = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    nonce = os.urandom(6).hex()
    began = time.perf_counter()
    for i, line in enumerate(lines):
        result = app(post_environ(line, authorization, f"profile-{nonce}-{i}"), start_response)
        b"".join(result)
        if hasattr(result, "close"):
            result.close()
    return (time.perf_counter() - began) / max(len(lines), 1) * 1e6, statuses


def writes(app, args) -> None:
    """``--profile submit|approve``: our endpoint and the floor on lines of their own, then the profile of ours."""
    credentials = json.loads((args.writes / "credentials.json").read_text())
    os.environ["BENCH_WRITE_ACTORS"] = json.dumps(credentials["actors"])
    from bench import write_floor

    auth = credentials["counter" if args.profile == "submit" else "reviewer"]
    ours = (args.writes / f"{args.profile}.txt").read_text().splitlines()
    floor = (args.writes / f"floor_{args.profile}.txt").read_text().splitlines()
    n = args.requests
    drive_posts(app, ours[:20], auth)
    drive_posts(write_floor.application, floor[:20], None)
    ours, floor = ours[20:], floor[20:]
    print(f"{'handler':<12} {'µs/request':>11}  statuses")
    for name, handler, lines, authorization in (
        (args.profile, app, ours[:n], auth),
        (f"floor_{args.profile}", write_floor.application, floor[:n], None),
    ):
        mean, statuses = drive_posts(handler, lines, authorization)
        print(f"{name:<12} {mean:>11.0f}  {statuses}")
    lines = ours[n : 2 * n]
    if args.sampling:
        from pyinstrument import Profiler

        sampler = Profiler(interval=0.0002)
        sampler.start()
        drive_posts(app, lines, auth)
        sampler.stop()
        print(sampler.output_text(unicode=True, color=False, show_all=False))
        return
    profiler = cProfile.Profile()
    profiler.enable()
    drive_posts(app, lines, auth)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


def drive(app, paths: list[str], authorization: str | None, n: int) -> tuple[float, dict]:
    """Call ``app`` n times over ``paths``; the mean microseconds per request and the statuses seen."""
    statuses: dict[str, int] = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    cycle = itertools.cycle(paths)
    began = time.perf_counter()
    for _ in range(n):
        result = app(environ_for(next(cycle), authorization), start_response)
        b"".join(result)
        if hasattr(result, "close"):
            result.close()
    return (time.perf_counter() - began) / n * 1e6, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--paths", type=Path, default=OUT / "load_2000000")
    parser.add_argument("--requests", type=int, default=3000)
    kinds = ("filings", "claims", "events")
    write_kinds = ("submit", "approve")
    parser.add_argument(
        "--profile", choices=["eligibility", "floor", *kinds, *(f"floor_{kind}" for kind in kinds), *write_kinds]
    )
    parser.add_argument("--writes", type=Path, default=OUT / "writes_2000000")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sampling", action="store_true", help="pyinstrument's call tree instead of cProfile")
    args = parser.parse_args()

    # DJANGO_SETTINGS_MODULE=bench.naive_settings measures the naive view in place of ours.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
    os.environ["BENCH_FLOOR_DSN"] = args.database_url
    # As make bench serves it: the load is no guesser, and one key asks far more than a hospital would.
    os.environ.setdefault("PERSONAL_LOOKUP_FAILURE_RATE", "100000000/minute")
    os.environ.setdefault("ELIGIBILITY_RATE", "100000000/minute")
    os.environ["BENCH_LIST_SQL"] = str(args.paths / "list_sql.json")
    os.environ["BENCH_ELIGIBILITY_SQL"] = str(args.paths / "eligibility_sql.json")
    import logging

    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    logging.disable(logging.WARNING)  # 4xx of unknown persons are expected; keep the output to the table
    if args.profile in ("submit", "approve"):
        writes(app, args)
        return
    from bench import floor_app

    credentials = json.loads((args.paths / "credentials.json").read_text())
    eligibility = (args.paths / "eligibility.txt").read_text().split()
    runs = {
        "eligibility": (app, [f"/api/v1/eligibility/{q}" for q in eligibility], credentials["hospital"]),
        "floor": (floor_app.application, (args.paths / "eligibility_floor.txt").read_text().split(), None),
    }
    for kind in kinds:
        runs[kind] = (app, (args.paths / f"list_{kind}.txt").read_text().split(), credentials["auditor"])
        floor_paths = (args.paths / f"list_{kind}_floor.txt").read_text().split()
        runs[f"floor_{kind}"] = (floor_app.application, floor_paths, None)
    print(f"{'handler':<12} {'µs/request':>11}  statuses")
    for name, (handler, paths, authorization) in runs.items():
        n = args.requests if name in ("eligibility", "floor") else max(args.requests // 10, 50)
        drive(handler, paths, authorization, min(n, 200))  # warm: connections, compiled SQL, caches
        mean, statuses = drive(handler, paths, authorization, n)
        print(f"{name:<12} {mean:>11.0f}  {statuses}")
    if args.profile:
        handler, paths, authorization = runs[args.profile]
        count = args.requests if args.profile in ("eligibility", "floor") else 200
        if args.sampling:
            from pyinstrument import Profiler

            sampler = Profiler(interval=0.0002)
            sampler.start()
            drive(handler, paths, authorization, count)
            sampler.stop()
            print(sampler.output_text(unicode=True, color=False, show_all=False))
            return
        profiler = cProfile.Profile()
        profiler.enable()
        drive(handler, paths, authorization, count)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
