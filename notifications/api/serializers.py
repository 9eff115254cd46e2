"""Shapes of the notification feed: its query and its page."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.inputs import QueryInputSerializer
from notifications.choices import NotificationKind, RecordType


class NotificationQuerySerializer(QueryInputSerializer):
    after = serializers.CharField(
        max_length=200, required=False, help_text=_("The `next` cursor of the previous answer; omit it to start.")
    )
    page_size = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)


class NotificationSerializer(serializers.Serializer):
    """One notification, exactly as a webhook receives it in the POST body."""

    id = serializers.IntegerField(help_text=_("Also sent as X-Notification-Id: deduplicate by it."))
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    record_type = serializers.ChoiceField(choices=RecordType.choices)
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()
    payload = serializers.DictField(
        help_text=_(
            "reference, state, the record's dates, title and message (Simplified Chinese), reason; "
            "the person's ID number masked."
        )
    )


class NotificationPageSerializer(serializers.Serializer):
    next = serializers.CharField(
        allow_null=True, help_text=_("Send it as `after` next time; null only while the feed is empty.")
    )
    has_more = serializers.BooleanField(help_text=_("More notifications wait after this page."))
    results = NotificationSerializer(many=True)
