"""What the reimbursements app adds to the OpenAPI schema (post-processing hooks named in SPECTACULAR_SETTINGS)."""

from config.api.openapi import path_enum
from reimbursements.models import ClaimMaterialRequirement


def material_items(result, generator, request, public):
    """``{item}`` of a claim's checklist: every item code of the checklist policy (in force, past or scheduled:
    a claim keeps the checklist of the day it was submitted)."""
    return path_enum(
        result,
        prefix="/api/v1/claims/",
        parameter="item",
        name="ClaimMaterialItem",
        values=lambda: set(ClaimMaterialRequirement.objects.values_list("item", flat=True)),
        description="An item code of the claim checklist policy (GET /requirements/?claim_kind= lists them).",
        answers=(
            ("ClaimMaterial", "item"),
            ("ClaimRequirement", "item"),
            ("ClaimDetail", "missing"),
            ("ClaimMaterialsRequestedPayload", "missing"),
        ),
    )
