"""City-scale synthetic data: persons, filings with their events, claims with checklists and invoices.

    python -m bench.generate --persons 1000000 --filings 2000000 [--claims 200000] [--seed 2026]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_city]

The database is dropped and created again (its name must contain "bench", see ``bench.database``),
migrated, given the sample institutions, then filled. Deterministic for a seed and today's date.

PostgreSQL: ``COPY`` through psycopg 3 with the tables' secondary indexes dropped during the load and
built again afterwards (unique constraints and primary keys stay), foreign-key and append-only
triggers off for the loading session (``session_replication_role = replica``; the rows are built
consistent), then ``VACUUM (ANALYZE)``. SQLite: batched ``executemany`` in one transaction.

What the rows look like:
- persons ``0..N-1`` with ID number ``registry.demo.numbered_id_number(n)``, each with one open, active
  insured period (so eligibility answers about filings, not about insurance);
- ~85 % of persons hold filings (the first ``filings`` mod that share at least one, the rest at random):
  a chain per person, oldest first, each earlier one changed (replaced by the next), expired,
  revoked or rejected, the last one effective (about 70 %), submitted, revoked, expired or rejected;
  at most one live filing per person, as the partial unique index demands; destinations across every
  province and city outside the insured province (the ``registry_region`` table); six filing types;
- one ``FilingEvent`` per state change (submit, approve/activate, change/revoke/expire/reject/withdraw),
  ``from_state``/``to_state`` following ``FILING_TRANSITIONS``;
- claims of persons with a filing, in every claim state, with their checklist (``ClaimMaterial``
  rows from the claim material requirements in force), one to three invoices and their events.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal

SEED = 2026
CHANNELS = ("xm_wechat", "mzt_app", "fj_web", "nhsa_app", "nhsa_miniprogram", "kiosk", "counter")
LONG_TERM = ("retiree_resettled", "long_term_resident", "stationed_worker")
TEMPORARY = ("referral", "emergency", "other_temporary")
FILING_TYPE_WEIGHTS = (
    ("retiree_resettled", 30),
    ("long_term_resident", 25),
    ("stationed_worker", 15),
    ("other_temporary", 15),
    ("referral", 10),
    ("emergency", 5),
)
CATEGORY = {**dict.fromkeys(LONG_TERM, "long_term"), **dict.fromkeys(TEMPORARY, "temporary")}
# The last filing of a person's chain; earlier ones end as one of EARLIER.
LAST_STATE_WEIGHTS = (("effective", 70), ("submitted", 6), ("revoked", 9), ("expired", 9), ("rejected", 6))
EARLIER_STATE_WEIGHTS = (("changed", 45), ("expired", 25), ("revoked", 20), ("rejected", 10))
CLAIM_STATE_WEIGHTS = (
    ("submitted", 10),
    ("materials_incomplete", 8),
    ("under_review", 12),
    ("approved", 10),
    ("paid", 45),
    ("rejected", 8),
    ("withdrawn", 7),
)
# The events that lead to each claim state (action, from, to).
CLAIM_PATHS = {
    "submitted": [("submit", "", "submitted")],
    "materials_incomplete": [("submit", "", "submitted"), ("request_materials", "submitted", "materials_incomplete")],
    "under_review": [("submit", "", "submitted"), ("start_review", "submitted", "under_review")],
    "approved": [
        ("submit", "", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("approve", "under_review", "approved"),
    ],
    "paid": [
        ("submit", "", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("approve", "under_review", "approved"),
        ("pay", "approved", "paid"),
    ],
    "rejected": [
        ("submit", "", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("reject", "under_review", "rejected"),
    ],
    "withdrawn": [("submit", "", "submitted"), ("withdraw", "submitted", "withdrawn")],
}
CLAIM_KIND_WEIGHTS = (("inpatient", 55), ("outpatient", 30), ("referral", 10), ("emergency", 5))
FILED_SHARE = 0.85
EMPTY_JSON = "{}"


def weighted(rng: random.Random, table: tuple[tuple[str, int], ...], k: int) -> list[str]:
    names, weights = zip(*table, strict=True)
    return rng.choices(names, weights=weights, k=k)


class Sink:
    """Writes rows of one table: COPY on PostgreSQL, batched INSERTs on SQLite; counts them."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}

    def write(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        n = 0
        if self.postgres:
            raw = self.connection.connection
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        else:
            marks = ", ".join("?" for _ in columns)
            statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            batch: list[tuple] = []
            with self.connection.cursor() as cursor:
                for row in rows:
                    batch.append(tuple(str(v) if isinstance(v, Decimal) else v for v in row))
                    if len(batch) >= 5_000:
                        cursor.executemany(statement, batch)
                        n += len(batch)
                        batch.clear()
                if batch:
                    cursor.executemany(statement, batch)
                    n += len(batch)
        self.counts[table] = self.counts.get(table, 0) + n


def copy_text(row: tuple) -> str:
    """One line of COPY's text format (the generated strings hold no tab, newline or backslash)."""
    return "\t".join(_text(v) for v in row) + "\n"


def _text(value) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value)


class Spool:
    """Rows of a child table written while the parent's COPY is still open on the same connection.

    PostgreSQL: COPY text lines in a temporary file, copied in when the parent is done. SQLite: batches.
    """

    def __init__(self, sink: Sink, table: str, columns: tuple[str, ...]) -> None:
        self.sink, self.table, self.columns = sink, table, columns
        self.rows: list[tuple] = []
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8") if sink.postgres else None

    def add(self, row: tuple) -> None:
        if self.file is not None:
            self.file.write(copy_text(row))
        else:
            self.rows.append(row)
            if len(self.rows) >= 5_000:
                self.sink.write(self.table, self.columns, self.rows)
                self.rows.clear()

    def finish(self) -> None:
        if self.file is None:
            self.sink.write(self.table, self.columns, self.rows)
            self.rows.clear()
            return
        self.file.seek(0)
        n = 0
        raw = self.sink.connection.connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
            while chunk := self.file.read(1 << 20):
                n += chunk.count("\n")
                copy.write(chunk.encode())
        self.file.close()
        self.sink.counts[self.table] = self.sink.counts.get(self.table, 0) + n


class Generator:
    def __init__(self, *, persons: int, filings: int, claims: int, seed: int, today: datetime.date, tz) -> None:
        self.persons, self.filings, self.claims = persons, filings, claims
        self.rng = random.Random(seed)
        self.today = today
        self.tz = tz
        # Filled while writing filings: for each person the id of their last filing and its destination.
        self.last_filing: dict[int, tuple[int, str, str, datetime.date]] = {}

    def at(self, day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)

    # persons ---------------------------------------------------------------------------------------
    def person_rows(self, insured_region: str) -> Iterator[tuple]:
        from registry.demo import numbered_id_number as valid_id_number

        created = self.at(self.today - datetime.timedelta(days=800))
        for n in range(self.persons):
            yield (
                n + 1,
                1,
                created,
                created,
                valid_id_number(n),
                f"参保人{n}",
                "resident" if n % 3 == 0 else "employee",
                f"3502{n:010d}",
                f"139{n % 100_000_000:08d}",
                "active",
                insured_region,
                n % 4 == 0,
            )

    def insured_period_rows(self, insured_region: str) -> Iterator[tuple]:
        created = self.at(self.today - datetime.timedelta(days=800))
        start = self.today - datetime.timedelta(days=3650)
        for n in range(self.persons):
            typ = "resident" if n % 3 == 0 else "employee"
            yield (n + 1, 1, created, created, start, None, typ, "active", insured_region, n + 1)

    # filings ---------------------------------------------------------------------------------------
    def chains(self) -> list[int]:
        """Number of filings per person (index n = person n)."""
        counts = [0] * self.persons
        filed = max(1, min(self.persons, int(self.persons * FILED_SHARE)))
        first = min(self.filings, filed)
        for p in range(first):
            counts[p] = 1
        rest = self.filings - first
        randrange = self.rng.randrange
        for _ in range(rest):
            counts[randrange(filed)] += 1
        return counts

    def write_filings(self, sink: Sink, destinations: list[str], referring: list[str]) -> None:
        """Filings and their events in one pass, filings through COPY while events are buffered to a file."""
        rng = self.rng
        counts = self.chains()
        total = sum(counts)
        types = weighted(rng, FILING_TYPE_WEIGHTS, total)
        lasts = weighted(rng, LAST_STATE_WEIGHTS, self.persons)
        earlier = weighted(rng, EARLIER_STATE_WEIGHTS, total)
        dests = [destinations[i] for i in (rng.randrange(len(destinations)) for _ in range(total))]
        events = Spool(sink, "filings_filingevent", FILING_EVENT_COLUMNS)
        today = self.today
        day = datetime.timedelta(days=1)
        hour = datetime.timedelta(hours=1)
        yesterday = today - day
        at = self.at
        cutoff = at(today, 0)
        randint = rng.randint

        def filings() -> Iterator[tuple]:
            fid = 0
            eid = 0
            for p in range(self.persons):
                c = counts[p]
                if not c:
                    continue
                # Walk the chain backwards in time from the last filing.
                starts = []
                start = today - datetime.timedelta(days=randint(0, 360))
                for _ in range(c):
                    starts.append(start)
                    start = start - datetime.timedelta(days=randint(200, 500))
                starts.reverse()
                previous_changed = None
                for k in range(c):
                    fid += 1
                    last = k == c - 1
                    state = lasts[p] if last else earlier[fid - 1]
                    ftype = types[fid - 1]
                    if state == "expired" and ftype in LONG_TERM:
                        ftype = "other_temporary"
                    temporary = ftype in TEMPORARY
                    start = starts[k]
                    if ftype == "emergency":
                        end = start + datetime.timedelta(days=30)
                    elif temporary:
                        end = start + datetime.timedelta(days=364)
                    else:
                        end = None
                    if not last and end is not None and end >= starts[k + 1]:
                        end = starts[k + 1] - day
                    if end is not None and end < start:
                        end = start
                    if last and state == "effective" and end is not None and end < today:
                        state = "expired"
                    dest = dests[fid - 1]
                    # Every event on a past day (the statistics count today's live): a filing starting
                    # today was submitted yesterday at the latest, and decided before today.
                    submitted = at(min(start, yesterday) - datetime.timedelta(days=randint(0, 20)), 9, fid % 60)
                    latest = min(72, (cutoff - submitted) // hour - 1)
                    decided = submitted + datetime.timedelta(hours=randint(1, latest))
                    effective_at = decided if state not in ("submitted", "rejected") else None
                    covered_until = ended_at = None
                    reason = ""
                    actions = [("submit", "", "submitted", submitted)]
                    if state == "submitted":
                        review_due = submitted.date() + datetime.timedelta(days=5)
                    else:
                        review_due = None
                        if state == "rejected":
                            actions.append(("reject", "submitted", "rejected", decided))
                            reason = "材料不全，不予备案"
                        else:
                            actions.append(("approve" if fid % 3 else "activate", "submitted", "effective", decided))
                    if state in ("changed", "revoked", "expired"):
                        if state == "changed":
                            covered_until = starts[k + 1] - day
                            reason = "变更备案地"
                        elif state == "revoked":
                            limit = (end or today) if not last else min(end or today, today)
                            covered_until = min(start + datetime.timedelta(days=randint(10, 120)), limit)
                            reason = "参保人申请撤销"
                        else:
                            covered_until = end or (start + datetime.timedelta(days=364))
                            reason = "备案期满"
                        if covered_until < start:
                            covered_until = start
                        ended_at = at(covered_until + day, 10)
                        if ended_at >= cutoff:
                            ended_at = at(yesterday, 22, fid % 60)
                        if ended_at < decided:
                            ended_at = decided + datetime.timedelta(minutes=1)
                        action = {"changed": "change", "revoked": "revoke", "expired": "expire"}[state]
                        actions.append((action, "effective", state, ended_at))
                    elif state == "rejected":
                        ended_at = decided
                    channel = CHANNELS[fid % len(CHANNELS)]
                    referral = ftype == "referral"
                    for action, frm, to, when in actions:
                        eid += 1
                        events.add(
                            (
                                eid,
                                f"channel:{channel}" if action == "submit" else "system",
                                when,
                                reason if to in ("rejected", "changed", "revoked", "expired") else "",
                                EMPTY_JSON,
                                action,
                                frm,
                                to,
                                None,
                                channel if action == "submit" else None,
                                fid,
                            )
                        )
                    yield (
                        fid,
                        len(actions),
                        submitted,
                        ended_at or decided,
                        f"BG{submitted:%Y%m%d}{fid:08d}",
                        ftype,
                        CATEGORY[ftype],
                        start,
                        end,
                        "self_service",
                        "documents",
                        f"联系人{p}",
                        f"139{p % 100_000_000:08d}",
                        True,
                        submitted,
                        "",
                        "",
                        False,
                        "冠状动脉粥样硬化性心脏病" if referral else "",
                        start if referral else None,
                        "",
                        "",
                        state,
                        review_due,
                        submitted,
                        effective_at,
                        decided if state != "submitted" else None,
                        ended_at,
                        covered_until,
                        reason,
                        channel,
                        dest,
                        p + 1,
                        referring[fid % len(referring)] if referral else None,
                        previous_changed,
                        "",
                        "",
                    )
                    previous_changed = fid if state == "changed" else None
                    if last:
                        self.last_filing[p] = (fid, dest, state, start)

        sink.write("filings_filing", FILING_COLUMNS, filings())
        events.finish()

    # claims ----------------------------------------------------------------------------------------
    def write_claims(self, sink: Sink, requirements: dict[str, list[tuple]], institutions: list[tuple]) -> None:
        rng = self.rng
        holders = [p for p, (_fid, _dest, state, _start) in self.last_filing.items() if state != "rejected"]
        if not holders:
            return
        kinds = weighted(rng, CLAIM_KIND_WEIGHTS, self.claims)
        states = weighted(rng, CLAIM_STATE_WEIGHTS, self.claims)
        materials = Spool(sink, "reimbursements_claimmaterial", CLAIM_MATERIAL_COLUMNS)
        invoices = Spool(sink, "reimbursements_claiminvoice", CLAIM_INVOICE_COLUMNS)
        events = Spool(sink, "reimbursements_claimevent", CLAIM_EVENT_COLUMNS)
        ids = {"material": 0, "invoice": 0, "event": 0}
        today = self.today
        cutoff = self.at(today, 0)
        randint = rng.randint

        def claims() -> Iterator[tuple]:
            for cid in range(1, self.claims + 1):
                p = holders[rng.randrange(len(holders))]
                fid, dest, _state, start = self.last_filing[p]
                kind, state = kinds[cid - 1], states[cid - 1]
                inst_code, inst_name, inst_city, inst_level = institutions[cid % len(institutions)]
                city = dest if len(dest) == 6 and not dest.endswith("0000") else inst_city
                admission = min(start + datetime.timedelta(days=randint(0, 300)), today - datetime.timedelta(days=3))
                discharge = admission + datetime.timedelta(days=randint(0, 14) if kind == "inpatient" else 0)
                submitted = self.at(discharge + datetime.timedelta(days=randint(1, 30)), 10)
                path = CLAIM_PATHS[state]
                times = [submitted]
                for _ in path[1:]:
                    times.append(times[-1] + datetime.timedelta(days=randint(1, 5)))
                if times[-1] >= cutoff:
                    # The whole claim moves back, keeping its gaps, so that every event lies on a past day
                    # (clamping each to today piled them all on today, and later steps in the future).
                    back = datetime.timedelta(days=(times[-1] - cutoff).days + 1 + randint(0, 30))
                    times = [t - back for t in times]
                    admission, discharge, submitted = admission - back, discharge - back, times[0]
                total = Decimal(randint(200_00, 80_000_00)) / 100
                excluded = (total * Decimal("0.05")).quantize(Decimal("0.01"))
                self_pay = (total * Decimal("0.10")).quantize(Decimal("0.01"))
                decided = paid = payable = deductible = review_started = None
                for (action, frm, to), when in zip(path, times, strict=True):
                    ids["event"] += 1
                    events.add(
                        (
                            ids["event"],
                            "system" if action != "submit" else "channel:counter",
                            when,
                            "票据不符合要求" if to == "rejected" else "",
                            EMPTY_JSON,
                            action,
                            frm,
                            to,
                            None,
                            "counter" if action == "submit" else None,
                            cid,
                        )
                    )
                    if to == "under_review":
                        review_started = when
                    if to in ("approved", "rejected"):
                        decided = when
                    if to == "paid":
                        paid = when
                if state in ("approved", "paid"):
                    payable = ((total - excluded - self_pay) * Decimal("0.8")).quantize(Decimal("0.01"))
                    deductible = Decimal("800.00")
                for item, name, required, original, order in requirements.get(kind, ()):
                    ids["material"] += 1
                    status = "accepted" if state in ("approved", "paid") else "received"
                    if state == "materials_incomplete" and order == 0:
                        status = "missing"
                    materials.add(
                        (
                            ids["material"],
                            item,
                            name,
                            required,
                            original,
                            order,
                            status,
                            "",
                            submitted,
                            "",
                            "",
                            None,
                            None,
                            cid,
                        )
                    )
                remaining = total
                n_invoices = 1 + cid % 3
                for k in range(n_invoices):
                    ids["invoice"] += 1
                    amount = remaining if k == n_invoices - 1 else (total / n_invoices).quantize(Decimal("0.01"))
                    remaining -= amount
                    live = state not in ("rejected", "withdrawn")
                    number = f"{cid:010d}{k:02d}"
                    identity = f"{INVOICE_CODE}/{number}"
                    invoices.add(
                        (ids["invoice"], inst_name[:110], INVOICE_CODE, number, identity, amount, admission, live, cid)
                    )
                yield (
                    cid,
                    len(path),
                    submitted,
                    when,
                    f"RG{submitted:%Y%m%d}{cid:08d}",
                    kind,
                    False,
                    "inpatient" if kind == "emergency" else "",
                    "emergency" if kind == "emergency" else "settlement_failed",
                    "emergency" if kind == "emergency" else "filed",
                    "",
                    inst_name,
                    inst_level,
                    admission,
                    discharge,
                    total,
                    excluded,
                    self_pay,
                    "中国工商银行",
                    f"62220{cid:014d}",
                    f"参保人{p}",
                    "",
                    "",
                    "",
                    state,
                    submitted,
                    review_started,
                    decided,
                    paid,
                    f"PAY{cid:010d}" if paid else "",
                    "票据不符合要求" if state == "rejected" else "",
                    payable,
                    deductible,
                    EMPTY_JSON,
                    "counter",
                    city,
                    None,
                    fid,
                    inst_code,
                    p + 1,
                    None,
                    "fund" if payable is not None else None,
                    "per_year" if payable is not None else "",
                    "inpatient" if payable is not None else "",
                )

        sink.write("reimbursements_claim", CLAIM_COLUMNS, claims())
        for spool in (materials, invoices, events):
            spool.finish()


PERSON_COLUMNS = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "id_number",
    "name",
    "insurance_type",
    "social_security_card",
    "phone",
    "insured_status",
    "insured_region_id",
    "retired",
)
INSURED_PERIOD_COLUMNS = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "starts_on",
    "ends_on",
    "insurance_type",
    "status",
    "insured_region_id",
    "person_id",
)
FILING_COLUMNS = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "reference",
    "filing_type",
    "category",
    "start_date",
    "end_date",
    "mode",
    "proof_basis",
    "contact_name",
    "contact_phone",
    "consent",
    "consent_at",
    "proxy_name",
    "proxy_id_number",
    "proxy_authorization",
    "referral_diagnosis",
    "referral_date",
    "referral_reason",
    "referral_opinion",
    "state",
    "review_due",
    "submitted_at",
    "effective_at",
    "decided_at",
    "ended_at",
    "covered_until",
    "end_reason",
    "channel_id",
    "destination_id",
    "person_id",
    "referring_institution_id",
    "replaces_id",
    "employer_credit_code",
    "employer_name",
)
EVENT_COLUMNS = ("id", "actor_label", "at", "reason", "changes", "action", "from_state", "to_state", "actor_id")
FILING_EVENT_COLUMNS = (*EVENT_COLUMNS, "channel_id", "filing_id")
CLAIM_EVENT_COLUMNS = (*EVENT_COLUMNS, "channel_id", "claim_id")
CLAIM_COLUMNS = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "reference",
    "claim_kind",
    "injury",
    "setting",
    "reason",
    "basis",
    "basis_explanation",
    "institution_name",
    "institution_level",
    "admission_date",
    "discharge_date",
    "total_amount",
    "excluded_amount",
    "category_b_self_pay",
    "bank_name",
    "bank_account",
    "account_holder",
    "proxy_name",
    "proxy_id_number",
    "proxy_relationship",
    "state",
    "submitted_at",
    "review_started_at",
    "decided_at",
    "paid_at",
    "payment_reference",
    "end_reason",
    "payable_amount",
    "deductible_applied",
    "breakdown",
    "channel_id",
    "city_id",
    "disease_id",
    "filing_id",
    "institution_id",
    "person_id",
    "review_due",
    "pool_id",
    "deductible_scope",
    "benefit_visit",
)
CLAIM_MATERIAL_COLUMNS = (
    "id",
    "item",
    "name",
    "required",
    "original",
    "sort_order",
    "status",
    "status_reason",
    "changed_at",
    "file",
    "content_type",
    "size",
    "changed_by_id",
    "claim_id",
)
INVOICE_CODE = "35020026"  # one 票据代码 for every generated bill; the numbers are unique
CLAIM_INVOICE_COLUMNS = ("id", "issuer", "code", "number", "identity", "amount", "issued_on", "live", "claim_id")
LOADED_TABLES = (
    "registry_person",
    "registry_insuredperiod",
    "filings_filing",
    "filings_filingevent",
    "reimbursements_claim",
    "reimbursements_claimevent",
    "reimbursements_claimmaterial",
    "reimbursements_claiminvoice",
)


def _drop_secondary_indexes(cursor) -> list[str]:
    """Drop the loaded tables' indexes that back no constraint; return their definitions."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)
        """,
        [list(LOADED_TABLES)],
    )
    definitions = []
    for name, definition in cursor.fetchall():
        cursor.execute(f'DROP INDEX "{name}"')
        definitions.append(definition)
    return definitions


def generate(*, persons: int, filings: int, claims: int, seed: int, out=sys.stdout) -> dict[str, int]:
    """Fill the (empty, migrated) database Django is connected to; return rows per table."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from registry.models import Institution, Region
    from reimbursements.models import ClaimMaterialRequirement

    today = timezone.localdate()
    insured = settings.INSURED_REGION_CODE
    insured_province = insured[:2]
    destinations = sorted(
        code for code in Region.objects.values_list("code", flat=True) if not code.startswith(insured_province)
    )
    institutions = list(
        Institution.objects.exclude(city__code__startswith=insured_province)
        .order_by("code")
        .values_list("code", "name", "city_id", "level")
    )
    referring = list(
        Institution.objects.filter(city_id=insured, level=3).order_by("code").values_list("code", flat=True)
    ) or list(Institution.objects.order_by("code").values_list("code", flat=True)[:1])
    requirements: dict[str, list[tuple]] = {}
    for r in ClaimMaterialRequirement.objects.in_force(today).order_by("claim_kind", "sort_order"):
        requirements.setdefault(r.claim_kind, []).append((r.item, r.name, r.required, r.original, r.sort_order))

    gen = Generator(
        persons=persons, filings=filings, claims=claims, seed=seed, today=today, tz=timezone.get_current_timezone()
    )
    sink = Sink(connection)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic():
        indexes: list[str] = []
        if sink.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                indexes = _drop_secondary_indexes(cursor)
        step = time.perf_counter()
        sink.write("registry_person", PERSON_COLUMNS, gen.person_rows(insured))
        sink.write("registry_insuredperiod", INSURED_PERIOD_COLUMNS, gen.insured_period_rows(insured))
        timings["persons"] = time.perf_counter() - step
        step = time.perf_counter()
        gen.write_filings(sink, destinations, referring)
        timings["filings + events"] = time.perf_counter() - step
        step = time.perf_counter()
        if claims and institutions:
            gen.write_claims(sink, requirements, institutions)
        timings["claims"] = time.perf_counter() - step
        step = time.perf_counter()
        with connection.cursor() as cursor:
            for definition in indexes:
                cursor.execute(definition)
            if sink.postgres:
                for table in LOADED_TABLES:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"GREATEST((SELECT max(id) FROM {table}), 1))"
                    )
        timings["indexes"] = time.perf_counter() - step
    if sink.postgres:
        step = time.perf_counter()
        with connection.cursor() as cursor:
            if connection.get_autocommit():
                # As autovacuum would after a bulk load: statistics, and the visibility map that
                # lets a count read an index alone (an index-only scan).
                cursor.execute("VACUUM (ANALYZE)")
            else:
                cursor.execute("ANALYZE")  # inside a transaction (the tests): statistics only
        timings["VACUUM ANALYZE"] = time.perf_counter() - step
    elapsed = time.perf_counter() - started
    for table, n in sink.counts.items():
        print(f"{table:34} {n:>12,} rows", file=out)
    print("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()) + f"; total {elapsed:.1f} s", file=out)
    sink.counts["_seconds"] = round(elapsed)
    return sink.counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--filings", type=int, default=2_000_000)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bench_city",
        help="dropped and created again; its name must contain 'bench'",
    )
    args = parser.parse_args(argv)
    os.environ["BENCH_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    from bench.database import prepare_database

    target = prepare_database()
    import django

    django.setup()
    from django.core.management import call_command

    from registry.demo import load_institutions

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_institutions()
    print(f"{target}: migrated in {time.perf_counter() - started:.1f} s", flush=True)
    generate(persons=args.persons, filings=args.filings, claims=args.claims, seed=args.seed)


if __name__ == "__main__":
    main()
