"""Translate between JSON and the filings app's models; no rules live here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from filings.choices import InsuranceType, InsuredStatus
from filings.models import FilingMaterialRequirement, Institution, Person, Region


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
