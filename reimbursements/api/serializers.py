"""Translate between JSON and claims; no rules live here."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from config.api.fast import FastOutput
from config.api.inputs import InputSerializer, limit
from config.api.serializers import StateEventSerializer
from filings.api.serializers import RequirementSerializer
from filings.choices import FilingType
from registry.api.serializers import RevealQuerySerializer
from registry.choices import InstitutionLevel
from registry.models import Person
from reimbursements.choices import (
    BREAKDOWN_STEP_LABELS,
    BenefitVisit,
    ClaimBasis,
    ClaimKind,
    ClaimReason,
    DeductibleScope,
    MaterialStatus,
    Setting,
)
from reimbursements.models import Claim, ClaimEvent, ClaimInvoice, ClaimMaterial, ClaimMaterialRequirement
from reimbursements.selectors import claim_missing_items

AMOUNT = {"max_digits": 12, "decimal_places": 2, "min_value": 0, "coerce_to_string": True}


def _optional_text(field: str) -> serializers.CharField:
    """An optional text input as long as the claim's column allows."""
    return serializers.CharField(max_length=limit(Claim, field), required=False, allow_blank=True)


class InvoiceInputSerializer(InputSerializer):
    code = serializers.CharField(
        max_length=limit(ClaimInvoice, "code"),
        help_text="The invoice code (票据代码). With the number it identifies the bill nationally; both are compared "
        "normalised (full-width characters, case, spaces, separators and invisible characters do not count).",
    )
    number = serializers.CharField(max_length=limit(ClaimInvoice, "number"), help_text="The invoice number (票据号码).")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=True)
    issued_on = serializers.DateField()


class ClaimInputSerializer(InputSerializer):
    """The body of POST /claims/: types and limits only; the claim services check the rules."""

    id_number = serializers.CharField(
        max_length=limit(Person, "id_number"), required=False, help_text="The person claimed for (counter staff)."
    )
    claim_kind = serializers.ChoiceField(choices=ClaimKind.choices)
    injury = serializers.BooleanField(required=False, default=False)
    setting = serializers.ChoiceField(
        choices=Setting.choices, required=False, help_text="Emergency claims: inpatient or outpatient care."
    )
    disease = serializers.CharField(
        max_length=32, required=False, help_text="Chronic/special outpatient claims: the disease code."
    )
    reason = serializers.ChoiceField(
        choices=ClaimReason.choices, help_text="The claimant's account; it never decides the amount (see basis)."
    )
    filing = serializers.CharField(
        max_length=limit(Claim, "reference"),
        required=False,
        allow_blank=True,
        help_text="Optional: a filing the claimant says covered the care; it must be theirs and cover it.",
    )
    institution = serializers.RegexField(
        r"^H\d{11}$", required=False, help_text="The designated institution's code, when it is in the catalogue."
    )
    institution_name = serializers.CharField(
        max_length=limit(Claim, "institution_name"), required=False, help_text="Outside the catalogue: its name."
    )
    institution_level = serializers.ChoiceField(
        choices=InstitutionLevel.choices, required=False, help_text="Outside the catalogue: its level."
    )
    city = serializers.RegexField(r"^\d{6}$", help_text="City code of the place of treatment.")
    admission_date = serializers.DateField()
    discharge_date = serializers.DateField()
    total_amount = serializers.DecimalField(**AMOUNT, help_text='Yuan, as a decimal string: "12345.67".')
    excluded_amount = serializers.DecimalField(**AMOUNT, required=False)
    category_b_self_pay = serializers.DecimalField(**AMOUNT, required=False)
    invoices = InvoiceInputSerializer(
        many=True, max_length=50, help_text="The bills paid (at most 50); they add up to total_amount."
    )
    bank_name = _optional_text("bank_name")
    bank_account = _optional_text("bank_account")
    account_holder = _optional_text("account_holder")
    proxy_name = _optional_text("proxy_name")
    proxy_id_number = _optional_text("proxy_id_number")
    proxy_relationship = _optional_text("proxy_relationship")


class ClaimTransitionSerializer(InputSerializer):
    reason = _optional_text("end_reason")


class ClaimRejectSerializer(InputSerializer):
    """Refusing payment needs a reason."""

    reason = serializers.CharField(max_length=limit(Claim, "end_reason"))


class ClaimPaySerializer(InputSerializer):
    payment_reference = serializers.CharField(max_length=limit(Claim, "payment_reference"))


# The statuses counter staff set (``missing`` is where an item starts, never set by hand).
MATERIAL_STATUS_SET_CHOICES = [
    (s.value, s.label) for s in (MaterialStatus.RECEIVED, MaterialStatus.ACCEPTED, MaterialStatus.REJECTED)
]


class MaterialStatusSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=MATERIAL_STATUS_SET_CHOICES)
    reason = serializers.CharField(
        max_length=limit(ClaimMaterial, "status_reason"),
        required=False,
        allow_blank=True,
        help_text="Required when the status is rejected: what is wrong with the item.",
    )


class ClaimMaterialSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(source="status_reason")
    changed_by = serializers.CharField(source="changed_by.username", allow_null=True, default=None)
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = ClaimMaterial
        fields = [
            "item",
            "name",
            "required",
            "original",
            "status",
            "reason",
            "changed_by",
            "changed_at",
            "has_file",
            "content_type",
            "size",
            "files_uploaded",
        ]

    def get_has_file(self, obj) -> bool:
        return bool(obj.file)


class StepSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.SerializerMethodField()
    value = serializers.CharField()

    def get_label(self, step) -> str:
        return str(BREAKDOWN_STEP_LABELS.get(step["code"], step["label"]))


class ConsideredBasisSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=ClaimBasis.choices)
    filing = serializers.CharField(allow_null=True)
    payable = serializers.CharField(allow_null=True, help_text="What the claim would pay on this basis (yuan).")


class BreakdownBasisSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=ClaimBasis.choices)
    explanation = serializers.CharField()
    filing = serializers.CharField(allow_null=True)
    considered = ConsideredBasisSerializer(
        many=True,
        required=False,
        help_text="Every basis the records supported; the one paying the person most was chosen.",
    )


class BreakdownPoolSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The annual pool the fund payment is drawn from (policy data).")
    name = serializers.CharField()
    year = serializers.IntegerField()
    cap = serializers.CharField(help_text="The pool's annual cap (yuan).")
    used_before = serializers.CharField(help_text="Drawn this year before this claim, here and elsewhere.")
    used_before_elsewhere = serializers.CharField(help_text="Of which settled outside this system.")
    this_claim = serializers.CharField()
    left = serializers.CharField(help_text="What is left of the cap after this claim.")


class BreakdownDeductibleSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=DeductibleScope.choices)
    visit_kind = serializers.ChoiceField(choices=BenefitVisit.choices)
    amount = serializers.CharField(help_text="The deductible of the benefit row (yuan).")
    used_before = serializers.CharField(help_text="Per-year deductibles: already paid this year for this visit kind.")
    this_claim = serializers.CharField()
    left = serializers.CharField()


class BreakdownSerializer(serializers.Serializer):
    basis = BreakdownBasisSerializer(required=False, help_text="What the claim rested on when it was approved.")
    pool = BreakdownPoolSerializer(required=False, help_text="The annual pool: before, this claim, left.")
    deductible = BreakdownDeductibleSerializer(required=False, help_text="The deductible: its scope and use.")
    payable = serializers.CharField()
    eligible = serializers.CharField()
    own_share = serializers.CharField()
    deductible_applied = serializers.CharField()
    steps = StepSerializer(many=True)


class ClaimRevealQuerySerializer(RevealQuerySerializer):
    reveal = serializers.MultipleChoiceField(
        choices=["bank_account", "proxy_id_number"],
        help_text="Fields to show in full (bank_account: the roles that pay only); recorded for auditors.",
    )


class InvoiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimInvoice
        fields = ["code", "number", "amount", "issued_on"]


class ClaimPersonSerializer(serializers.Serializer):
    """The person a claim is for, by id and name (documents the answer only)."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class ClaimSerializer(FastOutput, serializers.ModelSerializer):
    person = serializers.SerializerMethodField()
    city = serializers.CharField(source="city_id")
    channel = serializers.CharField(source="channel_id")
    filing = serializers.SlugRelatedField(
        slug_field="reference",
        read_only=True,
        allow_null=True,
        help_text="The filing the basis rests on, found from the records (null: none).",
    )
    institution = serializers.CharField(source="institution_id", allow_null=True)
    disease = serializers.CharField(source="disease_id", allow_null=True)
    invoices = InvoiceSerializer(many=True, read_only=True)
    bank_account = serializers.CharField(
        source="masked_bank_account",
        help_text=_("Masked: only the last four digits are shown (in full after a reveal by a paying role)."),
    )
    proxy_id_number = serializers.CharField(
        source="masked_proxy_id_number", help_text=_("The proxy's ID number, masked (in full after a reveal).")
    )

    class Meta:
        model = Claim
        fields = [
            "reference",
            "state",
            "claim_kind",
            "injury",
            "setting",
            "disease",
            "reason",
            "basis",
            "basis_explanation",
            "person",
            "filing",
            "institution",
            "institution_name",
            "institution_level",
            "city",
            "admission_date",
            "discharge_date",
            "total_amount",
            "excluded_amount",
            "category_b_self_pay",
            "invoices",
            "bank_name",
            "bank_account",
            "account_holder",
            "proxy_name",
            "proxy_id_number",
            "proxy_relationship",
            "channel",
            "submitted_at",
            "review_due",
            "review_due_provisional",
            "review_started_at",
            "decided_at",
            "paid_at",
            "payment_reference",
            "end_reason",
            "payable_amount",
            "version",
        ]

    @extend_schema_field(ClaimPersonSerializer)
    def get_person(self, obj) -> dict:
        return {"id": obj.person_id, "name": obj.person.name}


class ClaimDetailSerializer(ClaimSerializer):
    materials = ClaimMaterialSerializer(many=True, read_only=True)
    missing = serializers.SerializerMethodField(help_text="Required items not yet accepted.")
    breakdown = serializers.SerializerMethodField(help_text="Frozen at approval.")
    estimate = serializers.SerializerMethodField(help_text="Before approval: what the engine computes today.")

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "materials", "missing", "breakdown", "estimate"]

    def get_missing(self, obj) -> list[str]:
        return claim_missing_items(claim=obj)

    @extend_schema_field(BreakdownSerializer(allow_null=True))
    def get_breakdown(self, obj):
        return BreakdownSerializer(obj.breakdown).data if obj.breakdown else None

    @extend_schema_field(BreakdownSerializer(allow_null=True))
    def get_estimate(self, obj):
        estimate = self.context.get("estimate")
        return BreakdownSerializer(estimate).data if estimate else None


ClaimEventSerializer = StateEventSerializer.for_subject(ClaimEvent, "claim")


class ClaimRequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimMaterialRequirement
        fields = ["claim_kind", "item", "name", "required", "original", "effective_from", "effective_to"]


class FilingRequirementsSerializer(serializers.Serializer):
    """GET /requirements/?filing_type=: the checklist of a filing type (documents the answer only)."""

    filing_type = serializers.ChoiceField(choices=FilingType.choices)
    items = RequirementSerializer(many=True)


class ClaimRequirementsSerializer(serializers.Serializer):
    """GET /requirements/?claim_kind=: the checklist of a claim kind (documents the answer only)."""

    claim_kind = serializers.ChoiceField(choices=ClaimKind.choices)
    injury = serializers.BooleanField()
    items = ClaimRequirementSerializer(many=True)


# The answer of GET /requirements/: one of the two, by the parameter given.
RequirementsSerializer = PolymorphicProxySerializer(
    component_name="Requirements",
    serializers=[FilingRequirementsSerializer, ClaimRequirementsSerializer],
    resource_type_field_name=None,
)
