"""Translate between JSON and the filings app's models; no rules live here."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fast import FastOutput
from config.api.inputs import InputSerializer, QueryInputSerializer, limit
from config.api.serializers import StateEventSerializer
from filings.choices import EligibilityBasis, EligibilityReasonCode, FilingMode, FilingType, ProofBasis
from filings.models import Filing, FilingEvent, FilingMaterial, FilingMaterialRequirement
from registry.choices import VisitKind
from registry.masking import mask_id_number, mask_phone, reader_may_see
from registry.models import Person


class RequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = FilingMaterialRequirement
        fields = ["item", "name", "required", "commitment_may_replace", "description", "effective_from", "effective_to"]


def _text(field: str, **kwargs) -> serializers.CharField:
    """A text input as long as the filing's column allows."""
    return serializers.CharField(max_length=limit(Filing, field), **kwargs)


def _optional_text(field: str) -> serializers.CharField:
    return _text(field, required=False, allow_blank=True)


class FilingInputSerializer(InputSerializer):
    """The body of POST /filings/: types and limits only; the filing services check the rules."""

    id_number = serializers.CharField(
        max_length=limit(Person, "id_number"),
        required=False,
        help_text="The person filed for (counter staff and hospitals).",
    )
    name = serializers.CharField(
        max_length=limit(Person, "name"),
        required=False,
        help_text="The person's name: hospitals name the person by ID number and name, and both must match.",
    )
    filing_type = serializers.ChoiceField(choices=FilingType.choices)
    destination = serializers.CharField(max_length=6, help_text="Province or city code (GB/T 2260).")
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    contact_name = _text("contact_name")
    contact_phone = _text("contact_phone")
    consent = serializers.BooleanField(help_text="Must be true: the person's signed consent.")
    mode = serializers.ChoiceField(choices=FilingMode.choices, required=False)
    proof_basis = serializers.ChoiceField(choices=ProofBasis.choices, required=False)
    proxy_name = _optional_text("proxy_name")
    proxy_id_number = _optional_text("proxy_id_number")
    proxy_authorization = serializers.BooleanField(required=False, default=False)
    employer_name = _optional_text("employer_name")
    employer_credit_code = serializers.CharField(
        max_length=24, required=False, allow_blank=True, help_text="统一社会信用代码 (stationed workers)."
    )
    referring_institution = serializers.CharField(
        max_length=12, required=False, allow_blank=True, help_text="A hospital's key files as its own institution."
    )
    referral_diagnosis = _optional_text("referral_diagnosis")
    referral_date = serializers.DateField(required=False, allow_null=True)
    referral_reason = _optional_text("referral_reason")
    referral_opinion = _optional_text("referral_opinion")
    institutions = serializers.ListField(child=serializers.CharField(max_length=12), required=False, max_length=3)


class ReasonSerializer(InputSerializer):
    reason = _optional_text("end_reason")


class FilingChangeSerializer(ReasonSerializer):
    """What a change may set; anything else (a commitment's due date, a state) is refused by name."""

    filing_type = serializers.ChoiceField(choices=FilingType.choices, required=False)
    destination = serializers.CharField(max_length=6, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    contact_name = _text("contact_name", required=False)
    contact_phone = _text("contact_phone", required=False)
    mode = serializers.ChoiceField(choices=FilingMode.choices, required=False)
    proof_basis = serializers.ChoiceField(choices=ProofBasis.choices, required=False)
    institutions = serializers.ListField(child=serializers.CharField(max_length=12), required=False, max_length=3)
    employer_name = _text("employer_name", required=False)
    employer_credit_code = serializers.CharField(max_length=24, required=False, allow_blank=True)


class ContactSerializer(ReasonSerializer):
    """A corrected contact: name, phone or both; no new filing, no holding period."""

    contact_name = _text("contact_name", required=False)
    contact_phone = _text("contact_phone", required=False)


class RequiredReasonSerializer(InputSerializer):
    """A transition that needs a reason (a rejection): the reason is required."""

    reason = _text("end_reason")


class RevokeSerializer(RequiredReasonSerializer):
    effective_to = serializers.DateField(
        required=False, allow_null=True, help_text="Last day the filing still covers; yesterday by default."
    )


class FilingMaterialSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", allow_null=True, default=None)

    class Meta:
        model = FilingMaterial
        fields = ["id", "item", "content_type", "size", "uploaded_at", "uploaded_by", "channel", "superseded_at"]


class MaterialUploadSerializer(InputSerializer):
    file = serializers.FileField(help_text="PDF, JPEG or PNG, at most 10 MB.")


class FilingPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Null for hospitals.")
    id_number = serializers.CharField(help_text="Masked unless the reader is the person.")
    name = serializers.CharField()


class FilingSerializer(FastOutput, serializers.ModelSerializer):
    person = FilingPersonSerializer()
    destination = serializers.CharField(source="destination_id")
    destination_name = serializers.CharField(source="destination.name")
    channel = serializers.CharField(source="channel_id")
    replaces = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
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
            "employer_name",
            "employer_credit_code",
            "referring_institution",
            "referral_diagnosis",
            "referral_date",
            "referral_reason",
            "referral_opinion",
            "channel",
            "review_due",
            "review_due_provisional",
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

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not reader_may_see(self.context, instance.person_id):
            data["person"]["id_number"] = mask_id_number(data["person"]["id_number"])
            data["contact_phone"] = mask_phone(data["contact_phone"])
        reader = self.context.get("actor")
        if reader is not None and reader.is_hospital:
            data["person"]["id"] = None  # a hospital learns nothing its referral did not say
        return data

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
    institutions_binding = serializers.SerializerMethodField(
        help_text=(
            "Whether care under this filing is covered only at the `institutions` it names: true where the older "
            "regional rule is in force for its destination and type today (a policy table with effective dates); "
            "false means the list is informative and care is covered at any institution of the destination."
        )
    )
    checklist = serializers.SerializerMethodField()

    class Meta(FilingSerializer.Meta):
        fields = [*FilingSerializer.Meta.fields, "institutions", "institutions_binding", "checklist"]

    def get_institutions_binding(self, obj) -> bool:
        if hasattr(obj, "institutions_binding"):  # read with the filing (filings.selectors._with_checklist)
            return obj.institutions_binding
        from filings.selectors import designated_institutions_required

        today = timezone.localdate()
        return designated_institutions_required(
            region=obj.destination, filing_type=obj.filing_type, start=today, end=today
        )

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, obj):
        from filings.selectors import filing_checklist

        return ChecklistItemSerializer(filing_checklist(filing=obj), many=True).data


FilingEventSerializer = StateEventSerializer.for_subject(FilingEvent, "filing")


class EligibilityQuerySerializer(QueryInputSerializer):
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
    reason_code = serializers.ChoiceField(choices=EligibilityReasonCode.choices)
    reason = serializers.CharField()
    remedy = serializers.CharField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    rule = serializers.CharField()
    institution = EligibilityInstitutionSerializer(allow_null=True)
