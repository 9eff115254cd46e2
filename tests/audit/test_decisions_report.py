"""The decisions report: which filings and claims were decided in a period, by whom, for how much, paid or
not — the selector's rows and totals, its filters, its cost, the admin page, who may read it, and its export."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client

from accounts.choices import Role
from audit.decisions import DecisionFilters, decision_totals, decisions, last_week
from filings.choices import FilingAction
from reimbursements.choices import ClaimAction, ClaimBasis, ClaimState
from tests.audit.decided import a_week_of_decisions, claim_decided, last_week_at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
REPORT = "/admin/audit/decisionreport/"
EXPORT = "/admin/audit/decisionreport/export/"


@pytest.fixture
def week():
    return a_week_of_decisions()


def last_weeks(**filters) -> DecisionFilters:
    monday, sunday = last_week()
    return DecisionFilters(period_from=monday, period_to=sunday, **filters)


def references(rows) -> list[str]:
    return [row.reference for row in rows]


def staff(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def test_last_week_is_monday_to_sunday_before_this_week():
    assert last_week(datetime.date(2026, 12, 4)) == (datetime.date(2026, 11, 23), datetime.date(2026, 11, 29))
    assert last_week(datetime.date(2026, 11, 30)) == (datetime.date(2026, 11, 23), datetime.date(2026, 11, 29))
    assert last_week(datetime.date(2026, 11, 29)) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 22))


def test_the_rows_are_the_decisions_of_the_period_oldest_first(week):
    rows = decisions(last_weeks())
    assert references(rows) == [
        week[name].reference for name in ("filing", "paid", "unpaid", "refused", "self_service", "by_wang")
    ]
    paid = rows[1]
    assert paid.kind_name == "手工报销申请" and paid.decision_name == "审核通过" and paid.decision == "approve"
    assert paid.decider_name == "李审（审核）" and paid.decider == "staff:lishen"
    assert paid.amount == week["paid"].payable_amount and paid.amount > 0
    assert paid.paid is True and paid.paid_at == week["paid"].paid_at
    assert paid.state == ClaimState.PAID and paid.state_name == "已支付"
    assert paid.basis == week["paid"].basis and paid.basis_name
    assert paid.person.startswith("郑十（") and week["person"].id_number not in paid.person
    unpaid, refused, self_service, filing = rows[2], rows[3], rows[4], rows[0]
    assert unpaid.paid is False and unpaid.paid_at is None and unpaid.state_name == "审核通过"
    assert refused.decision_name == "不予支付" and refused.amount is None and refused.paid is None
    assert self_service.decider_name == "厦门医疗保障微信公众号/小程序" and self_service.decision_name == "立即生效"
    assert filing.kind_name == "备案" and filing.amount is None and filing.basis == "" and filing.paid is None


def test_the_totals_count_and_sum_what_was_approved_and_paid(week):
    totals = decision_totals(decisions(last_weeks()))
    amounts = {name: week[name].payable_amount for name in ("paid", "unpaid", "by_wang")}
    assert (totals.count, totals.approved, totals.refused) == (6, 5, 1)
    assert totals.amount == sum(amounts.values())
    assert (totals.paid, totals.paid_amount) == (1, amounts["paid"])
    assert (totals.unpaid, totals.unpaid_amount) == (2, amounts["unpaid"] + amounts["by_wang"])
    assert totals.by_kind == {"claim": 4, "filing": 2}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"decider": "staff:wanghe"}, ["by_wang"]),
        ({"decider": "channel:xm_wechat"}, ["self_service"]),
        ({"kind": "filing"}, ["filing", "self_service"]),
        ({"kind": "claim", "decision": "approve"}, ["paid", "unpaid", "by_wang"]),
        ({"decision": "reject"}, ["refused"]),
        ({"state": ClaimState.PAID}, ["paid"]),
        ({"state": ClaimState.APPROVED, "decider": "staff:lishen"}, ["unpaid"]),
    ],
    ids=["decider", "channel", "kind", "approved claims", "refusals", "paid", "state and decider"],
)
def test_each_filter_narrows_the_rows(week, filters, expected):
    assert references(decisions(last_weeks(**filters))) == [week[name].reference for name in expected]


def test_a_basis_keeps_the_claims_on_it_and_no_filing(week):
    basis = week["paid"].basis
    rows = decisions(last_weeks(basis=basis))
    assert rows and all(row.kind == "claim" and row.basis == basis for row in rows)
    other = next(value for value in ClaimBasis.values if value != basis)
    assert decisions(last_weeks(basis=other)) == []


def test_a_period_of_one_day_keeps_its_whole_day(week):
    sunday = last_week()[1]
    assert references(decisions(DecisionFilters(period_from=sunday, period_to=sunday))) == [week["by_wang"].reference]


def test_the_query_count_does_not_grow_with_the_rows(week, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        few = decisions(last_weeks())
    reviewer = week["li"]
    for day in range(5):
        claim_decided(ClaimAction.APPROVE, last_week_at(day, 15), reviewer)
    with django_assert_max_num_queries(6):
        many = decisions(last_weeks())
    assert len(many) == len(few) + 5


# --- the admin page -----------------------------------------------------------------------------------------------


def test_the_page_answers_last_weeks_question_by_default(week):
    html = staff(Role.AUDITOR).get(REPORT).content.decode()
    for name in ("filing", "paid", "unpaid", "refused", "self_service", "by_wang"):
        assert week[name].reference in html
    assert week["before"].reference not in html and week["after"].reference not in html
    assert "李审（审核）" in html and "王核（审核）" in html and "厦门医疗保障微信公众号/小程序" in html
    table = html.split('id="result_list"')[1]
    assert "staff:" not in table.replace('title="staff:', "")  # codes only as a cell's title, for machines
    assert ">approve<" not in table and ">self_service<" not in table
    assert week["person"].id_number not in html
    assert "未支付" in html and "已支付" in html
    assert '<td class="total-count">6</td>' in html


def test_the_page_filters_by_the_form(week):
    html = staff(Role.AUDITOR).get(REPORT, {"decider": "staff:wanghe"}).content.decode()
    assert week["by_wang"].reference in html and week["paid"].reference not in html


def test_a_bad_period_is_named_on_the_form_not_a_500(week):
    response = staff(Role.AUDITOR).get(REPORT, {"period_from": "2026-12-01", "period_to": "2026-11-01"})
    assert response.status_code == 200
    assert "不能早于" in response.content.decode() or "errorlist" in response.content.decode()
    assert week["paid"].reference not in response.content.decode()
    response = staff(Role.AUDITOR).get(REPORT, {"period_from": "x", "decider": "staff:nobody"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.AUDITOR, True), (Role.ADMIN, True), (Role.COUNTER, False), (Role.REVIEWER, False)]
)
def test_auditors_and_administrators_read_it_other_roles_do_not(week, role, allowed):
    client = staff(role)
    for url in (REPORT, EXPORT):
        assert client.get(url).status_code == (200 if allowed else 403), url
    index = client.get("/admin/").content.decode()
    assert (REPORT in index) is allowed


def exported(client: Client, params=None) -> list[list[str]]:
    response = client.get(EXPORT, params or {})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff"))))


def test_the_export_holds_the_rows_on_screen_with_names_then_codes(week):
    rows = exported(staff(Role.AUDITOR))
    header, body = rows[0], rows[1:]
    assert header[:12] == [
        "记录",
        "编号",
        "参保人",
        "类型",
        "决定",
        "决定人",
        "审核时间",
        "金额",
        "是否支付",
        "支付时间",
        "现在状态",
        "报销依据",
    ]
    assert header[12:] == ["record_type", "type_code", "decision_code", "decider_code", "state_code", "basis_code"]
    shown = decisions(last_weeks())
    assert [line[1] for line in body] == references(shown)
    paid = body[1]
    assert paid[4:6] == ["审核通过", "李审（审核）"] and Decimal(paid[7]) == week["paid"].payable_amount
    assert paid[8] == "已支付" and paid[10] == "已支付"
    assert paid[12:17] == ["claim", week["paid"].claim_kind, "approve", "staff:lishen", "paid"]
    assert body[2][8] == "未支付"
    numbers = [record.person.id_number for record in week.values() if hasattr(record, "reference")]
    assert not [number for number in numbers if number in str(rows)]


def test_the_export_follows_the_filters(week):
    body = exported(staff(Role.AUDITOR), {"kind": "filing"})[1:]
    assert [line[1] for line in body] == [week["filing"].reference, week["self_service"].reference]
    assert body[1][5] == "厦门医疗保障微信公众号/小程序" and body[1][15] == "channel:xm_wechat"


def test_the_export_neutralises_a_formula_in_a_name(week):
    week["person"].name = "=HYPERLINK(1)"
    week["person"].save()
    body = exported(staff(Role.AUDITOR))[1:]
    assert body[1][2].startswith("'=HYPERLINK(1)（")


def test_decisions_of_a_filing_are_read_from_its_events(week):
    """A filing approved by staff is the staff member's decision, even when a channel submitted it."""
    rows = decisions(last_weeks(kind="filing", decision=FilingAction.APPROVE))
    assert [(row.reference, row.decider_name) for row in rows] == [(week["filing"].reference, "李审（审核）")]
