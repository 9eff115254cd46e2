"""The decisions report: which filings and claims were decided in a period, how, by whom, for how much, and
whether the money has been paid — one list, on screen and as export, read from the records' events.

A decision is the event that settles a record's outcome: a claim approved (审核通过) or refused payment
(不予支付); a filing approved, rejected, or taking effect at once (self-service). Each such event is one
row, so a record decided in the period appears once. The rows cost a bounded number of queries however
many there are: one per kind of record, and the names of the deciders (``audit.exports.event_names``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import CharField, F, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from audit.exports import event_labels, event_names
from config.csv import csv_response
from config.xlsx import xlsx_response
from filings.choices import FilingAction, FilingState, FilingType
from filings.models import FilingEvent
from registry.masking import mask_id_number
from reimbursements.choices import ClaimAction, ClaimBasis, ClaimKind, ClaimState
from reimbursements.models import ClaimEvent

# The actions that decide a record, by kind of record.
DECISIONS = {
    "claim": (ClaimAction.APPROVE, ClaimAction.REJECT),
    "filing": (FilingAction.APPROVE, FilingAction.REJECT, FilingAction.ACTIVATE),
}
KINDS = {"filing": gettext_lazy("filing"), "claim": gettext_lazy("claim")}
# A period is read whole into memory: at most a year of decisions.
LONGEST_PERIOD = datetime.timedelta(days=366)


@dataclass(frozen=True)
class DecisionFilters:
    period_from: datetime.date
    period_to: datetime.date  # inclusive: the whole day, in the bureau's time zone
    decider: str | None = None  # a stored actor label: staff:<username>, channel:<code>, system
    kind: str | None = None  # filing / claim
    decision: str | None = None  # approve / reject / activate
    basis: str | None = None  # a claim basis (only claims have one)
    state: str | None = None  # the record's state now


@dataclass(frozen=True)
class DecisionRow:
    """One decision as the report shows it: names for people, codes kept alongside for machines."""

    kind: str  # filing / claim
    kind_name: str
    record_id: int
    reference: str
    person: str  # name（masked ID number）
    decision: str  # the action's code
    decision_name: str
    decider: str  # the stored actor label
    decider_name: str  # 姓名（角色）, a channel's name, 系统
    at: datetime.datetime
    amount: Decimal | None  # an approved claim's payable amount; none for filings and refusals
    paid: bool | None  # an approved claim: paid or not; none otherwise
    paid_at: datetime.datetime | None
    state: str  # the record's state now
    state_name: str
    basis: str  # a claim's basis; "" for filings
    basis_name: str
    type_code: str  # the claim kind or filing type
    type_name: str


@dataclass
class DecisionTotals:
    count: int = 0
    approved: int = 0
    refused: int = 0
    amount: Decimal = Decimal("0.00")
    paid: int = 0
    paid_amount: Decimal = Decimal("0.00")
    unpaid: int = 0
    unpaid_amount: Decimal = Decimal("0.00")
    by_kind: dict[str, int] = field(default_factory=dict)


def last_week(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Monday to Sunday of the week before ``today``'s (the bureau's calendar, Asia/Shanghai)."""
    today = today or timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    return monday, monday + datetime.timedelta(days=6)


def _instant(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _events(kind: str, filters: DecisionFilters):
    """One query: the decision events of one kind in the period, with their record's facts."""
    model, subject = (ClaimEvent, "claim") if kind == "claim" else (FilingEvent, "filing")
    actions = [a for a in DECISIONS[kind] if filters.decision in (None, a)]
    qs = model.objects.filter(
        action__in=actions,
        at__gte=_instant(filters.period_from),
        at__lt=_instant(filters.period_to + datetime.timedelta(days=1)),
    )
    if filters.decider:
        qs = qs.filter(actor_label=filters.decider)
    if filters.state:
        qs = qs.filter(**{f"{subject}__state": filters.state})
    if kind == "claim":
        if filters.basis:
            qs = qs.filter(claim__basis=filters.basis)
        extra = {
            "payable_amount": F("claim__payable_amount"),
            "paid_at": F("claim__paid_at"),
            "basis": F("claim__basis"),
            "type_code": F("claim__claim_kind"),
        }
    else:
        extra = {
            "payable_amount": Value(None, output_field=CharField()),
            "paid_at": Value(None, output_field=CharField()),
            "basis": Value("", output_field=CharField()),
            "type_code": F("filing__filing_type"),
        }
    return (
        qs.annotate(
            record_type=Value(kind, output_field=CharField()),
            record_id=F(f"{subject}_id"),
            reference=F(f"{subject}__reference"),
            person_name=F(f"{subject}__person__name"),
            id_number=F(f"{subject}__person__id_number"),
            state_now=F(f"{subject}__state"),
            **extra,
        )
        .values(
            "id",
            "at",
            "action",
            "from_state",
            "to_state",
            "actor_label",
            "channel_id",
            "record_type",
            "record_id",
            "reference",
            "person_name",
            "id_number",
            "state_now",
            *extra,
        )
        .order_by("at", "id")
    )


def decisions(filters: DecisionFilters) -> list[DecisionRow]:
    """Every decision the filters select, oldest first: two queries for the events, four for the names."""
    kinds = [filters.kind] if filters.kind else ["claim", "filing"]
    if filters.basis:
        kinds = [kind for kind in kinds if kind == "claim"]  # only claims rest on a basis
    events = [event for kind in kinds for event in _events(kind, filters)]
    events.sort(key=lambda event: (event["at"], event["record_type"], event["id"]))
    names = event_names(events)
    return [_row(event, names) for event in events]


def _row(event: dict, names: dict[str, str]) -> DecisionRow:
    kind_name, decision_name, _from, _to = event_labels(event)
    claim = event["record_type"] == "claim"
    states = ClaimState if claim else FilingState
    approved = claim and event["action"] == ClaimAction.APPROVE
    amount = event["payable_amount"] if approved else None
    paid_at = event["paid_at"] if approved else None
    basis = event["basis"] or ""
    types = ClaimKind if claim else FilingType
    return DecisionRow(
        kind=event["record_type"],
        kind_name=kind_name,
        record_id=event["record_id"],
        reference=event["reference"],
        person=f"{event['person_name']}（{mask_id_number(event['id_number'])}）",
        decision=event["action"],
        decision_name=decision_name,
        decider=event["actor_label"],
        decider_name=names.get(event["actor_label"], event["actor_label"]),
        at=event["at"],
        amount=amount,
        paid=(paid_at is not None) if approved else None,
        paid_at=paid_at,
        state=event["state_now"],
        state_name=str(states(event["state_now"]).label),
        basis=basis,
        basis_name=str(ClaimBasis(basis).label) if basis else "",
        type_code=event["type_code"],
        type_name=str(types(event["type_code"]).label),
    )


def decision_totals(rows: list[DecisionRow]) -> DecisionTotals:
    """How many were decided (approved / refused), for how much, and how much of it has been paid."""
    totals = DecisionTotals()
    for row in rows:
        totals.count += 1
        totals.by_kind[row.kind] = totals.by_kind.get(row.kind, 0) + 1
        if row.decision in (ClaimAction.APPROVE, FilingAction.ACTIVATE):
            totals.approved += 1
        else:
            totals.refused += 1
        if row.amount is None:
            continue
        totals.amount += row.amount
        if row.paid:
            totals.paid += 1
            totals.paid_amount += row.amount
        else:
            totals.unpaid += 1
            totals.unpaid_amount += row.amount
    return totals


def paid_shown(row: DecisionRow) -> str:
    """已支付 / 未支付 for an approved claim; "" for anything else (nothing to pay)."""
    if row.paid is None:
        return ""
    return _("paid") if row.paid else _("not paid")


def export_header() -> list[str]:
    """The screen's columns by name, then the code of each coded value (for machines)."""
    return [
        _("record"),
        _("reference"),
        _("person"),
        _("type"),
        _("decision"),
        _("decided by"),
        _("decided at"),
        _("amount"),
        _("paid or not"),
        _("paid at"),
        _("state now"),
        _("basis"),
        "record_type",
        "type_code",
        "decision_code",
        "decider_code",
        "state_code",
        "basis_code",
    ]


def export_rows(rows: list[DecisionRow]) -> Iterator[list]:
    for row in rows:
        yield [
            row.kind_name,
            row.reference,
            row.person,
            row.type_name,
            row.decision_name,
            row.decider_name,
            row.at,
            row.amount,
            paid_shown(row),
            row.paid_at,
            row.state_name,
            row.basis_name,
            row.kind,
            row.type_code,
            row.decision,
            row.decider,
            row.state,
            row.basis,
        ]


def decisions_csv(filters: DecisionFilters):
    rows = decisions(filters)
    return csv_response(
        filename=f"decisions-{filters.period_from:%Y%m%d}-{filters.period_to:%Y%m%d}.csv",
        header=export_header(),
        rows=export_rows(rows),
    )


def decisions_xlsx(filters: DecisionFilters):
    """The same header and rows as ``decisions_csv``, as an Excel workbook: amounts and times as typed cells."""
    rows = decisions(filters)
    return xlsx_response(
        filename=f"decisions-{filters.period_from:%Y%m%d}-{filters.period_to:%Y%m%d}.xlsx",
        header=export_header(),
        rows=export_rows(rows),
        sheet_name=pgettext("a workbook's sheet", "decisions"),
    )
