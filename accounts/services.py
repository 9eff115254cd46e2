"""Writes of the accounts app: staff accounts and their API tokens, channel keys, person sessions."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from knox.models import AuthToken

from accounts.choices import Role
from accounts.models import Channel, ChannelAPIKey, PersonSession, User
from accounts.webhooks import new_webhook_secret
from config.errors import NotFound, PermissionRefused, ValidationFailed
from registry.models import Institution, Person
from registry.selectors import normalize_id_query


def staff_create(*, username: str, role: str, password: str, email: str = "") -> User:
    """Create a staff account with a role; staff may log in to the admin."""
    if role not in Role.values:
        raise ValidationFailed(
            _("Unknown role %(role)s; choose one of %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)},
            errors={"role": [_("Unknown role.")]},
        )
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(
            _("A user named %(username)s already exists.") % {"username": username},
            errors={"username": [_("Already taken.")]},
        )
    user = User(username=username, email=email, role=role, is_staff=True, is_superuser=(role == Role.ADMIN))
    staff_password_validate(password=password, user=user)
    user.set_password(password)
    user.save()
    return user


# Django 5.2's zh_Hans catalog lacks the minimum-length message in the form its validator uses, so it
# would show in English; ours translates it. Named here so that ``makemessages`` keeps the entry.
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    12,
)


def staff_password_validate(*, password: str, user: User) -> None:
    """Refuse a staff password that ``AUTH_PASSWORD_VALIDATORS`` refuses, with every reason, before it is set.

    The one check behind every way a staff password is set in code (``staff_create``: ``create_staff``,
    the demo accounts); the admin's password forms, ``changepassword`` and ``createsuperuser`` run
    Django's same validators (the last through ``accounts.models.StaffUserManager``).
    """
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("The password was refused: %(reasons)s") % {"reasons": " ".join(exc.messages)},
            code="password_refused",
            errors={"password": exc.messages},
        ) from exc


def channel_key_issue(
    *, channel_code: str, name: str = "", institution_code: str | None = None
) -> tuple[ChannelAPIKey, str]:
    """Issue a new API key for a channel; the plain key is returned once and stored hashed.

    A hospital's key names the institution it belongs to: its referrals are filed as that
    institution and its eligibility questions are asked for it.
    """
    channel = Channel.objects.filter(code=channel_code).first()
    if channel is None:
        known = ", ".join(Channel.objects.values_list("code", flat=True))
        raise NotFound(
            _("Unknown channel %(code)s; known channels: %(known)s.") % {"code": channel_code, "known": known},
            code="unknown_channel",
        )
    institution = None
    if institution_code:
        if not channel.is_hospital:
            raise ValidationFailed(
                _("Only a hospital channel's key belongs to an institution."),
                errors={"institution": [_("Not a hospital channel.")]},
            )
        institution = Institution.objects.filter(code=institution_code).first()
        if institution is None:
            raise NotFound(_("Unknown institution %(code)s.") % {"code": institution_code}, code="unknown_institution")
    key_name = name or f"{channel.code} {institution_code or ''} {timezone.localtime():%Y-%m-%d %H:%M}".replace(
        "  ", " "
    )
    api_key, plain = ChannelAPIKey.objects.create_key(name=key_name, channel=channel, institution=institution)
    return api_key, plain


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def person_session_open(
    *, channel: Channel, id_number: str, name: str, api_key: ChannelAPIKey | None = None
) -> tuple[PersonSession, str]:
    """Open a session for a person the channel has verified, if they are insured here.

    The channel has done real-name authentication; the bureau only checks that the ID
    number belongs to an insured person it knows and that the name matches.
    """
    if channel.is_hospital:
        raise PermissionRefused(_("A hospital credential cannot open person sessions."))
    person = Person.objects.filter(id_number=normalize_id_query(id_number)).only("pk", "name").first()
    if person is None or person.name != name.strip():
        raise PermissionRefused(
            _("No insured person of this bureau matches this ID number and name."),
            code="person_not_insured_here",
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        session = PersonSession.objects.create(
            token_hash=_token_hash(token),
            person=person,
            channel=channel,
            api_key=api_key,
            created_at=now,
            expires_at=now + settings.PERSON_SESSION_LIFETIME,
        )
    return session, token


def person_session_resolve(*, token: str) -> PersonSession | None:
    """The live session for a token, or None when unknown, expired, ended, or when the channel is
    deactivated or the key that opened it revoked or expired (checked at every request, in the same query)."""
    now = timezone.now()
    key_valid = Q(api_key__isnull=True) | Q(api_key__revoked=False) & (
        Q(api_key__expiry_date__isnull=True) | Q(api_key__expiry_date__gt=now)
    )
    return (
        PersonSession.objects.select_related("channel")
        .filter(key_valid, token_hash=_token_hash(token), expires_at__gt=now, channel__is_active=True)
        .first()
    )


def person_session_end(*, session: PersonSession) -> None:
    """End a person session now (the channel's logout); its token is refused from then on."""
    PersonSession.objects.filter(pk=session.pk, expires_at__gt=timezone.now()).update(expires_at=timezone.now())


def staff_token_issue(*, user: User):
    """A new API token for a staff user, valid for ``STAFF_TOKEN_TTL``; returns (stored token, plain token).

    Only the token's digest is stored (django-rest-knox); the plain token is returned once. The
    user's expired tokens are deleted on the way.
    """
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    return AuthToken.objects.create(user=user, expiry=settings.STAFF_TOKEN_TTL)


def staff_token_revoke(*, token) -> None:
    """Revoke one staff token (logout)."""
    token.delete()


def staff_tokens_revoke(*, user: User) -> int:
    """Revoke every API token of a staff user (their password changed); returns how many."""
    deleted, _per_model = AuthToken.objects.filter(user=user).delete()
    return deleted


def channel_webhook_set(*, code: str, url: str, new_secret: bool = True) -> tuple[object, str | None]:
    """Set (or, with an empty ``url``, remove) a channel's webhook; returns the channel and a new secret.

    The secret is returned once, for the operator to hand to the channel; it is stored because
    signing needs it, and shown masked everywhere else.
    """
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(code=code)
        secret = None
        channel.webhook_url = url.strip()
        if not channel.webhook_url:
            channel.webhook_secret = ""
        elif new_secret or not channel.webhook_secret:
            secret = channel.webhook_secret = new_webhook_secret()
        channel.full_clean(exclude=["code", "name", "group", "description", "is_active"])
        channel.save(update_fields=["webhook_url", "webhook_secret"])
    return channel, secret
