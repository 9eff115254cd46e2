"""Admin: the outbox (with failed deliveries counted and retried) and the overdue review marks, read-only."""

import json

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from notifications import selectors, services
from notifications.choices import NotificationStatus
from notifications.models import Notification, OverdueReview


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the system: staff read them, nobody edits them here."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "kind",
        "channel",
        "delivery",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
    ]  # the next attempt's time is on the record's page: the list fits 1366 px without it
    list_display_links = ["reference"]
    list_filter = ["status", "kind", "channel", "record_type"]
    search_fields = ["reference"]
    list_select_related = ["channel"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    exclude = ["person", "filing", "claim"]  # the reference names the record; the payload masks the person

    def get_readonly_fields(self, request, obj=None):
        fields = [name for name in super().get_readonly_fields(request, obj) if name not in self.exclude]
        return [("payload_sent" if name == "payload" else name) for name in fields]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description=Notification._meta.get_field("payload").verbose_name)
    def payload_sent(self, notification):
        """The JSON the channel receives, shown as code: its names are the API's, not words for staff."""
        return format_html(
            "<code>{}</code>", json.dumps(notification.payload, ensure_ascii=False, cls=DjangoJSONEncoder)
        )

    @admin.display(description=_("status"), ordering="status")
    def delivery(self, notification):
        """A pending notification of a channel with no webhook is not waiting: the channel pulls it."""
        if notification.status == NotificationStatus.PENDING and not notification.channel.webhook_url:
            return gettext("To be pulled (the channel has no webhook)")
        return notification.get_status_display()

    def changelist_view(self, request, extra_context=None):
        failed = selectors.failed_count()
        title = gettext("Notifications")
        if failed:
            title = gettext("Notifications (%(n)d failed: no further retry)") % {"n": failed}
        return super().changelist_view(request, extra_context={"title": title, **(extra_context or {})})

    @admin.action(description=_("Send the selected failed notifications again"), permissions=["change"])
    def retry(self, request, queryset):
        count = services.notifications_retry(
            ids=queryset.filter(status=NotificationStatus.FAILED).values_list("pk", flat=True)
        )
        self.message_user(
            request, gettext("%(n)d notification(s) will be sent again.") % {"n": count}, messages.SUCCESS
        )


@admin.register(OverdueReview)
class OverdueReviewAdmin(ReadOnlyAdmin):
    list_display = ["reference", "record_type", "due_on", "flagged_at", "still_overdue"]
    list_filter = ["record_type", "due_on"]
    search_fields = ["reference"]
    exclude = ["filing", "claim"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name not in self.exclude]

    def get_queryset(self, request):
        current = selectors.overdue_marks().values("pk")
        return super().get_queryset(request).annotate(is_current=Exists(current.filter(pk=OuterRef("pk"))))

    @admin.display(description=_("still undecided"), boolean=True, ordering="-is_current")
    def still_overdue(self, obj) -> bool:
        return obj.is_current
