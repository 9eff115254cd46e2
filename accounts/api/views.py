"""Credential endpoints: staff tokens (issue, logout) and person sessions.

Guessing is slowed in the shared cache (``accounts.throttles``) and staff accounts lock after
repeated failures (``accounts.lockout``); both answer 429 with ``Retry-After``.
"""

from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import (
    PersonSessionRequestSerializer,
    PersonSessionResponseSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from accounts.authentication import PersonSessionAuthentication, StaffTokenAuthentication
from accounts.lockout import lockout_message, lockout_remaining, retry_after_seconds
from accounts.permissions import IsChannelBackend
from accounts.services import person_session_end, person_session_open, staff_token_issue, staff_token_revoke
from accounts.throttles import StaffLoginThrottle, check_all, person_session_guesses
from config.api.exceptions import ErrorSerializer
from config.api.idempotency import idempotent
from config.errors import ApplicationError, PermissionRefused

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before trying again.",
)


def too_many(what: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=f"{what} Code `throttled` (or `account_locked`).")


class InvalidCredentials(ApplicationError):
    status = 401
    default_code = "invalid_credentials"


class AccountLocked(exceptions.Throttled):
    """429 ``account_locked`` with ``Retry-After``: too many failed logins of this account (django-axes)."""

    default_code = "account_locked"

    def __init__(self, remaining):
        self.wait = retry_after_seconds(remaining)
        exceptions.APIException.__init__(self, lockout_message(remaining), self.default_code)


class StaffTokenView(APIView):
    """Exchange a staff username and password for an API token that expires (``STAFF_TOKEN_TTL``).

    Attempts are limited per client address (scope ``auth``); an account is locked after
    ``AXES_FAILURE_LIMIT`` failures, longer at each further failure, and answers 429
    ``account_locked`` even to its right password until the lock runs out.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [StaffLoginThrottle]

    @extend_schema(
        auth=[],
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            429: too_many("Too many attempts from this address, or the account is locked after failed logins."),
        },
        parameters=[RETRY_AFTER],
        tags=["auth"],
    )
    def post(self, request):
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username = body.validated_data["username"]
        # django-axes counts failures on (and marks) the Django request under DRF's.
        http_request = request._request
        user = authenticate(http_request, username=username, password=body.validated_data["password"])
        if user is None:
            if getattr(http_request, "axes_locked_out", False):
                raise AccountLocked(lockout_remaining(http_request, {"username": username}))
            raise InvalidCredentials(_("Wrong username or password."))
        if not user.is_active:
            raise InvalidCredentials(_("Wrong username or password."))
        if not (user.role or user.is_superuser):
            raise InvalidCredentials(_("This account has no staff role."), code="no_role")
        axes_reset(username=user.get_username())  # the right password clears the failures counted so far
        auth_token, token = staff_token_issue(user=user)
        return Response({"token": token, "role": user.role or "admin", "expires_at": auth_token.expiry})


class StaffLogoutView(APIView):
    """Revoke the staff token this request carries; it answers 401 from then on."""

    authentication_classes = [StaffTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="The token is revoked."),
            401: ErrorSerializer,
            429: too_many("Too many failed tokens from this address."),
        },
        parameters=[RETRY_AFTER],
        tags=["auth"],
    )
    def post(self, request):
        staff_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PersonSessionView(APIView):
    """A channel opens a session for a person whose identity it has verified.

    ID number and name pairs that match nobody are counted per channel and per ID number
    (scopes ``person_session_channel``, ``person_session_id_number``); past either limit the
    request is refused with 429 before the pair is checked, so a name cannot be guessed.
    """

    permission_classes = [IsChannelBackend]
    guesses: tuple = ()

    @idempotent
    @extend_schema(
        request=PersonSessionRequestSerializer,
        responses={
            201: PersonSessionResponseSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            409: ErrorSerializer,
            429: too_many("Too many ID number and name pairs that matched nobody, from this channel or for this ID."),
        },
        parameters=[RETRY_AFTER],
        tags=["auth"],
    )
    def post(self, request):
        body = PersonSessionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.guesses = person_session_guesses(
            channel_code=request.user.channel.code, id_number=body.validated_data["id_number"]
        )
        check_all(self.guesses)
        session, token = person_session_open(channel=request.user.channel, api_key=request.auth, **body.validated_data)
        return Response({"token": token, "expires_at": session.expires_at}, status=status.HTTP_201_CREATED)

    def handle_exception(self, exc):
        # Counted here, outside the request's transaction (Idempotency-Key), which the refusal rolls back.
        if isinstance(exc, PermissionRefused) and exc.code == "person_not_insured_here":
            for guess in self.guesses:
                guess.record()
        return super().handle_exception(exc)


class PersonSessionLogoutView(APIView):
    """End the person session this request carries (the channel's logout); its token answers 401 from then on.

    Sessions also end when the key that opened them is revoked or expires, or the channel is deactivated.
    """

    authentication_classes = [PersonSessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="The session is ended."),
            401: ErrorSerializer,
            429: too_many("Too many failed tokens from this address."),
        },
        parameters=[RETRY_AFTER],
        tags=["auth"],
    )
    def post(self, request):
        person_session_end(session=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
