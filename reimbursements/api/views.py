"""Thin REST views over the reimbursements app's selectors and services."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.exceptions import ERRORS, ErrorSerializer
from config.api.idempotency import idempotent
from config.api.inputs import parse_input
from config.api.openapi import upload_refusals
from config.api.parsers import JSONParser
from config.api.viewsets import MATERIAL_PATH, RecordViewSet, transition_endpoint
from config.errors import ApplicationError, ValidationFailed
from config.files import check_upload, document_response
from filings import selectors as filing_selectors
from filings.api.serializers import MaterialUploadSerializer, RequirementSerializer
from filings.choices import FilingType
from reimbursements import selectors, services
from reimbursements.api.serializers import (
    ClaimDetailSerializer,
    ClaimEventSerializer,
    ClaimInputSerializer,
    ClaimMaterialSerializer,
    ClaimPaySerializer,
    ClaimRejectSerializer,
    ClaimRequirementSerializer,
    ClaimRevealQuerySerializer,
    ClaimSerializer,
    ClaimTransitionSerializer,
    MaterialStatusSerializer,
    RequirementsSerializer,
)
from reimbursements.calculator import InvalidAmounts
from reimbursements.choices import OPEN_CLAIM_STATES, ClaimAction, ClaimKind, Setting
from reimbursements.filtersets import ClaimFilterSet
from reimbursements.rules import MATERIAL_STATUS_CAPACITIES, UPLOAD_CAPACITIES

TAGS = ["claims"]
DETAIL = {200: ClaimDetailSerializer}
# A stored document, as uploaded (config.files.document_response).
DOCUMENT = {(200, media_type): OpenApiTypes.BINARY for media_type in ("application/pdf", "image/jpeg", "image/png")}


@extend_schema_view(
    list=extend_schema(tags=TAGS),
    retrieve=extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "reveal",
                {"type": "string", "pattern": "^(bank_account|proxy_id_number)(,(bank_account|proxy_id_number))*$"},
                description="bank_account (the roles that pay) and/or proxy_id_number (staff), comma-separated; "
                "the values are shown in full and the reading is recorded.",
            ),
            OpenApiParameter(
                "purpose",
                {"type": "string", "enum": ["counter_check", "phone_enquiry", "audit", "payment_check", "other"]},
                description="Why (default other, which needs a reason of at least 4 characters); recorded.",
            ),
            OpenApiParameter("reason", OpenApiTypes.STR, description="Recorded; required for purpose=other."),
        ],
        responses={200: ClaimDetailSerializer, **ERRORS},
    ),
    create=extend_schema(
        tags=TAGS,
        request=ClaimInputSerializer,
        responses={201: ClaimDetailSerializer, 409: ErrorSerializer, **ERRORS},
    ),
    events=extend_schema(tags=TAGS, responses={200: ClaimEventSerializer(many=True), **ERRORS}),
)
class ClaimViewSet(RecordViewSet):
    """Manual reimbursement claims (手工报销), their checklists and transitions."""

    machine = services.CLAIMS
    serializer_class = ClaimSerializer
    event_serializer_class = ClaimEventSerializer
    filterset_class = ClaimFilterSet
    transition_actions = {
        "create": ClaimAction.SUBMIT,
        "submit": ClaimAction.SUBMIT,
        "request_materials": ClaimAction.REQUEST_MATERIALS,
        "start_review": ClaimAction.START_REVIEW,
        "approve": ClaimAction.APPROVE,
        "reject": ClaimAction.REJECT,
        "pay": ClaimAction.PAY,
        "withdraw": ClaimAction.WITHDRAW,
    }

    def capacities_for(self, view_action: str) -> frozenset:
        if view_action == "materials" and self.request.method == "POST":
            return UPLOAD_CAPACITIES
        if view_action == "material_status":
            return MATERIAL_STATUS_CAPACITIES
        return super().capacities_for(view_action)

    def get_queryset(self):
        return selectors.claim_list(actor=self.actor)

    def get_record(self):
        return selectors.claim_detail(actor=self.actor, reference=self.kwargs["reference"])

    def reload(self, pk: int):
        return selectors.claim_reload(claim_id=pk)

    def record_response(
        self, record, *, status_code: int = status.HTTP_200_OK, revealed: Mapping | None = None
    ) -> Response:
        """The claim with its checklist, its frozen breakdown, or before approval an estimate.

        ``revealed`` holds the full values a logged reveal returned; nothing else is ever unmasked.
        """
        estimate = None
        if record.state in OPEN_CLAIM_STATES:
            try:
                estimate = selectors.claim_estimate(claim=record)
            except (ApplicationError, InvalidAmounts):
                estimate = None  # no benefit policy in force for it: the reviewer sees why on approval
        data = ClaimDetailSerializer(record, context={"estimate": estimate}).data
        response = Response({**data, **(revealed or {})}, status=status_code)
        response["ETag"] = f'"{record.version}"'
        if revealed:
            response["Cache-Control"] = "private, no-store"
        return response

    def perform_transition(self, pk: int, *, action: str, expected_version: int | None, **params):
        services.claim_transition(
            claim_id=pk, action=action, actor=self.actor, expected_version=expected_version, **params
        )

    def retrieve(self, request, reference=None):
        claim = self.get_record()
        revealed = None
        if "reveal" in request.query_params or "purpose" in request.query_params:
            query = {name: request.query_params.get(name) for name in ("reveal", "purpose", "reason")}
            query["reveal"] = (query["reveal"] or "").split(",")
            params = parse_input(ClaimRevealQuerySerializer, {k: v for k, v in query.items() if v is not None})
            revealed = services.claim_reveal(
                claim=claim,
                fields=params["reveal"],
                purpose=params["purpose"],
                reason=params.get("reason", ""),
                actor=self.actor,
            )
        return self.record_response(claim, revealed=revealed)

    @idempotent
    def create(self, request):
        actor = self.actor
        data = parse_input(
            ClaimInputSerializer, request.data, rules=lambda parsed: services.claim_validate(actor=actor, data=parsed)
        )
        claim = services.claim_submit(actor=actor, data=data)
        return self.record_response(self.reload(claim.pk), status_code=status.HTTP_201_CREATED)

    submit = transition_endpoint(
        "submit", ClaimTransitionSerializer, responses=DETAIL, tags=TAGS, description="Resubmit after 补正."
    )
    request_materials = transition_endpoint(
        "request_materials", ClaimTransitionSerializer, responses=DETAIL, tags=TAGS, url_path="request-materials"
    )
    start_review = transition_endpoint(
        "start_review", ClaimTransitionSerializer, responses=DETAIL, tags=TAGS, url_path="start-review"
    )
    approve = transition_endpoint(
        "approve",
        ClaimTransitionSerializer,
        responses=DETAIL,
        tags=TAGS,
        description="Approve: computes the amount and freezes it with its breakdown.",
    )
    reject = transition_endpoint("reject", ClaimRejectSerializer, responses=DETAIL, tags=TAGS)
    pay = transition_endpoint("pay", ClaimPaySerializer, responses=DETAIL, tags=TAGS)
    withdraw = transition_endpoint("withdraw", ClaimTransitionSerializer, responses=DETAIL, tags=TAGS)

    @idempotent
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        request={"multipart/form-data": MaterialUploadSerializer},
        responses={
            200: ClaimMaterialSerializer,
            **upload_refusals("`checklist_closed`: the claim's checklist no longer changes in its state."),
            **ERRORS,
        },
        description=(
            "Upload a file (PDF, JPEG or PNG) for the item: the person, or counter staff on their behalf. It "
            "replaces the item's current file, which is kept but no longer counts towards the claim's total."
        ),
    )
    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        responses={**DOCUMENT, **ERRORS},
        description="Download the item's file.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path=MATERIAL_PATH,
        parser_classes=[MultiPartParser, FormParser],
    )
    def materials(self, request, reference=None, item=None):
        """POST: upload a file for an item. GET: download the item's file."""
        claim = self.get_record()
        if request.method == "GET":
            return document_response(selectors.claim_material_with_file(claim=claim, item=item))
        upload = parse_input(MaterialUploadSerializer, request.data)["file"]
        material = services.claim_material_update(
            claim_id=claim.pk, item=item, actor=self.actor, upload=upload, content_type=check_upload(upload)
        )
        return Response(ClaimMaterialSerializer(material).data)

    @idempotent
    @extend_schema(
        tags=TAGS,
        request=MaterialStatusSerializer,
        responses={
            200: ClaimMaterialSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="`checklist_closed`: the claim's checklist no longer changes in its state. Also "
                "`idempotency_key_reused`, `idempotency_request_in_progress`.",
            ),
            **ERRORS,
        },
        description="Counter staff set the item's status: received, accepted, or rejected with a reason.",
    )
    @action(detail=True, methods=["post"], url_path=MATERIAL_PATH + "/status", parser_classes=[JSONParser])
    def material_status(self, request, reference=None, item=None):
        claim = self.get_record()
        body = parse_input(MaterialStatusSerializer, request.data)
        material = services.claim_material_update(
            claim_id=claim.pk, item=item, actor=self.actor, status=body["status"], reason=body.get("reason", "")
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
            OpenApiParameter(
                "setting", OpenApiTypes.STR, enum=Setting.values, description="With claim_kind=emergency."
            ),
        ],
        responses={200: RequirementsSerializer, **ERRORS},
    )
    def get(self, request):
        filing_type = request.query_params.get("filing_type")
        claim_kind = request.query_params.get("claim_kind")
        if filing_type in FilingType.values:
            rows = filing_selectors.filing_requirements(filing_type=filing_type)
            return Response({"filing_type": filing_type, "items": RequirementSerializer(rows, many=True).data})
        if claim_kind in ClaimKind.values:
            injury = request.query_params.get("injury", "").lower() in {"1", "true", "yes"}
            setting = request.query_params.get("setting") or Setting.INPATIENT
            if setting not in Setting.values:
                raise ValidationFailed(_("Choose inpatient or outpatient."), errors={"setting": [_("Unknown value.")]})
            rows = selectors.claim_requirements(claim_kind=claim_kind, injury=injury, setting=setting)
            return Response(
                {"claim_kind": claim_kind, "injury": injury, "items": ClaimRequirementSerializer(rows, many=True).data}
            )
        raise ValidationFailed(
            _("Name a filing type (%(types)s) or a claim kind (%(kinds)s).")
            % {"types": ", ".join(FilingType.values), "kinds": ", ".join(ClaimKind.values)},
            errors={"claim_kind" if claim_kind else "filing_type": [_("Unknown or missing.")]},
        )
