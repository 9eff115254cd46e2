"""After the faults: compare what the database holds with what every client was told.

Imported after ``django.setup()``. Each check adds what it looked at to ``checked`` and every
disagreement to ``problems`` (one line each, precise enough to find the row); duplicates are
counted apart, since they are what retries must never produce.

1. Every filing and claim (all of them, demo data included) has events that form one chain:
   the first from nothing, each from the state the previous one reached, the last reaching the
   record's state.
2. Every record a story made holds exactly the changes its client was told succeeded: the
   events' actions in order, and a version that counts exactly those writes.
3. References have no gaps: for each prefix and day, the serials stored are 1..last of the
   reference counter, each once.
4. Every record made during the run belongs to exactly one client request answered 2xx (by its
   tag: ID number, filing contact name, claim invoice number, one session per person); none is
   missing, none is unclaimed, none is there twice.
5. The idempotency table agrees: each key answered 2xx has its row, answered with that status.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from accounts.models import IdempotencyRecord, PersonSession
from drills.faults_client import Ledger, Story
from filings.models import Filing, FilingEvent
from registry.models import Person, ReferenceSequence
from reimbursements.models import Claim, ClaimEvent, ClaimInvoice

PREFIXES = {"BA": Filing, "BX": Claim}


@dataclass
class Before:
    """The highest ids before the writers started: what came later, the run made."""

    person: int
    filing: int
    claim: int
    session: int

    @classmethod
    def now(cls) -> Before:
        def top(model) -> int:
            return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

        return cls(top(Person), top(Filing), top(Claim), top(PersonSession))


@dataclass
class Reconciliation:
    checked: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)  # records the run made, by kind
    reconciled: Counter = field(default_factory=Counter)  # of those, the ones that agree in every check
    faulty: set = field(default_factory=set)  # (kind, tag) of a record some check disagreed with

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def findings(self) -> int:
        return len(self.problems) + len(self.duplicates)


def reconcile(ledger: Ledger, before: Before) -> Reconciliation:
    result = Reconciliation()
    event_chains(result)
    stories_hold(result, ledger)
    reference_gaps(result)
    records_claimed(result, ledger, before)
    idempotency_rows(result, ledger)
    return result


# --- 1. events ---------------------------------------------------------------------------------------


def event_chains(result: Reconciliation) -> None:
    for model, event_model, subject in ((Filing, FilingEvent, "filing_id"), (Claim, ClaimEvent, "claim_id")):
        states = dict(model.objects.values_list("pk", "state"))
        chains: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for owner, from_state, to_state in event_model.objects.order_by("pk").values_list(
            subject, "from_state", "to_state"
        ):
            chains[owner].append((from_state, to_state))
        for pk, state in states.items():
            chain = chains.get(pk, [])
            result.checked[f"{model.__name__.lower()}s: event chains"] += 1
            result.checked["state changes (events)"] += len(chain)
            reached = ""
            for from_state, to_state in chain:
                if from_state != reached:
                    result.problem(
                        f"{model.__name__} {pk}: an event from {from_state!r} follows one reaching {reached!r}"
                    )
                reached = to_state
            if reached != state:
                result.problem(f"{model.__name__} {pk}: state {state!r} but its events reach {reached!r}")
        for orphan in set(chains) - set(states):
            result.problem(f"{event_model.__name__}s of a missing {model.__name__} {orphan}")


# --- 2. what each client was told ---------------------------------------------------------------------


def stories_hold(result: Reconciliation, ledger: Ledger) -> None:
    filings = {
        f.reference: f for f in Filing.objects.filter(reference__in=[s.filing for s in ledger.stories if s.filing])
    }
    claims = {c.reference: c for c in Claim.objects.filter(reference__in=[s.claim for s in ledger.stories if s.claim])}
    filing_events = _actions(FilingEvent, "filing__reference", filings)
    claim_events = _actions(ClaimEvent, "claim__reference", claims)
    tags = dict(ClaimInvoice.objects.filter(claim__in=claims.values()).values_list("claim__reference", "number"))
    for story in ledger.stories:
        if story.filing:
            found = result.findings()
            filing = filings.get(story.filing)
            result.checked["filings compared with what their clients were told"] += 1
            if filing is None:
                result.problem(f"filing {story.filing} answered 201 to {_who(story)} is not stored")
            else:
                _compare(result, "filing", story.filing, filing_events[story.filing], story.filing_actions, story)
                # Every write of a filing is a state change with its event (the contact correction too).
                if filing.version != len(story.filing_actions) and not story.unresolved:
                    result.problem(
                        f"filing {story.filing}: version {filing.version}, "
                        f"but {len(story.filing_actions)} writes confirmed to {_who(story)}"
                    )
                if filing.contact_name != story.filing_tag:
                    result.problem(f"filing {story.filing} belongs to {filing.contact_name!r}, not to {_who(story)}")
            if result.findings() > found:
                result.faulty.add(("filings", story.filing_tag))
        if story.claim:
            found = result.findings()
            claim = claims.get(story.claim)
            result.checked["claims compared with what their clients were told"] += 1
            if claim is None:
                result.problem(f"claim {story.claim} answered 201 to {_who(story)} is not stored")
            else:
                _compare(result, "claim", story.claim, claim_events[story.claim], story.claim_actions, story)
                writes = len(story.claim_actions) + story.claim_material_updates
                if claim.version != writes and not story.unresolved:
                    result.problem(f"claim {story.claim}: version {claim.version}, but {writes} writes confirmed")
                if tags.get(story.claim) != story.invoice_tag:
                    result.problem(
                        f"claim {story.claim} carries invoice {tags.get(story.claim)!r}, not {story.invoice_tag}"
                    )
            if result.findings() > found:
                result.faulty.add(("claims", story.invoice_tag))


def _actions(event_model, reference_field: str, records: dict) -> dict[str, list[str]]:
    actions: dict[str, list[str]] = defaultdict(list)
    rows = event_model.objects.filter(**{f"{reference_field}__in": list(records)}).order_by("pk")
    for reference, action in rows.values_list(reference_field, "action"):
        actions[reference].append(action)
    return actions


def _compare(result: Reconciliation, noun: str, reference: str, stored: list[str], told: list[str], story: Story):
    if stored == told:
        return
    if story.unresolved and stored[: len(told)] == told and len(stored) == len(told) + 1:
        return  # the request the story stopped on did happen; reported with the unresolved requests
    repeated = [a for a, n in (Counter(stored) - Counter(told)).items() if a in told]
    if repeated:
        result.duplicates.append(f"{noun} {reference}: {repeated} done twice; events {stored}, client told {told}")
    else:
        result.problem(f"{noun} {reference}: events {stored}, but {_who(story)} was told {told}")


def _who(story: Story) -> str:
    return f"writer {story.writer} story {story.number}"


# --- 3. references -----------------------------------------------------------------------------------


def reference_gaps(result: Reconciliation) -> None:
    sequences = {(s.prefix, s.day.strftime("%Y%m%d")): s.last for s in ReferenceSequence.objects.all()}
    stored: dict[tuple[str, str], list[int]] = defaultdict(list)
    for prefix, model in PREFIXES.items():
        for reference in model.objects.values_list("reference", flat=True):
            stored[prefix, reference[len(prefix) : len(prefix) + 8]].append(int(reference[len(prefix) + 8 :]))
    for (prefix, day), last in sorted(sequences.items()):
        if prefix not in PREFIXES:
            continue
        serials = Counter(stored.pop((prefix, day), []))
        result.checked["references checked for gaps"] += sum(serials.values())
        missing = [n for n in range(1, last + 1) if n not in serials]
        beyond = sorted(n for n in serials if not 1 <= n <= last)
        twice = sorted(n for n, count in serials.items() if count > 1)
        if missing:
            result.problem(f"{prefix}{day}: serials {_ranges(missing)} of 1..{last} are missing (a gap)")
        if beyond:
            result.problem(f"{prefix}{day}: serials {beyond} beyond the counter's {last}")
        if twice:
            result.duplicates.append(f"{prefix}{day}: serials {twice} used more than once")
    for (prefix, day), serials in stored.items():
        result.problem(f"{prefix}{day}: {len(serials)} references without a counter row")


def _ranges(numbers: list[int]) -> str:
    spans, start = [], numbers[0]
    for previous, current in zip(numbers, numbers[1:] + [None], strict=True):
        if current != previous + 1:
            spans.append(f"{start}" if start == previous else f"{start}-{previous}")
            start = current
    return ", ".join(spans[:10]) + (" …" if len(spans) > 10 else "")


# --- 4. every record has one client ------------------------------------------------------------------


def records_claimed(result: Reconciliation, ledger: Ledger, before: Before) -> None:
    def confirmed(label: str) -> list:
        return [(story, sent) for story in ledger.stories for sent in story.sent if sent.label == label and sent.ok]

    groups = [
        (
            "persons",
            Person.objects.filter(pk__gt=before.person).values_list("id_number", flat=True),
            [story.id_number for story, _sent in confirmed("person.create")],
        ),
        (
            "person sessions",
            PersonSession.objects.filter(pk__gt=before.session).values_list("person__id_number", flat=True),
            [story.id_number for story, _sent in confirmed("person_session.create")],
        ),
        (
            "filings",
            Filing.objects.filter(pk__gt=before.filing).values_list("contact_name", flat=True),
            [story.filing_tag for story, _sent in confirmed("filing.create")],
        ),
        (
            "claims",
            ClaimInvoice.objects.filter(claim_id__gt=before.claim).values_list("number", flat=True),
            [story.invoice_tag for story, _sent in confirmed("claim.create")],
        ),
    ]
    for noun, stored_tags, told_tags in groups:
        stored = Counter(stored_tags)
        told = Counter(told_tags)
        result.created[noun] += sum(stored.values())
        for tag, count in stored.items():
            if count == 1 and tag in told and (noun, tag) not in result.faulty:
                result.reconciled[noun] += 1
            if count > 1:
                result.duplicates.append(f"{noun}: {count} records for one client request ({tag})")
            if tag not in told:
                result.problem(f"{noun}: a record ({tag}) that no client was told of")
        for tag in told:
            if tag not in stored:
                result.problem(f"{noun}: {tag} was answered 201 but is not stored")
    # Answers: every create answered with one reference, each reference given to one request only.
    for label in ("filing.create", "claim.create"):
        references = Counter(sent.body.get("reference") for _story, sent in confirmed(label))
        for reference, count in references.items():
            if count > 1:
                result.duplicates.append(f"{label}: reference {reference} answered to {count} different requests")
    # The database's own view of duplicates by person: sessions and filings per person made in the run.
    per_person = Filing.objects.filter(pk__gt=before.filing).values("person_id").annotate(n=Count("pk")).filter(n__gt=1)
    for row in per_person:
        result.duplicates.append(f"person {row['person_id']}: {row['n']} filings (each story files once)")


# --- 5. the idempotency table ------------------------------------------------------------------------


def idempotency_rows(result: Reconciliation, ledger: Ledger) -> None:
    rows = {
        (r.caller, r.key_hash): r.status_code
        for r in IdempotencyRecord.objects.only("caller", "key_hash", "status_code")
    }
    told = {}
    for sent in ledger.requests():
        told[sent.caller, hashlib.sha256(sent.key.encode()).hexdigest()] = sent
    for (caller, key_hash), sent in told.items():
        if not sent.ok:
            continue
        result.checked["idempotency keys answered 2xx"] += 1
        status = rows.get((caller, key_hash), "no row")
        if status != sent.status:
            result.problem(f"{sent.label} {sent.path} (key {sent.key}): client got {sent.status}, table holds {status}")
    for (caller, key_hash), status in rows.items():
        sent = told.get((caller, key_hash))
        if status is not None and sent is not None and not sent.ok:
            result.problem(
                f"{sent.label} {sent.path} (key {sent.key}): answered {status} but the client got {sent.status}"
            )
