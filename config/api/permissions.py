"""Authorise first: DRF permission classes that read the same capacity tables the services use.

They run before the body is parsed, so a caller whose capacity may not take an action gets
403 whatever it sends; which record a person may reach is then the selectors' scoping (404).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from config.actors import READERS, actor_of


class ActionCapacities(BasePermission):
    """Admits callers whose capacity the view allows for the action at hand.

    The view answers ``capacities_for(action)``; a view without it offers ``action_capacities``
    (view action -> capacities) and ``default_capacities`` (readers by default).
    """

    message = _("You do not have permission to perform this action.")

    def has_permission(self, request, view) -> bool:
        actor = actor_of(request.user)
        return actor is not None and actor.may(self.admitted(view))

    def admitted(self, view) -> frozenset:
        action = getattr(view, "action", None) or view.request.method.lower()
        if hasattr(view, "capacities_for"):
            return view.capacities_for(action)
        return getattr(view, "action_capacities", {}).get(action, getattr(view, "default_capacities", READERS))


def allow(*capacities) -> type[BasePermission]:
    """A permission class admitting the given capacities for every method of a view."""
    allowed = frozenset(capacities)

    class Allowed(BasePermission):
        message = _("You do not have permission to perform this action.")

        def has_permission(self, request, view) -> bool:
            actor = actor_of(request.user)
            return actor is not None and actor.may(allowed)

        def admitted(self, view) -> frozenset:
            return allowed

    Allowed.__name__ = "Allow_" + "_".join(sorted(allowed))
    return Allowed
