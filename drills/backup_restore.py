"""The backup and restore drill: ops.backup and ops.restore on a database of their own, then every check.

    make backup-drill                                  # runs it and writes its output into the operations page
    .venv/bin/python -m drills.backup_restore          # prints only; --write-docs to write, --keep to inspect

On the PostgreSQL server ``DRILL_DATABASE_URL`` names (``postgres://postgres@127.0.0.1:5432/postgres`` by
default; its database is used only to create and drop the drill's), in a temporary directory:

1. creates ``drill_backup_<pid>_src`` and migrates it;
2. fills it through the apps' services (``registry.demo``, ``accounts.services``, ``bench.data``, filing and
   claim services, the eligibility API): persons, filings in bulk, fast-track filings and claims with uploaded
   PDF materials stored in a MEDIA_ROOT of its own, claims reviewed, approved and paid, eligibility questions;
3. counts every table's rows and reads the schema's triggers, constraints and indexes;
4. backs it up with ``python -m ops.backup``;
5. makes a change after the backup: a new filing with a document (it must not come back);
6. restores into ``drill_backup_<pid>_dst`` and an empty MEDIA_ROOT with ``python -m ops.restore``;
7. checks: every table's rows equal the source's at backup time; the same triggers, constraints and indexes;
   an UPDATE and a DELETE of an event row refused (append-only); the files' SHA-256 equal the manifest's;
   the change after the backup absent; the application (Django in a process of its own, with the restored
   DATABASE_URL and MEDIA_ROOT) reads a filing and a claim and opens their documents; a new filing and
   document after the restore get the next reference and ids, colliding with nothing.

It prints each step with its time, the sizes and counts, PASS or FAIL per check, exits 1 on any FAIL,
and drops both databases and removes the directory whatever happened (``--keep`` keeps them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dj_database_url

from docs_tools.markers import replace_between
from ops.common import git_revision

ROOT = Path(__file__).resolve().parent.parent
DOCS_PAGE = ROOT / "docs" / "operations" / "backups.md"
START, END = "<!-- drill-output:start -->", "<!-- drill-output:end -->"
SERVER_URL = os.environ.get("DRILL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
APPEND_ONLY = (
    "filings_filingevent",
    "reimbursements_claimevent",
    "audit_eligibilityquestion",
    "notifications_overduereview",
)
# How much the drill files: persons, filings in bulk, fast-track filings with two documents, claims with documents,
# eligibility questions.
PERSONS, BULK_FILINGS, DOCUMENTED_FILINGS, CLAIMS, QUESTIONS = 300, 200, 12, 10, 50


class Report:
    """Lines printed as they come and kept for the operations page; checks counted."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failed: list[str] = []
        self.passed = 0
        self.clock = time.monotonic()

    def say(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def step(self, title: str) -> None:
        self.say(f"[{time.monotonic() - self.clock:6.1f} s] {title}")

    def check(self, ok: bool, what: str, detail: str = "") -> None:
        self.say(f"    {'PASS' if ok else 'FAIL'}  {what}{f': {detail}' if detail else ''}")
        if ok:
            self.passed += 1
        else:
            self.failed.append(what)


# --- the drill, outside Django ----------------------------------------------------------------------------


def url(name: str) -> str:
    config = dj_database_url.parse(SERVER_URL)
    credentials = config["USER"] + (f":{config['PASSWORD']}" if config.get("PASSWORD") else "")
    return f"postgres://{credentials}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{name}"


def admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def app_env(database: str, media: Path) -> dict:
    """The application's environment for one database and one MEDIA_ROOT (dev settings, no Redis, no replica)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": url(database)}
    env.update(MEDIA_ROOT=str(media), ELIGIBILITY_RECORD_BATCH_SECONDS="0", LOG_LEVEL="WARNING", DJANGO_DEBUG="0")
    for name in ("DATABASE_REPLICA_URL", "REDIS_URL", "CACHE_URL"):
        env.pop(name, None)
    return env


def run(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def run_shown(report, module: str, backup: Path, env: dict, work: Path) -> subprocess.CompletedProcess:
    """``python -m module backup``: its output in the report (the work folder shortened), its exit code checked."""
    started = time.monotonic()
    result = run([sys.executable, "-m", module, str(backup)], env)
    took = time.monotonic() - started
    for line in (result.stdout + result.stderr).strip().splitlines():
        report.say(f"    | {line.replace(str(work), '<work>')}")
    report.check(result.returncode == 0, f"{module} exits 0", f"{took:.1f} s")
    return result


def inside(mode: str, env: dict) -> dict:
    """Run this file in the application (``--fill``, ``--after``, ``--app-check``) and read its JSON answer."""
    result = run([sys.executable, "-m", "drills.backup_restore", mode], env)
    if result.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def schema_facts(database: str) -> dict:
    """Every table's rows, and the schema's triggers, constraints, indexes and functions, for comparison."""
    import psycopg

    with psycopg.connect(url(database)) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}  # noqa: S608
        triggers = conn.execute(
            "SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal ORDER BY 1, 2"
        ).fetchall()
        # Definitions are compared by name, table and kind: PostgreSQL deparses a restored CHECK or index
        # predicate in another, equivalent spelling (casts of an ARRAY's elements instead of the ARRAY).
        constraints = conn.execute(
            "SELECT c.relname, k.conname, k.contype, k.condeferrable, k.convalidated FROM pg_constraint k"
            " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' ORDER BY 1, 2"
        ).fetchall()
        indexes = conn.execute(
            "SELECT t.relname, i.relname, x.indisunique, x.indisprimary, x.indnatts, x.indpred IS NOT NULL"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' ORDER BY 1, 2"
        ).fetchall()
        functions = conn.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' ORDER BY 1"
        ).fetchall()
        maxima = {
            t: conn.execute(f'SELECT coalesce(max(id), 0) FROM "{t}"').fetchone()[0]  # noqa: S608
            for t in ("registry_person", "filings_filing", "filings_filingmaterial", "filings_filingevent")
        }
        references = [r[0] for r in conn.execute("SELECT reference FROM filings_filing")]
    return {
        "counts": counts,
        "triggers": [tuple(r) for r in triggers],
        "constraints": [tuple(r) for r in constraints],
        "indexes": [tuple(r) for r in indexes],
        "functions": [r[0] for r in functions],
        "max_ids": maxima,
        "references": references,
    }


def refused(database: str, statement: str) -> str | None:
    """The error PostgreSQL raises for ``statement`` (rolled back in any case), or None when it went through."""
    import psycopg

    with psycopg.connect(url(database)) as conn:
        try:
            cursor = conn.execute(statement)
            changed = cursor.rowcount
        except psycopg.Error as exc:
            return str(exc).splitlines()[0]
        finally:
            conn.rollback()
    return None if changed else "no row to change"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def human(size: float) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def drill(report: Report, work: Path, src: str, dst: str) -> None:
    media_src, media_dst, backup = work / "media-src", work / "media-dst", work / "backup"
    env_src, env_dst = app_env(src, media_src), app_env(dst, media_dst)
    config = dj_database_url.parse(SERVER_URL)
    report.say(f"PostgreSQL {config['HOST']}:{config['PORT'] or 5432}, databases {src} and {dst}, work dir {work}")

    report.step(f"create {src} and migrate it")
    admin(f'CREATE DATABASE "{src}"')
    started = time.monotonic()
    result = run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], env_src)
    if result.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{result.stderr}")
    report.say(f"    migrated in {time.monotonic() - started:.1f} s")

    report.step("fill it through the services (registry.demo, accounts, bench.data, filing and claim services)")
    started = time.monotonic()
    filled = inside("--fill", env_src)
    report.say(
        f"    {filled['persons']} persons, {filled['filings']} filings ({filled['documented']} with documents),"
        f" {filled['claims']} claims ({filled['paid']} paid), {filled['uploads']} documents uploaded,"
        f" {filled['questions']} eligibility questions"
        f" in {time.monotonic() - started:.1f} s"
    )
    before = schema_facts(src)
    rows = sum(before["counts"].values())
    report.say(
        f"    source: {len(before['counts'])} tables, {rows:,} rows, {len(before['triggers'])} triggers,"
        f" {len(before['constraints'])} constraints, {len(before['indexes'])} indexes;"
        f" media {len(list(media_src.rglob('*.pdf')))} files, {human(size_of(media_src))}"
    )

    report.step("back up: python -m ops.backup")
    result = run_shown(report, "ops.backup", backup, env_src, work)
    if result.returncode != 0:
        return
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    report.say(
        f"    backup: dump {human(manifest['database']['size'])}, files {manifest['files']['count']}"
        f" ({human(manifest['files']['size'])}), manifest {human((backup / 'manifest.json').stat().st_size)},"
        f" in all {human(size_of(backup))}"
    )
    report.check(manifest["tables"] == before["counts"], "the manifest's counts are the source's at backup time")
    report.check(manifest["referenced_missing"] == [], "every file the database names is in the backup")

    report.step("a change after the backup: a new filing with a document")
    after = inside("--after", env_src)
    report.say(f"    filing {after['reference']} (id {after['filing_id']}), document {after['file']}")

    report.step(f"restore into the new empty database {dst} and an empty MEDIA_ROOT: python -m ops.restore")
    admin(f'CREATE DATABASE "{dst}"')
    result = run_shown(report, "ops.restore", backup, env_dst, work)
    again = run([sys.executable, "-m", "ops.restore", str(backup)], env_dst)
    report.check(
        again.returncode == 2 and "refused" in again.stderr, "a second restore into it is refused without --force"
    )

    report.step("checks")
    restored = schema_facts(dst)
    differing = [t for t in before["counts"] if restored["counts"].get(t) != before["counts"][t]]
    extra = sorted(set(restored["counts"]) - set(before["counts"]))
    report.check(
        not differing and not extra,
        f"rows of all {len(before['counts'])} tables equal the source's at backup",
        f"{rows:,} rows" if not differing else f"differ: {differing[:5]} extra {extra[:5]}",
    )
    for name in ("triggers", "constraints", "indexes", "functions"):
        report.check(restored[name] == before[name], f"the same {name}", f"{len(restored[name])}")
    protected = {
        table for table, trigger, enabled in restored["triggers"] if "append_only" in trigger and enabled == "O"
    }
    report.check(
        protected == set(APPEND_ONLY), "the append-only triggers are there and enabled", ", ".join(sorted(protected))
    )
    for table in APPEND_ONLY:
        if not restored["counts"].get(table):
            report.say(f"    (no row in {table}: a row trigger has nothing to refuse; it is there, above)")
            continue
        for statement in (f'UPDATE "{table}" SET id = id', f'DELETE FROM "{table}"'):
            error = refused(dst, statement)
            ok = error is not None and "Cannot update or delete" in error
            report.check(ok, f"{statement.split()[0]} on {table} refused", error or "it went through")
    files = manifest["files"]["items"]
    wrong = [
        f["name"] for f in files if not (media_dst / f["name"]).exists() or sha256(media_dst / f["name"]) != f["sha256"]
    ]
    report.check(not wrong, f"the {len(files)} restored files' SHA-256 equal the manifest's", ", ".join(wrong[:3]))
    stray = sorted(
        {str(p.relative_to(media_dst)) for p in media_dst.rglob("*") if p.is_file()} - {f["name"] for f in files}
    )
    report.check(not stray, "no other file in the restored MEDIA_ROOT", ", ".join(stray[:3]))
    report.check(
        after["reference"] not in restored["references"],
        f"the filing made after the backup ({after['reference']}) is absent",
    )
    report.check(not (media_dst / after["file"]).exists(), "its document is absent from the restored files")
    report.check((media_src / after["file"]).exists(), "…and both are still in the source")

    report.step("the application on the restored DATABASE_URL and MEDIA_ROOT (Django ORM and storage)")
    app = inside("--app-check", env_dst)
    by_name = {f["name"]: f["sha256"] for f in files}
    for kind in ("filing", "claim"):
        read = app[kind]
        ok = read["sha256"] == by_name.get(read["file"])
        report.check(
            ok, f"reads {kind} {read['reference']} and opens its document", f"{read['file']}, {human(read['size'])}"
        )
    new = app["new"]
    serial = int(new["reference"][-6:])
    last = max((int(r[-6:]) for r in before["references"] if r[:-6] == new["reference"][:-6]), default=0)
    report.check(
        serial == last + 1 and new["reference"] not in before["references"],
        "a new filing after the restore takes the next reference",
        f"{new['reference']} after serial {last}",
    )
    ids_ok = all(
        new[k] > before["max_ids"][t]
        for k, t in (
            ("person_id", "registry_person"),
            ("filing_id", "filings_filing"),
            ("material_id", "filings_filingmaterial"),
            ("event_id", "filings_filingevent"),
        )
    )
    report.check(
        ids_ok,
        "its person, filing, document and event ids follow the backup's (sequences restored)",
        f"filing id {new['filing_id']} > {before['max_ids']['filings_filing']}",
    )
    report.check(new["file_ok"], "its document is stored and read back", new["file"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The backup and restore drill.")
    parser.add_argument(
        "--write-docs", action="store_true", help=f"write the output into {DOCS_PAGE.relative_to(ROOT)}"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases and the directory")
    args = parser.parse_args(argv)
    report = Report()
    pid = os.getpid()
    src, dst = f"drill_backup_{pid}_src", f"drill_backup_{pid}_dst"
    work = Path(tempfile.mkdtemp(prefix="drill-backup-"))
    report.say(f"backup and restore drill, {time.strftime('%Y-%m-%d %H:%M')}, code {git_revision()[:7]}")
    try:
        drill(report, work, src, dst)
    except Exception as exc:  # noqa: BLE001 (the report says what broke, the cleanup still runs)
        report.check(False, "the drill ran to its end", f"{type(exc).__name__}: {str(exc)[-2000:]}")
    finally:
        if args.keep:
            report.say(f"kept {src}, {dst} and {work}")
        else:
            admin(f'DROP DATABASE IF EXISTS "{src}" WITH (FORCE)', f'DROP DATABASE IF EXISTS "{dst}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)
            report.step("dropped both databases, removed the work dir")
    verdict = "PASS" if not report.failed else "FAIL"
    report.say(
        f"RESULT: {verdict}: {report.passed} checks passed, {len(report.failed)} failed,"
        f" {time.monotonic() - report.clock:.0f} s in all"
    )
    if args.write_docs:
        write_docs(report.lines)
    return 1 if report.failed else 0


def write_docs(lines: list[str]) -> None:
    """Replace what stands between the page's markers by this run's output."""
    try:
        page = replace_between(
            DOCS_PAGE.read_text(encoding="utf-8"), START, END, "\n".join(["", "```text", *lines, "```", ""])
        )
    except ValueError as exc:
        raise SystemExit(f"{DOCS_PAGE}: {exc}") from None
    DOCS_PAGE.write_text(page, encoding="utf-8")
    print(f"wrote the output into {DOCS_PAGE.relative_to(ROOT)}")


# --- inside the application (run by the drill with the app's environment) -----------------------------------


def pdf(n: int, size: int) -> bytes:
    """A PDF-looking document of about ``size`` bytes, different for each ``n`` (the upload check sniffs content)."""
    body = hashlib.sha256(str(n).encode()).hexdigest().encode() * (size // 64 + 1)
    return b"%PDF-1.4\n%drill document " + str(n).encode() + b"\n" + body[:size] + b"\n%%EOF\n"


def upload(n: int, size: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"scan-{n}.pdf", pdf(n, size), content_type="application/pdf")


def fill() -> dict:
    import datetime
    from decimal import Decimal

    from rest_framework.test import APIClient

    from accounts.choices import Role
    from accounts.models import User
    from accounts.services import channel_key_issue
    from bench.data import effective_filing
    from config.actors import Actor
    from filings import services as filing_services
    from filings.models import Filing
    from registry import services as registry_services
    from registry.choices import InsuranceType
    from registry.demo import load_demo_data, numbered_id_number
    from registry.models import Person
    from reimbursements import services as claim_services
    from reimbursements.choices import ClaimAction, MaterialStatus

    load_demo_data()  # institutions, demo persons, a staff account per role, a key per channel
    staff = {role: Actor.staff(User.objects.get(username=f"demo_{role}")) for role in Role.values}
    people = []
    for n in range(700_000, 700_000 + PERSONS):
        person = Person.objects.create(
            id_number=numbered_id_number(n),
            name=f"演练{n}",
            insurance_type=InsuranceType.EMPLOYEE if n % 3 else InsuranceType.RESIDENT,
        )
        registry_services.insured_period_open(person, starts_on=None)
        people.append(person)
    today = datetime.date.today()
    bulk, documented = people[:BULK_FILINGS], people[BULK_FILINGS : BULK_FILINGS + DOCUMENTED_FILINGS]
    Filing.objects.bulk_create(
        effective_filing(
            p.pk,
            n,
            "other_temporary",
            "310000",
            today - datetime.timedelta(days=n % 200),
            reference=f"DR{today:%Y%m%d}{n:06d}",
        )
        for n, p in enumerate(bulk)
    )
    uploads = 0
    for n, person in enumerate(documented):  # fast track: documents reviewed, half of them approved
        data = {
            "filing_type": "long_term_resident",
            "destination": "440000",
            "start_date": today,
            "contact_name": person.name,
            "contact_phone": "13906001234",
            "consent": True,
            "mode": "fast_track",
            "proof_basis": "documents",
        }
        filing = filing_services.filing_submit(actor=staff[Role.COUNTER], person=person, data=data)
        owner = Actor.person(person_id=person.pk, channel_code="xm_wechat")
        for item in ("registration_form", "residence_proof"):
            filing_services.filing_material_upload(
                filing_id=filing.pk,
                item=item,
                upload=upload(uploads, 20_000 + 7_919 * n),
                actor=owner,
                content_type="application/pdf",
            )
            uploads += 1
        if n % 2 == 0:
            filing_services.filing_transition(filing_id=filing.pk, action="approve", actor=staff[Role.REVIEWER])
    # Eligibility questions through the API, as a hospital asks them: rows of the append-only record.
    _key, key = channel_key_issue(channel_code="hospital", name="drill", institution_code="H31010000001")
    hospital = APIClient()
    hospital.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    for person in bulk[:QUESTIONS]:
        query = {"id_number": person.id_number, "city": "310100", "visit": "inpatient", "date": today.isoformat()}
        response = hospital.get("/api/v1/eligibility/", query)
        assert response.status_code == 200, response.content
    admitted, discharged = today - datetime.timedelta(days=20), today - datetime.timedelta(days=10)
    paid = 0
    for n, person in enumerate(bulk[:CLAIMS]):  # claims on their effective filings, with every document uploaded
        data = {
            "claim_kind": "inpatient",
            "reason": "settlement_failed",
            "institution_name": "某三级医院",
            "institution_level": 3,
            "city": "310100",
            "admission_date": admitted,
            "discharge_date": discharged,
            "total_amount": Decimal("10000.00"),
            "excluded_amount": Decimal("0.00"),
            "invoices": [
                {"code": "31000026", "number": f"DR{n:06d}", "amount": Decimal("10000.00"), "issued_on": discharged}
            ],
            "bank_name": "中国银行",
            "bank_account": "6216610000001234567",
        }
        claim = claim_services.claim_submit(actor=staff[Role.COUNTER], person=person, data=data)
        owner = Actor.person(person_id=person.pk, channel_code="xm_wechat")
        for material in claim.materials.all():
            claim_services.claim_material_update(
                claim_id=claim.pk,
                item=material.item,
                actor=owner,
                upload=upload(uploads, 30_000 + 5_077 * n),
                content_type="application/pdf",
            )
            uploads += 1
        if n % 2 == 0:
            for material in claim.materials.all():
                claim_services.claim_material_update(
                    claim_id=claim.pk, item=material.item, actor=staff[Role.COUNTER], status=MaterialStatus.ACCEPTED
                )
            claim_services.claim_transition(
                claim_id=claim.pk, action=ClaimAction.START_REVIEW, actor=staff[Role.REVIEWER]
            )
            claim_services.claim_transition(claim_id=claim.pk, action=ClaimAction.APPROVE, actor=staff[Role.REVIEWER])
            claim_services.claim_transition(
                claim_id=claim.pk, action=ClaimAction.PAY, actor=staff[Role.ADMIN], payment_reference=f"DRILL-PAY-{n}"
            )
            paid += 1
    return {
        "persons": Person.objects.count(),
        "filings": Filing.objects.count(),
        "documented": len(documented),
        "claims": CLAIMS,
        "paid": paid,
        "uploads": uploads,
        "questions": QUESTIONS,
    }


def new_documented_filing(n: int) -> dict:
    """A person, a fast-track filing and one document, as a counter would file them today."""
    import datetime

    from accounts.models import User
    from config.actors import Actor
    from filings import services as filing_services
    from registry import services as registry_services
    from registry.choices import InsuranceType
    from registry.demo import numbered_id_number
    from registry.models import Person

    person = Person.objects.create(
        id_number=numbered_id_number(n), name=f"演练{n}", insurance_type=InsuranceType.EMPLOYEE
    )
    registry_services.insured_period_open(person, starts_on=None)
    data = {
        "filing_type": "long_term_resident",
        "destination": "440000",
        "start_date": datetime.date.today(),
        "contact_name": person.name,
        "contact_phone": "13906001234",
        "consent": True,
        "mode": "fast_track",
        "proof_basis": "documents",
    }
    counter = Actor.staff(User.objects.get(username="demo_counter"))
    filing = filing_services.filing_submit(actor=counter, person=person, data=data)
    material = filing_services.filing_material_upload(
        filing_id=filing.pk,
        item="registration_form",
        upload=upload(n, 12_345),
        actor=counter,
        content_type="application/pdf",
    )
    with material.file.open("rb") as fh:
        file_ok = fh.read() == pdf(n, 12_345)
    return {
        "reference": filing.reference,
        "filing_id": filing.pk,
        "person_id": person.pk,
        "material_id": material.pk,
        "event_id": filing.events.order_by("-id").values_list("id", flat=True).first(),
        "file": material.file.name,
        "file_ok": file_ok,
    }


def app_check() -> dict:
    """Read a filing's and a claim's documents through the ORM and the storage, then file anew."""
    from filings.models import FilingMaterial
    from reimbursements.models import ClaimMaterial

    answer = {}
    for kind, material in (
        ("filing", FilingMaterial.objects.select_related("filing").order_by("pk").first()),
        ("claim", ClaimMaterial.objects.exclude(file="").select_related("claim").order_by("pk").first()),
    ):
        record = material.filing if kind == "filing" else material.claim
        with material.file.open("rb") as fh:
            content = fh.read()
        answer[kind] = {
            "reference": record.reference,
            "file": material.file.name,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
    answer["new"] = new_documented_filing(800_001)
    return answer


def inside_app(mode: str) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if mode == "--fill":
        answer = fill()
    elif mode == "--after":
        answer = new_documented_filing(800_000)
    else:
        answer = app_check()
    print(json.dumps(answer, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("--fill", "--after", "--app-check"):
        inside_app(sys.argv[1])
    else:
        sys.exit(main())
