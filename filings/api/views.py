"""Thin REST views over the filings app's selectors and services."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.exceptions import ErrorSerializer
from config.errors import ValidationFailed
from filings import selectors, services
from filings.api.serializers import (
    InstitutionSerializer,
    PersonInputSerializer,
    PersonSerializer,
    RegionSerializer,
    RequirementSerializer,
)
from filings.choices import FilingType
from filings.filtersets import InstitutionFilterSet, PersonFilterSet, RegionFilterSet
from filings.permissions import PersonRecords

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


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
        tags=["persons"], request=PersonInputSerializer(partial=True), responses={200: PersonSerializer, **ERRORS}
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
    permission_classes = [PersonRecords]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.person_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        body = PersonInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        person = services.person_create(data=body.validated_data, actor=request.user)
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        body = PersonInputSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        person = services.person_update(person=person, data=body.validated_data, actor=request.user)
        return Response(PersonSerializer(person).data)


class RequirementsView(APIView):
    """The material checklist a frontend shows before submission."""

    @extend_schema(
        tags=["reference data"],
        parameters=[OpenApiParameter("filing_type", OpenApiTypes.STR, enum=FilingType.values, required=True)],
        responses={200: RequirementSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        filing_type = request.query_params.get("filing_type", "")
        if filing_type not in FilingType.values:
            raise ValidationFailed(
                _("Name a filing type: one of %(types)s.") % {"types": ", ".join(FilingType.values)},
                errors={"filing_type": [_("Unknown or missing filing type.")]},
            )
        rows = selectors.filing_requirements(filing_type=filing_type)
        return Response({"filing_type": filing_type, "items": RequirementSerializer(rows, many=True).data})
