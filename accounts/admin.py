"""Admin for staff accounts, channels, their keys and person sessions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin  # noqa: F401  (registers AuthToken first)
from knox.models import AuthToken
from rest_framework_api_key.models import APIKey

from accounts.choices import Role
from accounts.forms import StaffChangeForm, StaffCreationForm
from accounts.models import Channel, ChannelAPIKey, PersonSession, StaffToken, User
from accounts.webhooks import mask_secret, new_webhook_secret
from config.admin import ViewOnlyMixin, confirm_action


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = StaffCreationForm
    form = StaffChangeForm
    list_display = ["username", "role", "first_name", "last_name", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_superuser"]
    fieldsets = (
        (None, {"fields": ("username", "password", "role")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),)
    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        """Staff accounts are deactivated, never deleted: their names stay on the events they wrote."""
        return False

    @admin.action(description=_("Deactivate selected staff accounts"), permissions=["change"])
    def deactivate(self, request, queryset):
        done = 0
        for user in queryset.filter(is_active=True):
            user.is_active = False
            user.save(update_fields=["is_active"])  # the password-change signal is not involved
            done += 1
        self.message_user(request, _("%(n)d account(s) deactivated.") % {"n": done}, messages.SUCCESS)


# The roles' permissions are code (accounts/roles.py), re-applied after every migration: the groups
# are shown for reading, so that nobody edits a permission the next deployment would silently undo.
admin.site.unregister(Group)


# Django stores a default permission's name in English ("Can add filing"): shown from its action and model.
PERMISSION_ACTIONS = {
    "add": _("may add %(model)s"),
    "change": _("may change %(model)s"),
    "delete": _("may delete %(model)s"),
    "view": _("may view %(model)s"),
}


# Models with no Chinese name of their own, whose permissions the roles' groups still hold.
UNNAMED_MODELS = {"registry.referencesequence": _("reference number sequence")}


def model_name(model) -> str:
    if getattr(model, "instance_type", None) is not None:  # django-simple-history's table of past versions
        return gettext("past versions of %(model)s") % {"model": model.instance_type._meta.verbose_name}
    return str(UNNAMED_MODELS.get(model._meta.label_lower, model._meta.verbose_name))


def permission_label(permission) -> str:
    model = permission.content_type.model_class()
    action = permission.codename.split("_", 1)[0]
    default = model is not None and permission.codename == f"{action}_{model._meta.model_name}"
    if default and action in PERMISSION_ACTIONS:
        return str(PERMISSION_ACTIONS[action]) % {"model": model_name(model)}
    return gettext(permission.name)  # a permission of our own: its name is a translatable string


@admin.register(Group)
class RoleGroupAdmin(ViewOnlyMixin, BaseGroupAdmin):
    list_display = ["role_name"]
    readonly_fields = ["role_name", "permissions_listed"]
    fields = ["role_name", "permissions_listed"]

    @admin.display(description=_("role"), ordering="name")
    def role_name(self, group):
        return Role(group.name).label if group.name in Role.values else group.name

    @admin.display(description=_("permissions (set by the role, in code)"))
    def permissions_listed(self, group):
        return "、".join(permission_label(p) for p in group.permissions.select_related("content_type")) or "—"


class ChannelForm(forms.ModelForm):
    webhook_url = forms.URLField(
        label=_("webhook URL"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=Channel._meta.get_field("webhook_url").help_text,
    )
    new_webhook_secret = forms.BooleanField(
        label=_("generate a new signing secret"),
        required=False,
        help_text=_("Shown once after saving; the channel verifies X-Signature with it. One is made with a new URL."),
    )

    class Meta:
        model = Channel
        fields = ["code", "name", "group", "description", "is_active", "webhook_url"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ["code", "name", "group", "is_active", "webhook_url"]
    list_filter = ["group", "is_active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "webhook_secret_masked"] if obj else ["webhook_secret_masked"]

    def get_fields(self, request, obj=None):
        """A reader without the right to change a channel is not offered a new secret (an unlabelled box)."""
        fields = super().get_fields(request, obj)
        if not self.has_change_permission(request, obj):
            fields = [name for name in fields if name != "new_webhook_secret"]
        return fields

    @admin.display(description=_("webhook signing secret"))
    def webhook_secret_masked(self, obj) -> str:
        return mask_secret(obj.webhook_secret) if obj else ""

    def save_model(self, request, obj, form, change):
        secret = None
        if not obj.webhook_url:
            obj.webhook_secret = ""
        elif form.cleaned_data.get("new_webhook_secret") or not obj.webhook_secret:
            secret = obj.webhook_secret = new_webhook_secret()
        super().save_model(request, obj, form, change)
        if secret:
            self.message_user(
                request,
                _("The new signing secret of %(channel)s, shown this once: %(secret)s")
                % {"channel": obj.code, "secret": secret},
                messages.WARNING,
            )


# rest_framework_api_key registers its own, unused APIKey model: only channel keys exist here.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


class RevokedFilter(admin.SimpleListFilter):
    """The package's field has no translatable name: the filter says "revoked" itself."""

    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("1", _("revoked")), ("0", _("not revoked"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(revoked=self.value() == "1")
        return queryset


class ChannelAPIKeyForm(forms.ModelForm):
    class Meta:
        model = ChannelAPIKey
        fields = ["name", "channel", "institution", "expiry_date", "revoked"]
        labels = {"name": _("name"), "expiry_date": _("expires"), "revoked": _("revoked")}
        help_texts = {
            "name": _("What the key is for, e.g. the system that holds it."),
            "expiry_date": _("From this time the key is refused; empty: it does not expire."),
            "revoked": _("A revoked key is refused at once; this cannot be undone."),
        }


@admin.register(ChannelAPIKey)
class ChannelAPIKeyAdmin(admin.ModelAdmin):
    """Keys are shown by prefix only; a new key's secret is shown once, then only its hash is kept.

    Keys are revoked, never deleted: the events they wrote name their channel.
    """

    form = ChannelAPIKeyForm
    list_display = ["key_prefix", "key_name", "channel", "institution", "created_at", "expires", "usable"]
    list_filter = ["channel", RevokedFilter]
    list_select_related = ["channel", "institution"]
    search_fields = ["name", "prefix", "channel__code", "institution__code"]
    autocomplete_fields = ["institution"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["key_prefix", "channel", "institution"] + (["name", "expiry_date", "revoked"] if obj.revoked else [])

    @admin.display(description=_("name"), ordering="name")
    def key_name(self, obj):
        return obj.name

    @admin.display(description=_("key prefix"), ordering="prefix")
    def key_prefix(self, obj):
        return obj.prefix

    @admin.display(description=_("created at"), ordering="created")
    def created_at(self, obj):
        return obj.created

    @admin.display(description=_("expires"), ordering="expiry_date")
    def expires(self, obj):
        return obj.expiry_date or "—"

    @admin.display(description=_("usable"), boolean=True)
    def usable(self, obj):
        return not obj.revoked and not obj.has_expired

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        if "apply" not in request.POST:
            return confirm_action(
                self,
                request,
                queryset,
                action="revoke",
                title=_("Revoke selected keys"),
                items=[f"{key.prefix} — {key.name} — {key.channel}" for key in queryset.select_related("channel")],
                warning=_("A revoked key stops working at once and cannot be restored; the channel needs a new key."),
            )
        done = queryset.filter(revoked=False).update(revoked=True)
        self.message_user(request, _("%(n)d key(s) revoked.") % {"n": done}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        key = ChannelAPIKey.objects.assign_key(obj)
        obj.save()
        self.message_user(
            request,
            _("The new key of %(channel)s, shown this once (store it safely): %(key)s")
            % {"channel": obj.channel.code, "key": key},
            messages.WARNING,
        )


@admin.register(PersonSession)
class PersonSessionAdmin(admin.ModelAdmin):
    list_display = ["person", "channel", "created_at", "expires_at"]
    list_filter = ["channel"]
    list_select_related = ["person", "channel"]
    readonly_fields = ["person", "channel", "created_at", "expires_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# knox's own admin lists each token's digest and offers to create tokens; staff tokens are listed
# here instead, read-only and without any part of their secret. Deleting one revokes it.
admin.site.unregister(AuthToken)


@admin.register(StaffToken)
class StaffTokenAdmin(admin.ModelAdmin):
    list_display = ["holder", "created_at", "expires_at"]
    list_filter = ["user__role"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    ordering = ["-created"]
    # knox's fields have no translatable names: shown through these, with ours.
    fields = readonly_fields = ["holder", "created_at", "expires_at"]

    @admin.display(description=_("staff user"), ordering="user__username")
    def holder(self, obj):
        return obj.user

    @admin.display(description=_("created at"), ordering="created")
    def created_at(self, obj):
        return obj.created

    @admin.display(description=_("expires"), ordering="expiry")
    def expires_at(self, obj):
        return obj.expiry or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The lockouts' and the schedules' admins, in Chinese (registered again over the packages' own).
from accounts import package_admin  # noqa: E402, F401
