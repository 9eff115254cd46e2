"""Thin REST views over the reimbursements app's selectors and services."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actors import Actor
from config.api.conditional import expected_version
from config.api.exceptions import ERRORS, ErrorSerializer
from config.errors import ApplicationError, ValidationFailed
from config.files import check_upload, file_response
from filings import selectors as filing_selectors
from filings.api.serializers import RequirementSerializer
from filings.choices import FilingType
from reimbursements import selectors, services
from reimbursements.api.serializers import (
    ClaimDetailSerializer,
    ClaimEventSerializer,
    ClaimInputSerializer,
    ClaimMaterialSerializer,
    ClaimPaySerializer,
    ClaimRequirementSerializer,
    ClaimSerializer,
    ClaimTransitionSerializer,
    MaterialStatusSerializer,
)
from reimbursements.calculator import InvalidAmounts
from reimbursements.choices import ClaimAction, ClaimKind, ClaimState
from reimbursements.filtersets import ClaimFilterSet
from reimbursements.permissions import ClaimRecords

TRANSITION_RESPONSES = {200: ClaimDetailSerializer, 409: ErrorSerializer, 412: ErrorSerializer, **ERRORS}
OPEN_STATES = (ClaimState.SUBMITTED, ClaimState.MATERIALS_INCOMPLETE, ClaimState.UNDER_REVIEW)


def claim_response(claim, *, status_code=status.HTTP_200_OK) -> Response:
    """The claim with its checklist, its frozen breakdown, or before approval an estimate."""
    estimate = None
    if claim.state in OPEN_STATES:
        try:
            estimate = selectors.claim_calculation(claim=claim).as_dict()
        except (ApplicationError, InvalidAmounts):
            estimate = None  # no benefit policy in force for it: the reviewer sees why on approval
    response = Response(ClaimDetailSerializer(claim, context={"estimate": estimate}).data, status=status_code)
    response["ETag"] = f'"{claim.version}"'
    return response


@extend_schema_view(
    list=extend_schema(tags=["claims"]),
    retrieve=extend_schema(tags=["claims"], responses={200: ClaimDetailSerializer, **ERRORS}),
    create=extend_schema(
        tags=["claims"], request=ClaimInputSerializer, responses={201: ClaimDetailSerializer, **ERRORS}
    ),
)
class ClaimViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Manual reimbursement claims (手工报销), their checklists and transitions."""

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet
    permission_classes = [ClaimRecords]
    lookup_field = "reference"
    lookup_value_regex = "[A-Z0-9]+"

    def get_queryset(self):
        return selectors.claim_list(user=self.request.user)

    def _claim(self):
        return selectors.claim_detail(user=self.request.user, reference=self.kwargs["reference"])

    def _actor(self) -> Actor:
        return Actor.from_principal(self.request.user)

    def retrieve(self, request, reference=None):
        return claim_response(self._claim())

    def create(self, request):
        body = ClaimInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        actor = self._actor()
        person = filing_selectors.person_for_filing(actor=actor, id_number=data.pop("id_number", None))
        claim = services.claim_submit(actor=actor, person=person, data=data)
        return claim_response(selectors.claim_reload(claim_id=claim.pk), status_code=status.HTTP_201_CREATED)

    def _transition(self, request, action_name, serializer_class=ClaimTransitionSerializer):
        claim = self._claim()
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        services.claim_transition(
            claim_id=claim.pk,
            action=action_name,
            actor=self._actor(),
            expected_version=expected_version(request),
            **body.validated_data,
        )
        return claim_response(selectors.claim_reload(claim_id=claim.pk))

    @extend_schema(tags=["claims"], request=ClaimTransitionSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def submit(self, request, reference=None):
        """Resubmit after supplementing materials."""
        return self._transition(request, ClaimAction.SUBMIT)

    @extend_schema(tags=["claims"], request=ClaimTransitionSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="request-materials")
    def request_materials(self, request, reference=None):
        return self._transition(request, ClaimAction.REQUEST_MATERIALS)

    @extend_schema(tags=["claims"], request=ClaimTransitionSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, reference=None):
        return self._transition(request, ClaimAction.START_REVIEW)

    @extend_schema(tags=["claims"], request=ClaimTransitionSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def approve(self, request, reference=None):
        """Approve: computes the amount and freezes it with its breakdown."""
        return self._transition(request, ClaimAction.APPROVE)

    @extend_schema(tags=["claims"], request=ClaimTransitionSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def reject(self, request, reference=None):
        return self._transition(request, ClaimAction.REJECT)

    @extend_schema(tags=["claims"], request=ClaimPaySerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def pay(self, request, reference=None):
        return self._transition(request, ClaimAction.PAY, ClaimPaySerializer)

    @extend_schema(tags=["claims"], request=ClaimTransitionSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, reference=None):
        return self._transition(request, ClaimAction.WITHDRAW)

    @extend_schema(tags=["claims"], responses={200: ClaimEventSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request, reference=None):
        return Response(ClaimEventSerializer(selectors.claim_events(claim=self._claim()), many=True).data)

    @extend_schema(
        tags=["claims"],
        request={"multipart/form-data": MaterialStatusSerializer, "application/json": MaterialStatusSerializer},
        responses={200: ClaimMaterialSerializer, 409: ErrorSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path=r"materials/(?P<item>[a-z0-9_-]+)",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def materials(self, request, reference=None, item=None):
        """POST: a person uploads a file for an item; counter staff set its status. GET: download the file."""
        claim = self._claim()
        if request.method == "GET":
            material = selectors.claim_material_with_file(claim=claim, item=item)
            return file_response(
                material.file, content_type=material.content_type, filename=material.file.name.rsplit("/", 1)[-1]
            )
        body = MaterialStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data.get("file")
        content_type = check_upload(upload) if upload is not None else ""
        material = services.claim_material_update(
            claim_id=claim.pk,
            item=item,
            actor=self._actor(),
            status=body.validated_data.get("status"),
            reason=body.validated_data.get("reason", ""),
            upload=upload,
            content_type=content_type,
        )
        return Response(ClaimMaterialSerializer(material).data)


class RequirementsView(APIView):
    """The material checklist a frontend shows before submission: of a filing type or of a claim kind."""

    @extend_schema(
        tags=["reference data"],
        parameters=[
            OpenApiParameter("filing_type", OpenApiTypes.STR, enum=FilingType.values),
            OpenApiParameter("claim_kind", OpenApiTypes.STR, enum=ClaimKind.values),
            OpenApiParameter("injury", OpenApiTypes.BOOL, description="With claim_kind: add the injury items."),
        ],
        responses={200: RequirementSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        filing_type = request.query_params.get("filing_type")
        claim_kind = request.query_params.get("claim_kind")
        if filing_type in FilingType.values:
            rows = filing_selectors.filing_requirements(filing_type=filing_type)
            return Response({"filing_type": filing_type, "items": RequirementSerializer(rows, many=True).data})
        if claim_kind in ClaimKind.values:
            injury = request.query_params.get("injury", "").lower() in {"1", "true", "yes"}
            rows = selectors.claim_requirements(claim_kind=claim_kind, injury=injury)
            return Response(
                {"claim_kind": claim_kind, "injury": injury, "items": ClaimRequirementSerializer(rows, many=True).data}
            )
        raise ValidationFailed(
            _("Name a filing type (%(types)s) or a claim kind (%(kinds)s).")
            % {"types": ", ".join(FilingType.values), "kinds": ", ".join(ClaimKind.values)},
            errors={"claim_kind" if claim_kind else "filing_type": [_("Unknown or missing.")]},
        )
