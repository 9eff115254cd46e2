"""Thin REST views over the registry's selectors and services: regions, institutions, persons."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from config.actors import actor_of
from config.api.conditional import IF_MATCH_PARAMETER, etag, expected_version, lock_version
from config.api.exceptions import ERRORS, ErrorSerializer
from config.api.idempotency import idempotent
from config.api.inputs import parse_input
from config.api.permissions import ActionCapacities
from config.transitions import authorize
from registry import selectors, services
from registry.api.serializers import (
    InstitutionSerializer,
    PersonInputSerializer,
    PersonPatchSerializer,
    PersonSerializer,
    RegionSerializer,
    RevealQuerySerializer,
)
from registry.filtersets import InstitutionFilterSet, PersonFilterSet, RegionFilterSet
from registry.masking import REVEALABLE_FIELDS
from registry.models import Person
from registry.permissions import PERSON_WRITERS, REVEALERS

FIELDS = "|".join(REVEALABLE_FIELDS)  # the schema pattern of ?reveal=


@extend_schema_view(list=extend_schema(tags=["reference data"]), retrieve=extend_schema(tags=["reference data"]))
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Provinces and prefecture-level cities with their GB/T 2260 codes."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"

    def get_queryset(self):
        return selectors.region_list()


@extend_schema_view(list=extend_schema(tags=["reference data"]), retrieve=extend_schema(tags=["reference data"]))
class InstitutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Designated institutions and whether they settle each visit kind directly."""

    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilterSet
    lookup_field = "code"

    def get_queryset(self):
        return selectors.institution_list()


@extend_schema_view(
    list=extend_schema(tags=["persons"]),
    retrieve=extend_schema(tags=["persons"]),
    create=extend_schema(
        tags=["persons"],
        request=PersonInputSerializer,
        responses={201: PersonSerializer, 409: ErrorSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        tags=["persons"],
        request=PersonPatchSerializer(partial=True),
        parameters=[IF_MATCH_PARAMETER],
        responses={200: PersonSerializer, 412: ErrorSerializer, **ERRORS},
        description="Change a person; send the `ETag` last read as `If-Match` so that no one else's change is lost.",
    ),
)
class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Insured persons known to the bureau."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    permission_classes = [ActionCapacities]
    action_capacities = {"create": PERSON_WRITERS, "partial_update": PERSON_WRITERS}
    answers_etag = True  # its detail, creation and update answer ETag, its version
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.person_list(actor=actor_of(self.request.user))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": actor_of(self.request.user)}

    @extend_schema(
        tags=["persons"],
        parameters=[
            OpenApiParameter(
                "reveal",
                {"type": "string", "pattern": f"^({FIELDS})(,({FIELDS}))*$"},
                description="id_number, social_security_card and/or phone, comma-separated (staff only).",
            ),
            OpenApiParameter(
                "purpose",
                {"type": "string", "enum": ["counter_check", "phone_enquiry", "audit", "payment_check", "other"]},
                description="Why (default other, which needs a reason of at least 4 characters); recorded.",
            ),
            OpenApiParameter("reason", OpenApiTypes.STR, description="Recorded; required for purpose=other."),
        ],
        responses={200: PersonSerializer, **ERRORS},
    )
    def retrieve(self, request, *args, **kwargs):
        """One person; staff see the ID number and phone masked unless they reveal them with a reason."""
        person = self.get_object()
        revealed: set[str] = set()
        if "reveal" in request.query_params or "purpose" in request.query_params:
            authorize(actor_of(request.user), REVEALERS, refusal=_("Only staff reveal personal data, giving a reason."))
            query = {
                "reveal": request.query_params.get("reveal", "").split(","),
                "reason": request.query_params.get("reason"),
                "purpose": request.query_params.get("purpose"),
            }
            params = parse_input(RevealQuerySerializer, {k: v for k, v in query.items() if v is not None})
            revealed = services.person_reveal(
                person=person,
                fields=sorted(params["reveal"]),
                purpose=params["purpose"],
                reason=params.get("reason", ""),
                actor=actor_of(request.user),
            )
        context = {**self.get_serializer_context(), "revealed": revealed}
        response = self.person_response(person, context=context)
        if revealed:
            response["Cache-Control"] = "private, no-store"
        return response

    @idempotent
    def create(self, request, *args, **kwargs):
        data = parse_input(PersonInputSerializer, request.data, rules=services.person_validate)
        person = services.person_create(data=data, actor=actor_of(request.user))
        return self.person_response(person, status=201)

    def partial_update(self, request, *args, **kwargs):
        """A conditional update when If-Match names a version: compared on the locked row, 412 when stale."""
        person = self.get_object()
        version = expected_version(request)
        data = parse_input(
            PersonPatchSerializer,
            request.data,
            partial=True,
            rules=lambda parsed: services.person_validate(parsed, partial=True),
        )
        with transaction.atomic():
            lock_version(Person.objects.all(), person.pk, version)
            person = services.person_update(person=person, data=data, actor=actor_of(request.user))
        return self.person_response(person)

    def person_response(self, person, *, status: int = 200, context: dict | None = None) -> Response:
        """The person, with its version as the ETag that a later If-Match sends back."""
        response = Response(PersonSerializer(person, context=context or self.get_serializer_context()).data, status)
        response["ETag"] = etag(person)
        return response
