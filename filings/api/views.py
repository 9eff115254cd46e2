"""Thin REST views over the filings app's selectors and services."""

from dataclasses import asdict

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actors import Actor
from config.api.conditional import expected_version
from config.api.exceptions import ERRORS, ErrorSerializer
from config.files import check_upload, file_response
from filings import selectors, services
from filings.api.serializers import (
    EligibilityQuerySerializer,
    EligibilitySerializer,
    FilingChangeSerializer,
    FilingDetailSerializer,
    FilingEventSerializer,
    FilingInputSerializer,
    FilingMaterialSerializer,
    FilingSerializer,
    InstitutionSerializer,
    MaterialUploadSerializer,
    PersonInputSerializer,
    PersonSerializer,
    ReasonSerializer,
    RegionSerializer,
    RevokeSerializer,
)
from filings.choices import FilingAction
from filings.filtersets import FilingFilterSet, InstitutionFilterSet, PersonFilterSet, RegionFilterSet
from filings.permissions import EligibilityReaders, FilingRecords, PersonRecords


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


def _filing_response(filing, *, status_code=status.HTTP_200_OK, reload: bool = False) -> Response:
    """The filing as the caller just left it (``reload`` re-reads it with its checklist prefetched)."""
    filing = selectors.filing_reload(filing_id=filing.pk) if reload else filing
    response = Response(FilingDetailSerializer(filing).data, status=status_code)
    response["ETag"] = f'"{filing.version}"'
    return response


TRANSITION_RESPONSES = {200: FilingDetailSerializer, 409: ErrorSerializer, 412: ErrorSerializer, **ERRORS}


@extend_schema_view(
    list=extend_schema(tags=["filings"]),
    retrieve=extend_schema(tags=["filings"], responses={200: FilingDetailSerializer, **ERRORS}),
    create=extend_schema(
        tags=["filings"],
        request=FilingInputSerializer,
        responses={201: FilingDetailSerializer, 409: ErrorSerializer, **ERRORS},
    ),
)
class FilingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Cross-region treatment filings and their transitions."""

    serializer_class = FilingSerializer
    filterset_class = FilingFilterSet
    permission_classes = [FilingRecords]
    lookup_field = "reference"
    lookup_value_regex = "[A-Z0-9]+"

    def get_queryset(self):
        return selectors.filing_list(user=self.request.user)

    def _actor(self) -> Actor:
        return Actor.from_principal(self.request.user)

    def _filing(self):
        return selectors.filing_detail(user=self.request.user, reference=self.kwargs["reference"])

    def retrieve(self, request, reference=None):
        return _filing_response(self._filing())

    def create(self, request):
        body = FilingInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        id_number = data.pop("id_number", None)
        actor = self._actor()
        person = selectors.person_for_filing(actor=actor, id_number=id_number)
        filing = services.filing_submit(actor=actor, person=person, data=data)
        return _filing_response(filing, status_code=status.HTTP_201_CREATED, reload=True)

    @extend_schema(
        tags=["filings"],
        request=FilingChangeSerializer,
        responses={201: FilingDetailSerializer, 409: ErrorSerializer, 412: ErrorSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def change(self, request, reference=None):
        filing = self._filing()
        body = FilingChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        reason = data.pop("reason", "")
        new = services.filing_change(
            filing_id=filing.pk,
            actor=self._actor(),
            data=data,
            reason=reason,
            expected_version=expected_version(request),
        )
        return _filing_response(new, status_code=status.HTTP_201_CREATED, reload=True)

    def _transition(self, request, action_name: str, serializer_class=ReasonSerializer):
        filing = self._filing()
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        services.filing_transition(
            filing_id=filing.pk,
            action=action_name,
            actor=self._actor(),
            expected_version=expected_version(request),
            **body.validated_data,
        )
        return _filing_response(filing, reload=True)

    @extend_schema(tags=["filings"], request=ReasonSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def approve(self, request, reference=None):
        return self._transition(request, FilingAction.APPROVE)

    @extend_schema(tags=["filings"], request=ReasonSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def reject(self, request, reference=None):
        return self._transition(request, FilingAction.REJECT)

    @extend_schema(tags=["filings"], request=ReasonSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, reference=None):
        return self._transition(request, FilingAction.WITHDRAW)

    @extend_schema(tags=["filings"], request=RevokeSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def revoke(self, request, reference=None):
        return self._transition(request, FilingAction.REVOKE, RevokeSerializer)

    @extend_schema(tags=["filings"], responses={200: FilingEventSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request, reference=None):
        events = selectors.filing_events(filing=self._filing())
        return Response(FilingEventSerializer(events, many=True).data)

    @extend_schema(
        tags=["filings"],
        request={"multipart/form-data": MaterialUploadSerializer},
        responses={201: FilingMaterialSerializer, 409: ErrorSerializer, 413: ErrorSerializer, **ERRORS},
        description="POST uploads one document; GET downloads the latest document of that item.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path=r"materials/(?P<item>[a-z0-9_-]+)",
        parser_classes=[MultiPartParser, FormParser],
    )
    def materials(self, request, reference=None, item=None):
        filing = self._filing()
        if request.method == "GET":
            material = selectors.filing_material_latest(filing=filing, item=item)
            return file_response(
                material.file, content_type=material.content_type, filename=material.file.name.rsplit("/", 1)[-1]
            )
        upload = request.FILES.get("file")
        content_type = check_upload(upload)
        material = services.filing_material_upload(
            filing_id=filing.pk, item=item, upload=upload, actor=self._actor(), content_type=content_type
        )
        return Response(FilingMaterialSerializer(material).data, status=status.HTTP_201_CREATED)


class EligibilityView(APIView):
    """Is this person covered for direct settlement here, today, for this visit — and why (就医时确认)."""

    permission_classes = [EligibilityReaders]

    @extend_schema(
        tags=["eligibility"], parameters=[EligibilityQuerySerializer], responses={200: EligibilitySerializer, **ERRORS}
    )
    def get(self, request):
        query = EligibilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        result = selectors.eligibility_check(
            id_number=params["id_number"].strip().upper(),
            city_code=params["city"],
            on=params.get("date") or timezone.localdate(),
            visit=params["visit"],
            institution_code=params.get("institution"),
        )
        return Response(EligibilitySerializer({**asdict(result), "rule": RULE_IN_FORCE}).data)


RULE_IN_FORCE = "就医地目录、参保地政策"
