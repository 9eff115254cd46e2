"""Credential endpoints: staff tokens and person sessions."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api.serializers import (
    PersonSessionRequestSerializer,
    PersonSessionResponseSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from accounts.permissions import IsChannelBackend
from accounts.services import person_session_open
from config.api.exceptions import ErrorSerializer
from config.errors import ApplicationError


class InvalidCredentials(ApplicationError):
    status = 401
    default_code = "invalid_credentials"


class StaffTokenView(APIView):
    """Exchange a staff username and password for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
        tags=["auth"],
    )
    def post(self, request):
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(request, username=body.validated_data["username"], password=body.validated_data["password"])
        if user is None or not user.is_active:
            raise InvalidCredentials(_("Wrong username or password."))
        if not (user.role or user.is_superuser):
            raise InvalidCredentials(_("This account has no staff role."), code="no_role")
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "role": user.role or "admin"})


class PersonSessionView(APIView):
    """A channel opens a session for a person whose identity it has verified."""

    permission_classes = [IsChannelBackend]

    @extend_schema(
        request=PersonSessionRequestSerializer,
        responses={201: PersonSessionResponseSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
        tags=["auth"],
    )
    def post(self, request):
        body = PersonSessionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        session, token = person_session_open(channel=request.user.channel, **body.validated_data)
        return Response({"token": token, "expires_at": session.expires_at}, status=status.HTTP_201_CREATED)
