"""Shapes of the auditors' API: the event feed's query and rows, reveals of personal data."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.inputs import QueryInputSerializer
from filings.choices import EligibilityBasis, EligibilityReasonCode, FilingAction, FilingState, FilingType
from registry.choices import InsuranceType, InsuredStatus, PeriodStatus, VisitKind
from registry.masking import mask_free_text, mask_id_number, masked_changes
from registry.models import PersonDataAccess
from reimbursements.choices import ClaimAction, ClaimState

# The kinds of record whose events the feed holds (named in the schema as RecordType, by its values).
RECORD_TYPES = [("filing", _("Filing")), ("claim", _("Claim"))]
ACTIONS = sorted(set(FilingAction.values) | set(ClaimAction.values))
STATES = sorted(set(FilingState.values) | set(ClaimState.values))


class EventQuerySerializer(QueryInputSerializer):
    record_type = serializers.ChoiceField(choices=RECORD_TYPES, required=False)
    reference = serializers.CharField(max_length=20, required=False)
    id_number = serializers.CharField(max_length=18, required=False)
    action = serializers.ChoiceField(choices=ACTIONS, required=False)
    actor = serializers.CharField(max_length=80, required=False, help_text=_("As events show it: staff:<username> …"))
    channel = serializers.CharField(max_length=32, required=False)
    from_state = serializers.ChoiceField(choices=STATES, required=False)
    to_state = serializers.ChoiceField(choices=STATES, required=False)
    at_after = serializers.DateTimeField(required=False, help_text=_("From this instant (inclusive)."))
    at_before = serializers.DateTimeField(required=False, help_text=_("Before this instant."))
    cursor = serializers.CharField(max_length=200, required=False, help_text=_("The `next` cursor of a page."))
    page_size = serializers.IntegerField(min_value=1, max_value=500, required=False, default=50)

    def validate(self, attrs):
        if attrs.get("at_after") and attrs.get("at_before") and attrs["at_before"] <= attrs["at_after"]:
            raise serializers.ValidationError({"at_before": [_("Must be after at_after.")]})
        return attrs


class AuditEventSerializer(serializers.Serializer):
    record_type = serializers.ChoiceField(choices=RECORD_TYPES)
    reference = serializers.CharField()
    id_number = serializers.SerializerMethodField(help_text=_("Masked; reveal it on the person."))
    action = serializers.ChoiceField(choices=ACTIONS)
    from_state = serializers.ChoiceField(
        choices=STATES, allow_blank=True, help_text=_("Blank for a record's first event.")
    )
    to_state = serializers.ChoiceField(choices=STATES)
    actor = serializers.CharField(source="actor_label")
    channel = serializers.CharField(source="channel_id", allow_null=True)
    at = serializers.DateTimeField()
    reason = serializers.SerializerMethodField(help_text=_("Identifiers typed into it are masked."))
    changes = serializers.SerializerMethodField(help_text=_("What changed; personal identifiers masked."))

    def get_reason(self, row) -> str:
        return mask_free_text(row["reason"])

    def get_id_number(self, row) -> str:
        return mask_id_number(row["id_number"])

    def get_changes(self, row) -> dict:
        return masked_changes(row["changes"])


class AuditEventPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True, help_text=_("The cursor of the next page; null at the end."))
    results = AuditEventSerializer(many=True)


class PersonDataAccessSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")
    person = serializers.IntegerField(source="person_id")
    id_number = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(help_text=_("Why, as said; identifiers in it masked."))

    class Meta:
        model = PersonDataAccess
        fields = ["id", "at", "actor", "person", "id_number", "field", "record", "purpose", "reason"]

    def get_id_number(self, obj) -> str:
        return mask_id_number(obj.person.id_number)

    def get_reason(self, obj) -> str:
        return mask_free_text(obj.reason)


class AsOfQuerySerializer(QueryInputSerializer):
    at = serializers.DateTimeField(help_text=_("The instant, e.g. 2026-05-01T10:00:00+08:00."))
    city = serializers.RegexField(r"^\d{6}$", required=False, help_text=_("With visit: what eligibility answered."))
    visit = serializers.ChoiceField(choices=VisitKind.choices, required=False)
    day = serializers.DateField(
        required=False, help_text=_("The day of care asked about; the instant's date by default.")
    )

    def validate(self, attrs):
        if bool(attrs.get("city")) != bool(attrs.get("visit")):
            raise serializers.ValidationError({"visit": [_("Give city and visit together.")]})
        return attrs


class FilingThenSerializer(serializers.Serializer):
    reference = serializers.CharField()
    filing_type = serializers.ChoiceField(choices=FilingType.choices)
    destination = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    state = serializers.ChoiceField(
        choices=FilingState.choices, help_text=_("The state its events had given it at that instant.")
    )
    covered_until = serializers.DateField(allow_null=True)
    events = serializers.IntegerField(help_text=_("How many of its events had happened by then."))


class PersonThenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    insurance_type = serializers.ChoiceField(choices=InsuranceType.choices)
    insured_status = serializers.ChoiceField(choices=InsuredStatus.choices)
    insured_region = serializers.CharField(allow_null=True)


class InsuredPeriodThenSerializer(serializers.Serializer):
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    insurance_type = serializers.ChoiceField(choices=InsuranceType.choices)
    status = serializers.ChoiceField(choices=PeriodStatus.choices)


class EligibilityThenSerializer(serializers.Serializer):
    """What the records of that instant said of the day and place asked (the filing and insured periods)."""

    day = serializers.DateField()
    covered = serializers.BooleanField()
    basis = serializers.ChoiceField(choices=EligibilityBasis.choices, allow_null=True)
    filing = serializers.CharField(allow_null=True)
    reason_code = serializers.ChoiceField(choices=EligibilityReasonCode.choices)


class AsOfSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    person = PersonThenSerializer()
    insured_periods = InsuredPeriodThenSerializer(many=True)
    filings = FilingThenSerializer(many=True)
    eligibility = EligibilityThenSerializer(allow_null=True)
