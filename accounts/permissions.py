"""Who may call the credential endpoints."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from config.actors import CHANNEL_BACKEND, ActorKind, actor_of


class IsChannelBackend(BasePermission):
    """A channel backend's own key (not a hospital's): it opens sessions for persons it has verified."""

    def has_permission(self, request, view) -> bool:
        actor = actor_of(request.user)
        return actor is not None and actor.kind == ActorKind.CHANNEL and not actor.is_hospital

    def admitted(self, view) -> frozenset:
        return frozenset({CHANNEL_BACKEND})
