"""Exports never hand a spreadsheet a formula: one cell function for every CSV, tested with each starter."""

import csv
import io

import pytest
from django.test import Client

from config.csv import FORMULA_STARTS, csv_cell, csv_lines
from tests.factories import ClaimFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://x","点击")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", PAYLOADS, ids=["equals", "plus", "minus", "at", "tab", "carriage return"])
def test_every_formula_starter_is_neutralised(text):
    assert csv_cell(text) == "'" + text
    assert text[0] in FORMULA_STARTS


@pytest.mark.parametrize(
    ("value", "cell"),
    [("张三", "张三"), ("12-3", "12-3"), ("", ""), (None, ""), (-5, "-5"), ({"a": "=1"}, '{"a": "=1"}')],
    ids=["text", "inner dash", "empty", "none", "a number", "json"],
)
def test_other_cells_are_written_as_they_are(value, cell):
    assert csv_cell(value) == cell


def test_header_and_rows_go_through_the_same_cell():
    lines = list(csv_lines(["=header"], [["=row"]]))
    rows = list(csv.reader(io.StringIO("".join(lines)[1:])))
    assert rows == [["'=header"], ["'=row"]]


@pytest.mark.parametrize("text", PAYLOADS, ids=["equals", "plus", "minus", "at", "tab", "carriage return"])
def test_the_admin_export_neutralises_what_anyone_typed(text):
    """A claim's institution name is typed by the claimant; the auditor's export must not run it."""
    ClaimFactory(person=PersonFactory(), institution_name=text[:100])
    client = Client()
    client.force_login(UserFactory(role="auditor"))
    response = client.get("/admin/reimbursements/claim/export/")
    body = b"".join(response.streaming_content).decode("utf-8")[1:]
    rows = list(csv.reader(io.StringIO(body)))
    column = rows[0].index("医疗机构")
    assert rows[1][column] == "'" + text.strip()


def test_the_admin_export_names_coded_values_and_adds_their_codes():
    """The claims export: the state and the channel by name, then their stored codes in columns of their own."""
    claim = ClaimFactory(person=PersonFactory())
    client = Client()
    client.force_login(UserFactory(role="auditor"))
    response = client.get("/admin/reimbursements/claim/export/")
    body = b"".join(response.streaming_content).decode("utf-8")[1:]
    header, row = list(csv.reader(io.StringIO(body)))
    assert row[header.index("渠道")] == claim.channel.name != claim.channel_id
    assert row[header.index("状态")] == "已提交"
    assert row[header.index("channel")] == claim.channel_id and row[header.index("state")] == "submitted"
    assert row[header.index("basis")] == claim.basis
