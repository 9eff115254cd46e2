"""Every CSV export has an Excel twin: the same header and rows (as typed cells), the same filters, the same
refusals — the admin's lists, the event browser, the decisions report and the API's event feed."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from config.csv import FORMULA_STARTS
from config.xlsx import CONTENT_TYPE
from registry.models import PersonDataAccess
from tests.api.conftest import SCHEMA_URL
from tests.audit.decided import a_week_of_decisions
from tests.factories import (
    ClaimEventFactory,
    ClaimFactory,
    FilingEventFactory,
    FilingFactory,
    PersonFactory,
    UserFactory,
    channel_key,
    referring_hospital,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")
EVENTS_API = "/api/v1/audit/events/"
# A yes or no is 是/否 in a workbook; the CSV's code columns keep Python's True/False (``config.csv.csv_cell``).
BOOLEAN_CODES = {"True": "是", "False": "否"}


def staff(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role, first_name="敏", last_name="王"))
    return client


def csv_table(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), response
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff"))))


def xlsx_table(response) -> list[list[openpyxl.cell.Cell]]:
    """Every row of every sheet (a sheet's header once: the first's), as openpyxl's cells."""
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPE, response
    assert re.fullmatch(r'attachment; filename="[\w-]+\.xlsx"', response["Content-Disposition"])
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = []
    for number, sheet in enumerate(book.worksheets):
        assert sheet.freeze_panes == "A2"
        lines = [list(line) for line in sheet.iter_rows()]
        rows += lines if number == 0 else lines[1:]
    return rows


def same_cell(text: str, cell) -> bool:
    """Whether a workbook's cell holds what the CSV's cell says, read back through its type."""
    value = cell.value
    if value is None:
        return text == ""
    if isinstance(value, datetime.datetime) and cell.number_format == "yyyy-mm-dd":
        return text == value.date().isoformat()
    if isinstance(value, datetime.datetime):  # the bureau's wall time; the CSV says it with its +08:00
        assert cell.number_format == "yyyy-mm-dd hh:mm:ss"
        written = datetime.datetime.fromisoformat(text)
        assert written.utcoffset() == datetime.timedelta(hours=8), text
        return abs(written.replace(tzinfo=None) - value) < datetime.timedelta(milliseconds=1)
    if cell.number_format == "0.00":
        return Decimal(text) == Decimal(str(value)).quantize(Decimal("0.01"))
    if isinstance(value, bool):
        return text == str(value)
    if isinstance(value, int | float):  # a share of 1.0 comes back from the workbook as the number 1
        return Decimal(text) == Decimal(str(value))
    assert cell.data_type == "s", cell  # never a formula
    if text in BOOLEAN_CODES:
        return value == BOOLEAN_CODES[text]
    if value.startswith(FORMULA_STARTS):
        return text == "'" + value  # the CSV's guard; the workbook's cell is text already
    return text == value


def assert_twins(csv_response, xlsx_response) -> list[list[str]]:
    """The same header, the same rows in the same order, cell for cell; returns the CSV's rows."""
    rows, cells = csv_table(csv_response), xlsx_table(xlsx_response)
    assert [cell.value for cell in cells[0]] == rows[0]
    assert all(cell.font.bold for cell in cells[0])
    assert len(cells) == len(rows)
    for line, (texts, row) in enumerate(zip(rows[1:], cells[1:], strict=True), start=2):
        row = row + [None] * (len(texts) - len(row))  # empty trailing cells are not written
        assert len(row) == len(texts), line
        for text, cell in zip(texts, row, strict=True):
            assert same_cell(text, cell) if cell is not None else text == "", (line, text, cell and cell.value)
    return rows


@pytest.fixture
def world():
    """Filings and claims with events, a reveal, an eligibility question, a week of decisions."""
    zhang = PersonFactory(name="张三")
    li = PersonFactory(name="李四")
    filing = FilingFactory(person=zhang)
    reviewer = UserFactory(role=Role.REVIEWER, username="rev1", first_name="丽", last_name="陈")
    FilingEventFactory(filing=filing, at=T0, actor_label=f"person:{zhang.pk}", channel_id="xm_wechat")
    FilingEventFactory(
        filing=filing,
        at=T0 + datetime.timedelta(hours=1),
        action="approve",
        from_state="submitted",
        to_state="effective",
        actor=reviewer,
        actor_label="staff:rev1",
        channel_id="counter",
        reason='=HYPERLINK("http://x","点击")',
    )
    claim = ClaimFactory(person=li, institution_name="=1+1 医院")
    FilingFactory(person=li, state="submitted")  # in the review queue
    ClaimEventFactory(claim=claim, at=T0 + datetime.timedelta(minutes=30), actor_label="staff:rev1")
    PersonDataAccess.objects.create(
        user=reviewer, actor_label="staff:rev1", person=zhang, field="id_number", reason="核对身份"
    )
    hospital = APIClient()
    hospital.credentials(HTTP_AUTHORIZATION=f"Api-Key {channel_key('hospital', institution=referring_hospital())}")
    asked = hospital.get("/api/v1/eligibility/", {"id_number": zhang.id_number, "city": "310100", "visit": "inpatient"})
    assert asked.status_code == 200, asked.content
    week = a_week_of_decisions()
    return {"zhang": zhang, "li": li, "filing": filing, "claim": claim, "week": week}


def export_urls() -> list[tuple[str, str]]:
    """Each admin's CSV export and its Excel twin (the decisions report: for a period holding decisions)."""
    today = timezone.localdate()
    period = f"?period_from={today - datetime.timedelta(days=30):%Y-%m-%d}&period_to={today:%Y-%m-%d}"
    pairs = []
    for model_admin in admin.site._registry.values():
        names = {pattern.name for pattern in model_admin.get_urls() if isinstance(pattern, URLPattern)}
        for name in sorted(n for n in names if n and n.endswith("_export")):
            assert f"{name}_xlsx" in names, f"{name} has no Excel twin"
            query = period if name == "audit_decisionreport_export" else ""
            pairs.append((reverse(f"admin:{name}") + query, reverse(f"admin:{name}_xlsx") + query))
    return pairs


def test_every_csv_export_of_the_admin_has_an_excel_twin():
    exported = {csv_url for csv_url, _xlsx in export_urls()}
    for path in (
        "/admin/filings/filing/export/",
        "/admin/reimbursements/claim/export/",
        "/admin/registry/persondataaccess/export/",
        "/admin/audit/eligibilityquestion/export/",
        "/admin/audit/auditevent/export/",
    ):
        assert path in exported
    assert any(url.startswith("/admin/audit/decisionreport/export/?") for url in exported)
    assert all(xlsx_url.split("?")[0] == csv_url.split("?")[0] + "xlsx/" for csv_url, xlsx_url in export_urls())


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_each_excel_export_holds_the_csvs_header_and_rows(world, role):
    client = staff(role)
    for csv_url, xlsx_url in export_urls():
        rows = assert_twins(client.get(csv_url), client.get(xlsx_url))
        assert len(rows) > 1, f"{csv_url}: nothing of the world was exported"
        assert not FULL_ID.search(str(rows)), csv_url


@pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER])
def test_desk_staff_are_refused_the_excel_exports_as_the_csv_ones(world, role):
    client = staff(role)
    for csv_url, xlsx_url in export_urls():
        assert client.get(csv_url).status_code == 403, csv_url
        assert client.get(xlsx_url).status_code == 403, xlsx_url


def test_the_lists_link_to_both_exports_as_filtered_and_only_for_those_who_may(world):
    listing = staff(Role.AUDITOR).get("/admin/filings/filing/", {"state__exact": "effective"}).content.decode()
    assert "/admin/filings/filing/export/?state__exact=effective" in listing
    assert "/admin/filings/filing/export/xlsx/?state__exact=effective" in listing
    assert "导出 Excel" in listing and "导出 CSV" in listing
    assert "/export/" not in staff(Role.COUNTER).get("/admin/filings/filing/").content.decode()
    browser = staff(Role.AUDITOR).get("/admin/audit/auditevent/", {"record_type": "claim"}).content.decode()
    assert "/admin/audit/auditevent/export/xlsx/?" in browser and "导出 Excel" in browser
    report = staff(Role.AUDITOR).get("/admin/audit/decisionreport/").content.decode()
    assert "/admin/audit/decisionreport/export/xlsx/?" in report and "导出 Excel" in report


def test_the_excel_export_follows_the_lists_filters(world):
    other = FilingFactory(state="submitted")
    client = staff(Role.AUDITOR)
    params = {"state__exact": "effective"}
    rows = assert_twins(
        client.get("/admin/filings/filing/export/", params), client.get("/admin/filings/filing/export/xlsx/", params)
    )
    assert world["filing"].reference in [row[0] for row in rows[1:]]
    assert {row[rows[0].index("状态")] for row in rows[1:]} == {"已生效"}
    assert other.reference not in str(rows)
    for junk in ({"colour": "blue"}, {"submitted_at__gte": "yesterday"}):  # answered as the CSV answers it
        as_csv, as_xlsx = (
            client.get("/admin/filings/filing/export/", junk),
            client.get("/admin/filings/filing/export/xlsx/", junk),
        )
        assert as_xlsx.status_code == as_csv.status_code
        assert as_xlsx.get("Location") == as_csv.get("Location")


def test_the_claims_workbook_has_money_and_dates_as_numbers_and_text_never_run(world):
    cells = xlsx_table(staff(Role.AUDITOR).get("/admin/reimbursements/claim/export/xlsx/"))
    header = [cell.value for cell in cells[0]]
    claim = world["claim"]
    (row,) = [row for row in cells[1:] if row[0].value == claim.reference]
    total = row[header.index("费用总额")]
    assert (Decimal(str(total.value)), total.number_format) == (claim.total_amount, "0.00")
    admitted = row[header.index("入院日期")]
    assert (admitted.value.date(), admitted.number_format) == (claim.admission_date, "yyyy-mm-dd")
    institution = row[header.index("医疗机构")]
    assert (institution.value, institution.data_type) == ("=1+1 医院", "s")


def test_the_decisions_workbook_has_the_reports_rows_typed(world):
    client = staff(Role.AUDITOR)
    cells = xlsx_table(client.get("/admin/audit/decisionreport/export/xlsx/"))  # last week, as the page
    header = [cell.value for cell in cells[0]]
    assert header[:3] == ["记录", "编号", "参保人"] and header[-1] == "basis_code"
    week = world["week"]
    paid = next(row for row in cells[1:] if row[1].value == week["paid"].reference)
    amount, at = paid[header.index("金额")], paid[header.index("审核时间")]
    assert (Decimal(str(amount.value)).quantize(Decimal("0.01")), amount.number_format) == (
        week["paid"].payable_amount,
        "0.00",
    )
    decided = week["paid"].decided_at.astimezone(SHANGHAI).replace(tzinfo=None)
    assert abs(at.value - decided) < datetime.timedelta(milliseconds=1)
    assert paid[header.index("是否支付")].value == "已支付"
    assert_twins(
        client.get("/admin/audit/decisionreport/export/"), client.get("/admin/audit/decisionreport/export/xlsx/")
    )
    bad = client.get("/admin/audit/decisionreport/export/xlsx/", {"period_from": "2026-12-01", "period_to": "x"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()  # the page, its error named


def test_the_event_browser_exports_the_same_workbook_as_the_api(world, auditor):
    client = staff(Role.AUDITOR)
    params = {"record_type": "filing", "at_before": "2025-03-02T00:00"}
    assert_twins(
        client.get("/admin/audit/auditevent/export/", params),
        client.get("/admin/audit/auditevent/export/xlsx/", params),
    )
    from_admin = xlsx_table(client.get("/admin/audit/auditevent/export/xlsx/", params))
    api_params = {"record_type": "filing", "at_before": "2025-03-02T00:00:00+08:00", "format": "xlsx"}
    from_api = xlsx_table(auditor.get(EVENTS_API, api_params))
    assert [[c.value for c in row] for row in from_admin] == [[c.value for c in row] for row in from_api]
    assert [row[3].value for row in from_admin[1:]] == ["submit", "approve"]
    reason = from_admin[2][9]
    assert (reason.value, reason.data_type) == ('=HYPERLINK("http://x","点击")', "s")


# --- the API --------------------------------------------------------------------------------------------------------


def test_the_feed_answers_xlsx_with_the_csvs_rows(world, auditor):
    params = {"record_type": "claim"}
    response = auditor.get(EVENTS_API, {**params, "format": "xlsx"})
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Cache-Control"] == "private, no-store"
    assert re.fullmatch(r'attachment; filename="events-\d{8}\.xlsx"', response["Content-Disposition"])
    rows = assert_twins(auditor.get(EVENTS_API, {**params, "format": "csv"}), response)
    assert {row[0] for row in rows[1:]} == {"claim"} and world["claim"].reference in str(rows)
    assert world["li"].id_number not in str(rows)


def test_the_excel_export_operation_answers_the_feeds_workbook(world, auditor):
    params = {"record_type": "filing", "action": "approve"}
    exported = xlsx_table(auditor.get(f"{EVENTS_API}xlsx/", params))
    fed = xlsx_table(auditor.get(EVENTS_API, {**params, "format": "xlsx"}))
    assert [[c.value for c in row] for row in exported] == [[c.value for c in row] for row in fed]
    assert len(exported) > 1


@pytest.mark.parametrize(("accept", "content_type"), [("text/csv", "text/csv"), (CONTENT_TYPE, CONTENT_TYPE)])
def test_the_feed_answers_the_file_its_accept_header_asks_for(world, auditor, accept, content_type):
    """Without ?format=, the Accept header chooses the file: the rows are in it (it was once empty)."""
    response = auditor.get(EVENTS_API, {"record_type": "claim"}, HTTP_ACCEPT=accept)
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    if accept == "text/csv":
        assert world["claim"].reference in b"".join(response.streaming_content).decode("utf-8-sig")
    else:
        assert world["claim"].reference in str([[c.value for c in row] for row in xlsx_table(response)])


@pytest.mark.parametrize("url", [f"{EVENTS_API}?format=xlsx", f"{EVENTS_API}xlsx/"])
def test_a_counter_is_refused_the_workbook_in_json(counter, url):
    response = counter.get(url)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"]


@pytest.mark.parametrize("url", [f"{EVENTS_API}?format=xlsx&action=dance", f"{EVENTS_API}xlsx/?action=dance"])
def test_a_bad_filter_of_a_workbook_is_a_400_in_json(auditor, url):
    response = auditor.get(url)
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json()["code"] == "invalid"


def test_the_schema_declares_the_workbook_operation():
    schema = APIClient().get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/audit/events/xlsx/"]["get"]
    assert operation["operationId"] == "exportAuditEventsXlsx"
    assert list(operation["responses"]["200"]["content"]) == [CONTENT_TYPE]
    assert schema["paths"]["/api/v1/audit/events/csv/"]["get"]["operationId"] == "exportAuditEvents"
    listed = schema["paths"]["/api/v1/audit/events/"]["get"]
    assert listed["operationId"] == "listAuditEvents"
    (format_parameter,) = [p for p in listed["parameters"] if p["name"] == "format"]
    assert schema["components"]["schemas"][format_parameter["schema"]["$ref"].rsplit("/", 1)[-1]]["enum"] == [
        "json",
        "csv",
        "xlsx",
    ]
