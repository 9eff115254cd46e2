"""Who may read and write claims through the API (which action each caller may take: rules.py)."""

from rest_framework.permissions import BasePermission

from accounts.permissions import is_person, is_staff_user


class ClaimRecords(BasePermission):
    """Staff and persons reach claims; channel and hospital keys alone reach none."""

    def has_permission(self, request, view) -> bool:
        return is_staff_user(request.user) or is_person(request.user)
