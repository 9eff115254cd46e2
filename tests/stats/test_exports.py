"""A statistics table leaves as Excel and as CSV with the same rows: the groups, then the total; Chinese headers,
the header row frozen, counts and money as numbers (money with two decimals), shares as fractions."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from stats import periods, selectors
from tests.factories import UserFactory
from tests.stats.scene import stats_scene

pytestmark = pytest.mark.django_db


def test_the_excel_and_csv_exports_of_a_table_hold_the_same_typed_rows():
    period = periods.named("2026-10")
    stats_scene(5, period, filings=6, claims=3, answers=4)
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN))
    query = {"period": "2026-10", "group_by": "claim_kind"}
    xlsx = client.get(reverse("admin:stats_claimstatistics_export_xlsx"), query)
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"] == 'attachment; filename="statistics-claims-2026-10.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    figures = selectors.SUBJECTS["claims"].figures
    assert header[0] == "报销类别" and header[1] == str(figures[0].label) and header[-1] == "分组代码"
    assert all("（去年同期）" in name for name in header[1 + len(figures) : -1])

    table = selectors.table("claims", period, "claim_kind")
    assert [row[0] for row in rows[1:]] == [row.name for row in table.rows] + ["合计"]
    total = rows[-1]
    approved = [figure.code for figure in figures].index("amount_approved")
    cell = sheet.cell(row=len(rows), column=2 + approved)
    assert cell.number_format == "0.00" and isinstance(cell.value, int | float)
    assert Decimal(str(cell.value)).quantize(Decimal("0.01")) == table.total.current["amount_approved"]
    assert total[1] == table.total.current["received"] and isinstance(total[1], int)

    text = client.get(reverse("admin:stats_claimstatistics_export"), query)
    lines = list(csv.reader(io.StringIO(b"".join(text.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == [str(name) for name in header]
    assert len(lines) == len(rows)
    for line, row in zip(lines[1:], rows[1:], strict=True):
        assert line[0] == row[0] and line[-1] == (row[-1] or "")
        assert int(line[1]) == row[1]
