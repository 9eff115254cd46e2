"""What the filings app adds to the OpenAPI schema (post-processing hooks named in SPECTACULAR_SETTINGS)."""

from config.api.openapi import path_enum
from filings.models import FilingMaterialRequirement


def material_items(result, generator, request, public):
    """``{item}`` of a filing's materials: every item code of the checklist policy (in force, past or scheduled:
    a filing keeps the checklist of the day it was submitted)."""
    return path_enum(
        result,
        prefix="/api/v1/filings/",
        parameter="item",
        name="FilingMaterialItem",
        values=lambda: set(FilingMaterialRequirement.objects.values_list("item", flat=True)),
        description="An item code of the filing checklist policy (GET /requirements/?filing_type= lists them).",
        answers=(("ChecklistItem", "item"), ("FilingMaterial", "item"), ("Requirement", "item")),
    )
