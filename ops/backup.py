"""Back up a deployment: its PostgreSQL database (pg_dump, custom format) and every file its storage holds.

    python -m ops.backup /backups/2026-12-01T0200      # a new or empty directory

It reads the settings as the application does (``DJANGO_SETTINGS_MODULE``, ``DATABASE_URL``, ``MEDIA_ROOT``)
and writes, into the directory:

- ``database.dump``: ``pg_dump --format=custom --no-owner`` of one snapshot;
- ``files/``: every file of the default storage (the uploaded materials), under its stored name;
- ``manifest.json``, written last (a directory without it is an unfinished backup): when, the code's git
  revision, the migrations applied, the number of rows of every table *in the dump's snapshot*, the dump's and
  every file's size and SHA-256, and the files the database names that the storage did not hold.

The counts are exact because they are taken in the transaction whose snapshot pg_dump uses
(``pg_export_snapshot``, ``--snapshot``): the application keeps running during a backup. Files are copied
after that snapshot and uploaded files are never deleted, so every file a dumped row names is there; files
uploaded during the backup may be copied too (their rows are not in the dump: harmless). Exit 0 when the
backup is complete, 1 when the database names files the storage does not hold (the backup is still
written and usable; those files were lost before it), 2 when nothing usable was written.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python ops/backup.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops.common import (
    CHUNK,
    DUMP,
    FILES,
    FORMAT,
    MANIFEST,
    Clock,
    client_program,
    django_setup,
    git_revision,
    human,
    libpq_env,
    postgres_settings,
    program_version,
    safe_name,
    server_major,
    sha256_file,
    storage_names,
    table_counts,
)


def referenced_files(cursor) -> set[str]:
    """The stored names that rows name: every FileField, and its copies in the history tables."""
    from django.apps import apps
    from django.db import models

    found: set[str] = set()
    for model in apps.get_models():
        instance_type = getattr(model, "instance_type", None)  # a simple_history model: its file fields are text
        source = instance_type if instance_type is not None else model
        names = {f.attname for f in source._meta.concrete_fields if isinstance(f, models.FileField)}
        if not names or model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if field.attname in names:
                table, column = model._meta.db_table, field.column
                cursor.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" <> \'\'')  # noqa: S608
                found |= {name for (name,) in cursor.fetchall() if name}
    return found


def copy_files(storage, target: Path) -> list[dict]:
    """Copy every stored file into ``target``, hashing it as it goes; the manifest's file list."""
    items = []
    for name in storage_names(storage):
        destination = target / safe_name(name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with storage.open(name, "rb") as source, open(destination, "wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        items.append({"name": name, "size": size, "sha256": digest.hexdigest()})
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path, help="where to write the backup: a new or empty directory")
    args = parser.parse_args(argv)
    target: Path = args.directory
    if target.exists() and any(target.iterdir()):
        print(f"backup: {target} is not empty; name a new directory.", file=sys.stderr)
        return 2

    clock = Clock()
    django_setup()
    from django.conf import settings
    from django.core.files.storage import storages
    from django.db import connection, transaction

    database = postgres_settings()
    storage = storages["default"]
    target.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.UTC)
    where = f"{database.get('HOST') or 'local socket'}:{database.get('PORT') or 5432}/{database['NAME']}"
    print(f"backup: database {where}, settings {settings.SETTINGS_MODULE}")

    with transaction.atomic(), connection.cursor() as cursor:
        # One snapshot for pg_dump and for the counts: what the manifest says is what the dump holds.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()
        pg_dump = client_program("pg_dump", server_major(cursor))
        dump = target / DUMP
        command = [pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={dump}"]
        result = subprocess.run(command, env=libpq_env(database), capture_output=True, text=True)
        if result.returncode != 0:
            print(f"backup: pg_dump failed ({result.returncode}): {result.stderr.strip()}", file=sys.stderr)
            return 2
        dumped_at = clock()
        counts = table_counts(cursor)
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        migrations: dict[str, list[str]] = {}
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
        referenced = referenced_files(cursor)
    print(
        f"backup: pg_dump of {len(counts)} tables, {sum(counts.values()):,} rows: {human(dump.stat().st_size)}"
        f" in {dumped_at:.1f} s"
    )

    copied_from = clock()
    try:
        files = copy_files(storage, target / FILES)
    except FileNotFoundError as exc:  # MEDIA_ROOT not there: a wrong path, or a volume not mounted
        print(f"backup: the file storage is not there ({exc}); check MEDIA_ROOT. No manifest written.", file=sys.stderr)
        return 2
    total = sum(f["size"] for f in files)
    print(
        f"backup: {len(files)} files, {human(total)} copied from {storage_location(storage)}"
        f" in {clock() - copied_from:.1f} s"
    )
    missing = sorted(referenced - {f["name"] for f in files})

    manifest = {
        "format": FORMAT,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "app": {"git_revision": git_revision(), "settings": settings.SETTINGS_MODULE},
        "database": {
            "name": database["NAME"],
            "host": database.get("HOST") or "",
            "port": str(database.get("PORT") or ""),
            "server_version": server_version,
            "pg_dump": program_version(pg_dump),
            "snapshot": snapshot,
            "dump": DUMP,
            "size": dump.stat().st_size,
            "sha256": sha256_file(dump),
        },
        "migrations": migrations,
        "tables": counts,
        "files": {
            "storage": f"{type(storage).__module__}.{type(storage).__qualname__}",
            "location": storage_location(storage),
            "count": len(files),
            "size": total,
            "items": files,
        },
        "referenced_missing": missing,
    }
    partial = target / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(partial, target / MANIFEST)
    print(f"backup: manifest written, {target} complete in {clock():.1f} s")
    if missing:
        print(
            f"backup: WARNING {len(missing)} files named by the database were not in the storage"
            f" (listed in the manifest), e.g. {missing[0]}",
            file=sys.stderr,
        )
        return 1
    return 0


def storage_location(storage) -> str:
    return str(getattr(storage, "location", "") or getattr(storage, "bucket_name", "") or type(storage).__name__)


if __name__ == "__main__":
    sys.exit(main())
