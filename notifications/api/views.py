"""The notification feed: a channel pulls its persons' notifications, a person reads their own."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from config.actors import CHANNEL_BACKEND, Capacity, actor_of
from config.api.exceptions import ERRORS
from config.api.inputs import parse_input
from config.errors import PermissionRefused
from notifications import selectors
from notifications.api.serializers import NotificationPageSerializer, NotificationQuerySerializer
from notifications.services import notification_document


class FeedReaders(BasePermission):
    """A channel's own key (not a hospital's) or a person's session; staff use the admin's list."""

    def has_permission(self, request, view) -> bool:
        actor = actor_of(request.user)
        if actor is None:
            return False
        try:
            selectors.feed_scope(actor)
        except PermissionRefused as exc:
            self.message = str(exc.message)
            return False
        return True

    def admitted(self, view) -> frozenset:
        return frozenset({Capacity.PERSON, CHANNEL_BACKEND})


class NotificationFeedView(APIView):
    permission_classes = [FeedReaders]

    @extend_schema(
        tags=["notifications"],
        summary="Notifications, oldest first, after a cursor",
        description=(
            "A channel's key reads the notifications of its own channel (those of records made "
            "through it); a person's session reads the person's own. Staff tokens and hospital keys "
            "get 403: staff see deliveries in the admin. Poll with the `next` cursor of the previous "
            "answer as `after`; a cursor this feed did not hand out is a 400 naming `after`. Channels "
            "with a webhook also receive each notification as a signed POST (header "
            '`X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`) whose body is one '
            "`Notification`: the schema has one shape per kind, told apart by `kind` (its discriminator), for "
            "webhook receivers as for this feed."
        ),
        parameters=[NotificationQuerySerializer],
        responses={200: NotificationPageSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "A page",
                response_only=True,
                value={
                    "next": "bjo0Mg",
                    "has_more": False,
                    "results": [
                        {
                            "id": 42,
                            "kind": "filing_effective",
                            "record_type": "filing",
                            "reference": "BA20261124000001",
                            "created_at": "2026-11-24T09:30:00+08:00",
                            "payload": {
                                "reference": "BA20261124000001",
                                "state": "effective",
                                "start_date": "2026-11-24",
                                "person": {"id_number": "350203********0312", "name": "张三"},
                                "title": "备案已生效",
                                "message": "您的异地就医备案 BA20261124000001 自 2026-11-24 起生效。",
                            },
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request):
        params = parse_input(NotificationQuerySerializer, request.query_params)
        after = selectors.FeedCursor.decode(params["after"]) if params.get("after") else None
        rows, following, more = selectors.notification_feed(
            actor=actor_of(request.user), after=after, size=params["page_size"]
        )
        return Response(
            {
                "next": following.encode() if following else None,
                "has_more": more,
                "results": [notification_document(row) for row in rows],
            }
        )
