"""The figures counted again, the plain way: raw SQL reads the event rows of a period, Python counts them.

Written apart from ``stats.selectors`` (no ORM, no shared constants: the actions are spelled out), so a
figure that the selectors count wrongly disagrees here.
"""

from __future__ import annotations

import datetime
import json
import math
import statistics
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

CENT = Decimal("0.01")


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _instant(value) -> datetime.datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


def _day(value) -> datetime.date | None:
    return parse_date(value) if isinstance(value, str) else value


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT) if value is not None else Decimal("0.00")


def _json(value) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})


def _share(part, whole):
    return round(part / whole, 4) if whole else None


def _median(ordered: list[float]) -> float:
    """statistics.median, but between the two middle values as PostgreSQL's percentile_cont interpolates
    (low + (high - low) * 0.5): the same number, to the last bit of the float."""
    if len(ordered) % 2:
        return statistics.median(ordered)
    low, high = ordered[len(ordered) // 2 - 1], ordered[len(ordered) // 2]
    return low + (high - low) * 0.5


def _window(period):
    start = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min))
    adapt = connection.ops.adapt_datetimefield_value  # SQLite compares stored text: naive UTC, as Django writes
    return adapt(start), adapt(end)


def filings(period) -> dict[str, dict]:
    """{grouping: {key: figures}}; the grouping "" is the total (key None)."""
    rows = _rows(
        'SELECT e.action, f.mode, f.filing_type, f.category, ch."group", f.channel_id, '
        "COALESCE(r.parent_id, r.code) FROM filings_filingevent e "
        "JOIN filings_filing f ON f.id = e.filing_id JOIN accounts_channel ch ON ch.code = f.channel_id "
        "JOIN registry_region r ON r.code = f.destination_id WHERE e.at >= %s AND e.at < %s",
        _window(period),
    )
    keys = {"filing_type": 2, "category": 3, "mode": 1, "channel_group": 4, "channel": 5, "destination_province": 6}

    def figures(group: list[tuple]) -> dict:
        new = [r for r in group if r[0] in ("submit", "record")]
        effective = sum(1 for r in group if r[0] in ("activate", "approve"))
        at_once = sum(1 for r in group if r[0] == "activate")
        return {
            "new": len(new),
            "new_self_service": sum(1 for r in new if r[1] == "self_service"),
            "new_fast_track": sum(1 for r in new if r[1] == "fast_track"),
            "effective": effective,
            "effective_at_once": at_once,
            "effective_at_once_share": _share(at_once, effective),
            "rejected": sum(1 for r in group if r[0] == "reject"),
            "changed": sum(1 for r in group if r[0] == "change"),
            "revoked": sum(1 for r in group if r[0] in ("revoke", "withdraw")),
            "expired": sum(1 for r in group if r[0] == "expire"),
        }

    return _by_group(rows, keys, figures)


def claims(period) -> dict[str, dict]:
    rows = _rows(
        'SELECT e.action, e.from_state, c.claim_kind, c.basis, ch."group", c.channel_id, r.parent_id, '
        "c.total_amount, c.payable_amount, c.deductible_applied, c.breakdown FROM reimbursements_claimevent e "
        "JOIN reimbursements_claim c ON c.id = e.claim_id JOIN accounts_channel ch ON ch.code = c.channel_id "
        "JOIN registry_region r ON r.code = c.city_id WHERE e.at >= %s AND e.at < %s",
        _window(period),
    )
    keys = {"claim_kind": 2, "basis": 3, "channel_group": 4, "channel": 5, "province": 6}

    def figures(group: list[tuple]) -> dict:
        received = [r for r in group if r[0] == "submit" and r[1] == ""]
        approved = [r for r in group if r[0] == "approve"]
        paid = [r for r in group if r[0] == "pay"]
        rejected = sum(1 for r in group if r[0] == "reject")
        return {
            "received": len(received),
            "materials_requested": sum(1 for r in group if r[0] == "request_materials"),
            "decided": len(approved) + rejected,
            "approved": len(approved),
            "rejected": rejected,
            "withdrawn": sum(1 for r in group if r[0] == "withdraw"),
            "paid": len(paid),
            "reduced": sum(
                1 for r in approved if Decimal(_json(r[10]).get("inputs", {}).get("rule", {}).get("reduction", "0")) > 0
            ),
            "amount_claimed": sum((_money(r[7]) for r in received), Decimal("0.00")),
            "amount_eligible": sum((_money(_json(r[10]).get("eligible")) for r in approved), Decimal("0.00")),
            "own_share": sum((_money(_json(r[10]).get("own_share")) for r in approved), Decimal("0.00")),
            "deductible_applied": sum((_money(r[9]) for r in approved), Decimal("0.00")),
            "amount_approved": sum((_money(r[8]) for r in approved), Decimal("0.00")),
            "amount_paid": sum((_money(r[8]) for r in paid), Decimal("0.00")),
        }

    return _by_group(rows, keys, figures)


def service(period) -> dict[str, dict]:
    start, end = _window(period)
    filing_rows = _rows(
        "SELECT 'filing', e.at, e.actor_label, (SELECT MIN(s.at) FROM filings_filingevent s WHERE "
        "s.filing_id = e.filing_id AND s.action IN ('submit', 'record')), f.review_due, 0 "
        "FROM filings_filingevent e JOIN filings_filing f ON f.id = e.filing_id "
        "WHERE e.action IN ('approve', 'reject') AND e.at >= %s AND e.at < %s",
        (start, end),
    )
    claim_rows = _rows(
        "SELECT 'claim', e.at, e.actor_label, (SELECT MIN(s.at) FROM reimbursements_claimevent s WHERE "
        "s.claim_id = e.claim_id AND s.action = 'submit'), c.review_due, (SELECT COUNT(*) FROM "
        "reimbursements_claimevent m WHERE m.claim_id = e.claim_id AND m.action = 'request_materials' "
        "AND m.at <= e.at) "
        "FROM reimbursements_claimevent e JOIN reimbursements_claim c ON c.id = e.claim_id "
        "WHERE e.action IN ('approve', 'reject') AND e.at >= %s AND e.at < %s",
        (start, end),
    )
    rows = [
        (desk, _instant(at), actor, _instant(first) if first else None, _day(due), rounds)
        for desk, at, actor, first, due, rounds in [*filing_rows, *claim_rows]
    ]

    def figures(group: list[tuple]) -> dict:
        days = sorted((r[1] - r[3]).total_seconds() / 86400 for r in group if r[3] is not None)
        late = sum(1 for r in group if r[4] is not None and timezone.localdate(r[1]) > r[4])
        claim_rounds = [r[5] for r in group if r[0] == "claim"]
        return {
            "decided": len(group),
            "days_median": round(_median(days), 1) if days else None,
            "days_p90": round(days[math.ceil(0.9 * len(days)) - 1], 1) if days else None,
            "overdue": late,
            "overdue_share": _share(late, len(group)),
            "rounds_per_claim": round(sum(claim_rounds) / len(claim_rounds), 2) if claim_rounds else None,
        }

    return _by_group(rows, {"desk": 0, "reviewer": 2}, figures)


def eligibility(period) -> dict[str, dict]:
    rows = _rows(
        "SELECT q.covered, q.city_id, r.parent_id, q.visit, q.reason_code FROM audit_eligibilityquestion q "
        "JOIN registry_region r ON r.code = q.city_id WHERE q.at >= %s AND q.at < %s",
        _window(period),
    )

    def figures(group: list[tuple]) -> dict:
        covered = sum(1 for r in group if r[0])
        return {
            "answered": len(group),
            "covered": covered,
            "not_covered": len(group) - covered,
            "covered_share": _share(covered, len(group)),
        }

    keys = {"destination_province": 2, "city": 1, "visit": 3, "reason": 4}
    return _by_group(rows, keys, figures)


def _by_group(rows: list[tuple], keys: dict[str, int], figures) -> dict[str, dict]:
    result = {"": {None: figures(rows)}}
    for grouping, column in keys.items():
        groups = defaultdict(list)
        for row in rows:
            groups[row[column]].append(row)
        result[grouping] = {key: figures(group) for key, group in groups.items()}
    return result


REFERENCE = {"filings": filings, "claims": claims, "service": service, "eligibility": eligibility}
