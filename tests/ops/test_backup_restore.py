"""ops/backup.py and ops/restore.py run on the test database: restored counts and checksums, a tampered file refused.

The scripts run as the operator runs them, in a process of their own with the development settings,
``DATABASE_URL`` at this worker's test database and ``MEDIA_ROOT`` at a temporary folder holding the
records' files. They read what is committed, so the test is transactional, on PostgreSQL only. The restore
goes into a database of a unique name (pytest-xdist workers run side by side), dropped at the end.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from psycopg import sql

from filings.models import FilingMaterial
from reimbursements.models import ClaimMaterial
from tests.conftest import postgres_only
from tests.factories import ClaimFactory, FilingMaterialFactory
from tests.reference_data import reseed_reference_data

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "operations" / "backups.md"


def database_url(name: str) -> str:
    settings = connection.settings_dict
    credentials = settings["USER"] + (f":{settings['PASSWORD']}" if settings.get("PASSWORD") else "")
    return f"postgres://{credentials}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"


def run(script: str, *args: str, database: str, media: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": database_url(database)}
    env["MEDIA_ROOT"] = str(media)
    for name in ("DATABASE_REPLICA_URL", "REDIS_URL", "CACHE_URL"):
        env.pop(name, None)
    command = [sys.executable, "-m", f"ops.{script}", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def maintenance(statement: sql.Composable, *params) -> list:
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        cursor = conn.execute(statement, params or None)
        return cursor.fetchall() if cursor.description else []


def counts(name: str) -> dict[str, int]:
    with psycopg.connect(database_url(name)) as conn:
        tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {
            t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0] for t in tables
        }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@postgres_only("pg_dump and pg_restore of the test database")
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_gives_the_same_rows_and_files_and_refuses_a_tampered_file(tmp_path):
    reseed_reference_data()
    materials = [FilingMaterialFactory(), FilingMaterialFactory()]
    claim_material = ClaimMaterial.objects.filter(claim=ClaimFactory()).first()
    claim_material.file.save("BX-test-invoice.pdf", ContentFile(b"%PDF-1.4\n%claim\n%%EOF\n"))
    # The records' files, from the tests' in-memory storage into the folder the scripts read as MEDIA_ROOT.
    media = tmp_path / "media"
    for material in [*FilingMaterial.objects.all(), claim_material]:
        (media / material.file.name).parent.mkdir(parents=True, exist_ok=True)
        (media / material.file.name).write_bytes(material.file.open("rb").read())
    (media / "unnamed.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # a file no row names is kept too
    source = connection.settings_dict["NAME"]
    target = f"ops_restore_test_{uuid.uuid4().hex[:12]}"
    backup, restored_media = tmp_path / "backup", tmp_path / "restored-media"

    try:
        made = run("backup", str(backup), database=source, media=media)
        assert made.returncode == 0, made.stderr
        manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["tables"]["filings_filingmaterial"] == len(materials)
        assert manifest["tables"] == counts(source)
        assert manifest["referenced_missing"] == []
        names = {item["name"]: item["sha256"] for item in manifest["files"]["items"]}
        on_disk = {str(p.relative_to(media)): sha256(p) for p in media.rglob("*") if p.is_file()}
        assert names == on_disk and len(names) == 4

        restored = run("restore", str(backup), database=target, media=restored_media)
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert counts(target) == manifest["tables"]
        assert {
            str(p.relative_to(restored_media)): sha256(p) for p in restored_media.rglob("*") if p.is_file()
        } == names

        again = run("restore", str(backup), database=target, media=restored_media)
        assert again.returncode == 2 and "refused" in again.stderr

        # --force replaces the database in one transaction: refused while another session is connected to it,
        # and a dump that breaks half way (its manifest made to agree) leaves the database as it was.
        with psycopg.connect(database_url(target)):
            busy = run("restore", str(backup), "--force", database=target, media=restored_media)
        assert busy.returncode == 2 and "other sessions are connected" in busy.stderr
        broken = tmp_path / "broken"
        shutil.copytree(backup, broken)
        dump = broken / manifest["database"]["dump"]
        dump.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
        edited = {**manifest, "database": {**manifest["database"], "size": dump.stat().st_size, "sha256": sha256(dump)}}
        (broken / "manifest.json").write_text(json.dumps(edited), encoding="utf-8")
        failed = run("restore", str(broken), "--force", database=target, media=restored_media)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "as it was before the restore" in failed.stderr
        assert counts(target) == manifest["tables"]
        forced = run("restore", str(backup), "--force", database=target, media=restored_media)
        assert forced.returncode == 0, forced.stdout + forced.stderr
        assert "replaced, in one transaction" in forced.stdout
        assert counts(target) == manifest["tables"]

        tampered = materials[0].file.name
        (backup / "files" / tampered).write_bytes(b"%PDF-1.4\n%altered\n%%EOF\n")
        fresh = f"{target}_b"
        refused = run("restore", str(backup), database=fresh, media=tmp_path / "untouched")
        assert refused.returncode == 2
        assert f"file {tampered}: SHA-256 differs from the manifest" in refused.stderr
        assert "nothing was restored" in refused.stderr
        assert not maintenance(sql.SQL("SELECT 1 FROM pg_database WHERE datname = %s"), fresh)
        assert not (tmp_path / "untouched").exists()
    finally:
        for name in (target, f"{target}_b"):
            maintenance(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_the_operations_page_holds_the_drills_last_output():
    page = PAGE.read_text(encoding="utf-8")
    start, end = "<!-- drill-output:start -->", "<!-- drill-output:end -->"
    assert page.count(start) == 1 and page.count(end) == 1
    output = page[page.index(start) + len(start) : page.index(end)]
    assert "RESULT: PASS" in output, "run `make backup-drill` and commit the page"
    assert "operations/backups.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
