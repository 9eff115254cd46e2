"""Idempotency-Key: a retried POST answers its first answer again instead of doing the work twice.

A client that lost the answer to a POST (a timeout, a 503, a dropped mobile connection) sends
it again with the same ``Idempotency-Key`` header. The first request with a key creates a row
for (caller, key) and commits it, then locks that row and does its work in one transaction
that also stores the answer: the record and the stored answer are committed together, so a
crash after the commit still leaves an answer to replay, and a crash before it leaves nothing
done. A retry with the same body answers the stored answer again (``Idempotent-Replayed:
true``); another body with the key is a 409 ``idempotency_key_reused``; a retry while the
first is still running is a 409 ``idempotency_request_in_progress``.

Only successful answers (2xx) are kept: a refused request changed nothing, so its retry runs
again (and may succeed once the client or the record's state has changed). Keys are kept for
``IDEMPOTENCY_KEY_TTL``; ``idempotency_records_purge`` (the ``purge_idempotency_keys`` command,
run by a scheduled job) deletes older ones.

The table lives in ``accounts`` (it names callers) and is reached by its setting,
``IDEMPOTENCY_RECORD_MODEL``, as the user model is: nothing here imports an app.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from config.actors import ActorKind, actor_of
from config.errors import Conflict, ValidationFailed

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Headers of the first answer that a replay repeats (Content-Type always).
KEPT_HEADERS = ("ETag", "Location")
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a NOWAIT lock that is taken

KEY_PARAMETER = OpenApiParameter(
    HEADER,
    # Printable ASCII, 1–255; no space at either end (HTTP strips it, and an empty key is refused).
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"^[!-~]([ -~]*[!-~])?$"},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional, 1–255 printable ASCII characters (a UUID is a good choice), unique per request you mean to "
        "make once. Retrying with the same key and the same body answers the first successful answer again "
        f"(with `{REPLAYED_HEADER}: true`) and creates nothing more. The same key with another body answers "
        "409 `idempotency_key_reused`; while the first request with the key is still running, 409 "
        "`idempotency_request_in_progress`. Keys are kept 24 hours, per caller."
    ),
)


class KeyReused(Conflict):
    default_code = "idempotency_key_reused"


class RequestInProgress(Conflict):
    default_code = "idempotency_request_in_progress"


def record_model():
    return apps.get_model(settings.IDEMPOTENCY_RECORD_MODEL)


def key_ttl():
    return settings.IDEMPOTENCY_KEY_TTL


def checked_key(value: str) -> str:
    """The header's value, or a 400 naming the header when it is empty, too long or not printable ASCII."""
    if not 1 <= len(value) <= MAX_KEY_LENGTH or not all(" " <= ch <= "~" for ch in value):
        raise ValidationFailed(
            _("The Idempotency-Key header must be 1 to %(n)d printable ASCII characters.") % {"n": MAX_KEY_LENGTH},
            errors={HEADER: [_("1 to %(n)d printable ASCII characters.") % {"n": MAX_KEY_LENGTH}]},
        )
    return value


def caller_of(request) -> str | None:
    """Whose keys these are: a staff user, a channel (with its institution), a person; None for nobody."""
    actor = actor_of(request.user)
    if actor is None:
        return None
    if actor.kind == ActorKind.STAFF:
        return f"staff:{actor.user.pk}"
    if actor.kind == ActorKind.PERSON:
        return f"person:{actor.person_id}"
    if actor.kind == ActorKind.CHANNEL:
        return f"channel:{actor.channel_code}" + (f"@{actor.institution_code}" if actor.institution_code else "")
    return None


def _canonical(value):
    """The request body as plain JSON values, files as their name, size and digest."""
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if isinstance(value, MultiValueDict):
        return {str(k): [_canonical(v) for v in value.getlist(k)] for k in value}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def fingerprint(request) -> str:
    """A digest of what was asked: method, path and the body, whatever order its keys came in."""
    body = json.dumps(_canonical(request.data), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    digest = hashlib.sha256()
    for part in (request.method, request.path, body):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _cipher(caller: str, key: str) -> Fernet:
    """A cipher whose key derives from the client's key (never stored) and the secret key."""
    secret = hmac.new(settings.SECRET_KEY.encode(), f"idempotency\0{caller}\0{key}".encode(), hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(secret))


def _seal(cipher: Fernet, response) -> bytes:
    payload = {
        "content_type": response.get("Content-Type", "application/json"),
        "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        "body": base64.b64encode(response.content).decode("ascii"),
    }
    return cipher.encrypt(json.dumps(payload).encode())


def _replay(cipher: Fernet, record) -> HttpResponse:
    try:
        payload = json.loads(cipher.decrypt(bytes(record.response)))
    except InvalidToken:
        # The secret key changed since: the answer cannot be read, and the work was done.
        raise KeyReused(_("The answer stored for this Idempotency-Key can no longer be read; use a new key.")) from None
    response = HttpResponse(
        base64.b64decode(payload["body"]), status=record.status_code, content_type=payload["content_type"]
    )
    for name, value in payload["headers"].items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def _lock(record_class, caller: str, key_hash: str):
    """The caller's row for the key, locked; a 409 when another request holds it (still running)."""
    try:
        with transaction.atomic():
            return record_class.objects.select_for_update(nowait=True).get(caller=caller, key_hash=key_hash)
    except record_class.DoesNotExist:
        raise RequestInProgress(_("A request with this Idempotency-Key is still being processed.")) from None
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise  # the database itself is failing: a 503, not a conflict
        raise RequestInProgress(_("A request with this Idempotency-Key is still being processed.")) from None


def run_idempotently(view, request, work: Callable[[], object]):
    """``work()``'s answer, or the first answer to this caller's key when this is a retry of it."""
    if request.method != "POST" or HEADER not in request.headers:
        return work()
    key = checked_key(request.headers[HEADER])
    caller = caller_of(request)
    if caller is None:
        return work()
    record_class = record_model()
    key_hash = hashlib.sha256(key.encode()).hexdigest()
    asked = fingerprint(request)
    cipher = _cipher(caller, key)

    # The row exists, committed, before any work starts: a concurrent retry finds it and waits for nothing.
    # One statement (INSERT … ON CONFLICT DO NOTHING): a retry's row is left as it is.
    record_class.objects.bulk_create(
        [record_class(caller=caller, key_hash=key_hash, fingerprint=asked, expires_at=timezone.now() + key_ttl())],
        ignore_conflicts=True,
    )
    with transaction.atomic():
        record = _lock(record_class, caller, key_hash)
        now = timezone.now()
        answered = record.status_code is not None and record.expires_at > now
        if answered and record.fingerprint != asked:
            raise KeyReused(_("This Idempotency-Key was already used for a different request."))
        if answered:
            return _replay(cipher, record)
        # Unanswered (an earlier try failed, and its work was undone with it) or expired: the key is free.
        response = work()
        if 200 <= response.status_code < 300:
            if isinstance(response, Response):
                response = view.finalize_response(request, response)
                response.render()
            record.fingerprint = asked
            record.status_code = response.status_code
            record.response = _seal(cipher, response)
            record.created_at = now
            record.expires_at = now + key_ttl()
            record.save()
        return response


def idempotent(method):
    """Honours ``Idempotency-Key`` on a view method's POSTs, and documents the header.

    Put it outermost, above ``@action`` and ``@extend_schema``.
    """

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        return run_idempotently(self, request, lambda: method(self, request, *args, **kwargs))

    return extend_schema(methods=["POST"], parameters=[KEY_PARAMETER])(wrapper)


def idempotency_records_purge(*, now=None) -> int:
    """Delete the keys kept longer than ``IDEMPOTENCY_KEY_TTL``; returns how many (for a scheduled job)."""
    now = now or timezone.now()
    deleted, _per_model = record_model().objects.filter(expires_at__lte=now).delete()
    return deleted
