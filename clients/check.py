"""Generated clients work without a patch: the schema, two generators, a type check and the guide's walk-throughs.

As a channel team would: take the schema from a live server (gunicorn, production settings, SQLite, the demo
data of ``make run``), generate a TypeScript client with @hey-api/openapi-ts and a Python client with
openapi-python-client (pinned in ``clients/package-lock.json`` and ``clients/requirements.txt``), fail on any
warning either prints, type-check the TypeScript client and its program with ``tsc --strict``, then run the
filing and claim walk-throughs of docs/getting-started/ with each client (``walkthrough.ts``,
``walkthrough.py``), each on a fresh copy of the demo database. Exit 1 on any failure. ``make clients-check``
runs it; CI too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from contract.schema_check import APP_ENV, BIN, Server  # noqa: E402  (the same gunicorn as the schema check)

BUILD = HERE / "build"
CLIENT_VENV = HERE / ".venv"
# What a generator prints that is not a warning (its progress lines); anything else fails the run.
TS_PROGRESS = re.compile(r"@hey-api/openapi-ts v|Generating|Done!|Your output is in|^(\[Job \d+\])?\s*\[\d+\]\s|^\s*$")
PY_PROGRESS = re.compile(r"^Generating |^\s*$")
DEMO_LINE = re.compile(r"^\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$")


def main() -> int:
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="clients_check_"))
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir()
    try:
        env = {**os.environ, **APP_ENV, "MEDIA_ROOT": str(workdir / "media")}
        template = workdir / "demo.sqlite3"
        credentials = demo_database(env, template)
        schema = BUILD / "openapi.json"
        with serving(env, workdir, template, "schema") as base:
            with urllib.request.urlopen(base + "/api/schema/?format=json", timeout=30) as answer:
                schema.write_bytes(answer.read())
        operations = sum(len(methods) for methods in json.loads(schema.read_text())["paths"].values())
        print(f"clients-check: schema with {operations} operations", flush=True)
        generate_typescript(schema)
        generate_python(schema)
        for name, command in (
            ("typescript", ["node", str(BUILD / "js" / "walkthrough.js")]),
            ("python", [str(CLIENT_VENV / "bin" / "python"), str(HERE / "walkthrough.py")]),
        ):
            with serving(env, workdir, template, name) as base:
                run(command, env={**os.environ, **credentials, "BASE_URL": base, "PYTHONPATH": str(BUILD / "python")})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"clients-check: passed in {time.monotonic() - started:.0f} s")
    return 0


def demo_database(env: dict, path: Path) -> dict[str, str]:
    """Migrate a new SQLite database and load the demo data; the credentials it printed, for the programs."""
    # `make run`'s own settings: the demo data refuses production settings (its passwords are printed).
    env = {**env, "DATABASE_URL": f"sqlite:///{path}", "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    run([str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT)
    printed = run([str(BIN / "python"), "manage.py", "load_demo_data"], env=env, cwd=ROOT, capture=True)
    staff, keys = {}, {}
    for line in printed.splitlines():
        match = DEMO_LINE.match(line)
        if match and match.group(3):
            staff[match.group(1)] = f"{match.group(2)}:{match.group(3)}"
        elif match:
            keys[match.group(1)] = match.group(2)
    return {
        "CHANNEL_KEY": keys["xm_wechat"],
        "HOSPITAL_KEY": keys["hospital"],
        "COUNTER": staff["counter"],
        "REVIEWER": staff["reviewer"],
        "ADMIN": staff["admin"],
    }


class serving:
    """gunicorn on a fresh copy of the demo database, for one use."""

    def __init__(self, env: dict, workdir: Path, template: Path, name: str):
        database = workdir / f"{name}.sqlite3"
        shutil.copy(template, database)
        self.server = Server({**env, "DATABASE_URL": f"sqlite:///{database}"}, workdir, workers=2)

    def __enter__(self) -> str:
        self.server.start()
        return self.server.base

    def __exit__(self, *exc) -> None:
        self.server.stop()
        if self.server.count_server_errors():
            raise SystemExit("clients-check: the server answered 5xx")


def generate_typescript(schema: Path) -> None:
    output = run(
        ["npx", "--no-install", "openapi-ts", "-i", str(schema), "-o", str(BUILD / "ts")], cwd=HERE, capture=True
    )
    refuse_warnings("@hey-api/openapi-ts", output, TS_PROGRESS)
    run(["npx", "--no-install", "tsc", "-p", "tsconfig.json"], cwd=HERE)  # strict, per tsconfig.json
    print("clients-check: TypeScript client generated, tsc --strict clean", flush=True)


def generate_python(schema: Path) -> None:
    command = [
        str(CLIENT_VENV / "bin" / "openapi-python-client"),
        "generate",
        "--path",
        str(schema),
        "--output-path",
        str(BUILD / "python" / "bureau_client"),
        "--meta",
        "none",
        "--config",
        str(HERE / "openapi-python-client.yaml"),
    ]
    # Its post-hooks run ruff, which it brings: on PATH from its own environment.
    env = {**os.environ, "PATH": f"{CLIENT_VENV / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    refuse_warnings("openapi-python-client", run(command, env=env, cwd=HERE, capture=True), PY_PROGRESS)
    print("clients-check: Python client generated", flush=True)


def refuse_warnings(generator: str, output: str, progress: re.Pattern) -> None:
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    said = [line for line in plain.splitlines() if not progress.search(line)]
    if said:
        raise SystemExit(f"clients-check: {generator} said more than its progress:\n" + "\n".join(said[:40]))


def run(command: list[str], *, env: dict | None = None, cwd: Path = HERE, capture: bool = False) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"clients-check: {' '.join(command[:3])} … exited {done.returncode}")
    if not capture:
        sys.stdout.write(done.stdout)
    return done.stdout + done.stderr


if __name__ == "__main__":
    sys.exit(main())
