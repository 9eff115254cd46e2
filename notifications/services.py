"""Writes of the notifications app: outbox rows, reminders, the sender, the overdue sweep, clean-up.

A notification is written in the transaction of what it tells (``notification_for_event`` is
called from the state machine's ``state_changed`` signal), so it exists exactly when the change
does, whether or not a broker is up. The sender (``notifications_send``, run every minute by
beat, or by hand with ``manage.py run_job send_notifications``) POSTs pending rows to their
channel's webhook; every job here may run twice with no more effect than once.
"""

from __future__ import annotations

import datetime
import json
import logging
import ssl
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.webhooks import WebhookTarget, webhook_target
from config.transitions import Step
from filings.choices import FilingAction, FilingState, ProofBasis
from filings.models import Filing
from notifications import selectors, signing
from notifications.choices import NotificationKind, NotificationStatus, RecordType
from notifications.models import Notification, OverdueReview
from registry.masking import mask_free_text, mask_id_number
from reimbursements.choices import ClaimAction

log = logging.getLogger(__name__)

# Which change of state tells the person what: (record type, action) -> kind.
EVENT_KINDS = {
    (RecordType.FILING, FilingAction.ACTIVATE): NotificationKind.FILING_EFFECTIVE,
    (RecordType.FILING, FilingAction.APPROVE): NotificationKind.FILING_EFFECTIVE,
    (RecordType.FILING, FilingAction.REJECT): NotificationKind.FILING_REJECTED,
    (RecordType.FILING, FilingAction.REVOKE): NotificationKind.FILING_REVOKED,
    (RecordType.CLAIM, ClaimAction.REQUEST_MATERIALS): NotificationKind.CLAIM_MATERIALS_REQUESTED,
    (RecordType.CLAIM, ClaimAction.APPROVE): NotificationKind.CLAIM_APPROVED,
    (RecordType.CLAIM, ClaimAction.REJECT): NotificationKind.CLAIM_REJECTED,
    (RecordType.CLAIM, ClaimAction.PAY): NotificationKind.CLAIM_PAID,
}

MESSAGES = {
    NotificationKind.FILING_EFFECTIVE: _("Your filing %(reference)s is effective from %(start_date)s."),
    NotificationKind.FILING_REJECTED: _("Your filing %(reference)s was not approved: %(reason)s"),
    NotificationKind.FILING_REVOKED: _(
        "Your filing %(reference)s was revoked; it covers treatment up to %(covered_until)s. %(reason)s"
    ),
    NotificationKind.FILING_EXPIRING: _("Your filing %(reference)s ends on %(end_date)s, in %(days_left)d days."),
    NotificationKind.COMMITMENT_DUE: _(
        "The documents promised for filing %(reference)s are due on %(commitment_due_date)s, in %(days_left)d days; "
        "without them the filing will be revoked."
    ),
    NotificationKind.CLAIM_MATERIALS_REQUESTED: _("Your claim %(reference)s needs more materials: %(reason)s"),
    NotificationKind.CLAIM_APPROVED: _("Your claim %(reference)s was approved: %(payable_amount)s yuan payable."),
    NotificationKind.CLAIM_REJECTED: _("Your claim %(reference)s was rejected: %(reason)s"),
    NotificationKind.CLAIM_PAID: _("Your claim %(reference)s was paid: %(payable_amount)s yuan."),
}


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _facts(record_type: str, record) -> dict:
    """What the person is told about the record: reference, state and dates; no full identifiers."""
    person = record.person
    facts = {
        "record_type": record_type,
        "reference": record.reference,
        "state": record.state,
        "person": {"id_number": mask_id_number(person.id_number), "name": person.name},
    }
    if record_type == RecordType.FILING:
        facts |= {
            "filing_type": record.filing_type,
            "destination": record.destination_id,
            "start_date": _iso(record.start_date),
            "end_date": _iso(record.end_date),
            "covered_until": _iso(record.covered_until),
            "commitment_due_date": _iso(record.commitment_due_date),
        }
    else:
        facts |= {
            "claim_kind": record.claim_kind,
            "admission_date": _iso(record.admission_date),
            "discharge_date": _iso(record.discharge_date),
            "payable_amount": str(record.payable_amount) if record.payable_amount is not None else None,
            "payment_reference": record.payment_reference or None,
        }
    return facts


def _compose(kind: str, facts: dict) -> dict:
    """The title and message, in the bureau's language whatever the request that caused them spoke."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {k: ("—" if v is None else v) for k, v in facts.items()}
        return {"title": str(NotificationKind(kind).label), "message": str(MESSAGES[kind]) % values}


def _new(*, kind: str, record_type: str, record, key: str, facts: dict) -> Notification:
    payload = {**facts, "kind": kind, **_compose(kind, facts)}
    return Notification(
        kind=kind,
        record_type=record_type,
        reference=record.reference,
        filing=record if record_type == RecordType.FILING else None,
        claim=record if record_type == RecordType.CLAIM else None,
        person_id=record.person_id,
        channel_id=record.channel_id,
        key=key,
        payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
    )


def notification_for_event(*, record_type: str, record, event, step: Step) -> Notification | None:
    """The notification a change of state owes the person, written in the change's transaction (or none)."""
    kind = EVENT_KINDS.get((record_type, step.action))
    if kind is None:
        return None
    facts = _facts(record_type, record) | {"reason": mask_free_text(step.reason), "at": event.at.isoformat()}
    if kind == NotificationKind.CLAIM_MATERIALS_REQUESTED:
        facts["missing"] = list(step.changes.get("missing", []))
    notification = _new(kind=kind, record_type=record_type, record=record, key=f"event:{event.pk}", facts=facts)
    notification.save(force_insert=True)
    return notification


# --- reminders (daily scans) ------------------------------------------------------------------------


def _remind(*, kind: str, filings, due_field: str, today: datetime.date) -> int:
    """One reminder per filing and announced date: the scan may run any number of times a day."""
    filings = list(filings)
    already = set(
        Notification.objects.filter(kind=kind, reference__in=[f.reference for f in filings]).values_list(
            "reference", "key"
        )
    )
    new = []
    for filing in filings:
        due = getattr(filing, due_field)
        if (filing.reference, due.isoformat()) in already:
            continue
        facts = _facts(RecordType.FILING, filing) | {"days_left": (due - today).days}
        new.append(_new(kind=kind, record_type=RecordType.FILING, record=filing, key=due.isoformat(), facts=facts))
    # The unique constraint keeps a concurrent run from adding a second one.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def notifications_remind_expiring(*, today: datetime.date | None = None) -> int:
    """Effective filings ending within the notice period (30 days) are announced once.

    A filing that lasts no longer than the notice period (an emergency episode) is not: its end
    was known from the day it was made.
    """
    today = today or timezone.localdate()
    notice = settings.NOTIFICATION_EXPIRY_NOTICE_DAYS
    candidates = (
        Filing.objects.filter(
            state=FilingState.EFFECTIVE,
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=notice),
        )
        .select_related("person")
        .order_by("id")
    )
    filings = [f for f in candidates if (f.end_date - f.start_date).days > notice]
    created = _remind(kind=NotificationKind.FILING_EXPIRING, filings=filings, due_field="end_date", today=today)
    log.info("expiry reminders: %d new of %d filings ending within %d days", created, len(filings), notice)
    return created


def notifications_remind_commitments(*, today: datetime.date | None = None) -> int:
    """Filings resting on a commitment letter whose documents are due within 14 days, once each."""
    today = today or timezone.localdate()
    notice = settings.NOTIFICATION_COMMITMENT_NOTICE_DAYS
    filings = (
        Filing.objects.filter(
            state=FilingState.EFFECTIVE,
            proof_basis=ProofBasis.COMMITMENT,
            commitment_fulfilled_at__isnull=True,
            commitment_due_date__gte=today,
            commitment_due_date__lte=today + datetime.timedelta(days=notice),
        )
        .select_related("person")
        .order_by("id")
    )
    created = _remind(
        kind=NotificationKind.COMMITMENT_DUE, filings=filings, due_field="commitment_due_date", today=today
    )
    log.info("commitment reminders: %d new", created)
    return created


# --- review deadlines -------------------------------------------------------------------------------


def reviews_flag_overdue(*, today: datetime.date | None = None) -> int:
    """Mark every fast-track filing and every claim still undecided after its review due date, once."""
    today = today or timezone.localdate()
    now = timezone.now()
    marks = [
        OverdueReview(record_type=RecordType.FILING, reference=reference, filing_id=pk, due_on=due, flagged_at=now)
        for pk, reference, due in Filing.objects.filter(
            state=FilingState.SUBMITTED, review_due__isnull=False, review_due__lt=today
        ).values_list("pk", "reference", "review_due")
    ]
    marks += [
        OverdueReview(record_type=RecordType.CLAIM, reference=reference, claim_id=pk, due_on=due, flagged_at=now)
        for pk, reference, due in selectors.claim_review_due_dates()
        if due < today
    ]
    already = set(
        OverdueReview.objects.filter(reference__in=[m.reference for m in marks]).values_list("reference", "due_on")
    )
    new = [m for m in marks if (m.reference, m.due_on) not in already]
    OverdueReview.objects.bulk_create(new, ignore_conflicts=True)
    for mark in new:
        log.warning("review overdue: %s %s was due %s", mark.record_type, mark.reference, mark.due_on)
    log.info("overdue reviews: %d newly flagged, %d undecided past due", len(new), len(marks))
    return len(new)


# --- the sender -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What one POST needs, read from the database before any connection is opened."""

    id: int
    channel: str
    url: str
    secret: str
    body: bytes
    due: datetime.datetime


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # channel -> the last error


def notification_document(notification: Notification) -> dict:
    """A notification as channels receive it, POSTed or pulled alike."""
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "record_type": notification.record_type,
        "reference": notification.reference,
        "created_at": notification.created_at.isoformat(),
        "payload": notification.payload,
    }


def _backoff(attempts: int) -> datetime.timedelta:
    seconds = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.NOTIFICATION_RETRY_MAX_SECONDS))


def _lease() -> datetime.timedelta:
    """How long claimed rows stay invisible to another sender: longer than one run can take."""
    return datetime.timedelta(seconds=_run_budget() + 2 * settings.NOTIFICATION_TIMEOUT_SECONDS + 60)


def _run_budget() -> float:
    return 60.0


def _claim(now: datetime.datetime, limit: int) -> list[Delivery]:
    """Take due rows of channels with a webhook, skipping rows another sender holds, and lease them."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now)
            .exclude(channel__webhook_url="")
            .select_related("channel")
            .order_by("next_attempt_at", "id")[:limit]
        )
        # Each row is taken only if no other sender took it meanwhile (databases without
        # SKIP LOCKED, such as SQLite, get the same guarantee from this conditional update).
        rows = [
            row
            for row in rows
            if Notification.objects.filter(pk=row.pk, next_attempt_at=row.next_attempt_at).update(
                next_attempt_at=now + _lease()
            )
        ]
    return [
        Delivery(
            id=row.pk,
            channel=row.channel_id,
            url=row.channel.webhook_url,
            secret=row.channel.webhook_secret,
            body=json.dumps(notification_document(row), ensure_ascii=False, cls=DjangoJSONEncoder).encode(),
            due=row.next_attempt_at,
        )
        for row in rows
    ]


class _PinnedBackend(httpcore.SyncBackend):
    """Opens connections to the addresses checked for the webhook's host, and to nothing else.

    The HTTP client asks for ``host:port`` as the URL gives it; this answers with a socket to the
    addresses ``webhook_target`` resolved and checked (the next one if one does not answer),
    so the name is never resolved a second time and an answer changed since the check (DNS
    rebinding) is never seen. The TLS layer above still gets the name: SNI and the certificate
    check are for the webhook's host, not for the address.
    """

    def __init__(self, target: WebhookTarget) -> None:
        self.target = target

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options=None,
    ) -> httpcore.NetworkStream:
        if (host, port) != (self.target.host, self.target.port):
            raise httpcore.ConnectError(f"{host}:{port} is not the checked webhook address")
        failure: Exception | None = None
        for address in self.target.addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure or httpcore.ConnectError("no address")


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's transport, its connection pool connecting through ``_PinnedBackend``.

    httpx 0.28 builds its pool without a way to choose the network backend (httpcore's documented
    hook for this), so the pool it built is replaced by the same one with the backend; the rest of
    the transport (request and response mapping, httpx's exceptions) is httpx's own.
    """

    def __init__(self, target: WebhookTarget, *, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError("httpx.HTTPTransport no longer keeps its pool in _pool: pinning would be lost")
        self._pool = httpcore.ConnectionPool(ssl_context=ssl_context, network_backend=_PinnedBackend(target))


def _tls_context() -> ssl.SSLContext:
    """Certificates checked against certifi's roots, whatever the environment says (one per run, shared)."""
    return httpx.create_ssl_context(trust_env=False)


def _client(target: WebhookTarget, *, tls: ssl.SSLContext) -> httpx.Client:
    """A client for one POST to ``target``, connecting to its checked addresses only.

    One POST, one connection: a connection kept alive for the next row would outlive the check
    it was opened under.

    Through an egress proxy (``NOTIFICATION_WEBHOOK_PROXY``) the proxy resolves and connects:
    the addresses are still checked first, and the proxy is where the same rule must hold.
    """
    proxy = settings.NOTIFICATION_WEBHOOK_PROXY or None
    return httpx.Client(
        timeout=httpx.Timeout(settings.NOTIFICATION_TIMEOUT_SECONDS),
        follow_redirects=False,
        trust_env=False,
        verify=tls,
        proxy=proxy,
        transport=None if proxy else _PinnedTransport(target, ssl_context=tls),
        headers={"User-Agent": "cross-region-filings-notifier/1"},
    )


def _post(delivery: Delivery, *, tls: ssl.SSLContext) -> str:
    """POST one notification; the error ("" when the receiver answered 2xx).

    The host is resolved once, here; every address is checked (unless private ones are allowed)
    and the connection goes to those addresses only. A refused address costs an attempt and
    opens no connection.
    """
    if not delivery.secret:
        return "the channel has no signing secret: nothing is sent unsigned"
    try:
        target = webhook_target(delivery.url, public_only=not settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS)
    except ValidationError as exc:
        return "; ".join(exc.messages)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        signing.HEADER: signing.signature_header(delivery.secret, delivery.body, int(time.time())),
        "X-Notification-Id": str(delivery.id),
    }
    try:
        # The answer's body is never read: a receiver cannot make the sender download anything.
        with (
            _client(target, tls=tls) as client,
            client.stream("POST", delivery.url, content=delivery.body, headers=headers) as response,
        ):
            status = response.status_code
    except httpx.TimeoutException as exc:
        return f"timeout ({type(exc).__name__})"
    except Exception as exc:  # noqa: BLE001 (any failure of one POST is that row's error, never the run's)
        return f"{type(exc).__name__}: {exc}"[:500]
    if 300 <= status < 400:
        return f"HTTP {status}: redirects are not followed"
    if not 200 <= status < 300:
        return f"HTTP {status}"
    return ""


def _deliver_channel(deliveries: list[Delivery], *, tls: ssl.SSLContext) -> list[tuple[Delivery, str | None]]:
    """One channel's rows in order; after its first failure (or past the run's budget) the rest wait.

    Returns (delivery, error) with error None for a row not tried.
    """
    started = time.monotonic()
    results: list[tuple[Delivery, str | None]] = []
    stopped = False
    for delivery in deliveries:
        if stopped or time.monotonic() - started > _run_budget():
            results.append((delivery, None))
            continue
        error = _post(delivery, tls=tls)
        results.append((delivery, error))
        stopped = bool(error)
    return results


def _record(results: list[tuple[Delivery, str | None]], report: SendReport) -> None:
    now = timezone.now()
    for delivery, error in results:
        rows = Notification.objects.filter(pk=delivery.id, status=NotificationStatus.PENDING)
        if error is None:
            rows.update(next_attempt_at=delivery.due)  # not tried this run: back in line as it was
            report.deferred += 1
        elif not error:
            rows.update(status=NotificationStatus.SENT, sent_at=now, attempts=F("attempts") + 1, last_error="")
            report.sent += 1
        else:
            attempts = Notification.objects.filter(pk=delivery.id).values_list("attempts", flat=True).first() or 0
            attempts += 1
            report.errors[delivery.channel] = error
            if attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                rows.update(status=NotificationStatus.FAILED, attempts=attempts, last_error=error)
                report.failed += 1
                log.error("notification %s to %s failed for good: %s", delivery.id, delivery.channel, error)
            else:
                rows.update(attempts=attempts, last_error=error, next_attempt_at=now + _backoff(attempts))
                report.retrying += 1
                log.warning("notification %s to %s failed (try %d): %s", delivery.id, delivery.channel, attempts, error)


def notifications_send(*, now: datetime.datetime | None = None, limit: int | None = None) -> SendReport:
    """Deliver the due pending notifications to their channels' webhooks; failures wait and retry.

    Each channel is served by its own thread with a short timeout, so a channel that hangs or
    fails holds up only its own rows. Rows are leased while in flight, so two senders at once
    never POST the same row; a row is marked sent only after a 2xx answer (at-least-once: a
    receiver deduplicates by ``X-Notification-Id``).
    """
    now = now or timezone.now()
    deliveries = _claim(now, limit or settings.NOTIFICATION_BATCH_SIZE)
    report = SendReport()
    if not deliveries:
        return report
    by_channel: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        by_channel[delivery.channel].append(delivery)
    tls = _tls_context()
    threads = max(1, min(settings.NOTIFICATION_SEND_THREADS, len(by_channel)))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="notify") as pool:
        futures = [pool.submit(_deliver_channel, rows, tls=tls) for rows in by_channel.values()]
        for future in as_completed(futures):
            _record(future.result(), report)
    log.info(
        "notifications: %d sent, %d to retry, %d failed, %d deferred",
        report.sent,
        report.retrying,
        report.failed,
        report.deferred,
    )
    return report


def notifications_retry(*, ids) -> int:
    """Staff send failed notifications again: a fresh set of attempts from now."""
    return Notification.objects.filter(pk__in=list(ids), status=NotificationStatus.FAILED).update(
        status=NotificationStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )


def notifications_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete notifications past the retention period that are done: sent, or for a channel that pulls.

    Failed ones stay until staff have dealt with them.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    done = Q(status=NotificationStatus.SENT) | Q(channel__webhook_url="", status=NotificationStatus.PENDING)
    deleted, _by_model = Notification.objects.filter(done, created_at__lt=cutoff).delete()
    log.info("notifications purged: %d older than %s", deleted, cutoff.date())
    return deleted
