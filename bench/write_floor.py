"""The floor of two writes: a filing submitted at the counter (effective at once) and a claim approved.

Bare WSGI, raw psycopg, prepared statements, one transaction per request; never part of the product.
``bench.writes`` serves it with the same gunicorn settings as the app
(``gunicorn bench.write_floor:application -c gunicorn.conf.py``) beside our endpoint, so that the two differ
by the framework and our code's reads only. ``BENCH_FLOOR_DSN`` names the database.

Each request writes **the rows our endpoint writes** (``bench.writes_prepare`` captures them from one real
request of each and ``bench.writes`` checks this list against them), with realistic values:

- ``POST /submit/`` (the body of ``POST /api/v1/filings/``: ``id_number``, ``name``, ``filing_type``,
  ``destination``, ``start_date``, contact, consent; ``Idempotency-Key``): the idempotency record inserted;
  the person looked up by ID number (the one read); today's reference serial counted up (the row
  ``registry_referencesequence`` our ``next_reference`` updates, so both queue on it alike); the filing inserted
  effective with every column (as ours has been since it stopped inserting it submitted, then updating it), its
  ``submit`` event and its ``activate`` event,
  the person's notification, and the idempotency record updated with the status and the answer; one
  transaction. Answers 201 with the filing as JSON.
- ``POST /approve/<reference>`` (``Idempotency-Key``): the idempotency record; the claim locked with its person
  (the one read; its state is not checked: ``bench.writes_prepare`` gives the floor approved claims, so that it
  leaves the claims under review to our endpoint, and writes the same rows again); the claim updated to
  approved with its amounts, pool, scopes and the breakdown (a JSON of the size ours writes); its ``approve``
  event; the notification; the idempotency record updated. 200 with JSON.

A second request with a key the caller used answers 409 (the unique index), as a conflict would.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from decimal import ROUND_HALF_UP, Decimal

import psycopg
from psycopg.types.json import Jsonb

CALLER = "staff:bench-floor"
# The staff users the floor writes as (``bench.writes_prepare`` made them): events name their actor, as ours do.
ACTORS = {name: int(pk) for name, pk in json.loads(os.environ.get("BENCH_WRITE_ACTORS", "{}")).items()}
TTL = datetime.timedelta(hours=24)
_connection: psycopg.Connection | None = None

IDEMPOTENCY_INSERT = (
    "INSERT INTO accounts_idempotencyrecord (caller, key_hash, fingerprint, status_code, response, created_at, "
    "expires_at) VALUES (%s, %s, %s, NULL, '\\x'::bytea, %s, %s) RETURNING id"
)
IDEMPOTENCY_UPDATE = (
    "UPDATE accounts_idempotencyrecord SET fingerprint = %s, status_code = %s, response = %s, created_at = %s, "
    "expires_at = %s WHERE id = %s"
)
PERSON = (
    "SELECT p.id, p.name, p.id_number, p.insured_region_id FROM registry_person p "
    "WHERE p.id_number = %s AND p.insured_status = 'active'"
)
SERIAL = (
    "INSERT INTO registry_referencesequence (prefix, day, last) VALUES (%s, %s, 1) "
    "ON CONFLICT (prefix, day) DO UPDATE SET last = registry_referencesequence.last + 1 RETURNING last"
)
FILING_INSERT = """
INSERT INTO filings_filing (version, created_at, updated_at, reference, person_id, filing_type, category,
  destination_id, start_date, end_date, mode, proof_basis, commitment_due_date, commitment_fulfilled_at,
  contact_name, contact_phone, consent, consent_at, proxy_name, proxy_id_number, proxy_authorization,
  employer_name, employer_credit_code, referring_institution_id, referral_diagnosis, referral_date,
  referral_reason, referral_opinion, channel_id, state, review_due, review_due_provisional, submitted_at,
  effective_at, decided_at, ended_at, covered_until, end_reason, replaces_id)
VALUES (2, %(now)s, %(now)s, %(reference)s, %(person)s, %(filing_type)s, 'temporary', %(destination)s,
  %(start)s, %(end)s, 'self_service', 'documents', NULL, NULL, %(contact_name)s, %(contact_phone)s, true, %(now)s,
  '', '', false, '', '', NULL, '', NULL, '', '', 'counter', 'effective', NULL, false, %(now)s, %(now)s, NULL, NULL,
  NULL, '', NULL)
RETURNING id
"""
FILING_EVENT = (
    "INSERT INTO filings_filingevent (actor_id, actor_label, channel_id, at, reason, changes, filing_id, action, "
    "from_state, to_state) VALUES (%s, %s, 'counter', %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)
NOTIFICATION = (
    "INSERT INTO notifications_notification (record_type, reference, filing_id, claim_id, person_id, channel_id, "
    "kind, key, payload, status, attempts, next_attempt_at, last_error, created_at, sent_at) "
    "VALUES (%s, %s, %s, %s, %s, 'counter', %s, %s, %s, 'pending', 0, %s, '', %s, NULL)"
)
CLAIM = (
    "SELECT c.id, c.reference, c.person_id, c.claim_kind, c.admission_date, c.discharge_date, c.total_amount, "
    "c.excluded_amount, c.category_b_self_pay, c.basis, c.filing_id, c.version, p.id_number, p.name "
    "FROM reimbursements_claim c JOIN registry_person p ON p.id = c.person_id "
    "WHERE c.reference = %s FOR UPDATE OF c"
)
CLAIM_APPROVE = (
    "UPDATE reimbursements_claim SET version = %s, updated_at = %s, state = 'approved', decided_at = %s, "
    "payable_amount = %s, deductible_applied = %s, pool_id = %s, deductible_scope = %s, benefit_visit = %s, "
    "breakdown = %s WHERE id = %s"
)
CLAIM_EVENT = (
    "INSERT INTO reimbursements_claimevent (actor_id, actor_label, channel_id, at, reason, changes, claim_id, "
    "action, from_state, to_state) VALUES (%s, %s, 'counter', %s, '', %s, %s, 'approve', 'under_review', "
    "'approved') RETURNING id"
)
ACTIVATED = "自助开通，即时生效。"
CENT = Decimal("0.01")


class Refused(Exception):
    def __init__(self, status: str, answer: dict):
        super().__init__(status)
        self.status, self.answer = status, answer


def connection() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["BENCH_FLOOR_DSN"], autocommit=True)
    return _connection


def _idempotency(cursor, key: str, body: bytes, path: str, now: datetime.datetime) -> tuple[int, str]:
    fingerprint = hashlib.sha256(b"POST\0" + path.encode() + b"\0" + body + b"\0").hexdigest()
    key_hash = hashlib.sha256(key.encode()).hexdigest()
    try:
        row = cursor.execute(IDEMPOTENCY_INSERT, (CALLER, key_hash, fingerprint, now, now + TTL), prepare=True)
    except psycopg.errors.UniqueViolation:
        raise Refused("409 Conflict", {"code": "idempotency_key_reused"}) from None
    return row.fetchone()[0], fingerprint


def _done(cursor, record: int, fingerprint: str, status: int, answer: dict, now) -> bytes:
    body = json.dumps(answer, default=str, ensure_ascii=False).encode()
    cursor.execute(IDEMPOTENCY_UPDATE, (fingerprint, status, body, now, now + TTL, record), prepare=True)
    return body


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def submit(environ, body: bytes) -> tuple[str, bytes]:
    data = json.loads(body)
    key = environ.get("HTTP_IDEMPOTENCY_KEY", "")
    now = datetime.datetime.now(datetime.UTC)
    start = datetime.date.fromisoformat(data["start_date"])
    end = _add_months(start, 6) - datetime.timedelta(days=1)
    with connection().transaction(), connection().cursor() as cursor:
        record, fingerprint = _idempotency(cursor, key, body, "/api/v1/filings/", now)
        person = cursor.execute(PERSON, (data["id_number"],), prepare=True).fetchone()
        if person is None:
            raise Refused("400 Bad Request", {"code": "invalid"})
        person_id, name, id_number, _region = person
        day = now.date()
        serial = cursor.execute(SERIAL, ("BA", day), prepare=True).fetchone()[0]
        reference = f"BA{day:%Y%m%d}{serial:06d}"
        values = {
            "now": now,
            "reference": reference,
            "person": person_id,
            "filing_type": data["filing_type"],
            "destination": data["destination"],
            "start": start,
            "end": end,
            "contact_name": data["contact_name"],
            "contact_phone": data["contact_phone"],
        }
        try:
            filing_id = cursor.execute(FILING_INSERT, values, prepare=True).fetchone()[0]
        except psycopg.errors.UniqueViolation:
            raise Refused("409 Conflict", {"code": "live_filing_exists"}) from None
        changes = {
            "filing_type": data["filing_type"],
            "destination": data["destination"],
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "contact_name": data["contact_name"],
            "contact_phone": data["contact_phone"],
            "mode": "self_service",
            "proof_basis": "documents",
            "proxy_authorization": False,
        }
        label, actor = CALLER, ACTORS.get("counter")
        event = (actor, label, now, "", Jsonb(changes), filing_id, "submit", "", "submitted")
        cursor.execute(FILING_EVENT, event, prepare=True)
        effective_at = now
        activate = (actor, label, effective_at, ACTIVATED, Jsonb({}), filing_id, "activate", "submitted", "effective")
        event_id = cursor.execute(FILING_EVENT, activate, prepare=True).fetchone()[0]
        masked = f"{id_number[:6]}********{id_number[-4:]}"
        payload = {
            "record_type": "filing",
            "reference": reference,
            "state": "effective",
            "person": {"id_number": masked, "name": name},
            "filing_type": data["filing_type"],
            "destination": data["destination"],
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "covered_until": None,
            "commitment_due_date": None,
            "reason": ACTIVATED,
            "at": effective_at.isoformat(),
            "kind": "filing_effective",
            "title": "备案已生效",
            "message": f"您的异地就医备案 {reference} 自 {start.isoformat()} 起生效。",
        }
        notification = (
            "filing",
            reference,
            filing_id,
            None,
            person_id,
            "filing_effective",
            f"event:{event_id}",
            Jsonb(payload),
            now,
            now,
        )
        cursor.execute(NOTIFICATION, notification, prepare=True)
        answer = {
            "reference": reference,
            "state": "effective",
            "person": {"id_number": masked, "name": name},
            **{k: v for k, v in values.items() if k not in ("now", "person")},
            "submitted_at": now.isoformat(),
            "effective_at": effective_at.isoformat(),
            "channel": "counter",
            "mode": "self_service",
            "proof_basis": "documents",
            "category": "temporary",
            "institutions": [],
            "materials": [],
        }
        return "201 Created", _done(cursor, record, fingerprint, 201, answer, now)


def approve(environ, body: bytes, reference: str) -> tuple[str, bytes]:
    key = environ.get("HTTP_IDEMPOTENCY_KEY", "")
    now = datetime.datetime.now(datetime.UTC)
    with connection().transaction(), connection().cursor() as cursor:
        path = f"/api/v1/claims/{reference}/approve/"
        record, fingerprint = _idempotency(cursor, key, body, path, now)
        claim = cursor.execute(CLAIM, (reference,), prepare=True).fetchone()
        if claim is None:
            raise Refused("409 Conflict", {"code": "invalid_transition"})
        claim_id, reference, person_id, kind, admitted, discharged, total, excluded, self_pay = claim[:9]
        basis, filing_id, version, id_number, name = claim[9:]
        eligible = total - excluded - self_pay
        deductible = min(Decimal("100.00") if kind == "outpatient" else Decimal("800.00"), eligible)
        payable = ((eligible - deductible) * Decimal("0.65")).quantize(CENT, ROUND_HALF_UP)
        visit = "outpatient" if kind == "outpatient" else "inpatient"
        pool = "outpatient" if kind == "outpatient" else "fund"
        steps = [
            {"code": code, "label": code.replace("_", " ").capitalize(), "value": str(value)}
            for code, value in (
                ("total", total),
                ("excluded", excluded),
                ("category_b_self_pay", self_pay),
                ("eligible", eligible),
                ("own_share", Decimal("0.00")),
                ("after_own_share", eligible),
                ("deductible_remaining", deductible),
                ("deductible_applied", deductible),
                ("after_deductible", eligible - deductible),
                ("ratio", Decimal("0.7000")),
                ("reduction", Decimal("0.0500")),
                ("effective_ratio", Decimal("0.6500")),
                ("fund_before_cap", payable),
                ("cap_remaining", Decimal("400000.00")),
                ("payable", payable),
            )
        ]
        breakdown = {
            "payable": str(payable),
            "eligible": str(eligible),
            "own_share": "0.00",
            "deductible_applied": str(deductible),
            "steps": steps,
            "basis": {"code": basis, "filing": filing_id, "considered": [{"code": basis, "payable": str(payable)}]},
            "pool": {"code": pool, "year": discharged.year, "this_claim": str(payable), "used_before": "0.00"},
            "deductible": {"scope": "per_year", "visit_kind": visit, "amount": str(deductible), "this_claim": "0.00"},
            "inputs": {"rule": {"deductible": str(deductible), "ratio": "0.7000", "reduction": "0.0500"}},
        }
        update = (version + 1, now, now, payable, deductible, pool, "per_year", visit, Jsonb(breakdown), claim_id)
        cursor.execute(CLAIM_APPROVE, update, prepare=True)
        changes = {"payable_amount": str(payable), "pool": pool}
        event = (ACTORS.get("reviewer"), CALLER, now, Jsonb(changes), claim_id)
        event_id = cursor.execute(CLAIM_EVENT, event, prepare=True).fetchone()[0]
        masked = f"{id_number[:6]}********{id_number[-4:]}"
        payload = {
            "record_type": "claim",
            "reference": reference,
            "state": "approved",
            "person": {"id_number": masked, "name": name},
            "claim_kind": kind,
            "admission_date": admitted.isoformat(),
            "discharge_date": discharged.isoformat(),
            "payable_amount": str(payable),
            "payment_reference": None,
            "reason": "",
            "at": now.isoformat(),
            "kind": "claim_approved",
            "title": "报销申请审核通过",
            "message": f"您的手工报销申请 {reference} 审核通过，应付金额 {payable} 元。",
        }
        notification = (
            "claim",
            reference,
            None,
            claim_id,
            person_id,
            "claim_approved",
            f"event:{event_id}",
            Jsonb(payload),
            now,
            now,
        )
        cursor.execute(NOTIFICATION, notification, prepare=True)
        answer = {"reference": reference, "state": "approved", "payable_amount": str(payable), "breakdown": breakdown}
        return "200 OK", _done(cursor, record, fingerprint, 200, answer, now)


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    try:
        if environ.get("REQUEST_METHOD") != "POST":
            raise Refused("405 Method Not Allowed", {"code": "method"})
        if path == "/submit/":
            status, answer = submit(environ, body)
        elif path.startswith("/approve/"):
            status, answer = approve(environ, body, path.removeprefix("/approve/").strip("/"))
        else:
            raise Refused("404 Not Found", {"code": "not_found"})
    except Refused as refused:
        status, answer = refused.status, json.dumps(refused.answer).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
    return [answer]
