"""Translate between JSON and the registry's models; no rules live here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fast import FastOutput
from config.api.inputs import InputSerializer, QueryInputSerializer, limit
from registry.choices import INSURANCE_TYPE_NATIONAL_CODE, InsuranceType, InsuredStatus, RevealPurpose
from registry.masking import REVEALABLE_FIELDS, mask_id_number, mask_phone, masked, reader_may_see
from registry.models import Institution, Person, Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class DirectSettlementSerializer(serializers.Serializer):
    """Which visits an institution settles directly across provinces (documents the answer only)."""

    inpatient = serializers.BooleanField()
    outpatient = serializers.BooleanField()
    chronic_outpatient = serializers.BooleanField()


class InstitutionSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city_id")
    city_name = serializers.CharField(source="city.name")
    direct_settlement = serializers.SerializerMethodField()

    class Meta:
        model = Institution
        fields = ["code", "name", "city", "city_name", "level", "direct_settlement"]

    @extend_schema_field(DirectSettlementSerializer)
    def get_direct_settlement(self, obj: Institution) -> dict:
        return {
            "inpatient": obj.settles_inpatient,
            "outpatient": obj.settles_outpatient,
            "chronic_outpatient": obj.settles_chronic_outpatient,
        }


class PersonSerializer(FastOutput, serializers.ModelSerializer):
    """A person; ID number, social security card number and phone masked unless the reader is the person
    or revealed them (logged)."""

    insured_region = serializers.CharField(source="insured_region_id")
    insurance_code = serializers.CharField(source="national_insurance_code")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not reader_may_see(self.context, instance.pk):
            revealed = self.context.get("revealed", ())
            data["id_number"] = data["id_number"] if "id_number" in revealed else mask_id_number(data["id_number"])
            data["phone"] = data["phone"] if "phone" in revealed else mask_phone(data["phone"])
            if "social_security_card" not in revealed:
                data["social_security_card"] = masked("social_security_card", data["social_security_card"])
        return data

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
            "retired",
            "version",
            "created_at",
            "updated_at",
        ]


# Our codes, or the national ones (310, 390) that enrolment exports carry.
INSURANCE_TYPE_INPUT = [
    *InsuranceType.choices,
    *((code, insurance_type.label) for insurance_type, code in INSURANCE_TYPE_NATIONAL_CODE.items()),
]


class PersonInputSerializer(InputSerializer):
    """Types and limits only; the person services check ID numbers, phones and codes for the API and imports alike."""

    id_number = serializers.CharField(max_length=limit(Person, "id_number"))
    name = serializers.CharField(max_length=limit(Person, "name"))
    insurance_type = serializers.ChoiceField(choices=INSURANCE_TYPE_INPUT)
    social_security_card = serializers.CharField(
        max_length=limit(Person, "social_security_card"), required=False, allow_blank=True
    )
    phone = serializers.CharField(max_length=limit(Person, "phone"), required=False, allow_blank=True)
    insured_region = serializers.CharField(max_length=6, required=False)
    insured_status = serializers.ChoiceField(choices=InsuredStatus.choices, required=False)
    retired = serializers.BooleanField(required=False, help_text="Retired (退休), as the enrolment system says.")


class PersonPatchSerializer(PersonInputSerializer):
    """The body of PATCH /persons/{id}/ (documents it): every field but the ID number, which never changes."""

    id_number = None


class RevealQuerySerializer(QueryInputSerializer):
    reveal = serializers.MultipleChoiceField(
        choices=list(REVEALABLE_FIELDS), help_text="Fields to show in full; the reveal is recorded for auditors."
    )
    purpose = serializers.ChoiceField(
        choices=RevealPurpose.choices,
        default=RevealPurpose.OTHER,
        help_text="Why the full value is needed: counter_check (窗口核验), phone_enquiry (电话咨询), audit "
        "(稽核调查), payment_check (支付核对), or other (其他, said in `reason`, at least 4 characters).",
    )
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Recorded; required in words for other."
    )
