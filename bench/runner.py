"""The benchmark itself: load the data, time each measure, print and save the report.

Imported only after ``django.setup()``; ``bench/__main__.py`` prepares the database first.
"""

from __future__ import annotations

import datetime
import gc
import io
import platform
import random
import re
import resource
import secrets
import time
from collections import Counter
from collections.abc import Callable

import django
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from accounts.services import channel_key_issue, staff_create, staff_token_issue
from bench import data
from bench.database import OUT_DIR
from bench.timing import Row, captured_sql, count_queries, format_table, time_calls
from config.actors import Actor
from config.errors import ApplicationError
from filings import selectors, services
from filings.choices import FilingState, FilingType
from filings.models import Filing
from registry.demo import load_institutions
from registry.models import Institution, Person

SEED = 2026
ELIGIBILITY_CALLS = 2_000
ELIGIBILITY_HTTP_CALLS = 1_000
LIST_CALLS = 200
LIST_PAGE_SIZE = 50
SUBMITS = 500
# Persons without any filing (see bench.data): SUBMITS timed, plus one warm-up and one for the query count.
SUBMITTERS = range(data.PERSONS - SUBMITS - 2, data.PERSONS)
# eligibility_check promises exactly this many queries (its docstring).
ELIGIBILITY_QUERIES = 1
HOST = {"HTTP_HOST": "127.0.0.1"}
IMPORT_SUMMARY = re.compile(r"created (\d+), updated (\d+), unchanged (\d+), refused (\d+)")


class Report:
    """What the run found: table rows, observations, and problems in the project's code."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.problems: list[str] = []


def run(target: str) -> None:
    started = time.perf_counter()
    report = Report()
    rng = random.Random(SEED)
    today = timezone.localdate()

    setup_started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_institutions()
    setup = {"migrate + institutions": time.perf_counter() - setup_started}

    csv_path = OUT_DIR / "persons.csv"
    step = time.perf_counter()
    id_numbers = data.write_persons_csv(csv_path)
    setup["persons CSV written"] = time.perf_counter() - step

    measure_import(report, csv_path, "import_persons 100k rows (first run)", expect="created")
    measure_import(report, csv_path, "import_persons 100k rows (re-run, unchanged)", expect="unchanged")

    step = time.perf_counter()
    pks = dict(Person.objects.values_list("id_number", "pk"))
    coverage = data.create_filings([pks[i] for i in id_numbers], today=today, rng=rng)
    setup["filings bulk-created"] = time.perf_counter() - step
    if connection.vendor == "postgresql":
        # Autovacuum would analyze the freshly loaded tables soon; do it now so plans use real statistics.
        step = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        setup["ANALYZE"] = time.perf_counter() - step
    counts = row_counts()
    # The harness holds large setup structures a server never would; keep full collections from scanning them.
    gc.collect()
    gc.freeze()

    measure_eligibility_selector(report, coverage, id_numbers, today, rng)
    measure_eligibility_http(report, coverage, id_numbers, today, rng)
    measure_filing_list(report)
    measure_filing_submit(report, [pks[id_numbers[n]] for n in SUBMITTERS], today)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = render(report, target, counts, setup, peak_mb, time.perf_counter() - started)
    print(text)
    (OUT_DIR / "results.txt").write_text(text + "\n", encoding="utf-8")


def row_counts() -> str:
    by_state = dict(Filing.objects.order_by().values("state").annotate(n=Count("pk")).values_list("state", "n"))
    states = ", ".join(f"{state} {by_state[state]:,}" for state in FilingState.values if state in by_state)
    return (
        f"persons {Person.objects.count():,} (history rows {Person.history.count():,}), "
        f"filings {sum(by_state.values()):,} ({states}), institutions {Institution.objects.count():,}"
    )


def measure_import(report: Report, path, label: str, *, expect: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    call_command("import_persons", str(path), stdout=out, stderr=err)
    elapsed = time.perf_counter() - started
    report.rows.append(Row(label, data.PERSONS, total_s=elapsed))
    summary = IMPORT_SUMMARY.search(out.getvalue())
    if summary is None:
        report.problems.append(f"{label}: unexpected output {out.getvalue()!r} {err.getvalue()!r}")
        return
    created, updated, unchanged, refused = map(int, summary.groups())
    report.notes.append(f"{label}: {summary.group(0)}")
    got = {"created": created, "unchanged": unchanged}[expect]
    if got != data.PERSONS or refused:
        report.problems.append(
            f"{label}: expected {data.PERSONS} {expect}, got {summary.group(0)}; stderr: {err.getvalue()[:300]!r}"
        )


def queries_by_outcome(
    questions: list[data.Question], outcomes: list[str], call: Callable[[data.Question], object]
) -> dict[str, int]:
    """Queries of one call per distinct outcome (the first question that had it), run outside the timings."""
    firsts: dict[str, data.Question] = {}
    for question, outcome in zip(questions, outcomes, strict=True):
        firsts.setdefault(outcome, question)
    return {outcome: count_queries(lambda q=question: call(q)) for outcome, question in sorted(firsts.items())}


def outcome_note(label: str, outcomes: list[str], covered: int) -> str:
    shares = ", ".join(f"{name} {n / len(outcomes):.0%}" for name, n in Counter(outcomes).most_common())
    return f"{label} outcomes: covered {covered / len(outcomes):.0%}; {shares}"


def measure_eligibility_selector(report, coverage, id_numbers, today, rng) -> None:
    label = "eligibility_check (selector)"
    questions = data.eligibility_questions(
        ELIGIBILITY_CALLS, coverage=coverage, id_numbers=id_numbers, today=today, rng=rng
    )
    selectors.eligibility_check(**questions[0].as_kwargs())  # warm-up, untimed
    latencies, answers = time_calls(lambda q=q: selectors.eligibility_check(**q.as_kwargs()) for q in questions)
    outcomes = [a.reason_code + (" +institution" if a.institution else "") for a in answers]
    per_outcome = queries_by_outcome(questions, outcomes, lambda q: selectors.eligibility_check(**q.as_kwargs()))
    report.rows.append(Row(label, len(questions), latencies, queries=max(per_outcome.values())))
    report.notes.append(outcome_note(label, [a.reason_code for a in answers], sum(a.covered for a in answers)))
    report.notes.append(f"{label} queries per outcome: {per_outcome}")
    over = {k: v for k, v in per_outcome.items() if v != ELIGIBILITY_QUERIES}
    if over:
        report.problems.append(f"{label}: expected {ELIGIBILITY_QUERIES} queries per call, got {over}")


def measure_eligibility_http(report, coverage, id_numbers, today, rng) -> None:
    label = "GET /api/v1/eligibility/ (hospital key)"
    _key, plain = channel_key_issue(channel_code="hospital", name="bench hospital")
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {plain}", **HOST}
    questions = data.eligibility_questions(
        ELIGIBILITY_HTTP_CALLS, coverage=coverage, id_numbers=id_numbers, today=today, rng=rng
    )

    def ask(question: data.Question):
        return client.get("/api/v1/eligibility/", question.as_query(), **headers)

    ask(questions[0])  # warm-up, untimed
    latencies, responses = time_calls(lambda q=q: ask(q) for q in questions)
    failed = [r for r in responses if r.status_code != 200]
    answers = [r.json() for r in responses if r.status_code == 200]
    outcomes = [r.json()["reason_code"] if r.status_code == 200 else f"HTTP {r.status_code}" for r in responses]
    per_outcome = queries_by_outcome(questions, outcomes, ask)
    report.rows.append(Row(label, len(questions), latencies, queries=max(per_outcome.values())))
    if answers:
        report.notes.append(outcome_note(label, outcomes, sum(a["covered"] for a in answers)))
    report.notes.append(f"{label} queries per outcome (authentication included): {per_outcome}")
    if failed:
        report.problems.append(
            f"{label}: {len(failed)} of {len(responses)} calls failed; first: HTTP {failed[0].status_code} "
            f"{failed[0].content[:300]!r}"
        )


def measure_filing_list(report: Report) -> None:
    user = staff_create(username="bench_auditor", role=Role.AUDITOR, password=secrets.token_urlsafe(16))
    _auth_token, token = staff_token_issue(user=user)
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Token {token}", **HOST}
    variants = {
        f"GET /api/v1/filings/?page_size={LIST_PAGE_SIZE} (auditor)": {},
        f"GET /api/v1/filings/?state=effective&destination=310000&page_size={LIST_PAGE_SIZE}": {
            "state": FilingState.EFFECTIVE,
            "destination": "310000",
        },
    }
    for label, params in variants.items():

        def fetch(page_size: int = LIST_PAGE_SIZE, params=params):
            return client.get("/api/v1/filings/", {**params, "page_size": page_size}, **headers)

        fetch()  # warm-up, untimed
        latencies, responses = time_calls(fetch for _ in range(LIST_CALLS))
        statements = captured_sql(fetch)
        queries = len(statements)
        report.rows.append(Row(label, LIST_CALLS, latencies, queries=queries))
        failed = [r for r in responses if r.status_code != 200]
        if failed:
            report.problems.append(
                f"{label}: {len(failed)} calls failed; first: HTTP {failed[0].status_code} {failed[0].content[:300]!r}"
            )
            continue
        body = responses[0].json()
        if len(body["results"]) != LIST_PAGE_SIZE:
            report.problems.append(f"{label}: {len(body['results'])} results on the page, expected {LIST_PAGE_SIZE}")
        small = count_queries(lambda params=params: fetch(5, params))
        report.notes.append(f"{label}: {body['count']:,} matching; queries at page_size=5: {small}, at 50: {queries}")
        distinct = [sql for sql in statements if "SELECT DISTINCT" in sql]
        if distinct:
            report.problems.append(
                f"{label}: {len(distinct)} of {queries} queries use SELECT DISTINCT over every selected column"
            )
        if small != queries:
            report.problems.append(
                f"{label}: queries grow with the page size ({small} at 5 rows, {queries} at {LIST_PAGE_SIZE}): N+1"
            )


def measure_filing_submit(report: Report, person_pks: list[int], today: datetime.date) -> None:
    label = "filing_submit (service, counter staff)"
    user = staff_create(username="bench_counter", role=Role.COUNTER, password=secrets.token_urlsafe(16))
    actor = Actor.staff(user)
    persons = list(Person.objects.filter(pk__in=person_pks).order_by("pk"))
    request = {
        "filing_type": FilingType.OTHER_TEMPORARY,
        "destination": "310000",
        "start_date": today,
        "contact_name": "x",
        "contact_phone": "13906001234",
        "consent": True,
    }

    def submit(person: Person):
        try:
            return services.filing_submit(actor=actor, person=person, data=dict(request))
        except ApplicationError as exc:
            return exc

    warm_up, *timed, spare = persons
    submit(warm_up)
    latencies, results = time_calls(lambda p=p: submit(p) for p in timed)
    queries = count_queries(lambda: submit(spare))
    report.rows.append(Row(label, len(timed), latencies, queries=queries))
    errors = [r for r in results if isinstance(r, ApplicationError)]
    states = Counter(str(r.state) for r in results if isinstance(r, Filing))
    report.notes.append(f"{label}: resulting states {dict(states)}")
    if errors:
        report.problems.append(f"{label}: {len(errors)} of {len(results)} refused; first: {errors[0]!r}")


def render(report: Report, target: str, counts: str, setup: dict, peak_mb: float, elapsed: float) -> str:
    version = ".".join(map(str, connection.get_database_version()))
    lines = [
        f"Filing backend benchmark, {timezone.localtime():%Y-%m-%d %H:%M %Z}",
        f"database: {connection.vendor} {version} ({target})",
        f"Django {django.get_version()}, Python {platform.python_version()}, DEBUG={settings.DEBUG}",
        f"rows after setup: {counts}",
        "setup: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in setup.items()),
        "",
        format_table(report.rows),
        "",
        f"peak memory (ru_maxrss): {peak_mb:.0f} MB; total run {elapsed:.0f} s",
        "",
        "notes:",
        *(f"- {note}" for note in report.notes),
        "",
        "problems:" if report.problems else "problems: none",
        *(f"- {problem}" for problem in report.problems),
    ]
    return "\n".join(lines)
