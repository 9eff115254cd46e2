"""Health probes, schema, docs, admin login and the common error format."""

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/api/schema/", "/api/docs/", "/admin/login/"])
def test_public_pages_answer_200(client, path):
    assert client.get(path).status_code == 200


def test_readyz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    from django.db import connections

    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert client.get("/healthz").status_code == 200


def test_schema_documents_the_error_format_and_the_contract_paths(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert {
        "/api/v1/auth/token/",
        "/api/v1/person-sessions/",
        "/api/v1/persons/",
        "/api/v1/regions/",
        "/api/v1/institutions/",
        "/api/v1/requirements/",
    } <= set(schema["paths"])
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"code", "message", "errors"}


def test_unknown_api_path_is_404(counter):
    assert counter.get("/api/v1/nothing-here/").status_code == 404


def test_admin_speaks_chinese(client):
    assert "登录" in client.get("/admin/login/").content.decode()


def test_error_messages_are_chinese_by_default_and_english_on_request(counter):
    body = {"id_number": "110105194912310021", "name": "王五", "insurance_type": "employee"}
    chinese = counter.post("/api/v1/persons/", body).json()
    assert chinese["errors"]["id_number"] == ["该身份证号码的校验位有误。"]
    english = counter.post("/api/v1/persons/", body, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["errors"]["id_number"] == ["The check digit of this ID number is wrong."]


def test_api_answers_503_not_500_when_the_database_is_down(counter, monkeypatch):
    from registry import selectors

    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "person_list", unreachable)
    response = counter.get("/api/v1/persons/")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"
