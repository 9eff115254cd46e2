"""Admin for staff accounts, channels, their keys and person sessions."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin

from accounts.models import Channel, ChannelAPIKey, PersonSession, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "role", "first_name", "last_name", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_superuser"]
    fieldsets = (
        (None, {"fields": ("username", "password", "role")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "is_active"]
    list_filter = ["group", "is_active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []


@admin.register(ChannelAPIKey)
class ChannelAPIKeyAdmin(APIKeyModelAdmin):
    list_display = [*APIKeyModelAdmin.list_display, "channel", "institution"]
    list_filter = [*APIKeyModelAdmin.list_filter, "channel"]
    search_fields = [*APIKeyModelAdmin.search_fields, "channel__code", "institution__code"]
    autocomplete_fields = ["institution"]


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
