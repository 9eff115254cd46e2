"""The three credentials of the API: staff tokens, channel API keys, person session tokens."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, TokenAuthentication, get_authorization_header

from accounts.models import ChannelAPIKey
from accounts.principals import ChannelPrincipal, PersonPrincipal
from accounts.services import person_session_resolve


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


class StaffTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>`` issued by POST /api/v1/auth/token/."""

    keyword = "Token"


class ChannelKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>`` of a channel backend or a hospital."""

    keyword = "Api-Key"

    def authenticate(self, request):
        key = _credential(request, self.keyword)
        if key is None:
            return None
        prefix, _dot, _rest = key.partition(".")
        api_key = (
            ChannelAPIKey.objects.get_usable_keys()
            .select_related("channel")
            .filter(prefix=prefix, channel__is_active=True)
            .first()
        )
        if api_key is None or not api_key.is_valid(key):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        return ChannelPrincipal(channel=api_key.channel, institution_code=api_key.institution_id), api_key

    def authenticate_header(self, request):
        return self.keyword


class PersonSessionAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` from POST /api/v1/person-sessions/."""

    keyword = "Bearer"

    def authenticate(self, request):
        token = _credential(request, self.keyword)
        if token is None:
            return None
        session = person_session_resolve(token=token)
        if session is None:
            raise exceptions.AuthenticationFailed(_("The session token is unknown or has expired."))
        principal = PersonPrincipal(person_id=session.person_id, channel=session.channel, session_id=session.pk)
        return principal, session

    def authenticate_header(self, request):
        return self.keyword
