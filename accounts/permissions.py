"""Who may call what: DRF permission classes built on roles and principals."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from accounts.choices import Role
from accounts.principals import ChannelPrincipal, PersonPrincipal


def is_staff_user(user) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and not isinstance(user, (ChannelPrincipal, PersonPrincipal))
        and user.is_active
        and (bool(user.role) or user.is_superuser)
    )


def has_role(user, *roles: str) -> bool:
    return is_staff_user(user) and user.has_role(*roles)


def is_person(user) -> bool:
    return isinstance(user, PersonPrincipal)


def is_channel(user) -> bool:
    return isinstance(user, ChannelPrincipal)


def is_hospital(user) -> bool:
    return isinstance(user, ChannelPrincipal) and user.is_hospital


def roles(*allowed: str) -> type[BasePermission]:
    """A permission class admitting staff holding one of ``allowed``."""

    class HasRole(BasePermission):
        def has_permission(self, request, view) -> bool:
            return has_role(request.user, *allowed)

    HasRole.__name__ = "HasRole_" + "_".join(allowed)
    return HasRole


class IsStaff(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_staff_user(request.user)


class IsChannel(BasePermission):
    """A channel backend's key (not a hospital's)."""

    def has_permission(self, request, view) -> bool:
        return is_channel(request.user) and not request.user.is_hospital


class IsHospital(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_hospital(request.user)


class IsPerson(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_person(request.user)


STAFF_WRITERS = (Role.COUNTER, Role.ADMIN)
ALL_STAFF = tuple(Role.values)
