"""Translate between JSON and the filings app's models; no rules live here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from filings.choices import (
    EligibilityBasis,
    FilingMode,
    FilingType,
    InsuranceType,
    InsuredStatus,
    ProofBasis,
    VisitKind,
)
from filings.models import (
    Filing,
    FilingEvent,
    FilingMaterial,
    FilingMaterialRequirement,
    Institution,
    Person,
    Region,
)


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class InstitutionSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city_id")
    city_name = serializers.CharField(source="city.name")
    direct_settlement = serializers.SerializerMethodField()

    class Meta:
        model = Institution
        fields = ["code", "name", "city", "city_name", "level", "direct_settlement"]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "inpatient": {"type": "boolean"},
                "outpatient": {"type": "boolean"},
                "chronic_outpatient": {"type": "boolean"},
            },
        }
    )
    def get_direct_settlement(self, obj: Institution) -> dict:
        return {
            "inpatient": obj.settles_inpatient,
            "outpatient": obj.settles_outpatient,
            "chronic_outpatient": obj.settles_chronic_outpatient,
        }


class PersonSerializer(serializers.ModelSerializer):
    insured_region = serializers.CharField(source="insured_region_id")
    insurance_code = serializers.CharField(source="national_insurance_code")

    class Meta:
        model = Person
        fields = [
            "id",
            "id_number",
            "name",
            "insurance_type",
            "insurance_code",
            "social_security_card",
            "phone",
            "insured_region",
            "insured_status",
            "version",
            "created_at",
            "updated_at",
        ]


class PersonInputSerializer(serializers.Serializer):
    """Types only; the person services check ID numbers, phones and codes for the API and imports alike."""

    id_number = serializers.CharField(max_length=18)
    name = serializers.CharField(max_length=50)
    insurance_type = serializers.ChoiceField(choices=InsuranceType.choices)
    social_security_card = serializers.CharField(max_length=32, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    insured_region = serializers.CharField(max_length=6, required=False)
    insured_status = serializers.ChoiceField(choices=InsuredStatus.choices, required=False)


class RequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = FilingMaterialRequirement
        fields = ["item", "name", "required", "commitment_may_replace", "description", "effective_from", "effective_to"]


class FilingInputSerializer(serializers.Serializer):
    """The body of POST /filings/: types only; the filing services check the rules."""

    id_number = serializers.CharField(
        max_length=18, required=False, help_text="The person filed for (counter staff and hospitals)."
    )
    filing_type = serializers.ChoiceField(choices=FilingType.choices)
    destination = serializers.CharField(max_length=6, help_text="Province or city code (GB/T 2260).")
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    contact_name = serializers.CharField(max_length=50)
    contact_phone = serializers.CharField(max_length=20)
    consent = serializers.BooleanField(help_text="Must be true: the person's signed consent.")
    mode = serializers.ChoiceField(choices=FilingMode.choices, required=False)
    proof_basis = serializers.ChoiceField(choices=ProofBasis.choices, required=False)
    proxy_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    proxy_id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    proxy_authorization = serializers.BooleanField(required=False, default=False)
    referring_institution = serializers.CharField(max_length=12, required=False, allow_blank=True)
    referral_diagnosis = serializers.CharField(max_length=200, required=False, allow_blank=True)
    referral_date = serializers.DateField(required=False, allow_null=True)
    referral_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    referral_opinion = serializers.CharField(max_length=500, required=False, allow_blank=True)
    institutions = serializers.ListField(child=serializers.CharField(max_length=12), required=False, max_length=3)


class FilingChangeSerializer(serializers.Serializer):
    filing_type = serializers.ChoiceField(choices=FilingType.choices, required=False)
    destination = serializers.CharField(max_length=6, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    contact_name = serializers.CharField(max_length=50, required=False)
    contact_phone = serializers.CharField(max_length=20, required=False)
    mode = serializers.ChoiceField(choices=FilingMode.choices, required=False)
    proof_basis = serializers.ChoiceField(choices=ProofBasis.choices, required=False)
    institutions = serializers.ListField(child=serializers.CharField(max_length=12), required=False, max_length=3)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class RevokeSerializer(ReasonSerializer):
    effective_to = serializers.DateField(
        required=False, allow_null=True, help_text="Last day the filing still covers; yesterday by default."
    )


class FilingMaterialSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", allow_null=True, default=None)

    class Meta:
        model = FilingMaterial
        fields = ["id", "item", "content_type", "size", "uploaded_at", "uploaded_by", "channel"]


class MaterialUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, JPEG or PNG, at most 10 MB.")


class FilingPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    id_number = serializers.CharField()
    name = serializers.CharField()


class FilingSerializer(serializers.ModelSerializer):
    person = FilingPersonSerializer()
    destination = serializers.CharField(source="destination_id")
    destination_name = serializers.CharField(source="destination.name")
    channel = serializers.CharField(source="channel_id")
    replaces = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    replaced_by = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue")
    referring_institution = serializers.CharField(source="referring_institution_id", allow_null=True)

    class Meta:
        model = Filing
        fields = [
            "reference",
            "state",
            "filing_type",
            "category",
            "person",
            "destination",
            "destination_name",
            "start_date",
            "end_date",
            "mode",
            "proof_basis",
            "commitment_due_date",
            "commitment_fulfilled_at",
            "contact_name",
            "contact_phone",
            "consent",
            "consent_at",
            "proxy_name",
            "proxy_authorization",
            "referring_institution",
            "referral_diagnosis",
            "referral_date",
            "referral_reason",
            "referral_opinion",
            "channel",
            "review_due",
            "overdue",
            "submitted_at",
            "effective_at",
            "decided_at",
            "ended_at",
            "covered_until",
            "end_reason",
            "replaces",
            "replaced_by",
            "version",
        ]

    def get_replaced_by(self, obj) -> str | None:
        replaced_by = getattr(obj, "replaced_by", None)
        return replaced_by.reference if replaced_by else None


class ChecklistItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    name = serializers.CharField()
    required = serializers.BooleanField()
    commitment_may_replace = serializers.BooleanField()
    present = serializers.BooleanField()
    materials = FilingMaterialSerializer(many=True)


class FilingDetailSerializer(FilingSerializer):
    institutions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    checklist = serializers.SerializerMethodField()

    class Meta(FilingSerializer.Meta):
        fields = [*FilingSerializer.Meta.fields, "institutions", "checklist"]

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, obj):
        from filings.selectors import filing_checklist

        return ChecklistItemSerializer(filing_checklist(filing=obj), many=True).data


class FilingEventSerializer(serializers.ModelSerializer):
    filing = serializers.CharField(source="filing.reference")
    channel = serializers.CharField(source="channel_id", allow_null=True)
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = FilingEvent
        fields = ["id", "filing", "action", "from_state", "to_state", "actor", "channel", "at", "reason", "changes"]


class EligibilityQuerySerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=18)
    city = serializers.RegexField(r"^\d{6}$", help_text="City code of the place of treatment.")
    date = serializers.DateField(required=False, help_text="Day of treatment; today by default.")
    visit = serializers.ChoiceField(choices=VisitKind.choices)
    institution = serializers.RegexField(r"^H\d{11}$", required=False)


class EligibilityInstitutionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    direct_settlement = serializers.BooleanField()


class EligibilitySerializer(serializers.Serializer):
    covered = serializers.BooleanField()
    basis = serializers.ChoiceField(choices=EligibilityBasis.choices, allow_null=True)
    filing = serializers.CharField(allow_null=True)
    reason_code = serializers.CharField()
    reason = serializers.CharField()
    remedy = serializers.CharField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    rule = serializers.CharField()
    institution = EligibilityInstitutionSerializer(allow_null=True)
