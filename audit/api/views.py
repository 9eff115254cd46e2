"""Auditors' API: every event across records (cursor pages, a streamed CSV or an Excel workbook), and who
revealed what."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import asof, exports, selectors
from audit.api.serializers import (
    AsOfQuerySerializer,
    AsOfSerializer,
    AuditEventPageSerializer,
    AuditEventSerializer,
    EventQuerySerializer,
    PersonDataAccessSerializer,
)
from audit.permissions import AUDITORS
from config.actors import actor_of
from config.api.exceptions import ERRORS
from config.api.inputs import parse_input
from config.api.permissions import allow
from config.xlsx import CONTENT_TYPE as XLSX
from registry.models import PersonDataAccess
from registry.selectors import person_looked_up


class CSVRenderer(BaseRenderer):
    """Lets ``?format=csv`` through content negotiation; the view streams the rows itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b""  # never used: rows are streamed by the view, errors answered as JSON (below)


class XLSXRenderer(BaseRenderer):
    """Lets ``?format=xlsx`` through content negotiation; the view answers the workbook itself."""

    media_type = XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b""  # never used: the view answers the file, errors are answered as JSON


class AuditEventsView(APIView):
    """Every state event of every filing and claim, oldest first; ``?format=csv`` streams them all,
    ``?format=xlsx`` answers them as an Excel workbook."""

    permission_classes = [allow(*AUDITORS)]
    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        """An error of a CSV or Excel request is still answered in the one JSON error format."""
        if getattr(response, "status_code", 200) >= 400 and isinstance(response, Response):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        tags=["audit"], parameters=[EventQuerySerializer], responses={200: AuditEventPageSerializer, **ERRORS}
    )
    def get(self, request):
        filters, cursor, size = self.filters(request)
        # The format negotiated, by ?format= or by the Accept header (an Accept: text/csv alone once got an
        # empty answer: the renderer was chosen, the rows were not written).
        chosen = request.accepted_renderer.format
        if chosen == "csv":  # before exportAuditEvents: still answered
            return exports.events_csv(filters)
        if chosen == "xlsx":  # the same rows as exportAuditEventsXlsx
            return exports.events_xlsx(filters)
        rows, following = selectors.event_page(filters=filters, cursor=cursor, size=size)
        return Response(
            {"next": following.encode() if following else None, "results": AuditEventSerializer(rows, many=True).data}
        )

    def filters(self, request):
        """The query's filters, cursor and page size; a lookup by ID number is counted like every other."""
        query = {k: v for k, v in request.query_params.items() if k != "format"}
        params = parse_input(EventQuerySerializer, query)
        if params.get("id_number"):
            person_looked_up(actor=actor_of(request.user), id_number=params["id_number"])
        cursor = selectors.Cursor.decode(params.pop("cursor")) if params.get("cursor") else None
        size = params.pop("page_size")
        return selectors.EventFilters(**{k: v for k, v in params.items() if k != "cursor"}), cursor, size


class AuditEventsExportView(AuditEventsView):
    """Every state event the filters select, oldest first, streamed as one CSV (UTF-8 with BOM, for Excel)."""

    renderer_classes = [CSVRenderer, JSONRenderer]

    @extend_schema(
        tags=["audit"],
        parameters=[EventQuerySerializer],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The rows, as CSV."), **ERRORS},
    )
    def get(self, request):
        filters, _cursor, _size = self.filters(request)
        return exports.events_csv(filters)


class AuditEventsXlsxExportView(AuditEventsView):
    """Every state event the filters select, oldest first, as one Excel workbook (the CSV's header and rows)."""

    renderer_classes = [XLSXRenderer, JSONRenderer]

    @extend_schema(
        tags=["audit"],
        parameters=[EventQuerySerializer],
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The rows, as an Excel workbook."),
            **ERRORS,
        },
    )
    def get(self, request):
        filters, _cursor, _size = self.filters(request)
        return exports.events_xlsx(filters)


class PersonDataAccessView(generics.ListAPIView):
    """Who revealed whose full personal data, when and why, newest first."""

    permission_classes = [allow(*AUDITORS)]
    serializer_class = PersonDataAccessSerializer

    def get_queryset(self):
        return PersonDataAccess.objects.select_related("person")

    @extend_schema(tags=["audit"], responses={200: PersonDataAccessSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PersonAsOfView(APIView):
    """What the system held about a person at an instant: filings in their states then, insured periods,
    and (with city and visit) what eligibility answered; rebuilt from events and history."""

    permission_classes = [allow(*AUDITORS)]

    @extend_schema(tags=["audit"], parameters=[AsOfQuerySerializer], responses={200: AsOfSerializer, **ERRORS})
    def get(self, request, id_number: str):
        params = parse_input(AsOfQuerySerializer, request.query_params)
        answer = asof.person_as_of(id_number=id_number, actor=actor_of(request.user), **params)
        return Response(AsOfSerializer(answer).data)
