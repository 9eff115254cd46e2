"""Amounts settled elsewhere: import_pool_usage records every row or none, and names each bad row."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reimbursements.models import PoolUsageElsewhere
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

HEADER = "id_number,year,pool,fund_paid,visit_kind,deductible_paid,source\n"


def run(tmp_path, body: str) -> tuple[str, str]:
    path = tmp_path / "usage.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_pool_usage", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rows_are_recorded_with_their_pool_and_deductible(tmp_path):
    person = PersonFactory()
    out, _ = run(
        tmp_path,
        f"{person.id_number},2026,fund,12000.50,inpatient,1000,省平台 2026-11\n"
        f"{person.id_number.lower()},２０２６,outpatient,300,,,省平台 2026-11\n",
    )
    assert out.strip() == "recorded 2"
    rows = PoolUsageElsewhere.objects.order_by("pool_id").values_list(
        "pool_id", "year", "fund_paid", "visit_kind", "deductible_paid"
    )
    assert list(rows) == [
        ("fund", 2026, Decimal("12000.50"), "inpatient", Decimal("1000.00")),
        ("outpatient", 2026, Decimal("300.00"), "", Decimal("0.00")),
    ]
    assert PoolUsageElsewhere.history.count() == 2  # each recorded with its history


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("{id},2026,nosuchpool,100,inpatient,0,x", "row 3.pool"),
        ("{id},1999,fund,100,inpatient,0,x", "row 3.year"),
        ("{id},2026,fund,-1,inpatient,0,x", "row 3.fund_paid"),
        ("{id},2026,fund,1.005,inpatient,0,x", "row 3.fund_paid"),
        ("{id},2026,fund,100,,50,x", "row 3.visit_kind"),
        ("{id},2026,fund,100,inpatient,0,", "row 3.source"),
        ("110101199003070000,2026,fund,100,inpatient,0,x", "row 3.id_number"),
        ("{id},2026,fund,100,inpatient,0,first", "row 3.source"),  # the same source twice
    ],
    ids=["unknown pool", "year", "negative", "below the fen", "no visit", "no source", "nobody", "twice"],
)
def test_one_bad_row_records_nothing_and_is_named(tmp_path, row, where):
    person = PersonFactory()
    path = tmp_path / "usage.csv"
    good = f"{person.id_number},2026,fund,100,inpatient,0,first\n"
    path.write_text(HEADER + good + row.format(id=person.id_number) + "\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_pool_usage", str(path), stderr=err)
    assert [line.split(": ")[0] for line in err.getvalue().splitlines()] == [where]
    assert not PoolUsageElsewhere.objects.exists()


def test_the_error_names_the_row_and_column(tmp_path):
    person = PersonFactory()
    path = tmp_path / "usage.csv"
    path.write_text(HEADER + f"{person.id_number},2026,nosuchpool,100,inpatient,0,x\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_pool_usage", str(path), stderr=err)
    assert err.getvalue().startswith("row 2.pool: ") and "fund, outpatient" in err.getvalue()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("{id},2026,fund,99999999999999.99,inpatient,0,x\n", "row 2.fund_paid"),
        ("{id},2026,fund,100,inpatient,0," + "来" * 201 + "\n", "row 2.source"),
        ("{id},2026,fund,100,inpatient,0,a\x00b\n", "row 2.source"),
        ("{id},2026,fund,100,inpatient,0,x,extra\n", "row 2.row"),
    ],
    ids=["amount too large", "source too long", "NUL in source", "extra cell"],
)
def test_rows_beyond_the_models_limits_are_named(tmp_path, body, where):
    person = PersonFactory()
    path = tmp_path / "usage.csv"
    path.write_text(HEADER + body.format(id=person.id_number), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_pool_usage", str(path), stderr=err)
    assert [line.split(": ")[0] for line in err.getvalue().splitlines()] == [where]
    assert not PoolUsageElsewhere.objects.exists()


def test_a_header_naming_a_column_twice_or_a_cell_beyond_csv_is_refused(tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(HEADER.strip() + ",source\n", encoding="utf-8")
    with pytest.raises(CommandError, match="重复|twice"):
        call_command("import_pool_usage", str(path), stderr=StringIO())
    path.write_text(HEADER + "1,2026,fund,1,,0," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="CSV"):
        call_command("import_pool_usage", str(path), stderr=StringIO())


def test_the_same_source_spelt_another_way_is_the_same_figure(tmp_path):
    person = PersonFactory()
    run(tmp_path, f"{person.id_number},2026,fund,100,,0,平台A\n")
    path = tmp_path / "again.csv"
    path.write_text(HEADER + f"{person.id_number},2026,fund,100,,0,平台Ａ \n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_pool_usage", str(path), stderr=StringIO())
    assert PoolUsageElsewhere.objects.count() == 1
