"""Excel (.xlsx) exports beside the CSV ones: the same header and rows, as typed cells an auditor can sort and sum.

The workbook is written row by row (XlsxWriter's ``constant_memory``) into a temporary file on disk and the
response streams that file, so memory stays flat however many rows there are, as ``config.csv`` does for CSV.
Unlike CSV, the file is complete before the first byte is sent: a zip archive's directory comes last.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's last row (1,048,576) holds the header too; rows beyond go on to the next sheet, the header repeated.
MAX_ROWS = 1_048_576
SHEET_NAME_LENGTH = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# A column as wide as its header (a Chinese character counts as two), within these bounds.
MIN_WIDTH, MAX_WIDTH = 8, 40
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MONEY_FORMAT = "0.00"
EXCEL_FIRST_YEAR = 1900  # Excel has no date before 1900-01-01


def sheet_title(name: str | None) -> str:
    """A sheet name Excel accepts: none of ``[]:*?/\\``, at most 31 characters, not blank, no edge quote."""
    title = SHEET_NAME_FORBIDDEN.sub("_", name or "").strip().strip("'")[:SHEET_NAME_LENGTH]
    return title or "Sheet1"


def column_width(header: str) -> int:
    """Room for the header: a wide (CJK) character counts as two, as Excel draws it."""
    width = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in header) + 2
    return max(MIN_WIDTH, min(width, MAX_WIDTH))


class _Sheets:
    """The sheets of one export: a new one, headed like the first, each time Excel's row limit is reached."""

    def __init__(self, workbook, title: str, header: list[str]):
        self.workbook, self.title, self.header = workbook, title, header
        self.bold = workbook.add_format({"bold": True})
        self.formats = {
            "date": workbook.add_format({"num_format": DATE_FORMAT}),
            "datetime": workbook.add_format({"num_format": DATETIME_FORMAT}),
            "money": workbook.add_format({"num_format": MONEY_FORMAT}),
        }
        self.count = 0
        self.sheet = None
        self.row = 0

    def next_row(self):
        """The sheet and row number for the next data row (a new sheet when this one is full)."""
        if self.sheet is None or self.row >= MAX_ROWS:
            self._new_sheet()
        self.row += 1
        return self.sheet, self.row - 1

    def _new_sheet(self) -> None:
        if self.sheet is not None:
            self.sheet.autofilter(0, 0, self.row - 1, max(len(self.header) - 1, 0))
        self.count += 1
        suffix = "" if self.count == 1 else f" ({self.count})"
        name = self.title[: SHEET_NAME_LENGTH - len(suffix)] + suffix
        sheet = self.workbook.add_worksheet(name)
        for col, text in enumerate(self.header):
            sheet.set_column(col, col, column_width(text))
        sheet.freeze_panes(1, 0)
        for col, text in enumerate(self.header):
            sheet.write_string(0, col, text, self.bold)
        self.sheet, self.row = sheet, 1

    def close(self) -> None:
        if self.sheet is None:  # no rows: still one sheet with its header
            self._new_sheet()
        self.sheet.autofilter(0, 0, self.row - 1, max(len(self.header) - 1, 0))


def write_cell(sheet, row: int, col: int, value, formats: dict) -> None:
    """One value as a typed cell; text is always text (``write_string``), never a formula, number or link.

    A date is an Excel date, an aware instant the bureau's wall time (Asia/Shanghai), money (``Decimal``)
    a number shown with two decimals, a yes or no 是 or 否 (as ``config.admin.field_column`` shows it),
    a dict or list JSON as the CSV has it; a date before 1900, which Excel cannot hold, its ISO text.
    """
    if value is None:
        return  # an empty cell (constant_memory writes nothing for it)
    if isinstance(value, bool):  # before int: a bool is an int
        sheet.write_string(row, col, gettext("Yes") if value else gettext("No"))
    elif isinstance(value, datetime.date) and value.year < EXCEL_FIRST_YEAR:
        sheet.write_string(row, col, value.isoformat())  # before Excel's calendar: as the CSV writes it
    elif isinstance(value, datetime.datetime):
        instant = timezone.localtime(value) if timezone.is_aware(value) else value
        sheet.write_datetime(row, col, instant.replace(tzinfo=None), formats["datetime"])
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, col, value, formats["date"])
    elif isinstance(value, Decimal | float) and not math.isfinite(value):
        sheet.write_string(row, col, str(value))  # NaN or infinity: no Excel number, said as the CSV says it
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), formats["money"])
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif isinstance(value, dict | list):
        sheet.write_string(row, col, json.dumps(value, ensure_ascii=False, sort_keys=True))
    else:
        sheet.write_string(row, col, str(value))


def xlsx_response(
    *, filename: str, header: Iterable[str], rows: Iterable[Iterable], sheet_name: str | None = None
) -> FileResponse:
    """The rows under a bold, frozen, filtered header, as an .xlsx download.

    Written row by row into a temporary file (XlsxWriter's ``constant_memory``: each row leaves memory when
    the next begins) that the response streams and closes. Excel holds 1,048,576 rows a sheet (``MAX_ROWS``,
    the header included): past it the rows go on on a second sheet (``<name> (2)``) under the same header,
    and so on. Text is never a formula (``=HYPERLINK(...)`` typed by anyone stays text), a number or a link.
    """
    header = [str(name) for name in header]
    output = tempfile.TemporaryFile()
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "in_memory": False,
        },
    )
    sheets = _Sheets(workbook, sheet_title(sheet_name), header)
    try:
        for values in rows:
            sheet, row = sheets.next_row()
            for col, value in enumerate(values):
                write_cell(sheet, row, col, value, sheets.formats)
        sheets.close()
        workbook.close()
    except BaseException:
        output.close()
        raise
    output.seek(0)
    response = FileResponse(output, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
