"""Shapes of the notification feed: its query and its page."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from config.api.inputs import QueryInputSerializer
from filings.choices import FilingState, FilingType
from notifications.choices import NotificationKind, RecordType
from reimbursements.choices import ClaimKind, ClaimState


class NotificationQuerySerializer(QueryInputSerializer):
    after = serializers.CharField(
        max_length=200, required=False, help_text=_("The `next` cursor of the previous answer; omit it to start.")
    )
    page_size = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)


class NotifiedPersonSerializer(serializers.Serializer):
    id_number = serializers.CharField(help_text=_("Masked: the first 6 and last 4 digits."))
    name = serializers.CharField()


class PayloadSerializer(serializers.Serializer):
    """What every notification's payload says (``notifications.services``): the record, the person, the text."""

    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    record_type = serializers.ChoiceField(choices=RecordType.choices)
    reference = serializers.CharField()
    person = NotifiedPersonSerializer()
    title = serializers.CharField(help_text=_("In Simplified Chinese, whatever the language of the request."))
    message = serializers.CharField(help_text=_("In Simplified Chinese; free text in it is masked."))


class FilingFactsSerializer(PayloadSerializer):
    state = serializers.ChoiceField(
        choices=FilingState.choices, help_text=_("The record's state when the notification was made.")
    )
    filing_type = serializers.ChoiceField(choices=FilingType.choices)
    destination = serializers.CharField(help_text=_("The destination's region code."))
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    covered_until = serializers.DateField(allow_null=True)
    commitment_due_date = serializers.DateField(allow_null=True)


class ClaimFactsSerializer(PayloadSerializer):
    state = serializers.ChoiceField(
        choices=ClaimState.choices, help_text=_("The record's state when the notification was made.")
    )
    claim_kind = serializers.ChoiceField(choices=ClaimKind.choices)
    admission_date = serializers.DateField()
    discharge_date = serializers.DateField()
    payable_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, coerce_to_string=True)
    payment_reference = serializers.CharField(allow_null=True)


class EventFactsMixin(serializers.Serializer):
    reason = serializers.CharField(help_text=_("The reason recorded with the change (masked)."))
    at = serializers.DateTimeField(help_text=_("When the change happened."))


class FilingEventPayloadSerializer(EventFactsMixin, FilingFactsSerializer):
    """A filing's change of state: effective, rejected, revoked."""


class FilingReminderPayloadSerializer(FilingFactsSerializer):
    """A filing's coming date: its end, or its promised documents' due date."""

    days_left = serializers.IntegerField(help_text=_("Days from the reminder to the date."))


class ClaimEventPayloadSerializer(EventFactsMixin, ClaimFactsSerializer):
    """A claim's change of state: approved, rejected, paid."""


class ClaimMaterialsRequestedPayloadSerializer(ClaimEventPayloadSerializer):
    """A claim's request for materials (补正), with the items still missing."""

    missing = serializers.ListField(child=serializers.CharField(), help_text=_("Item codes of the checklist."))


# Each kind's payload (the feed's and the webhook's ``payload``).
PAYLOADS = {
    NotificationKind.FILING_EFFECTIVE: FilingEventPayloadSerializer,
    NotificationKind.FILING_REJECTED: FilingEventPayloadSerializer,
    NotificationKind.FILING_REVOKED: FilingEventPayloadSerializer,
    NotificationKind.FILING_EXPIRING: FilingReminderPayloadSerializer,
    NotificationKind.COMMITMENT_DUE: FilingReminderPayloadSerializer,
    NotificationKind.CLAIM_MATERIALS_REQUESTED: ClaimMaterialsRequestedPayloadSerializer,
    NotificationKind.CLAIM_APPROVED: ClaimEventPayloadSerializer,
    NotificationKind.CLAIM_REJECTED: ClaimEventPayloadSerializer,
    NotificationKind.CLAIM_PAID: ClaimEventPayloadSerializer,
}


class NotificationSerializer(serializers.Serializer):
    """One notification, exactly as a webhook receives it in the POST body."""

    id = serializers.IntegerField(help_text=_("Also sent as X-Notification-Id: deduplicate by it."))
    kind = serializers.CharField(help_text=_("What happened; names the shape of the payload."))
    record_type = serializers.ChoiceField(choices=RecordType.choices)
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()


def _variant(kind: NotificationKind) -> type[serializers.Serializer]:
    """The notification of one kind: its ``payload`` of that kind's shape (component ``<Kind>Notification``)."""
    name = "".join(part.title() for part in kind.value.split("_")) + "Notification"
    return type(
        f"{name}Serializer",
        (NotificationSerializer,),
        {
            "kind": serializers.ChoiceField(choices=[(kind.value, kind.label)], help_text=_("What happened.")),
            "payload": PAYLOADS[kind](),
            "__doc__": f"A `{kind.value}` notification: {kind.label}.",
        },
    )


# One schema per kind, told apart by ``kind`` (the schema's discriminator): the feed's and the webhooks' bodies.
VARIANTS = {kind.value: _variant(kind) for kind in NotificationKind}


class NotificationPageSerializer(serializers.Serializer):
    next = serializers.CharField(
        allow_null=True, help_text=_("Send it as `after` next time; null only while the feed is empty.")
    )
    has_more = serializers.BooleanField(help_text=_("More notifications wait after this page."))
    results = serializers.SerializerMethodField()

    @extend_schema_field(
        PolymorphicProxySerializer(
            component_name="Notification", serializers=VARIANTS, resource_type_field_name="kind", many=True
        )
    )
    def get_results(self, page) -> list:
        return page["results"]
