"""The Excel writer every .xlsx export goes through (``config.xlsx``): typed cells, text never run, the header
bold, frozen and filtered, sheet names Excel accepts, and rows past a sheet's limit on the next sheet."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from config import xlsx
from config.xlsx import CONTENT_TYPE, column_width, sheet_title, xlsx_response

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_answer_is_an_xlsx_download_kept_out_of_caches():
    response = xlsx_response(filename="events-20261204.xlsx", header=["编号"], rows=[["F-1"]])
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="events-20261204.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.streaming
    assert workbook(response).active["A2"].value == "F-1"


def test_each_value_is_a_typed_cell():
    instant = datetime.datetime(2025, 3, 1, 3, 0, 5, tzinfo=datetime.UTC)  # 11:00:05 in Shanghai
    row = [
        datetime.date(2025, 3, 1),
        Decimal("4312.50"),
        instant,
        '=HYPERLINK("http://x","点击")',
        True,
        False,
        None,
        {"b": ["", "入院当日已备案"], "a": "4312.50"},
        42,
        1.5,
        "+1+cmd|' /C calc'!A0",
        "12.50",
        "http://example.com",
    ]
    response = xlsx_response(filename="t.xlsx", header=[f"列{i}" for i in range(len(row))], rows=[row])
    cells = list(workbook(response).active.iter_rows(min_row=2, max_row=2))[0]
    date, money, at, formula, yes, no, empty, changes, count, ratio, plus, digits, url = cells
    assert date.value == datetime.datetime(2025, 3, 1) and date.number_format == "yyyy-mm-dd"
    assert isinstance(money.value, int | float) and money.value == 4312.5 and money.number_format == "0.00"
    assert at.value == datetime.datetime(2025, 3, 1, 11, 0, 5) and at.number_format == "yyyy-mm-dd hh:mm:ss"
    assert (
        at.value
        == timezone.localtime(instant).replace(tzinfo=None)
        == instant.astimezone(SHANGHAI).replace(tzinfo=None)
    )
    assert (formula.value, formula.data_type) == ('=HYPERLINK("http://x","点击")', "s")
    assert (plus.value, plus.data_type) == ("+1+cmd|' /C calc'!A0", "s")
    assert (yes.value, no.value) == ("是", "否")
    assert empty.value is None
    assert changes.value == '{"a": "4312.50", "b": ["", "入院当日已备案"]}'
    assert (count.value, count.data_type) == (42, "n") and isinstance(count.value, int)
    assert ratio.value == 1.5
    assert (digits.value, digits.data_type) == ("12.50", "s")  # text that looks like a number stays text
    assert (url.value, url.data_type, url.hyperlink) == ("http://example.com", "s", None)


def test_a_date_excel_cannot_hold_is_its_iso_text():
    response = xlsx_response(filename="t.xlsx", header=["日期"], rows=[[datetime.date(1899, 12, 1)]])
    cell = workbook(response).active["A2"]
    assert (cell.value, cell.data_type) == ("1899-12-01", "s")


def test_the_header_is_bold_frozen_filtered_and_wide_enough():
    header = ["参保人姓名", "reference", "决定"]
    response = xlsx_response(filename="t.xlsx", header=header, rows=[["张三", "F-1", "审核通过"]] * 3)
    sheet = workbook(response).active
    assert [cell.value for cell in sheet[1]] == header
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C4"
    assert sheet.column_dimensions["A"].width >= 12  # five Chinese characters, each two wide


def test_widths_count_chinese_double_within_bounds():
    assert column_width("金额") == xlsx.MIN_WIDTH
    assert column_width("参保人姓名") == 12
    assert column_width("reference") == 11
    assert column_width("长" * 100) == xlsx.MAX_WIDTH


@pytest.mark.parametrize(
    ("name", "title"),
    [
        (None, "Sheet1"),
        ("", "Sheet1"),
        ("决定", "决定"),
        ("a/b\\c[d]:e*f?g", "a_b_c_d__e_f_g"),
        ("'quoted'", "quoted"),
        ("长" * 40, "长" * 31),
        ("[]", "__"),
    ],
)
def test_sheet_names_keep_to_excels_rules(name, title):
    assert sheet_title(name) == title
    response = xlsx_response(filename="t.xlsx", header=["a"], rows=[], sheet_name=name)
    assert workbook(response).sheetnames == [title]


def test_no_rows_is_still_a_sheet_with_its_header():
    sheet = workbook(xlsx_response(filename="t.xlsx", header=["编号", "状态"], rows=iter([]))).active
    assert [cell.value for cell in sheet[1]] == ["编号", "状态"]
    assert sheet.max_row == 1 and sheet.freeze_panes == "A2"


def test_rows_past_a_sheets_limit_go_on_on_the_next_sheet_under_the_same_header(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # the header and two rows a sheet
    rows = ([f"F-{n}", n] for n in range(5))
    book = workbook(xlsx_response(filename="t.xlsx", header=["编号", "序号"], rows=rows, sheet_name="事件"))
    assert book.sheetnames == ["事件", "事件 (2)", "事件 (3)"]
    read = []
    for sheet in book.worksheets:
        assert [cell.value for cell in sheet[1]] == ["编号", "序号"]
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
        read += [[cell.value for cell in line] for line in sheet.iter_rows(min_row=2)]
    assert read == [[f"F-{n}", n] for n in range(5)]
    assert book["事件 (3)"].max_row == 2


def test_a_long_sheet_name_leaves_room_for_the_number(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 2)
    book = workbook(xlsx_response(filename="t.xlsx", header=["a"], rows=[[1], [2]], sheet_name="长" * 40))
    assert book.sheetnames == ["长" * 31, "长" * 27 + " (2)"]


@pytest.mark.django_db  # closing a response says the request finished, which closes old connections
def test_the_workbook_is_written_to_a_temporary_file_not_held_in_memory():
    response = xlsx_response(filename="t.xlsx", header=["a"], rows=[[1]])
    assert response.file_to_stream.fileno() >= 0  # a file on disk the response reads and closes
    response.close()
    assert response.file_to_stream.closed


def test_a_number_excel_cannot_hold_is_written_as_its_text():
    row = [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity")]
    response = xlsx_response(filename="t.xlsx", header=["a", "b", "c", "d"], rows=[row])
    cells = [cell.value for cell in list(workbook(response).active.iter_rows(min_row=2, max_row=2))[0]]
    assert cells == ["nan", "inf", "NaN", "-Infinity"]
