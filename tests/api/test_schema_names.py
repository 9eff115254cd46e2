"""The schema a client generator builds on: readable names, one body per operation, who may call what, codes.

The end-to-end proof is ``clients/check.py`` (two generators, ``tsc --strict`` and the walk-throughs of
docs/getting-started/ with each client, in ``.ci/run``); these tests pin the rules it relies on, so that a
change breaking one fails here first, naming the operation.
"""

import re

import pytest
from rest_framework.test import APIClient

from config.errors import ErrorCode
from filings.choices import EligibilityReasonCode
from tests.api.conftest import SCHEMA_URL
from tests.api.test_schema_truth import operations
from tests.factories import FilingPolicyFactory

VERBS = (
    "list get create update check approve reject withdraw revoke change correct download upload set request start "
    "resubmit pay end export"
).split()


def by_id(schema) -> dict[str, dict]:
    return {operation["operationId"]: operation for _label, operation in operations(schema)}


def test_operation_ids_read_as_verbs_are_unique_and_every_operation_has_a_summary(schema):
    ids = [operation["operationId"] for _label, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    for label, operation in operations(schema):
        verb = re.match(r"[a-z]+", operation["operationId"]).group()
        assert verb in VERBS and re.fullmatch(r"[a-z]+([A-Z][a-z]+)+", operation["operationId"]), label
        assert operation.get("summary"), label
    named = by_id(schema)
    for expected in ("createPersonSession", "revokeFiling", "checkEligibility", "listNotifications"):
        assert expected in named


def test_every_enum_is_a_named_component_once(schema):
    components = schema["components"]["schemas"]
    enums = {name: component for name, component in components.items() if "enum" in component}
    for name in ("FilingState", "ClaimState", "ClaimBasis", "InsuranceType", "ErrorCode", "EligibilityReasonCode"):
        assert name in enums
    explicit_blank_null = {"BlankEnum", "NullEnum"}  # drf-spectacular's members of a blank or nullable choice
    for name in set(enums) - explicit_blank_null:
        assert not name.endswith("Enum") and not re.search(r"\d", name), name
    value_sets = [frozenset(component["enum"]) for component in enums.values()]
    assert len(value_sets) == len(set(value_sets)), "two enum components hold the same values"

    def inline_enums(node, where):
        if isinstance(node, dict):
            if "enum" in node and where not in enums:
                yield where
            for key, child in node.items():
                yield from inline_enums(child, f"{where}.{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                yield from inline_enums(child, f"{where}[{index}]")

    found = [where for name, component in components.items() for where in inline_enums(component, name)]
    found += [where for label, operation in operations(schema) for where in inline_enums(operation, label)]
    assert [where for where in found if where.split(".")[0] not in enums] == []


def test_one_body_per_operation(schema):
    for label, operation in operations(schema):
        assert len((operation.get("requestBody") or {}).get("content", {})) <= 1, label
    named = by_id(schema)
    upload = named["uploadClaimMaterial"]["requestBody"]["content"]
    status = named["setClaimMaterialStatus"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"] and list(status) == ["application/json"]


@pytest.mark.django_db
def test_the_item_of_a_checklist_is_an_enum_of_the_policys_codes():
    FilingPolicyFactory()
    from filings.models import FilingMaterialRequirement
    from tests.factories import FilingMaterialRequirementFactory

    FilingMaterialRequirementFactory(item="residence_proof")
    schema = APIClient().get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    items = schema["components"]["schemas"]["FilingMaterialItem"]["enum"]
    assert items == sorted(set(FilingMaterialRequirement.objects.values_list("item", flat=True)))
    parameters = by_id(schema)["uploadFilingMaterial"]["parameters"]
    item = next(p for p in parameters if p["name"] == "item")
    assert item["schema"] == {"$ref": "#/components/schemas/FilingMaterialItem"}


def test_each_credential_scheme_names_its_prefix_and_operations_list_only_their_callers(schema):
    schemes = schema["components"]["securitySchemes"]
    assert (schemes["personSession"]["type"], schemes["personSession"]["scheme"]) == ("http", "bearer")
    assert schemes["staffToken"]["x-auth-scheme"] == "Token"
    assert "Authorization: Token <" in schemes["staffToken"]["description"]
    assert schemes["channelKey"]["x-auth-scheme"] == schemes["hospitalKey"]["x-auth-scheme"] == "Api-Key"
    callers = {
        operation_id: sorted(name for entry in operation.get("security", []) for name in entry)
        for operation_id, operation in by_id(schema).items()
    }
    assert callers["createStaffToken"] == []
    assert callers["approveFiling"] == callers["approveClaim"] == callers["listAuditEvents"] == ["staffToken"]
    assert callers["setClaimMaterialStatus"] == callers["payClaim"] == ["staffToken"]
    assert callers["createPersonSession"] == ["channelKey"]
    assert callers["endPersonSession"] == ["personSession"]
    assert callers["checkEligibility"] == ["hospitalKey", "staffToken"]  # a channel backend's key is refused
    assert callers["listNotifications"] == ["channelKey", "personSession"]
    assert callers["createFiling"] == ["hospitalKey", "personSession", "staffToken"]  # a hospital's referral
    assert callers["listRegions"] == ["channelKey", "hospitalKey", "personSession", "staffToken"]
    assert callers["createClaim"] == callers["revokeFiling"] == ["personSession", "staffToken"]


def test_codes_are_enums_of_every_value_the_server_sends(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["properties"]["code"]["allOf"] == [{"$ref": "#/components/schemas/ErrorCode"}]
    reason_code = components["Eligibility"]["properties"]["reason_code"]["allOf"]
    assert reason_code == [{"$ref": "#/components/schemas/EligibilityReasonCode"}]
    assert set(components["ErrorCode"]["enum"]) == {code.value for code in ErrorCode}
    assert set(components["EligibilityReasonCode"]["enum"]) == set(EligibilityReasonCode.values)
    for label, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status >= "400":
                body = response["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/Error"}, (label, status)


def test_record_answers_declare_etag_and_replays_declare_themselves(schema):
    named = by_id(schema)
    for operation_id in ("getFiling", "createFiling", "approveFiling", "getClaim", "payClaim", "updatePerson"):
        success = next(r for status, r in named[operation_id]["responses"].items() if status.startswith("2"))
        assert "ETag" in success["headers"], operation_id
    for label, operation in operations(schema):
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
            success = next(r for status, r in operation["responses"].items() if status.startswith("2"))
            assert "Idempotent-Replayed" in success.get("headers", {}), label


def test_fields_always_in_an_answer_are_required(schema):
    components = schema["components"]["schemas"]
    for name in ("FilingDetail", "ClaimDetail", "ClaimMaterial", "Eligibility", "Person", "Error"):
        assert set(components[name]["required"]) == set(components[name]["properties"]), name
    # a breakdown frozen before its basis was recorded has none: the one field an answer may lack
    assert "considered" not in components["BreakdownBasis"]["required"]


def test_an_error_code_outside_the_enum_is_refused_in_tests():
    from config.api.exceptions import error_body

    with pytest.raises(LookupError):
        error_body("made_up_code", "x")


def test_notifications_have_one_schema_per_kind_published_for_webhook_receivers(schema):
    from notifications.choices import NotificationKind

    union = schema["components"]["schemas"]["Notification"]
    assert union["discriminator"]["propertyName"] == "kind"
    assert set(union["discriminator"]["mapping"]) == set(NotificationKind.values)
    assert len(union["oneOf"]) == len(NotificationKind.values)
    webhook = schema["x-webhooks"]["notification"]["post"]
    assert webhook["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Notification"
    }
    assert {p["name"] for p in webhook["parameters"]} == {"X-Signature", "X-Notification-Id"}
