"""Thin REST views over the filings app's selectors and services."""

from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.actors import Capacity, actor_of
from config.api.conditional import IF_MATCH_PARAMETER, expected_version
from config.api.exceptions import ERRORS, ErrorSerializer
from config.api.idempotency import idempotent
from config.api.inputs import parse_input
from config.api.openapi import upload_refusals
from config.api.permissions import allow
from config.api.serializers import represent
from config.api.viewsets import MATERIAL_PATH, RecordViewSet, transition_endpoint
from config.errors import PermissionRefused
from config.files import check_upload, document_response
from config.limits import EligibilityQuota, personal_lookup_guesses
from filings import selectors, services
from filings.api.serializers import (
    ContactSerializer,
    EligibilityQuerySerializer,
    EligibilitySerializer,
    FilingChangeSerializer,
    FilingDetailSerializer,
    FilingEventSerializer,
    FilingInputSerializer,
    FilingMaterialSerializer,
    FilingSerializer,
    MaterialUploadSerializer,
    ReasonSerializer,
    RequiredReasonSerializer,
    RevokeSerializer,
)
from filings.choices import FilingAction
from filings.filtersets import FilingFilterSet
from filings.rules import ELIGIBILITY_CAPACITIES, MATERIAL_UPLOAD_CAPACITIES
from registry.masking import masked_changes, reader_may_see
from registry.selectors import normalize_id_query

TAGS = ["filings"]
DETAIL = {200: FilingDetailSerializer}
# A stored document, as uploaded (config.files.document_response).
DOCUMENT = {(200, media_type): OpenApiTypes.BINARY for media_type in ("application/pdf", "image/jpeg", "image/png")}


@extend_schema_view(
    list=extend_schema(tags=TAGS),
    retrieve=extend_schema(tags=TAGS, responses={200: FilingDetailSerializer, **ERRORS}),
    create=extend_schema(
        tags=TAGS,
        request=FilingInputSerializer,
        responses={201: FilingDetailSerializer, 409: ErrorSerializer, **ERRORS},
    ),
    events=extend_schema(tags=TAGS, responses={200: FilingEventSerializer(many=True), **ERRORS}),
)
class FilingViewSet(RecordViewSet):
    """Cross-region treatment filings and their transitions."""

    machine = services.FILINGS
    serializer_class = FilingSerializer
    event_serializer_class = FilingEventSerializer
    filterset_class = FilingFilterSet
    transition_actions = {
        "create": FilingAction.SUBMIT,
        "approve": FilingAction.APPROVE,
        "reject": FilingAction.REJECT,
        "withdraw": FilingAction.WITHDRAW,
        "revoke": FilingAction.REVOKE,
        "change": FilingAction.CHANGE,
        "contact": FilingAction.CORRECT_CONTACT,
    }

    def capacities_for(self, view_action: str) -> frozenset:
        if view_action == "materials" and self.request.method == "POST":
            return MATERIAL_UPLOAD_CAPACITIES
        return super().capacities_for(view_action)

    def get_queryset(self):
        return selectors.filing_list(actor=self.actor)

    def get_record(self):
        return selectors.filing_detail(actor=self.actor, reference=self.kwargs["reference"])

    def reload(self, pk: int):
        return selectors.filing_reload(filing_id=pk)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.actor}

    def mask_changes(self, record):
        return None if reader_may_see({"actor": self.actor}, record.person_id) else masked_changes

    def record_response(self, record, *, status_code: int = status.HTTP_200_OK) -> Response:
        context = {"actor": self.actor}
        response = Response(FilingDetailSerializer(record, context=context).data, status=status_code)
        response["ETag"] = f'"{record.version}"'
        return response

    def perform_transition(self, pk: int, *, action: str, expected_version: int | None, **params):
        services.filing_transition(
            filing_id=pk, action=action, actor=self.actor, expected_version=expected_version, **params
        )

    def retrieve(self, request, reference=None):
        return self.record_response(self.get_record())

    @idempotent
    def create(self, request):
        actor = self.actor
        data = parse_input(
            FilingInputSerializer, request.data, rules=lambda parsed: services.filing_validate(actor=actor, data=parsed)
        )
        filing = services.filing_submit(actor=actor, data=data)
        return self.record_response(self.reload(filing.pk), status_code=status.HTTP_201_CREATED)

    @idempotent
    @extend_schema(
        tags=TAGS,
        request=FilingChangeSerializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={201: FilingDetailSerializer, 409: ErrorSerializer, 412: ErrorSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def change(self, request, reference=None):
        filing = self.get_record()
        data = parse_input(FilingChangeSerializer, request.data)
        reason = data.pop("reason", "")
        new = services.filing_change(
            filing_id=filing.pk, actor=self.actor, data=data, reason=reason, expected_version=expected_version(request)
        )
        return self.record_response(self.reload(new.pk), status_code=status.HTTP_201_CREATED)

    approve = transition_endpoint("approve", ReasonSerializer, responses=DETAIL, tags=TAGS)
    reject = transition_endpoint("reject", RequiredReasonSerializer, responses=DETAIL, tags=TAGS)
    withdraw = transition_endpoint("withdraw", ReasonSerializer, responses=DETAIL, tags=TAGS)
    revoke = transition_endpoint("revoke", RevokeSerializer, responses=DETAIL, tags=TAGS)
    contact = transition_endpoint(
        "contact",
        ContactSerializer,
        responses=DETAIL,
        tags=TAGS,
        description="Correct the contact name or phone at any time: recorded as an event, no new filing.",
    )

    @idempotent
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        request={"multipart/form-data": MaterialUploadSerializer},
        responses={
            201: FilingMaterialSerializer,
            **upload_refusals(
                "`not_accepting_materials`: the filing takes documents only while it awaits review, or for "
                "a commitment letter."
            ),
            413: ErrorSerializer,
            **ERRORS,
        },
        description=(
            "Upload one document (PDF, JPEG or PNG) for the item. It replaces the item's current document, "
            "which is kept (`superseded_at`) but no longer counts towards the filing's total."
        ),
    )
    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        responses={**DOCUMENT, **ERRORS},
        description="Download the current document of the item.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path=MATERIAL_PATH,
        parser_classes=[MultiPartParser, FormParser],
    )
    def materials(self, request, reference=None, item=None):
        filing = self.get_record()
        if request.method == "GET":
            return document_response(selectors.filing_material_latest(filing=filing, item=item))
        upload = request.FILES.get("file")
        content_type = check_upload(upload)
        material = services.filing_material_upload(
            filing_id=filing.pk, item=item, upload=upload, actor=self.actor, content_type=content_type
        )
        return Response(FilingMaterialSerializer(material).data, status=status.HTTP_201_CREATED)


# Sent after every eligibility answer, before it is returned, with ``actor``, ``key_prefix`` (the public prefix
# of the API key that asked, or ""), ``id_number`` (as the selector looked it up), ``city_code``, ``on``,
# ``visit`` and ``answer`` (the selector's ``Eligibility``). The audit app records each one
# (audit.EligibilityQuestion); this app knows no app above it. A receiver that fails fails the request:
# no answer goes out unrecorded.
eligibility_answered = Signal()
ELIGIBILITY_THROTTLED = OpenApiResponse(
    ErrorSerializer,
    description=(
        "`throttled`: this key asked more questions than `ELIGIBILITY_RATE` allows (6000/hour by default, "
        "counted per API key in fixed windows), or about too many numbers of nobody "
        "(`PERSONAL_LOOKUP_FAILURE_RATE`). `Retry-After` says when to come back."
    ),
)


class EligibilityView(APIView):
    """Is this person covered for direct settlement here, today, for this visit — and why (就医时确认)."""

    permission_classes = [allow(*ELIGIBILITY_CAPACITIES)]
    throttle_classes = [EligibilityQuota]

    @extend_schema(
        tags=["eligibility"],
        parameters=[EligibilityQuerySerializer],
        responses={200: EligibilitySerializer, 429: ELIGIBILITY_THROTTLED, **ERRORS},
    )
    def get(self, request):
        actor = actor_of(request.user)
        if actor.capacity == Capacity.HOSPITAL and not actor.institution_code:
            raise PermissionRefused(
                _("A hospital key that belongs to no institution may not ask about persons."),
                code="key_without_institution",
            )
        params = parse_input(EligibilityQuerySerializer, request.query_params)
        # A number that is nobody's counts as a guess; past the limit every question is refused (429),
        # so the answer never tells a guesser which number is somebody's.
        guesses = personal_lookup_guesses(actor)
        guesses.check()
        id_number, on = normalize_id_query(params["id_number"]), params.get("date") or timezone.localdate()
        result = selectors.eligibility_check(
            id_number=id_number,
            city_code=params["city"],
            on=on,
            visit=params["visit"],
            institution_code=params.get("institution"),
            default_institution=actor.institution_code,
        )
        if result.reason_code == "not_insured_here":
            guesses.record()
        eligibility_answered.send(
            sender=EligibilityView,
            actor=actor,
            key_prefix=getattr(request.auth, "prefix", None) or "",
            id_number=id_number,
            city_code=params["city"],
            on=on,
            visit=params["visit"],
            answer=result,
        )
        return Response(represent(EligibilitySerializer, {**vars(result), "rule": RULE_IN_FORCE}))


RULE_IN_FORCE = "就医地目录、参保地政策"
