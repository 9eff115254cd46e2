"""What the backup and the restore share: Django's settings, the PostgreSQL client programs, counts and hashes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
FORMAT = 1
CHUNK = 1024 * 1024


def django_setup() -> None:
    """Load the deployment's settings as manage.py does (``DJANGO_SETTINGS_MODULE``, dev by default)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def postgres_settings() -> dict:
    """The default database's settings; PostgreSQL only (the SQLite of ``make run`` is one file to copy)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit(
            f"ops: the default database is {connection.vendor}, not PostgreSQL; stop the app and copy the file "
            f"({connection.settings_dict['NAME']}) with `sqlite3 ... '.backup <file>'` instead."
        )
    return connection.settings_dict


def libpq_env(settings: dict, database: str | None = None) -> dict:
    """The environment that points pg_dump, pg_restore and psql at the database (no password on a command line)."""
    env = {**os.environ}
    values = {
        "PGHOST": settings.get("HOST"),
        "PGPORT": settings.get("PORT"),
        "PGUSER": settings.get("USER"),
        "PGPASSWORD": settings.get("PASSWORD"),
        "PGDATABASE": database or settings.get("NAME"),
    }
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def server_major(cursor) -> int:
    cursor.execute("SHOW server_version_num")
    return int(cursor.fetchone()[0]) // 10000


def client_program(name: str, major: int) -> str:
    """``pg_dump`` or ``pg_restore`` of at least the server's major version.

    ``PG_BIN`` first, then Debian's ``/usr/lib/postgresql/<major>/bin``, then ``PATH``; an older client than the
    server is refused (pg_dump would refuse it too, later and less clearly).
    """
    candidates = [os.environ.get("PG_BIN", ""), f"/usr/lib/postgresql/{major}/bin"]
    found = [str(Path(d) / name) for d in candidates if d and (Path(d) / name).exists()]
    if not found and shutil.which(name):
        found = [shutil.which(name)]
    if not found:
        raise SystemExit(f"ops: {name} not found; install the PostgreSQL {major} client programs or set PG_BIN.")
    version = subprocess.run([found[0], "--version"], capture_output=True, text=True, check=True).stdout.strip()
    client_major = int(version.split()[-1].split(".")[0])  # "pg_dump (PostgreSQL) 15.20" (Debian adds a suffix)
    if client_major < major:
        raise SystemExit(f"ops: {found[0]} is {version}, older than the server ({major}); set PG_BIN.")
    return found[0]


def program_version(path: str) -> str:
    return subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout.strip()


def table_counts(cursor) -> dict[str, int]:
    """Every table of the public schema and its exact number of rows."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    )
    tables = [name for (name,) in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
        counts[table] = cursor.fetchone()[0]
    return counts


def public_relations(cursor) -> int:
    """How many tables, views and sequences the public schema holds: 0 in an empty database."""
    cursor.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
    )
    return cursor.fetchone()[0]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def storage_names(storage, directory: str = "") -> list[str]:
    """Every file the storage holds, walked through the storage API (a folder, or a bucket's prefixes)."""
    dirs, files = storage.listdir(directory)
    names = [f"{directory}/{f}" if directory else f for f in files]
    for d in dirs:
        names += storage_names(storage, f"{directory}/{d}" if directory else d)
    return sorted(names)


def safe_name(name: str) -> PurePosixPath:
    """A stored file's name as a relative path that stays inside the backup's files/ folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise SystemExit(f"ops: refusing the file name {name!r}")
    return path


def git_revision() -> str:
    """The code's git revision, or APP_VERSION from the environment (an image without .git), or 'unknown'."""
    try:
        result = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10
        )
        return result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return os.environ.get("APP_VERSION", "unknown")


def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.exists():
        raise SystemExit(f"ops: {path} is missing: not a backup, or one that did not finish.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise SystemExit(f"ops: {path} has format {manifest.get('format')!r}, this script reads {FORMAT}.")
    return manifest


def human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


class Clock:
    """Seconds since it started, to say how long each step took."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.start
