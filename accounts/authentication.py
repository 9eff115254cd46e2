"""The three credentials of the API: staff tokens, channel API keys, person session tokens.

Each scheme counts its failures per client address (``accounts.throttles``): past the limit a
failing request is answered 429 with ``Retry-After`` instead of 401, and is not counted further.

A valid credential is never slowed: the limit applies to failures only. These secrets (keys and
tokens of 190 random bits or more) cannot be guessed, so refusing them before the check would buy
nothing, and would cost a cache read on every request and let one noisy client behind a shared
address (a hospital's NAT, a mobile carrier, a proxy) lock everyone there out. Secrets that can be
guessed are refused before they are checked: passwords (``accounts.lockout``) and ID number and name
pairs (``accounts.api.views.PersonSessionView``).
"""

from __future__ import annotations

import binascii
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.models import ChannelAPIKey
from accounts.principals import ChannelPrincipal, PersonPrincipal
from accounts.services import person_session_resolve
from accounts.throttles import credential_failures
from config.actors import CHANNEL_BACKEND, STAFF_CAPACITIES, Capacity


def _credential(request, keyword: str) -> str | None:
    """The credential after ``keyword`` in the Authorization header, or None for another scheme."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != keyword.lower().encode():
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(_("Invalid Authorization header: expected '%s <credential>'.") % keyword)
    try:
        return parts[1].decode()
    except UnicodeError as exc:
        raise exceptions.AuthenticationFailed(_("Invalid characters in the credential.")) from exc


def _scheme_of(request) -> bytes:
    parts = get_authorization_header(request).split()
    return parts[0].lower() if parts else b""


class FailureLimitedAuthentication(BaseAuthentication):
    """Counts this scheme's failures per client address; past the limit a failure answers 429, not 401.

    Subclasses name their ``keyword`` and ``failure_scope`` and implement ``check_credential``.
    """

    keyword: str
    failure_scope: str

    def authenticate(self, request):
        if _scheme_of(request) != self.keyword.lower().encode():
            return None  # another scheme, or none: not ours to count
        try:
            return self.check_credential(request)
        except exceptions.AuthenticationFailed:
            failures = credential_failures(self.failure_scope, request)
            failures.check()  # over the limit: 429 with Retry-After (and no longer counted)
            failures.record()
            raise

    def check_credential(self, request):
        raise NotImplementedError

    def authenticate_header(self, request):
        return self.keyword


class StaffTokenAuthentication(FailureLimitedAuthentication, KnoxTokenAuthentication):
    """``Authorization: Token <token>`` issued by POST /api/v1/auth/token/ (django-rest-knox tokens).

    The database holds the token's SHA-512 digest only; a token stops working when it expires
    (``STAFF_TOKEN_TTL``), at logout, and when its user's password changes (``accounts.signals``).
    """

    keyword = "Token"
    failure_scope = "token_failures"

    def check_credential(self, request):
        return self.authenticate_credentials(_credential(request, self.keyword))

    def authenticate_credentials(self, token: str | bytes):
        """One query: the token by its digest, with its user; an expired token is deleted and refused."""
        refused = _("The staff token is unknown, expired or revoked.")
        try:
            digest = hash_token(token.decode() if isinstance(token, bytes) else token)
        except (UnicodeError, TypeError, binascii.Error) as exc:
            raise exceptions.AuthenticationFailed(refused) from exc
        auth_token = AuthToken.objects.select_related("user").filter(digest=digest).first()
        if auth_token is None or not auth_token.user.is_active:
            raise exceptions.AuthenticationFailed(refused)
        if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
            auth_token.delete()
            raise exceptions.AuthenticationFailed(refused)
        return auth_token.user, auth_token


class ChannelKeyAuthentication(FailureLimitedAuthentication):
    """``Authorization: Api-Key <key>`` of a channel backend or a hospital."""

    keyword = "Api-Key"
    failure_scope = "api_key_failures"

    def check_credential(self, request):
        key = _credential(request, self.keyword)
        digest = hashlib.blake2b(key.encode(), digest_size=32).digest()
        now = _clock()
        cached = _verified_keys.get(digest)
        if cached is not None and cached[2] > now:
            return cached[0], cached[1]
        prefix, _dot, _rest = key.partition(".")
        api_key = (
            ChannelAPIKey.objects.get_usable_keys()
            .select_related("channel")
            .filter(prefix=prefix, channel__is_active=True)
            .first()
        )
        if api_key is None or not api_key.is_valid(key):
            _verified_keys.pop(digest, None)
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        principal = ChannelPrincipal(channel=api_key.channel, institution_code=api_key.institution_id)
        _remember(digest, principal, api_key, now)
        return principal, api_key


# Verified channel keys, kept in this process for API_KEY_CACHE_SECONDS (0: never), so that a
# hospital calling eligibility at every admission costs neither a query nor the key's hash per
# request. The price: a key revoked, or its channel deactivated, still works for up to that many
# seconds in each worker that saw it. A key is kept until its own expiry at the latest; a key that
# failed is never kept (and one kept is dropped the moment it fails). Entries are keyed by a digest
# of the key, never the key itself. Each worker process has its own; none is shared.
_verified_keys: dict[bytes, tuple[ChannelPrincipal, ChannelAPIKey, float]] = {}
_VERIFIED_KEYS_MAX = 10_000
_clock = time.monotonic


def _remember(digest: bytes, principal: ChannelPrincipal, api_key: ChannelAPIKey, now: float) -> None:
    seconds = float(getattr(settings, "API_KEY_CACHE_SECONDS", 30))
    if api_key.expiry_date is not None:
        seconds = min(seconds, (api_key.expiry_date - timezone.now()).total_seconds())
    if seconds <= 0:
        return
    if len(_verified_keys) >= _VERIFIED_KEYS_MAX:
        _verified_keys.clear()  # a bound, never reached by real traffic (there are only so many keys)
    _verified_keys[digest] = (principal, api_key, now + seconds)


def forget_verified_keys() -> None:
    """Empty this process's cache of verified channel keys (tests; a revocation that cannot wait)."""
    _verified_keys.clear()


class PersonSessionAuthentication(FailureLimitedAuthentication):
    """``Authorization: Bearer <token>`` from POST /api/v1/person-sessions/."""

    keyword = "Bearer"
    failure_scope = "bearer_failures"

    def check_credential(self, request):
        token = _credential(request, self.keyword)
        session = person_session_resolve(token=token)
        if session is None:
            raise exceptions.AuthenticationFailed(_("The session token is unknown or has expired."))
        principal = PersonPrincipal(person_id=session.person_id, channel=session.channel, session_id=session.pk)
        return principal, session


@dataclass(frozen=True)
class Caller:
    """One kind of caller as the schema names it: its scheme's name, prefix, capacities and description."""

    name: str
    prefix: str
    capacities: frozenset
    description: str

    def definition(self) -> dict:
        if self.prefix == "Bearer":
            return {"type": "http", "scheme": "bearer", "description": self.description}
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "x-auth-scheme": self.prefix,
            "description": self.description,
        }


class CallerScheme(OpenApiAuthenticationExtension):
    """The credentials of one authentication class in the schema, a scheme per kind of caller it carries.

    ``Bearer`` is an HTTP bearer scheme (generators send the prefix themselves). ``Token`` and ``Api-Key`` are
    not registered HTTP schemes, which generators refuse (``type: http, scheme: Token`` is dropped, with a
    warning): they are API keys in the Authorization header whose ``x-auth-scheme`` names the prefix, also
    stated in the description. A channel key carries two kinds of caller, a channel's backend and a
    hospital, with one prefix: two schemes, ``channelKey`` and ``hospitalKey``, so that an operation says
    which of them may call it.

    An operation lists a scheme only when its callers' capacities include one the operation's permissions
    admit (``AutoSchema.admitted_capacities``).
    """

    callers: tuple[Caller, ...]

    @property
    def name(self) -> list[str]:
        return [caller.name for caller in self.callers]

    def get_security_definition(self, auto_schema):
        return [caller.definition() for caller in self.callers]

    def get_security_requirement(self, auto_schema):
        admitted = auto_schema.admitted_capacities()
        return [
            {caller.name: []} for caller in self.callers if admitted is None or caller.capacities & admitted
        ] or None


class StaffTokenScheme(CallerScheme):
    target_class = "accounts.authentication.StaffTokenAuthentication"
    callers = (
        Caller(
            "staffToken",
            "Token",
            STAFF_CAPACITIES,
            "Staff: send `Authorization: Token <token>` (the prefix `Token`, a space, then the token from "
            "`createStaffToken`, POST /auth/token/).",
        ),
    )


class ChannelKeyScheme(CallerScheme):
    target_class = "accounts.authentication.ChannelKeyAuthentication"
    callers = (
        Caller(
            "channelKey",
            "Api-Key",
            frozenset({CHANNEL_BACKEND}),
            "A channel backend's own API key (WeChat, 闽政通, the web hall, the national app): send "
            "`Authorization: Api-Key <key>` (the prefix `Api-Key`, a space, then the key issued in the admin).",
        ),
        Caller(
            "hospitalKey",
            "Api-Key",
            frozenset({Capacity.HOSPITAL}),
            "A hospital's API key (a key of the hospital channel, bound to its institution): send "
            "`Authorization: Api-Key <key>`, as a channel key.",
        ),
    )


class PersonSessionScheme(CallerScheme):
    target_class = "accounts.authentication.PersonSessionAuthentication"
    callers = (
        Caller(
            "personSession",
            "Bearer",
            frozenset({Capacity.PERSON}),
            "A person, through a channel: `Authorization: Bearer <token>` from `createPersonSession`.",
        ),
    )
