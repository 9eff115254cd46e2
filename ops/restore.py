"""Restore a backup of ops.backup into an empty database and an empty file storage, and verify it.

    python -m ops.restore /backups/2026-12-01T0200            # DATABASE_URL and MEDIA_ROOT name the targets
    python -m ops.restore /backups/2026-12-01T0200 --force    # empty a database and storage that hold data

In this order, stopping at the first step that fails:

1. the backup itself: the dump's and every file's size and SHA-256 against the manifest. A damaged or
   incomplete backup is refused before anything is touched (take the one before it);
2. the targets, read from the settings as the application does: the database (created when it does not
   exist) must hold no table and the storage no file, unless ``--force`` (which replaces the database's public
   schema and everything in it, refused while another session is connected to it, and replaces stored files
   of the same names; other files stay);
3. ``pg_restore --no-owner --no-privileges --exit-on-error``, in one transaction (``--jobs N``: in N
   parallel jobs instead, faster on a large database, not atomic, so not with ``--force``); when forced, the
   schema's drop and the dump run in that one transaction (through psql): a failure leaves the database as it
   was. Objects belong to the restoring user,
   grants to other roles are the operator's to give again;
4. every table's row count against the manifest (the counts of the dump's snapshot);
5. the files, saved through the storage API and read back: each SHA-256 against the manifest.

Stop the application (web, worker, beat) before restoring and start it after. Exit 0 when every check
passed, 1 when one failed (what failed is printed), 2 when the backup or the targets were refused.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python ops/restore.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops.common import (
    CHUNK,
    FILES,
    Clock,
    client_program,
    django_setup,
    human,
    libpq_env,
    postgres_settings,
    public_relations,
    read_manifest,
    safe_name,
    server_major,
    sha256_file,
    storage_names,
    table_counts,
)


def check_backup(source: Path, manifest: dict) -> list[str]:
    """What is wrong with the backup on disk: a dump or a file missing, of another size or another hash."""
    problems = []
    database = manifest["database"]
    dump = source / database["dump"]
    if not dump.exists():
        problems.append(f"{dump} is missing")
    elif dump.stat().st_size != database["size"] or sha256_file(dump) != database["sha256"]:
        problems.append(f"{dump}: size or SHA-256 differs from the manifest")
    for item in manifest["files"]["items"]:
        path = source / FILES / safe_name(item["name"])
        if not path.exists():
            problems.append(f"file {item['name']}: missing from the backup")
        elif path.stat().st_size != item["size"] or sha256_file(path) != item["sha256"]:
            problems.append(f"file {item['name']}: SHA-256 differs from the manifest (damaged or altered)")
    return problems


def ensure_database(database: dict) -> bool:
    """Create the target database when it does not exist (through the maintenance database); True if created."""
    import psycopg
    from psycopg import sql

    params = {k: database.get(s) for k, s in (("host", "HOST"), ("port", "PORT"), ("user", "USER"))}
    params["password"] = database.get("PASSWORD")
    params = {k: v for k, v in params.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))
    return not exists


def stored_files(storage) -> list[str]:
    try:
        return storage_names(storage)
    except FileNotFoundError:  # a storage folder not created yet holds nothing
        return []


def restore_files(storage, source: Path, items: list[dict], *, force: bool) -> list[str]:
    """Save each file under its own name and read it back; what did not come back identical."""
    from django.core.files import File

    problems = []
    for item in items:
        name = item["name"]
        if force and storage.exists(name):
            storage.delete(name)
        with open(source / FILES / safe_name(name), "rb") as fh:
            saved = storage.save(name, File(fh, name=name))
        if saved != name:
            problems.append(f"file {name}: stored as {saved}")
            continue
        digest = hashlib.sha256()
        with storage.open(name, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != item["sha256"]:
            problems.append(f"file {name}: SHA-256 after restore differs from the manifest")
    return problems


REPLACE_SCHEMA = "DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\nGRANT USAGE ON SCHEMA public TO PUBLIC;\n"


def replace_in_one_transaction(pg_restore: str, psql: str, dump: str, database: dict) -> subprocess.CompletedProcess:
    """The public schema dropped and created again, then the dump's SQL, all run by psql in one transaction."""
    env = libpq_env(database)
    with tempfile.TemporaryFile() as errors:
        loader = subprocess.Popen(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", database["NAME"], "-f", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
        )
        reader = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", dump], stdout=subprocess.PIPE, stderr=errors
        )
        try:
            loader.stdin.write(REPLACE_SCHEMA.encode())
            shutil.copyfileobj(reader.stdout, loader.stdin)
            # pg_restore's own failure (a truncated dump) must fail the transaction, not commit what came before:
            # end a COPY it may have left open (outside one, psql refuses the line and stops), then fail.
            if reader.wait() != 0:
                loader.stdin.write(b"\n\\.\nSELECT 'pg_restore failed' WHERE 1/0 = 1;\n")
            loader.stdin.close()
        except BrokenPipeError:
            pass
        returncode = loader.wait() or reader.wait()
        errors.seek(0)
        return subprocess.CompletedProcess(loader.args, returncode, "", errors.read().decode(errors="replace"))


def pending_migrations(connection) -> int:
    """Migrations this code has that the restored database has not applied (run migrate after)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path, help="a backup written by ops.backup")
    parser.add_argument("--force", action="store_true", help="empty a target database or storage that holds data")
    parser.add_argument("--jobs", type=int, default=1, help="parallel pg_restore jobs (not one transaction)")
    args = parser.parse_args(argv)
    source: Path = args.directory
    clock = Clock()

    try:
        manifest = read_manifest(source)
        problems = check_backup(source, manifest)
    except SystemExit as exc:  # no manifest, another format, an unsafe name: refused before anything is touched
        print(exc, file=sys.stderr)
        return 2
    except (KeyError, TypeError, ValueError) as exc:  # an edited or damaged manifest.json
        print(f"restore: refused: manifest.json is not one ops.backup writes ({exc!r})", file=sys.stderr)
        return 2
    files = manifest["files"]
    print(
        f"restore: backup of {manifest['started_at']} (code {manifest['app']['git_revision'][:12]}):"
        f" dump {human(manifest['database']['size'])}, {files['count']} files, {human(files['size'])}"
    )
    if problems:
        for problem in problems:
            print(f"restore: FAIL {problem}", file=sys.stderr)
        print("restore: the backup is damaged; nothing was restored.", file=sys.stderr)
        return 2
    print(f"restore: dump and {files['count']} files match the manifest's SHA-256 ({clock():.1f} s)")

    django_setup()
    from django.core.files.storage import storages
    from django.db import connection

    database = postgres_settings()
    storage = storages["default"]
    created = ensure_database(database)
    with connection.cursor() as cursor:
        relations = public_relations(cursor)
        major = server_major(cursor)
    existing = stored_files(storage)
    # Find pg_restore before anything is dropped: a missing or too old client must not leave the target empty.
    pg_restore = client_program("pg_restore", major)
    where = f"{database.get('HOST') or 'local socket'}:{database.get('PORT') or 5432}/{database['NAME']}"
    print(f"restore: into {where}{' (created)' if created else ''}, storage {getattr(storage, 'location', storage)}")
    if (relations or existing) and not args.force:
        print(
            f"restore: refused: the database holds {relations} tables, views or sequences and the storage"
            f" {len(existing)} files; restore into empty ones, or give --force.",
            file=sys.stderr,
        )
        return 2
    if relations:
        if args.jobs > 1:
            print(
                "restore: refused: --force with --jobs would empty the database before restoring, not in one"
                " transaction; give one job, or restore into an empty database.",
                file=sys.stderr,
            )
            return 2
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (sessions,) = cursor.fetchone()
        if sessions:
            print(
                f"restore: refused: {sessions} other sessions are connected to {database['NAME']}; stop the"
                " application (web, worker, beat) first.",
                file=sys.stderr,
            )
            return 2
    connection.close()

    started = clock()
    dump = str(source / manifest["database"]["dump"])
    if relations:
        # Forced: the schema dropped and the dump restored in one transaction, so a dump that fails half way
        # leaves the database as it was, not empty.
        result = replace_in_one_transaction(pg_restore, client_program("psql", major), dump, database)
        replaced = f" (the public schema and its {relations} relations replaced, in one transaction)"
    else:
        command = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={database['NAME']}"]
        command += [f"--jobs={args.jobs}"] if args.jobs > 1 else ["--single-transaction"]
        result = subprocess.run([*command, dump], env=libpq_env(database), capture_output=True, text=True)
        replaced = ""
    if result.returncode != 0:
        print(f"restore: FAIL pg_restore ({result.returncode}): {result.stderr.strip()}", file=sys.stderr)
        print("restore: the database is as it was before the restore.", file=sys.stderr)
        return 1
    print(f"restore: pg_restore in {clock() - started:.1f} s{replaced}")

    failures = []
    with connection.cursor() as cursor:
        counts = table_counts(cursor)
    expected = manifest["tables"]
    for table in sorted(set(expected) | set(counts)):
        if counts.get(table) != expected.get(table):
            failures.append(f"table {table}: {counts.get(table)} rows, the backup had {expected.get(table)}")
    rows = sum(counts.values())
    print(f"restore: {len(counts)} tables, {rows:,} rows: {'as in the manifest' if not failures else 'DIFFERENT'}")

    started = clock()
    file_failures = restore_files(storage, source, files["items"], force=args.force)
    failures += file_failures
    print(
        f"restore: {files['count'] - len(file_failures)} of {files['count']} files stored and read back"
        f" with their SHA-256 in {clock() - started:.1f} s"
    )
    # The manifest is not signed: a file dropped from it (and from files/) would pass the checks above. Every file
    # the restored rows name must now be in the storage, except those the backup itself reported missing.
    from ops.backup import referenced_files

    with connection.cursor() as cursor:
        named = referenced_files(cursor)
    known_missing = set(manifest.get("referenced_missing", []))
    absent = sorted(name for name in named - known_missing if not storage.exists(name))
    failures += [f"file {name}: named by the restored database, not in the backup's files" for name in absent]
    if known_missing:
        print(f"restore: WARNING {len(known_missing)} files were already missing when the backup was taken")
    pending = pending_migrations(connection)
    if pending:
        print(f"restore: this code has {pending} migrations the backup had not applied: run manage.py migrate")
    for failure in failures:
        print(f"restore: FAIL {failure}", file=sys.stderr)
    print(f"restore: {'FAILED' if failures else 'done'} in {clock():.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
