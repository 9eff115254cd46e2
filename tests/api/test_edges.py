"""No client input answers 500: deep JSON, control characters, far dates, huge headers, unknown URLs, outages."""

import json
import sys

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import RequestFactory
from stdnum.cn import ric

from config.api.middleware import server_error
from config.api.parsers import json_depth
from filings.models import Filing
from tests.factories import ClaimRequestFactory, FilingRequestFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
FILINGS = "/api/v1/filings/"


@pytest.fixture
def me(client_for):
    return client_for(person=PersonFactory(retired=True))


def post_raw(client, path, raw: str | bytes):
    return client.generic("POST", path, raw, content_type="application/json")


class TestJsonBodies:
    @pytest.mark.parametrize("depth", [33, 1000, 100_000])
    def test_nesting_deeper_than_32_is_400_naming_the_body(self, me, depth):
        response = post_raw(me, FILINGS, "[" * depth + "]" * depth)
        assert response.status_code == 400
        assert response.json()["code"] == "body_too_deep"
        assert "body" in response.json()["errors"]

    def test_32_levels_parse(self, me):
        """Parsed, then refused for what it is (a key the body does not declare), not for its depth."""
        response = post_raw(me, FILINGS, json.dumps({**FilingRequestFactory(), "x": json.loads("[" * 31 + "]" * 31)}))
        assert response.status_code == 400, response.content
        assert response.json()["code"] != "body_too_deep" and list(response.json()["errors"]) == ["x"]

    def test_brackets_inside_strings_do_not_count(self):
        assert json_depth(json.dumps({"a": "[[[[{{{{" * 100, "b": ['\\"]]]']}).encode()) == 2

    def test_a_nul_in_a_body_string_is_400_naming_the_field(self, me):
        response = post_raw(me, FILINGS, json.dumps(FilingRequestFactory(contact_name="张\u0000三")))
        assert response.status_code == 400
        assert "contact_name" in response.json()["errors"]
        assert Filing.objects.count() == 0

    def test_other_control_characters_in_nested_strings_are_refused_but_newlines_pass(self, counter):
        body = ClaimRequestFactory()
        body["invoices"][0]["number"] = "PJ\x01"
        response = post_raw(counter, "/api/v1/claims/", json.dumps(body))
        assert response.status_code == 400
        assert "invoices.0.number" in response.json()["errors"]
        assert post_raw(counter, FILINGS, json.dumps({"reason": "一行\n二行\t"})).status_code != 500

    @pytest.mark.parametrize("raw", ['{"a": ' + "9" * 5000 + "}", '{"a": 1e999999}', "{", '"\\ud800"', "\xff"])
    def test_odd_json_is_never_a_500(self, me, raw):
        assert post_raw(me, FILINGS, raw.encode("utf-8", "surrogatepass")).status_code == 400


class TestAddresses:
    @pytest.mark.parametrize(
        "path", ["/api/v1/regions/%00/", "/api/v1/persons/%00/", "/api/v1/filings/BA%00/", "/api/v1/regions/%01x/"]
    )
    def test_a_control_character_in_the_path_is_400_json(self, counter, path):
        response = counter.get(path)
        assert response.status_code == 400
        assert response.json()["code"] == "control_characters"
        assert "path" in response.json()["errors"]

    def test_outside_the_api_it_is_400_too(self, client):
        assert client.get("/admin/%00/").status_code == 400

    def test_a_control_character_in_the_query_is_400_naming_the_parameter(self, auditor):
        response = auditor.get("/api/v1/regions/", {"name": "厦\x00门"})
        assert response.status_code == 400
        assert "name" in response.json()["errors"]

    def test_a_nul_in_an_eligibility_query_is_400(self, hospital):
        response = hospital.get(
            "/api/v1/eligibility/", {"id_number": "3502\x00", "city": "310100", "visit": "inpatient"}
        )
        assert response.status_code == 400


class TestDates:
    @pytest.mark.parametrize("field", ["start_date", "end_date"])
    @pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
    def test_filing_dates_outside_1900_to_2100_are_400_naming_the_field(self, me, field, value):
        response = me.post(FILINGS, FilingRequestFactory(**{field: value}), format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()["errors"]

    @pytest.mark.parametrize("field", ["admission_date", "discharge_date"])
    def test_claim_dates_too(self, counter, field):
        body = ClaimRequestFactory(id_number=PersonFactory().id_number, **{field: "9999-12-31"})
        response = counter.post("/api/v1/claims/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()["errors"]

    def test_invoice_dates_and_query_dates_too(self, counter, hospital):
        body = ClaimRequestFactory(id_number=PersonFactory().id_number)
        body["invoices"][0]["issued_on"] = "9999-12-31"
        response = counter.post("/api/v1/claims/", body, format="json")
        assert response.status_code == 400 and "invoices.0.issued_on" in response.json()["errors"]
        person = PersonFactory()
        answer = hospital.get(
            "/api/v1/eligibility/",
            {"id_number": person.id_number, "city": "310100", "visit": "inpatient", "date": "9999-12-31"},
        )
        assert answer.status_code == 400 and "date" in answer.json()["errors"]

    @pytest.mark.parametrize("birth", ["99991231", "18000101", "21991231"])
    def test_a_person_born_outside_the_range_is_400_not_500(self, counter, birth):
        body = "350203" + birth + "031"
        id_number = body + ric.calc_check_digit(body)
        response = counter.post(
            "/api/v1/persons/", {"id_number": id_number, "name": "王五", "insurance_type": "employee"}, format="json"
        )
        assert response.status_code == 400
        assert "id_number" in response.json()["errors"]


class TestHeaders:
    def test_an_if_match_of_5000_digits_is_400_naming_the_header(self, counter):
        person = PersonFactory()
        response = counter.patch(
            f"/api/v1/persons/{person.pk}/", {"name": "王五"}, format="json", HTTP_IF_MATCH='"' + "9" * 5000 + '"'
        )
        assert response.status_code in (400, 412)
        assert "If-Match" in response.json()["errors"]
        person.refresh_from_db()
        assert person.name != "王五"

    @pytest.mark.parametrize("value", ["9" * 19, "abc", '"١"', "W/", "1, 2"])
    def test_if_match_that_is_not_a_version_is_400(self, me, value):
        reference = me.post(FILINGS, FilingRequestFactory(), format="json").json()["reference"]
        response = me.post(f"{FILINGS}{reference}/withdraw/", {}, format="json", HTTP_IF_MATCH=value)
        assert response.status_code == 400


class TestUnknownAddresses:
    @pytest.mark.parametrize(
        "path", ["/api/v1/nothing-here/", "/api/nothing", "/api/v2/filings/", "/api/v1/regions/a/b/"]
    )
    def test_an_unmatched_api_url_is_a_json_404(self, counter, path):
        response = counter.get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert set(response.json()) == {"code", "message", "errors"}
        assert response.json()["code"] == "not_found"

    def test_a_method_not_allowed_is_a_json_405(self, counter, client):
        for response in (counter.delete("/api/v1/regions/"), client.post("/api/docs/"), client.put("/api/schema/")):
            assert response.status_code == 405
            assert response["Content-Type"].startswith("application/json")
            assert set(response.json()) == {"code", "message", "errors"}

    def test_outside_the_api_404_stays_a_page(self, client):
        response = client.get("/nothing-here/")
        assert response.status_code == 404
        assert not response["Content-Type"].startswith("application/json")


class TestDatabaseDown:
    @pytest.fixture
    def database_down(self, monkeypatch):
        def refuse(self, *args, **kwargs):
            raise OperationalError("server closed the connection unexpectedly")

        return lambda: monkeypatch.setattr(CursorWrapper, "execute", refuse)

    @pytest.mark.parametrize("path", ["/admin/", "/admin/filings/filing/", "/admin/registry/person/"])
    def test_logged_in_admin_pages_answer_503_in_chinese(self, client, database_down, path):
        client.force_login(UserFactory(role="counter"))
        database_down()
        response = client.get(path)
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        page = response.content.decode()
        assert "服务暂时不可用" in page
        assert "<html" in page

    def test_the_admin_in_english_on_request(self, client, database_down):
        client.force_login(UserFactory(role="counter"))
        database_down()
        response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 503 and "temporarily unavailable" in response.content.decode()

    def test_the_api_answers_503_json_for_an_interface_error_too(self, counter, monkeypatch):
        from registry import selectors

        def closed(**kwargs):
            raise InterfaceError("connection already closed")

        monkeypatch.setattr(selectors, "person_list", closed)
        response = counter.get("/api/v1/persons/")
        assert response.status_code == 503
        assert response.json()["code"] == "service_unavailable"
        assert response["Retry-After"] == "5"

    def test_the_500_handler_turns_an_outage_met_in_a_middleware_into_503(self):
        for path, kind in (("/admin/", "text/html"), ("/api/v1/persons/", "application/json")):
            request = RequestFactory().get(path)
            try:
                raise OperationalError("the database system is shutting down")
            except OperationalError:
                response = server_error(request)
            assert response.status_code == 503 and response["Content-Type"].startswith(kind)
        try:
            raise ValueError("a bug")
        except ValueError:
            assert sys.exc_info()[0] is ValueError
            response = server_error(RequestFactory().get("/api/v1/persons/"))
        assert response.status_code == 500 and json.loads(response.content)["code"] == "server_error"
