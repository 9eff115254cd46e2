"""The one base of the API's aggregate endpoints (filings, claims): lookup, transitions, history.

A subclass names its state machine, how to read one record for the caller (scoped: a
record the caller may not see is a 404), how to answer with it, and which view actions
are transitions. Authorisation comes first (``ActionCapacities`` reads the machine's
capacities), then the body is parsed in one pass, then the service runs.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.actors import READERS, Actor, actor_of
from config.api.conditional import IF_MATCH_PARAMETER, expected_version
from config.api.exceptions import ERRORS, ErrorSerializer
from config.api.idempotency import idempotent
from config.api.inputs import InputSerializer, parse_input
from config.api.permissions import ActionCapacities
from config.errors import NotFound
from config.transitions import StateMachine

# The path of one checklist item of a record: /<records>/{reference}/materials/{item}/.
MATERIAL_PATH = r"materials/(?P<item>[a-z0-9_-]+)"


class RecordViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    machine: StateMachine
    event_serializer_class: type
    lookup_field = "reference"
    lookup_value_regex = "[A-Z0-9]+"
    permission_classes = [ActionCapacities]
    answers_etag = True  # a record's detail and transitions answer ETag: its version (config.api.openapi)
    # View actions that are transitions: view action -> machine action.
    transition_actions: dict[str, str] = {}
    # Other view actions and who may call them (everything else: readers).
    action_capacities: dict[str, frozenset] = {}

    def capacities_for(self, view_action: str) -> frozenset:
        if view_action in self.transition_actions:
            return self.machine.capacities[self.transition_actions[view_action]]
        return self.action_capacities.get(view_action, READERS)

    @property
    def actor(self) -> Actor:
        return actor_of(self.request.user)

    def get_record(self):
        """The record named in the URL, as the caller may see it (404 otherwise)."""
        raise NotImplementedError

    def get_record_id(self) -> int:
        """The primary key of the record named in the URL, if the caller may see it (404 otherwise): all a
        transition needs before it locks the row, without the detail's joins and checklist (three queries)."""
        found = (
            self.get_queryset()
            .filter(**{self.lookup_field: self.kwargs[self.lookup_field]})
            .order_by()
            .values_list("pk", flat=True)[:1]
        )
        for pk in found:
            return pk
        raise NotFound()

    def record_response(self, record, *, status_code: int = 200) -> Response:
        raise NotImplementedError

    def perform_transition(self, pk: int, *, action: str, expected_version: int | None, **params):
        """Call the aggregate's transition service on the record ``pk`` (the service locks and checks it)."""
        raise NotImplementedError

    def reload(self, pk: int):
        raise NotImplementedError

    def run_transition(self, request, view_action: str, input_serializer: type[InputSerializer]) -> Response:
        pk = self.get_record_id()
        params = parse_input(input_serializer, request.data)
        version = expected_version(request)
        self.perform_transition(pk, action=self.transition_actions[view_action], expected_version=version, **params)
        return self.record_response(self.reload(pk))

    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request, reference=None):
        """The record's history, oldest first."""
        record = self.get_record()
        events = record.events.select_related(self.machine.subject, "actor").order_by("at", "id")
        context = {"mask_changes": self.mask_changes(record), "reader": self.actor}
        return Response(self.event_serializer_class(events, many=True, context=context).data)

    def mask_changes(self, record):
        """How the history's ``changes`` are shown to this reader (None: as stored)."""
        return None


def transition_endpoint(
    view_action: str,
    input_serializer: type[InputSerializer],
    *,
    responses: dict,
    tags: list[str],
    url_path: str | None = None,
    description: str = "",
):
    """A POST endpoint of a ``RecordViewSet`` that runs one transition (honouring If-Match and Idempotency-Key)."""

    def endpoint(self, request, reference=None):
        return self.run_transition(request, view_action, input_serializer)

    endpoint.__name__ = view_action
    endpoint.__doc__ = description or None
    schema = extend_schema(
        tags=tags,
        request=input_serializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={**responses, 409: ErrorSerializer, 412: ErrorSerializer, **ERRORS},
        description=description,
    )
    return idempotent(schema(action(detail=True, methods=["post"], url_path=url_path or view_action)(endpoint)))
