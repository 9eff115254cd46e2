"""The bureau's figures: what each statistic counts, how it is grouped, and the one place they are read.

Four subjects, each a fixed list of figures (``Figure``) and of the ways to group them (``Grouping``):

- **filings**: filings submitted, taking effect (at once or after review), rejected, changed, revoked and
  expired in the period — each the number of events of that kind whose time falls in it;
- **claims**: claims received, sent back for materials (补正), approved, refused, withdrawn and paid, and the
  money: claimed, eligible (政策范围内), own share, deductible, approved, paid;
- **service**: the reviewers' decisions in the period, how long each took from the record's first submission
  (median, 90th percentile, in days), how many came after their due date, and 补正 rounds per claim;
- **eligibility**: the answers given to hospitals, covered or not, by destination and by reason.

A figure counts *events in the period*, never the state of records now: a record changing state later adds to
a later period, and the counts of two periods add up to those of both. An event is grouped, and its money
read, by its record as it is when the day is counted (live today; each night for the days rolled up, the last
62 days again): a claim's basis derived again at approval moves its earlier events to the new basis. The API
(``stats.api``), the admin pages and the Excel exports all call ``table``: they cannot disagree.

Where they are read from: the days a refresh has rolled up (``stats.models.RolledDay``, nightly for the days
before today) from the daily aggregates (``FilingDay``, ``ClaimDay``, ``EligibilityDay``, ``DecisionDay``);
every other day of the period (today, a history never rolled up) from the event tables directly. Both ways
count with the same aggregates (``FILING_COUNTS``, ``CLAIM_COUNTS``, …), so a figure is the same either way.
"""

from __future__ import annotations

import datetime
import enum
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, F, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import ChannelGroup
from accounts.history import actor_names
from accounts.models import Channel
from audit.choices import ELIGIBILITY_REASONS
from audit.models import EligibilityQuestion
from filings.choices import FilingAction, FilingCategory, FilingMode, FilingType
from filings.models import FilingEvent
from registry.choices import VisitKind
from registry.models import Region
from reimbursements.choices import ClaimAction, ClaimBasis, ClaimKind
from reimbursements.models import ClaimEvent
from stats.models import ClaimDay, DecisionDay, EligibilityDay, FilingDay, RolledDay
from stats.periods import Period, midnight

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)


class Unit(enum.StrEnum):
    COUNT = "count"
    MONEY = "money"  # yuan, two decimals
    SHARE = "share"  # 0..1, four decimals; none when nothing to divide by
    DAYS = "days"  # one decimal; none when nothing was decided
    AVERAGE = "average"  # two decimals; none when there is nothing to average


@dataclass(frozen=True)
class Figure:
    code: str
    label: Promise
    unit: Unit
    help: Promise | str = ""


@dataclass(frozen=True)
class Grouping:
    code: str
    label: Promise
    names: Callable[[set], dict]  # keys → the names shown for them


@dataclass
class Row:
    key: str | None  # None: the total
    name: str
    current: dict
    previous: dict


@dataclass
class Table:
    subject: str
    period: Period
    previous_period: Period
    grouping: Grouping | None
    figures: list[Figure]
    total: Row
    rows: list[Row] = field(default_factory=list)

    @property
    def running(self) -> bool:
        """The period has not ended: its figures are those up to today, compared with as many days."""
        return self.period.so_far() != self.period


def _choices(choices) -> Callable[[set], dict]:
    return lambda keys: {key: str(label) for key, label in choices}


def _regions(keys: set) -> dict:
    return dict(Region.objects.filter(code__in=[key for key in keys if key]).values_list("code", "name"))


def _channels(keys: set) -> dict:
    return dict(Channel.objects.filter(code__in=[key for key in keys if key]).values_list("code", "name"))


def _actors(keys: set) -> dict:
    return actor_names({key for key in keys if key})


# ---------------------------------------------------------------------------------------------------- filings

FILING_NEW = (FilingAction.SUBMIT, FilingAction.RECORD)
FILING_COUNTS = {
    "new": Q(action__in=FILING_NEW),
    "new_self_service": Q(action__in=FILING_NEW, filing__mode=FilingMode.SELF_SERVICE),
    "new_fast_track": Q(action__in=FILING_NEW, filing__mode=FilingMode.FAST_TRACK),
    "effective": Q(action__in=(FilingAction.ACTIVATE, FilingAction.APPROVE)),
    "effective_at_once": Q(action=FilingAction.ACTIVATE),
    "rejected": Q(action=FilingAction.REJECT),
    "changed": Q(action=FilingAction.CHANGE),
    "revoked": Q(action__in=(FilingAction.REVOKE, FilingAction.WITHDRAW)),
    "expired": Q(action=FilingAction.EXPIRE),
}
FILING_FIGURES = [
    Figure("new", gettext_lazy("filings submitted"), Unit.COUNT, gettext_lazy("Submitted or recorded afterwards.")),
    Figure("new_self_service", gettext_lazy("submitted for self-service"), Unit.COUNT),
    Figure("new_fast_track", gettext_lazy("submitted for fast-track review"), Unit.COUNT),
    Figure("effective", gettext_lazy("took effect"), Unit.COUNT),
    Figure("effective_at_once", gettext_lazy("took effect at once"), Unit.COUNT),
    Figure(
        "effective_at_once_share",
        gettext_lazy("share taking effect at once"),
        Unit.SHARE,
        gettext_lazy("Of the filings taking effect, those that did so at once (self-service)."),
    ),
    Figure("rejected", gettext_lazy("filings rejected"), Unit.COUNT),
    Figure("changed", gettext_lazy("changed"), Unit.COUNT),
    Figure("revoked", gettext_lazy("revoked or withdrawn"), Unit.COUNT),
    Figure("expired", gettext_lazy("expired"), Unit.COUNT),
]
# grouping: (how it reads, its expression over the events)
FILING_GROUPS = {
    "filing_type": (
        Grouping("filing_type", gettext_lazy("filing type"), _choices(FilingType.choices)),
        F("filing__filing_type"),
    ),
    "category": (
        Grouping("category", gettext_lazy("category"), _choices(FilingCategory.choices)),
        F("filing__category"),
    ),
    "mode": (Grouping("mode", gettext_lazy("mode"), _choices(FilingMode.choices)), F("filing__mode")),
    "channel_group": (
        Grouping("channel_group", gettext_lazy("channel group"), _choices(ChannelGroup.choices)),
        F("filing__channel__group"),
    ),
    "channel": (
        Grouping("channel", gettext_lazy("channel"), _channels),
        F("filing__channel_id"),
    ),
    "destination_province": (
        Grouping("destination_province", gettext_lazy("destination province"), _regions),
        Coalesce(F("filing__destination__parent_id"), F("filing__destination_id")),
    ),
}


def filing_events(start: datetime.datetime, end: datetime.datetime):
    return FilingEvent.objects.filter(at__gte=start, at__lt=end)


def filing_aggregates() -> dict:
    return {code: Count("id", filter=condition) for code, condition in FILING_COUNTS.items()}


def _filing_derived(values: dict) -> dict:
    values["effective_at_once_share"] = _share(values["effective_at_once"], values["effective"])
    return values


# ----------------------------------------------------------------------------------------------------- claims

RECEIVED = Q(action=ClaimAction.SUBMIT, from_state="")
APPROVED = Q(action=ClaimAction.APPROVE)
PAID = Q(action=ClaimAction.PAY)
CLAIM_COUNTS = {
    "received": RECEIVED,
    "materials_requested": Q(action=ClaimAction.REQUEST_MATERIALS),
    "approved": APPROVED,
    "rejected": Q(action=ClaimAction.REJECT),
    "withdrawn": Q(action=ClaimAction.WITHDRAW),
    "paid": PAID,
    "reduced": APPROVED & Q(reduction__gt=0),
}


def _breakdown(key: str):
    """A money value of the approved claim's frozen breakdown (stored as text), as a number."""
    return Cast(KeyTextTransform(key, "claim__breakdown"), MONEY)


CLAIM_SUMS = {
    "amount_claimed": (F("claim__total_amount"), RECEIVED),
    "amount_eligible": (_breakdown("eligible"), APPROVED),
    "own_share": (_breakdown("own_share"), APPROVED),
    "deductible_applied": (F("claim__deductible_applied"), APPROVED),
    "amount_approved": (F("claim__payable_amount"), APPROVED),
    "amount_paid": (F("claim__payable_amount"), PAID),
}
CLAIM_FIGURES = [
    Figure("received", gettext_lazy("claims received"), Unit.COUNT),
    Figure("materials_requested", gettext_lazy("materials requested (补正)"), Unit.COUNT),
    Figure("decided", gettext_lazy("decided"), Unit.COUNT),
    Figure("approved", gettext_lazy("claims approved"), Unit.COUNT),
    Figure("rejected", gettext_lazy("payment refused"), Unit.COUNT),
    Figure("withdrawn", gettext_lazy("withdrawn"), Unit.COUNT),
    Figure("paid", gettext_lazy("paid"), Unit.COUNT),
    Figure("reduced", gettext_lazy("approved with a reduced ratio"), Unit.COUNT),
    Figure("amount_claimed", gettext_lazy("amount claimed (yuan)"), Unit.MONEY),
    Figure("amount_eligible", gettext_lazy("eligible cost approved (yuan)"), Unit.MONEY),
    Figure("own_share", gettext_lazy("own share (yuan)"), Unit.MONEY),
    Figure("deductible_applied", gettext_lazy("deductible applied (yuan)"), Unit.MONEY),
    Figure("amount_approved", gettext_lazy("amount approved (yuan)"), Unit.MONEY),
    Figure("amount_paid", gettext_lazy("amount paid (yuan)"), Unit.MONEY),
]
CLAIM_GROUPS = {
    "claim_kind": (
        Grouping("claim_kind", gettext_lazy("claim kind"), _choices(ClaimKind.choices)),
        F("claim__claim_kind"),
    ),
    "basis": (Grouping("basis", gettext_lazy("basis"), _choices(ClaimBasis.choices)), F("claim__basis")),
    "channel_group": (
        Grouping("channel_group", gettext_lazy("channel group"), _choices(ChannelGroup.choices)),
        F("claim__channel__group"),
    ),
    "channel": (Grouping("channel", gettext_lazy("channel"), _channels), F("claim__channel_id")),
    "province": (
        Grouping("province", gettext_lazy("province of treatment"), _regions),
        F("claim__city__parent_id"),
    ),
}


def claim_events(start: datetime.datetime, end: datetime.datetime):
    reduction = KeyTextTransform("reduction", KeyTransform("rule", KeyTransform("inputs", "claim__breakdown")))
    return ClaimEvent.objects.filter(at__gte=start, at__lt=end).annotate(
        reduction=Coalesce(Cast(reduction, MONEY), Value(ZERO))
    )


def claim_aggregates() -> dict:
    aggregates = {code: Count("id", filter=condition) for code, condition in CLAIM_COUNTS.items()}
    return aggregates | {code: Sum(value, filter=condition) for code, (value, condition) in CLAIM_SUMS.items()}


def _claim_derived(values: dict) -> dict:
    values["decided"] = values["approved"] + values["rejected"]
    for code in CLAIM_SUMS:
        values[code] = _money(values[code])
    return values


# ---------------------------------------------------------------------------------------------------- service

DESKS = {"filing": gettext_lazy("filing review"), "claim": gettext_lazy("claim review")}
SERVICE_FIGURES = [
    Figure("decided", gettext_lazy("decisions"), Unit.COUNT),
    Figure(
        "days_median",
        gettext_lazy("days to decision (median)"),
        Unit.DAYS,
        gettext_lazy("Days of 24 hours from the record's first submission to the decision."),
    ),
    Figure(
        "days_p90",
        gettext_lazy("days to decision (90th percentile)"),
        Unit.DAYS,
        gettext_lazy("Nine in ten decisions took at most this long."),
    ),
    Figure("overdue", gettext_lazy("decided after the due date"), Unit.COUNT),
    Figure("overdue_share", gettext_lazy("share decided late"), Unit.SHARE),
    Figure(
        "rounds_per_claim",
        gettext_lazy("补正 rounds per claim"),
        Unit.AVERAGE,
        gettext_lazy("Requests for materials per claim decided (claims only)."),
    ),
]
SERVICE_GROUPS = {
    "desk": (Grouping("desk", gettext_lazy("desk"), _choices(DESKS.items())), "desk"),
    "reviewer": (Grouping("reviewer", gettext_lazy("reviewer"), _actors), "actor_label"),
}
FACTS = ("desk", "actor_label", "days", "overdue", "rounds")


def decisions(start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """The reviewers' decisions between two instants, each as the service figures read it: its desk, who, the
    days from its record's first submission, whether after the due date, and (a claim's) 补正 rounds before
    it. Two queries, one per kind of record."""
    found = []
    for desk, events, subject, actions, first_actions in (
        ("filing", FilingEvent, "filing", (FilingAction.APPROVE, FilingAction.REJECT), FILING_NEW),
        ("claim", ClaimEvent, "claim", (ClaimAction.APPROVE, ClaimAction.REJECT), (ClaimAction.SUBMIT,)),
    ):
        first = (
            events.objects.filter(**{subject: OuterRef(f"{subject}_id")}, action__in=first_actions)
            .values(subject)
            .annotate(first=Min("at"))
            .values("first")
        )
        rows = events.objects.filter(at__gte=start, at__lt=end, action__in=actions).annotate(
            first_submitted=Subquery(first), due=F(f"{subject}__review_due")
        )
        if desk == "claim":
            rounds = (
                ClaimEvent.objects.filter(
                    claim=OuterRef("claim_id"), action=ClaimAction.REQUEST_MATERIALS, at__lte=OuterRef("at")
                )
                .values("claim")
                .annotate(n=Count("id"))
                .values("n")
            )
            rows = rows.annotate(rounds=Coalesce(Subquery(rounds), Value(0)))
        else:
            rows = rows.annotate(rounds=Value(0))
        for row in rows.values("id", "at", "actor_label", "first_submitted", "due", "rounds").order_by("at", "id"):
            first_at = row["first_submitted"]
            found.append(
                {
                    "desk": desk,
                    "event_id": row["id"],
                    "at": row["at"],
                    "actor_label": row["actor_label"],
                    "days": (row["at"] - first_at).total_seconds() / 86400 if first_at else None,
                    "overdue": bool(row["due"]) and timezone.localdate(row["at"]) > row["due"],
                    "rounds": row["rounds"],
                }
            )
    return found


def _service_values(facts: list[dict]) -> dict:
    days = sorted(fact["days"] for fact in facts if fact["days"] is not None)
    overdue = sum(1 for fact in facts if fact["overdue"])
    claims = [fact["rounds"] for fact in facts if fact["desk"] == "claim"]
    return {
        "decided": len(facts),
        "days_median": round(median(days), 1) if days else None,
        "days_p90": round(nearest_rank(days, 0.9), 1) if days else None,
        "overdue": overdue,
        "overdue_share": _share(overdue, len(facts)),
        "rounds_per_claim": round(sum(claims) / len(claims), 2) if claims else None,
    }


def median(ordered: list[float]) -> float:
    """The middle value, or between the two middle ones computed as PostgreSQL's ``percentile_cont(0.5)`` does
    (``low + (high - low) * 0.5``, not ``(low + high) / 2``), so both ways give the same float."""
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    low, high = ordered[middle - 1], ordered[middle]
    return low + (high - low) * 0.5


def nearest_rank(ordered: list[float], fraction: float) -> float:
    """The percentile by nearest rank: the smallest value with at least ``fraction`` of all at or below it."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# ------------------------------------------------------------------------------------------------ eligibility

ELIGIBILITY_FIGURES = [
    Figure("answered", gettext_lazy("answers given"), Unit.COUNT),
    Figure("covered", gettext_lazy("covered"), Unit.COUNT),
    Figure("not_covered", gettext_lazy("not covered"), Unit.COUNT),
    Figure("covered_share", gettext_lazy("share covered"), Unit.SHARE),
]
ELIGIBILITY_GROUPS = {
    "destination_province": (
        Grouping("destination_province", gettext_lazy("destination province"), _regions),
        F("city__parent_id"),
    ),
    "city": (Grouping("city", gettext_lazy("city of treatment"), _regions), F("city_id")),
    "visit": (Grouping("visit", gettext_lazy("visit"), _choices(VisitKind.choices)), F("visit")),
    "reason": (
        Grouping("reason", gettext_lazy("reason of the answer"), _choices(ELIGIBILITY_REASONS.items())),
        F("reason_code"),
    ),
}


def eligibility_answers(start: datetime.datetime, end: datetime.datetime):
    return EligibilityQuestion.objects.filter(at__gte=start, at__lt=end)


def eligibility_aggregates() -> dict:
    return {
        "answered": Count("id"),
        "covered": Count("id", filter=Q(covered=True)),
        "not_covered": Count("id", filter=Q(covered=False)),
    }


def _eligibility_derived(values: dict) -> dict:
    values["covered_share"] = _share(values["covered"], values["answered"])
    return values


# -------------------------------------------------------------------------------------------- the two sources


@dataclass(frozen=True)
class Subject:
    code: str
    label: Promise
    figures: list[Figure]
    groups: dict  # code -> (Grouping, its expression over the events (over the decisions: their field))
    events: Callable | None  # (start, end) -> the queryset of events counted
    aggregates: Callable | None  # () -> {figure: aggregate}, the same over events and (summed) days
    day_model: type | None
    derived: Callable[[dict], dict]

    @property
    def groupings(self) -> dict[str, Grouping]:
        return {code: grouping for code, (grouping, _expression) in self.groups.items()}

    def figure(self, code: str) -> Figure:
        return next(figure for figure in self.figures if figure.code == code)

    def counted(self, period: Period, group_by: str | None) -> tuple[dict, dict]:
        """The period's figures in total and {key: figures} by ``group_by`` (none without it): the rolled-up
        days from the daily aggregates, the others from the events, added up. The total is the sum of the
        groups (every event falls in one group, a missing value in the group None)."""
        rolled = RolledDay.objects.filter(day__gte=period.start, day__lte=period.end).values_list("day", flat=True)
        runs = unrolled(period, sorted(rolled))
        if self.code == "service":
            return self._service(period, group_by, runs)
        parts = []
        if len(runs) != 1 or runs[0] != (period.start, period.end + datetime.timedelta(days=1)):
            days = _rolled_rows(self.day_model, period, runs).filter(grouping=group_by or "")
            sums = {code: Sum(code) for code in self.aggregates()}
            parts.append(_grouped(days, F("key") if group_by else None, sums))
        for start, end in runs:
            expression = self.groups[group_by][1] if group_by else None
            parts.append(_grouped(self.events(midnight(start), midnight(end)), expression, self.aggregates()))
        groups: dict = defaultdict(dict)
        total: dict = {}
        for part in parts:
            for key, values in part.items():
                for code, value in values.items():
                    groups[key][code] = _add(groups[key].get(code), value)
                    total[code] = _add(total.get(code), value)
        return total, (dict(groups) if group_by else {})

    def _service(self, period: Period, group_by: str | None, runs) -> tuple[dict, dict]:
        field = self.groups[group_by][1] if group_by else None
        rolled = _rolled_rows(DecisionDay, period, runs)
        live = [fact for start, end in runs for fact in decisions(midnight(start), midnight(end))]
        if connection.vendor == "postgresql" and len(live) <= LIVE_DECISIONS_SENT:
            # The database takes the medians over the rolled-up decisions and the few live ones sent with the
            # query, never sending every decision of the period here.
            return _decision_aggregates_in_sql(rolled, live, field)
        facts = [*rolled.values(*FACTS), *live]
        if not field:
            return _service_values(facts), {}
        by_key: dict = defaultdict(list)
        for fact in facts:
            by_key[fact[field]].append(fact)
        return _service_values(facts), {key: _service_values(group) for key, group in by_key.items()}


def _rolled_rows(model, period: Period, runs):
    """The day table's rows of the period's days that were read as rolled up: the days of ``runs`` (counted
    from the events) left out, so a refresh committing meanwhile cannot make a day count twice."""
    rows = model.objects.filter(day__gte=period.start, day__lte=period.end)
    for start, end in runs:
        rows = rows.exclude(day__gte=start, day__lt=end)
    return rows


# A period's live decisions (days not rolled up) are sent along with the percentile query up to this many;
# past it (a long history never rolled up) every decision is counted here instead.
LIVE_DECISIONS_SENT = 20_000


def _decision_aggregates_in_sql(rolled, live: list[dict], field: str | None) -> tuple[dict, dict]:
    """PostgreSQL: the service figures of the rolled-up decisions together with ``live`` ones, in total and by
    ``field`` (desk or actor_label), in one query (GROUPING SETS). The live values travel as parameters,
    computed here as everywhere else, so the medians are over exactly the same numbers."""
    rolled_sql, rolled_params = rolled.values_list(*FACTS).query.sql_with_params()
    facts_sql, params = f"SELECT * FROM ({rolled_sql}) AS rolled", list(rolled_params)
    if live:
        row = "(%s::varchar, %s::varchar, %s::float8, %s::boolean, %s::integer)"
        facts_sql += f" UNION ALL SELECT * FROM (VALUES {', '.join([row] * len(live))}) AS live"
        params += [fact[name] for fact in live for name in FACTS]
    figures = (
        "COUNT(*), PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY days), "
        "PERCENTILE_DISC(0.9) WITHIN GROUP (ORDER BY days), COUNT(*) FILTER (WHERE overdue), "
        "AVG(rounds) FILTER (WHERE desk = 'claim')"
    )
    source = f"FROM ({facts_sql}) AS facts({', '.join(FACTS)})"
    if field:  # a code's own column name (desk, actor_label), never the caller's text
        sql = f"SELECT {field}, GROUPING({field}), {figures} {source} GROUP BY GROUPING SETS ((), ({field}))"
    else:
        sql = f"SELECT NULL, 1, {figures} {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    total, groups = _service_values([]), {}
    for key_value, is_total, decided, median_days, p90, overdue, rounds in found:
        values = _decision_aggregates(
            {
                "decided": decided,
                "days_median": median_days,
                "days_p90": p90,
                "overdue": overdue,
                "rounds_per_claim": rounds,
            }
        )
        if is_total:
            total = values
        else:
            groups[key_value] = values
    return total, groups


def _decision_aggregates(row: dict) -> dict:
    """The database's aggregates of decisions as ``_service_values`` computes them from every decision."""
    median, p90, rounds = row["days_median"], row["days_p90"], row["rounds_per_claim"]
    return {
        "decided": row["decided"],
        "days_median": round(median, 1) if median is not None else None,
        "days_p90": round(p90, 1) if p90 is not None else None,
        "overdue": row["overdue"],
        "overdue_share": _share(row["overdue"], row["decided"]),
        "rounds_per_claim": round(float(rounds), 2) if rounds is not None else None,
    }


def unrolled(period: Period, rolled: list[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """The runs of days of the period not rolled up, each as [first day, day after the last)."""
    runs, day, done = [], period.start, set(rolled)
    while day <= period.end:
        if day in done:
            day += datetime.timedelta(days=1)
            continue
        start = day
        while day <= period.end and day not in done:
            day += datetime.timedelta(days=1)
        runs.append((start, day))
    return runs


SUBJECTS = {
    "filings": Subject(
        "filings",
        gettext_lazy("filings"),
        FILING_FIGURES,
        FILING_GROUPS,
        filing_events,
        filing_aggregates,
        FilingDay,
        _filing_derived,
    ),
    "claims": Subject(
        "claims",
        gettext_lazy("claims"),
        CLAIM_FIGURES,
        CLAIM_GROUPS,
        claim_events,
        claim_aggregates,
        ClaimDay,
        _claim_derived,
    ),
    "service": Subject(
        "service", gettext_lazy("service times"), SERVICE_FIGURES, SERVICE_GROUPS, None, None, DecisionDay, lambda v: v
    ),
    "eligibility": Subject(
        "eligibility",
        gettext_lazy("eligibility answers"),
        ELIGIBILITY_FIGURES,
        ELIGIBILITY_GROUPS,
        eligibility_answers,
        eligibility_aggregates,
        EligibilityDay,
        _eligibility_derived,
    ),
}


def table(subject: str, period: Period, group_by: str | None = None) -> Table:
    """Every figure of ``subject`` in ``period`` and the same days a year before, in total and (with
    ``group_by``, one of the subject's groupings) by group: the groups either period has, the biggest first."""
    spec = SUBJECTS[subject]
    grouping = spec.groupings[group_by] if group_by else None
    # A period still running is counted up to today (no event lies ahead) and compared with as many days of
    # the year before (2026-12-01..04 with 2025-12-01..04), not with the whole of that month.
    previous_period = period.so_far().year_before()
    (total, current), (previous_total, previous) = (
        spec.counted(period.so_far(), group_by),
        spec.counted(previous_period, group_by),
    )
    result = Table(
        subject=subject,
        period=period,
        previous_period=previous_period,
        grouping=grouping,
        figures=spec.figures,
        total=Row(key=None, name=_("total"), current=_values(spec, total), previous=_values(spec, previous_total)),
    )
    if grouping is None:
        return result
    keys = set(current) | set(previous)
    names = grouping.names(keys)
    first = spec.figures[0].code
    rows = [
        Row(
            key=key,
            name=names.get(key, key) if key else _("(none)"),
            current=_values(spec, current.get(key, {})),
            previous=_values(spec, previous.get(key, {})),
        )
        for key in keys
    ]
    rows.sort(key=lambda row: (-(row.current[first] or 0), -(row.previous[first] or 0), row.key or ""))
    result.rows = rows
    return result


def _values(spec: Subject, raw: dict) -> dict:
    """A group's figures, every one present: counts zero and money 0.00 when nothing happened."""
    values = {}
    for figure in spec.figures:
        value = raw.get(figure.code)
        if figure.unit == Unit.COUNT and value is None:
            value = 0
        values[figure.code] = value
    return spec.derived(values)


def _grouped(queryset, expression, aggregates: dict) -> dict:
    """One query: the aggregates in total (no expression) or by the expression. (Aggregates are named
    ``figure_<code>`` in SQL: a figure may share its name with a field, such as ``covered``.)"""
    named = {f"figure_{code}": aggregate for code, aggregate in aggregates.items()}
    if expression is None:
        return {None: _unnamed(queryset.aggregate(**named))}
    rows = queryset.annotate(stats_key=expression).values("stats_key").annotate(**named).order_by()
    return {row.pop("stats_key"): _unnamed(row) for row in rows}


def _unnamed(row: dict) -> dict:
    return {name.removeprefix("figure_"): value for name, value in row.items()}


def _add(total, value):
    if value is None:
        return total
    return value if total is None else total + value


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _money(value) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(ZERO)
