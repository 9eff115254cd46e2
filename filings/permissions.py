"""Who may read and write the filings app's records through the API."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.choices import Role
from accounts.permissions import has_role, is_hospital, is_person, is_staff_user


class PersonRecords(BasePermission):
    """Every staff role reads persons, a person their own record; counter staff and administrators write."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return is_staff_user(request.user) or is_person(request.user)
        return has_role(request.user, Role.COUNTER, Role.ADMIN)


class FilingRecords(BasePermission):
    """Staff and persons read filings; hospitals may only create (referrals); channels alone nothing.

    Which action each caller may take is decided by the filing services' rules table.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if is_staff_user(user) or is_person(user):
            return True
        return is_hospital(user) and getattr(view, "action", None) == "create"


class EligibilityReaders(BasePermission):
    """Hospitals and staff ask whether a person is covered."""

    def has_permission(self, request, view) -> bool:
        return is_hospital(request.user) or is_staff_user(request.user)
