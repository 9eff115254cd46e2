"""The clients of the fault run: writers that retry like a careful mobile app, and what they were told.

Every request a writer means to make once gets its own ``Idempotency-Key``. When no answer
comes (connection refused or reset, a timeout, or an answer the "network" loses on purpose:
with ``drop`` the client closes the connection once the request is sent, and the server does
the work all the same), or the answer is a 5xx, a 429 or a 409
``idempotency_request_in_progress``, the writer sends the *same* request with the *same* key
again, waiting as ``Retry-After`` says or backing off, until it has a final answer or its
patience (``Client.patience`` seconds) runs out. Any other answer is final.

A writer works through stories, each on a person of its own (so no two stories ever conflict):

- ``self``: the counter registers the person; a channel opens a session for them; the person
  files (self-service: effective at once), corrects the contact phone, revokes, claims, and
  withdraws the claim;
- ``counter``: the counter registers the person and files for them (fast-track: submitted); a
  reviewer rejects it, or the counter withdraws it; the counter claims for the person, accepts
  each required document, a reviewer starts the review and approves, an administrator pays.

What each request was finally answered is kept (``Ledger``) for the reconciliation.
"""

from __future__ import annotations

import datetime
import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from stdnum.cn import ric

RETRYABLE_CONFLICT = "idempotency_request_in_progress"
REQUEST_TIMEOUT = 15.0
# Tags that name each record after the story that made it (filing contact name, claim invoice number).
FILING_TAG = "FT-{writer:02d}-{story:05d}"
INVOICE_TAG = "FT{writer:02d}{story:06d}"


def today() -> datetime.date:
    """The bureau's day (Asia/Shanghai), which the server judges dates by."""
    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def id_number(writer: int, story: int) -> str:
    """A checksum-valid ID number of its own for each writer's story (district 350206, born 1960–)."""
    n = writer * 5_000 + story
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n // 1000)
    body = f"350206{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class Credentials:
    counter: str  # "Token …"
    reviewer: str
    admin: str
    channel: str  # "Api-Key …"
    callers: dict[str, str]  # credential header → the idempotency caller it is ("staff:3", "channel:xm_wechat")


@dataclass
class Sent:
    """One request meant once: its key, every attempt's outcome, and its final answer."""

    label: str  # what it is, e.g. "filing.create", "claim.approve"
    method: str
    path: str
    key: str
    caller: str  # the idempotency caller ("person:<id>" filled in once known)
    outcomes: list[str] = field(default_factory=list)  # per attempt: "201", "503", "connection_refused", …
    status: int | None = None  # the final status, None when unresolved
    body: dict = field(default_factory=dict)
    replayed: bool = False  # the final answer was a replay (Idempotent-Replayed: true)
    payload: dict | None = None
    auth: str = ""

    @property
    def retried(self) -> bool:
        return len(self.outcomes) > 1

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Story:
    writer: int
    number: int
    kind: str  # "self" or "counter"
    id_number: str
    person_id: int | None = None
    filing: str | None = None  # reference
    claim: str | None = None
    filing_actions: list[str] = field(default_factory=list)  # confirmed, in order (events expected)
    claim_actions: list[str] = field(default_factory=list)
    claim_material_updates: int = 0
    sent: list[Sent] = field(default_factory=list)
    complete: bool = False

    @property
    def unresolved(self) -> bool:
        """The story stopped on a request that never got a final answer."""
        return bool(self.sent) and self.sent[-1].status is None

    @property
    def filing_tag(self) -> str:
        return FILING_TAG.format(writer=self.writer, story=self.number)

    @property
    def invoice_tag(self) -> str:
        return INVOICE_TAG.format(writer=self.writer, story=self.number)


@dataclass
class Ledger:
    """Everything the writers were told, shared by all threads (appends are atomic in CPython)."""

    stories: list[Story] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests(self) -> list[Sent]:
        return [sent for story in self.stories for sent in story.sent]

    def attempts(self) -> Counter:
        return Counter(outcome for sent in self.requests() for outcome in sent.outcomes)


class Unresolved(Exception):
    """A request without a final answer within the client's patience: the story stops there."""


class Refused(Exception):
    """A final answer other than 2xx to a request the story expected to succeed."""


class Stopped(Exception):
    """The run is over: the writer sends no new request (one already sent is retried to its end)."""


class Client:
    """Sends one request until it has a final answer, with the same key every time."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        patience: float = 60.0,
        drop: float = 0.0,
        seed: int | None = None,
        fresh_keys: bool = False,
    ):
        self.host = host
        self.port = port
        self.patience = patience
        self.drop = drop  # the share of attempts whose answer the "network" loses
        self.rng = random.Random(seed)
        # A careless client (a self-test of the reconciliation): every retry with a new key.
        self.fresh_keys = fresh_keys

    def _attempt(self, sent: Sent) -> tuple[str, int | None, dict, dict]:
        """One HTTP exchange: (outcome, status, body, headers); status None when no answer arrived."""
        headers = {
            "Authorization": sent.auth,
            "Idempotency-Key": sent.key,
            "Accept": "application/json",
            "Host": f"{self.host}:{self.port}",
        }
        data = None
        if sent.payload is not None:
            data = json.dumps(sent.payload, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(sent.method, sent.path, body=data, headers=headers)
            if self.drop and self.rng.random() < self.drop:
                # The request went out whole; its answer never comes back (a mobile network dropping it).
                time.sleep(self.rng.random() * 0.05)
                return "answer_lost", None, {}, {}
            response = connection.getresponse()
            raw = response.read()
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
        except ConnectionRefusedError:
            return "connection_refused", None, {}, {}
        except ConnectionResetError:
            return "connection_reset", None, {}, {}
        except TimeoutError:
            return "timeout", None, {}, {}
        except (http.client.RemoteDisconnected, http.client.IncompleteRead, BrokenPipeError):
            return "connection_closed", None, {}, {}
        except OSError as exc:
            return f"os_error_{exc.errno}", None, {}, {}
        finally:
            connection.close()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"_raw": raw[:200].decode("utf-8", "replace")}
        if not isinstance(body, dict):
            body = {"_list": body}
        outcome = str(response.status)
        if response.status == 409 and body.get("code") == RETRYABLE_CONFLICT:
            outcome = "409_in_progress"
        elif response.status == 503 and "retry-after" not in answer_headers:
            outcome = "503_without_retry_after"
        return outcome, response.status, body, answer_headers

    def send(self, sent: Sent) -> Sent:
        started = time.monotonic()
        failures = 0
        while True:
            outcome, status, body, headers = self._attempt(sent)
            sent.outcomes.append(outcome)
            retry = status is None or status >= 500 or status == 429 or outcome == "409_in_progress"
            if not retry:
                sent.status, sent.body = status, body
                sent.replayed = headers.get("idempotent-replayed") == "true"
                return sent
            failures += 1
            if time.monotonic() - started > self.patience:
                return sent  # unresolved: status stays None
            if self.fresh_keys:
                sent.key = str(uuid.uuid4())
            wait = min(0.25 * 2 ** min(failures - 1, 4), 3.0)
            if "retry-after" in headers:
                try:
                    wait = min(float(headers["retry-after"]), 5.0)
                except ValueError:
                    pass
            elif outcome == "409_in_progress":
                wait = 0.3
            time.sleep(wait * (0.5 + self.rng.random()))


class Writer(threading.Thread):
    """One client thread: stories until ``stop_at`` (monotonic), each step retried until final."""

    def __init__(self, number: int, *, client: Client, credentials: Credentials, ledger: Ledger, stop_at: float):
        super().__init__(name=f"writer-{number}", daemon=True)
        self.number = number
        self.client = client
        self.credentials = credentials
        self.ledger = ledger
        self.stop_at = stop_at
        self.error: BaseException | None = None

    def run(self) -> None:
        story_number = 0
        try:
            while time.monotonic() < self.stop_at:
                kind = "self" if story_number % 2 == 0 else "counter"
                story = Story(self.number, story_number, kind, id_number(self.number, story_number))
                with self.ledger.lock:
                    self.ledger.stories.append(story)
                try:
                    (self.self_service if kind == "self" else self.at_the_counter)(story)
                    story.complete = True
                except (Unresolved, Refused):
                    pass  # recorded in story.sent; the reconciliation reports it
                except Stopped:
                    break
                story_number += 1
        except BaseException as exc:  # a bug of this script: reported, never hidden
            self.error = exc

    # --- one request --------------------------------------------------------------------------

    def call(self, story: Story, label: str, path: str, auth: str, payload: dict | None = None) -> dict:
        if time.monotonic() >= self.stop_at:
            raise Stopped()
        caller = self.credentials.callers.get(auth) or f"person:{story.person_id}"
        sent = Sent(label, "POST", f"/api/v1{path}", str(uuid.uuid4()), caller, payload=payload, auth=auth)
        story.sent.append(sent)
        self.client.send(sent)
        if sent.status is None:
            raise Unresolved(label)
        if not sent.ok:
            raise Refused(f"{label}: {sent.status} {sent.body.get('code')}")
        return sent.body

    # --- the stories --------------------------------------------------------------------------

    def register(self, story: Story, name: str, insurance_type: str) -> None:
        person = self.call(
            story,
            "person.create",
            "/persons/",
            self.credentials.counter,
            {
                "id_number": story.id_number,
                "name": name,
                "insurance_type": insurance_type,
                "phone": f"1390600{story.number % 10_000:04d}",
            },
        )
        story.person_id = person["id"]

    def claim_body(self, story: Story) -> dict:
        day = today()
        admitted, discharged = day - datetime.timedelta(days=20), day - datetime.timedelta(days=10)
        return {
            "claim_kind": "inpatient",
            "reason": "settlement_failed",
            "institution_name": "某三级医院",
            "institution_level": 3,
            "city": "310100",
            "admission_date": admitted.isoformat(),
            "discharge_date": discharged.isoformat(),
            "total_amount": "10000.00",
            "excluded_amount": "0.00",
            "invoices": [
                {
                    "code": "31000026",
                    "number": story.invoice_tag,
                    "amount": "10000.00",
                    "issued_on": discharged.isoformat(),
                }
            ],
            "bank_name": "中国银行",
            "bank_account": "6216610000001234567",
        }

    def filing_body(self, story: Story, **more) -> dict:
        return {
            "filing_type": "other_temporary",
            "destination": "310000",
            "start_date": today().isoformat(),
            "contact_name": story.filing_tag,
            "contact_phone": "13906001234",
            "consent": True,
            **more,
        }

    def self_service(self, story: Story) -> None:
        self.register(story, f"自助{self.number}号{story.number}", "resident")
        session = self.call(
            story,
            "person_session.create",
            "/person-sessions/",
            self.credentials.channel,
            {"id_number": story.id_number, "name": f"自助{self.number}号{story.number}"},
        )
        me = f"Bearer {session['token']}"
        filing = self.call(story, "filing.create", "/filings/", me, self.filing_body(story))
        story.filing = filing["reference"]
        story.filing_actions += ["submit", "activate"]
        self.call(story, "filing.contact", f"/filings/{story.filing}/contact/", me, {"contact_phone": "13906004321"})
        story.filing_actions.append("correct_contact")
        self.call(story, "filing.revoke", f"/filings/{story.filing}/revoke/", me, {"reason": "故障演练撤销"})
        story.filing_actions.append("revoke")
        claim = self.call(story, "claim.create", "/claims/", me, self.claim_body(story))
        story.claim = claim["reference"]
        story.claim_actions.append("submit")
        self.call(story, "claim.withdraw", f"/claims/{story.claim}/withdraw/", me, {"reason": "故障演练撤回"})
        story.claim_actions.append("withdraw")

    def at_the_counter(self, story: Story) -> None:
        counter, reviewer, admin = self.credentials.counter, self.credentials.reviewer, self.credentials.admin
        self.register(story, f"柜台{self.number}号{story.number}", "employee")
        body = self.filing_body(story, id_number=story.id_number, mode="fast_track", proof_basis="documents")
        body["filing_type"] = "long_term_resident"
        filing = self.call(story, "filing.create", "/filings/", counter, body)
        story.filing = filing["reference"]
        story.filing_actions.append("submit")
        if story.number % 4 == 1:
            self.call(story, "filing.reject", f"/filings/{story.filing}/reject/", reviewer, {"reason": "故障演练驳回"})
            story.filing_actions.append("reject")
        else:
            self.call(story, "filing.withdraw", f"/filings/{story.filing}/withdraw/", counter, {"reason": "故障演练"})
            story.filing_actions.append("withdraw")
        claim = self.call(
            story, "claim.create", "/claims/", counter, {"id_number": story.id_number, **self.claim_body(story)}
        )
        story.claim = claim["reference"]
        story.claim_actions.append("submit")
        for item in [m["item"] for m in claim.get("materials", []) if m.get("required")]:
            path = f"/claims/{story.claim}/materials/{item}/"
            self.call(story, "claim.material", path, counter, {"status": "accepted"})
            story.claim_material_updates += 1
        self.call(story, "claim.start_review", f"/claims/{story.claim}/start-review/", reviewer, {})
        story.claim_actions.append("start_review")
        self.call(story, "claim.approve", f"/claims/{story.claim}/approve/", reviewer, {})
        story.claim_actions.append("approve")
        payment = f"ZF{self.number:02d}{story.number:06d}"
        self.call(story, "claim.pay", f"/claims/{story.claim}/pay/", admin, {"payment_reference": payment})
        story.claim_actions.append("pay")
