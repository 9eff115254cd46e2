"""The admin's forms for staff accounts: creating one that can log in, and a login that says why it refuses."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User


def _role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("role"),
        choices=[("", "---------"), *Role.choices],
        help_text=_("What the account does: its desks and its rights follow the role."),
    )


class StaffCreationForm(AdminUserCreationForm):
    """A new staff account: a role is required, and the account can log in to the admin at once."""

    role = _role_field()

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "role")

    def save(self, commit=True):
        user = super().save(commit=False)
        user.is_staff = True  # logging in to the admin needs it; the role decides what the account may do
        if commit:
            user.save()
        return user


class StaffChangeForm(UserChangeForm):
    """An existing account: a role is required unless it is a superuser; with a role it can log in."""

    role = _role_field()

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_superuser:
            self.fields["role"].required = False

    def save(self, commit=True):
        user = super().save(commit=False)
        if user.role:
            user.is_staff = True
        if commit:
            user.save()
            self.save_m2m()
        return user


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's login: a right password of an account that may not log in is told why, not "wrong password".

    Only after the password was checked (and counted by the lockout like any failure): nothing is said of an
    account to someone who does not know its password.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "inactive": _("This account is deactivated. Ask an administrator to reactivate it."),
        "no_role": _("This account has no role yet. Ask an administrator to give it one."),
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError as refusal:
            if getattr(refusal, "code", None) != "invalid_login":
                raise
            user = User.objects.filter(username=self.cleaned_data.get("username")).first()
            if user is not None and not user.is_active and user.check_password(self.cleaned_data.get("password") or ""):
                raise ValidationError(self.error_messages["inactive"], code="inactive") from refusal
            raise

    def confirm_login_allowed(self, user):
        if user.is_active and not (user.role or user.is_superuser):
            raise ValidationError(self.error_messages["no_role"], code="no_role")
        if user.is_active and user.role and not user.is_staff:
            raise ValidationError(self.error_messages["no_role"], code="no_role")
        super().confirm_login_allowed(user)
