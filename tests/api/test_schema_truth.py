"""The schema tells the truth: every error an operation can answer, nulls and shapes as served.

The live check is ``contract/schema_check.py`` (schemathesis against gunicorn, in ``.ci/run``); these
tests pin what it found, so that a change that brings a finding back fails here first.
"""

import io

import pytest
from jsonschema import Draft4Validator
from rest_framework.test import APIClient

from tests.api.conftest import SCHEMA_URL
from tests.factories import ClaimFactory, FilingFactory, PersonFactory, valid_id_number


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if isinstance(operation, dict):
                yield f"{method.upper()} {path}", operation


def test_every_operation_documents_the_errors_of_the_edge_and_of_credentials(schema):
    for label, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"400", "503"} <= codes, label
        if label != "POST /api/v1/auth/token/":
            assert {"401", "403", "429"} <= codes, label
        if "{" in label:
            assert "404" in codes, label
        if operation.get("requestBody"):
            assert {"413", "415"} <= codes, label
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        if "Idempotency-Key" in names:
            assert "409" in codes, label
        if "If-Match" in names:
            assert "412" in codes, label
        for code in ("429", "503"):
            if code in codes:
                assert "Retry-After" in operation["responses"][code].get("headers", {}), (label, code)


def test_only_uploads_read_anything_but_json(schema):
    for label, operation in operations(schema):
        media_types = set((operation.get("requestBody") or {}).get("content", {}))
        if label.startswith("POST") and label.rstrip("/").endswith("{item}"):
            assert media_types == {"multipart/form-data"}, label
        else:
            assert media_types <= {"application/json"}, label


def test_text_the_edge_refuses_is_outside_the_schema(schema):
    parameters = {p["name"]: p for _label, op in operations(schema) for p in op.get("parameters", [])}
    assert parameters["Idempotency-Key"]["schema"]["pattern"] == r"^[!-~]([ -~]*[!-~])?$"
    assert parameters["name"]["schema"]["pattern"] == r"^[^\x00-\x1F\x7F]*$"
    body = schema["components"]["schemas"]["FilingInputRequest"]
    assert body["properties"]["contact_name"]["pattern"] == r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"
    assert body["additionalProperties"] is False


def test_every_json_body_declares_exactly_its_fields(schema):
    """``additionalProperties: false`` on every JSON request body (the server refuses an unknown key, naming it);
    no recursive "any JSON" type left for a generator to trip on."""
    components = schema["components"]["schemas"]
    assert "CleanJSONValue" not in components
    for label, operation in operations(schema):
        content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
        if content is None:
            continue
        ref = content["schema"].get("$ref", "")
        body = components[ref.rsplit("/", 1)[-1]] if ref else content["schema"]
        assert body.get("additionalProperties") is False, label


@pytest.mark.django_db
def test_an_unknown_key_in_a_json_body_is_400_naming_it(counter):
    body = {"id_number": valid_id_number(777), "name": "王五", "insurance_type": "employee", "colour": "blue"}
    response = counter.post("/api/v1/persons/", body, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["colour"]


def validator(schema, component):
    """A validator of one component, resolving references inside the whole document."""
    nullable_to_draft4 = _nullable_as_type({"components": schema["components"]})
    wrapper = {"$ref": f"#/components/schemas/{component}", **nullable_to_draft4}
    return Draft4Validator(wrapper)


def _nullable_as_type(node):
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema's ``type: [..., "null"]`` (and ``anyOf`` a null)."""
    if isinstance(node, list):
        return [_nullable_as_type(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_as_type(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.mark.django_db
def test_a_claim_without_a_filing_and_a_filing_that_replaces_none_match_their_schema(schema, auditor):
    claim = ClaimFactory()
    filing = FilingFactory()
    assert claim.filing_id is None and filing.replaces_id is None
    claim_answer = auditor.get(f"/api/v1/claims/{claim.reference}/").json()
    filing_answer = auditor.get(f"/api/v1/filings/{filing.reference}/").json()
    assert claim_answer["filing"] is None and filing_answer["replaces"] is None
    assert list(validator(schema, "ClaimDetail").iter_errors(claim_answer)) == []
    assert list(validator(schema, "FilingDetail").iter_errors(filing_answer)) == []


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"filing_type": "emergency"}, {"claim_kind": "inpatient"}])
def test_requirements_answer_the_documented_shape(schema, counter, query):
    answer = counter.get("/api/v1/requirements/", query)
    assert answer.status_code == 200
    assert list(validator(schema, "Requirements").iter_errors(answer.json())) == []


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["0", "-1", "abc", "null", "1.5"])
def test_a_page_size_that_is_no_whole_number_is_a_400(auditor, size):
    answer = auditor.get("/api/v1/persons/", {"page_size": size})
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["page_size"]


@pytest.mark.django_db
def test_a_number_where_text_belongs_is_a_400_not_text(counter):
    person = PersonFactory()
    answer = counter.patch(f"/api/v1/persons/{person.pk}/", {"name": 12345}, format="json")
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["name"]
    person.refresh_from_db()
    assert person.name != "12345"


@pytest.mark.django_db
def test_a_form_body_is_a_415_where_the_api_reads_json(counter):
    answer = counter.post("/api/v1/persons/", "name=x", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 415
    assert answer.json()["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_a_json_null_body_for_a_claim_checklist_item_is_a_400_not_a_500(counter):
    claim = ClaimFactory()
    answer = counter.generic(
        "POST", f"/api/v1/claims/{claim.reference}/materials/hospital_invoice/status/", "null", "application/json"
    )
    assert answer.status_code == 400


@pytest.mark.django_db
def test_an_upload_and_a_status_change_are_two_operations_with_one_body_each(counter):
    """JSON to the upload is 415; a file to the status change is 415; each body names its own fields."""
    claim = ClaimFactory()
    base = f"/api/v1/claims/{claim.reference}/materials/hospital_invoice/"
    as_json = counter.post(base, {"status": "accepted"}, format="json")
    assert (as_json.status_code, as_json.json()["code"]) == (415, "unsupported_media_type")
    as_form = counter.post(base + "status/", {"status": "accepted"}, format="multipart")
    assert (as_form.status_code, as_form.json()["code"]) == (415, "unsupported_media_type")
    no_file = counter.post(base, {}, format="multipart")
    assert no_file.status_code == 400 and "file" in no_file.json()["errors"]
    no_status = counter.post(base + "status/", {"reason": "x"}, format="json")
    assert no_status.status_code == 400 and "status" in no_status.json()["errors"]


def _shape(node):
    """What a generated client is built from: names, operation ids, enums and references; not the prose."""
    if isinstance(node, dict):
        return {
            key: _shape(value)
            for key, value in node.items()
            if key not in ("description", "summary", "title", "x-spec-enum-id")
        }
    if isinstance(node, list):
        return [_shape(item) for item in node]
    return node


@pytest.mark.django_db
def test_the_schema_is_the_same_in_every_language():
    """Component names, operation ids, enums and shapes do not depend on ``Accept-Language`` (issue 29)."""
    client = APIClient()

    def schema_in(language: str) -> dict:
        answer = client.get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json", HTTP_ACCEPT_LANGUAGE=language)
        assert answer.status_code == 200
        return answer.json()

    chinese, english = schema_in("zh-hans"), schema_in("en")
    assert set(chinese["components"]["schemas"]) == set(english["components"]["schemas"])
    ids = [op["operationId"] for path in chinese["paths"].values() for op in path.values() if isinstance(op, dict)]
    assert len(ids) == len(set(ids)), "duplicate operation ids"
    assert _shape(chinese["paths"]) == _shape(english["paths"])
    assert _shape(chinese["components"]["schemas"]) == _shape(english["components"]["schemas"])


@pytest.mark.django_db
def test_a_form_with_too_many_files_is_a_json_400_not_an_html_page(counter, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    claim = ClaimFactory()
    files = {f"file{n}": io.BytesIO(b"%PDF-1.4 x") for n in range(3)}
    answer = counter.post(f"/api/v1/claims/{claim.reference}/materials/hospital_invoice/", files, format="multipart")
    assert (answer.status_code, answer["Content-Type"]) == (400, "application/json")
    assert answer.json()["code"] == "invalid" and "body" in answer.json()["errors"]
