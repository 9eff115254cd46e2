"""Who may read and write the filings app's records through the API."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.choices import Role
from accounts.permissions import has_role, is_person, is_staff_user


class PersonRecords(BasePermission):
    """Every staff role reads persons, a person their own record; counter staff and administrators write."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return is_staff_user(request.user) or is_person(request.user)
        return has_role(request.user, Role.COUNTER, Role.ADMIN)
