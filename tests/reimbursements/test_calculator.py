"""Tests for the pure claim amount engine (SPEC §4.3): hand-worked cases and Hypothesis properties."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reimbursements.calculator import (
    FEN,
    BenefitRule,
    Calculation,
    ClaimAmounts,
    InvalidAmounts,
    Step,
    YearToDate,
    calculate,
    money,
)

D = Decimal

STEP_CODES = [
    "total",
    "excluded",
    "category_b_self_pay",
    "eligible",
    "own_share",
    "after_own_share",
    "deductible_remaining",
    "deductible_applied",
    "after_deductible",
    "ratio",
    "reduction",
    "effective_ratio",
    "fund_before_cap",
    "cap_remaining",
    "payable",
]

# A typical in-patient rule: 1800 yuan deductible, 85 % fund share, 400,000 yuan annual cap.
STANDARD = BenefitRule(deductible=D("1800.00"), ratio=D("0.85"), annual_cap=D("400000.00"))


def steps_of(calc: Calculation) -> dict[str, Decimal]:
    assert [step.code for step in calc.steps] == STEP_CODES
    return {step.code: step.value for step in calc.steps}


def assert_steps(calc: Calculation, expected: dict[str, str]) -> None:
    """Compare every step value exactly, including its exponent (e.g. "0.00" vs "0")."""
    assert {code: str(value) for code, value in steps_of(calc).items()} == expected


# --- money() -------------------------------------------------------------------------------------------------------


def test_money_quantizes_half_up():
    assert str(money(D("1.005"))) == "1.01"
    assert str(money(D("1.004"))) == "1.00"
    assert str(money("617.275")) == "617.28"
    assert str(money(12)) == "12.00"
    assert str(money(D("-0.001"))) == "0.00"  # no negative zero


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money(1.1)
    with pytest.raises(TypeError):
        money(0.0)


# --- hand-worked cases ---------------------------------------------------------------------------------------------


def test_a_below_deductible_pays_nothing():
    # total 1500.00 − excluded 200.00 − category B 100.00 = eligible 1200.00
    # own share 1200.00 × 0 = 0.00 → after own share 1200.00
    # deductible remaining max(0, 1800.00 − 0) = 1800.00; applied min(1800.00, 1200.00) = 1200.00
    # after deductible 1200.00 − 1200.00 = 0.00; fund 0.00 × 0.85 = 0.00
    # cap remaining 400000.00 − 0 = 400000.00; payable min(0.00, 400000.00) = 0.00
    calc = calculate(ClaimAmounts(total=D("1500.00"), excluded=D("200.00"), category_b_self_pay=D("100.00")), STANDARD)
    assert_steps(
        calc,
        {
            "total": "1500.00",
            "excluded": "200.00",
            "category_b_self_pay": "100.00",
            "eligible": "1200.00",
            "own_share": "0.00",
            "after_own_share": "1200.00",
            "deductible_remaining": "1800.00",
            "deductible_applied": "1200.00",
            "after_deductible": "0.00",
            "ratio": "0.8500",
            "reduction": "0.0000",
            "effective_ratio": "0.8500",
            "fund_before_cap": "0.00",
            "cap_remaining": "400000.00",
            "payable": "0.00",
        },
    )
    assert calc.payable == D("0.00")
    assert calc.deductible_applied == calc.eligible == D("1200.00")
    assert calc.own_share == D("0.00")


def test_b_above_annual_cap_pays_the_cap_remaining():
    # total 500000.00 − excluded 20000.00 − category B 10000.00 = eligible 470000.00
    # own share 0.00 → after own share 470000.00
    # deductible remaining 1800.00; applied min(1800.00, 470000.00) = 1800.00 → after deductible 468200.00
    # fund 468200.00 × 0.90 = 421380.00
    # cap remaining max(0, 400000.00 − 300000.00) = 100000.00; payable min(421380.00, 100000.00) = 100000.00
    rule = replace(STANDARD, ratio=D("0.90"))
    calc = calculate(
        ClaimAmounts(total=D("500000.00"), excluded=D("20000.00"), category_b_self_pay=D("10000.00")),
        rule,
        YearToDate(fund_paid=D("300000.00")),
    )
    assert_steps(
        calc,
        {
            "total": "500000.00",
            "excluded": "20000.00",
            "category_b_self_pay": "10000.00",
            "eligible": "470000.00",
            "own_share": "0.00",
            "after_own_share": "470000.00",
            "deductible_remaining": "1800.00",
            "deductible_applied": "1800.00",
            "after_deductible": "468200.00",
            "ratio": "0.9000",
            "reduction": "0.0000",
            "effective_ratio": "0.9000",
            "fund_before_cap": "421380.00",
            "cap_remaining": "100000.00",
            "payable": "100000.00",
        },
    )
    assert calc.payable == D("100000.00")


def test_b_cap_already_exhausted_pays_nothing():
    # cap remaining max(0, 400000.00 − 450000.00) = 0.00 → payable 0.00 whatever the fund share
    calc = calculate(ClaimAmounts(total=D("10000.00"), excluded=D("0")), STANDARD, YearToDate(fund_paid=D("450000.00")))
    assert steps_of(calc)["cap_remaining"] == D("0.00")
    assert steps_of(calc)["fund_before_cap"] == D("6970.00")  # (10000.00 − 1800.00) × 0.85
    assert calc.payable == D("0.00")


def test_c_ten_percent_own_share_for_a_not_filed_claim():
    # total 10000.00 − excluded 1000.00 − category B 500.00 = eligible 8500.00
    # own share 8500.00 × 0.10 = 850.00 → after own share 8500.00 − 850.00 = 7650.00
    # deductible remaining 1800.00; applied 1800.00 → after deductible 5850.00
    # fund 5850.00 × 0.85 = 4972.50; cap remaining 400000.00; payable 4972.50
    rule = replace(STANDARD, own_share_rate=D("0.10"))
    calc = calculate(ClaimAmounts(total=D("10000.00"), excluded=D("1000.00"), category_b_self_pay=D("500.00")), rule)
    assert_steps(
        calc,
        {
            "total": "10000.00",
            "excluded": "1000.00",
            "category_b_self_pay": "500.00",
            "eligible": "8500.00",
            "own_share": "850.00",
            "after_own_share": "7650.00",
            "deductible_remaining": "1800.00",
            "deductible_applied": "1800.00",
            "after_deductible": "5850.00",
            "ratio": "0.8500",
            "reduction": "0.0000",
            "effective_ratio": "0.8500",
            "fund_before_cap": "4972.50",
            "cap_remaining": "400000.00",
            "payable": "4972.50",
        },
    )
    assert calc.eligible == D("8500.00")  # eligible is reported before the own share
    assert calc.own_share == D("850.00")
    assert calc.payable == D("4972.50")
    # The same claim without the own share (e.g. settlement failed): (8500.00 − 1800.00) × 0.85 = 5695.00
    assert calculate(ClaimAmounts(D("10000.00"), D("1000.00"), D("500.00")), STANDARD).payable == D("5695.00")


def test_d_reduction_for_a_temporary_filer():
    # total 10000.00 − excluded 1000.00 − category B 0 = eligible 9000.00
    # own share 0.00 → after own share 9000.00
    # deductible remaining 1800.00; applied 1800.00 → after deductible 7200.00
    # effective ratio max(0, 0.85 − 0.10) = 0.75; fund 7200.00 × 0.75 = 5400.00; payable 5400.00
    rule = replace(STANDARD, reduction=D("0.10"))
    calc = calculate(ClaimAmounts(total=D("10000.00"), excluded=D("1000.00")), rule)
    assert_steps(
        calc,
        {
            "total": "10000.00",
            "excluded": "1000.00",
            "category_b_self_pay": "0.00",
            "eligible": "9000.00",
            "own_share": "0.00",
            "after_own_share": "9000.00",
            "deductible_remaining": "1800.00",
            "deductible_applied": "1800.00",
            "after_deductible": "7200.00",
            "ratio": "0.8500",
            "reduction": "0.1000",
            "effective_ratio": "0.7500",
            "fund_before_cap": "5400.00",
            "cap_remaining": "400000.00",
            "payable": "5400.00",
        },
    )
    assert calc.payable == D("5400.00")


def test_d_reduction_larger_than_ratio_floors_at_zero():
    # effective ratio max(0, 0.05 − 0.10) = 0 → payable 0.00
    rule = replace(STANDARD, ratio=D("0.05"), reduction=D("0.10"))
    calc = calculate(ClaimAmounts(total=D("10000.00"), excluded=D("0")), rule)
    assert steps_of(calc)["effective_ratio"] == D("0")
    assert calc.payable == D("0.00")


def test_e_second_claim_with_deductible_partly_used():
    # Earlier approved claims this year used 1500.00 of the deductible and the fund paid 1000.00.
    # total 2000.00 − excluded 0 − category B 0 = eligible 2000.00; own share 0.00 → 2000.00
    # deductible remaining max(0, 1800.00 − 1500.00) = 300.00; applied min(300.00, 2000.00) = 300.00
    # after deductible 2000.00 − 300.00 = 1700.00; fund 1700.00 × 0.85 = 1445.00
    # cap remaining 400000.00 − 1000.00 = 399000.00; payable 1445.00
    calc = calculate(
        ClaimAmounts(total=D("2000.00"), excluded=D("0")),
        STANDARD,
        YearToDate(deductible_used=D("1500.00"), fund_paid=D("1000.00")),
    )
    assert_steps(
        calc,
        {
            "total": "2000.00",
            "excluded": "0.00",
            "category_b_self_pay": "0.00",
            "eligible": "2000.00",
            "own_share": "0.00",
            "after_own_share": "2000.00",
            "deductible_remaining": "300.00",
            "deductible_applied": "300.00",
            "after_deductible": "1700.00",
            "ratio": "0.8500",
            "reduction": "0.0000",
            "effective_ratio": "0.8500",
            "fund_before_cap": "1445.00",
            "cap_remaining": "399000.00",
            "payable": "1445.00",
        },
    )
    assert calc.deductible_applied == D("300.00")
    assert calc.payable == D("1445.00")


def test_e_deductible_fully_used_by_earlier_claims():
    # deductible remaining max(0, 1800.00 − 2500.00) = 0.00; applied 0.00
    # fund 2000.00 × 0.85 = 1700.00
    calc = calculate(
        ClaimAmounts(total=D("2000.00"), excluded=D("0")), STANDARD, YearToDate(deductible_used=D("2500.00"))
    )
    steps = steps_of(calc)
    assert steps["deductible_remaining"] == D("0.00")
    assert calc.deductible_applied == D("0.00")
    assert calc.payable == D("1700.00")


def test_f_rounding_half_a_fen_rounds_up():
    # total 1234.55, no exclusions, no deductible, ratio 0.50:
    # eligible 1234.55; after deductible 1234.55; fund 1234.55 × 0.5 = 617.275 → 617.28 (ROUND_HALF_UP)
    rule = BenefitRule(deductible=D("0"), ratio=D("0.5"), annual_cap=D("400000"))
    calc = calculate(ClaimAmounts(total=D("1234.55"), excluded=D("0")), rule)
    assert_steps(
        calc,
        {
            "total": "1234.55",
            "excluded": "0.00",
            "category_b_self_pay": "0.00",
            "eligible": "1234.55",
            "own_share": "0.00",
            "after_own_share": "1234.55",
            "deductible_remaining": "0.00",
            "deductible_applied": "0.00",
            "after_deductible": "1234.55",
            "ratio": "0.5000",
            "reduction": "0.0000",
            "effective_ratio": "0.5000",
            "fund_before_cap": "617.28",
            "cap_remaining": "400000.00",
            "payable": "617.28",
        },
    )
    assert calc.payable == D("617.28")


def test_f_rounding_half_a_fen_on_a_tiny_amount():
    # after deductible 0.05 × ratio 0.9 = 0.045 → 0.05 (ROUND_HALF_UP; banker's rounding would give 0.04)
    rule = BenefitRule(deductible=D("0"), ratio=D("0.9"), annual_cap=D("100"))
    calc = calculate(ClaimAmounts(total=D("0.05"), excluded=D("0")), rule)
    assert steps_of(calc)["after_deductible"] == D("0.05")
    assert steps_of(calc)["fund_before_cap"] == D("0.05")
    assert calc.payable == D("0.05")


def test_f_rounding_half_a_fen_in_own_share_and_fund_share():
    # eligible 123.45; own share 123.45 × 0.10 = 12.345 → 12.35; after own share 123.45 − 12.35 = 111.10
    # no deductible; fund 111.10 × 0.85 = 94.435 → 94.44
    rule = BenefitRule(deductible=D("0"), ratio=D("0.85"), annual_cap=D("400000"), own_share_rate=D("0.10"))
    calc = calculate(ClaimAmounts(total=D("123.45"), excluded=D("0")), rule)
    steps = steps_of(calc)
    assert steps["own_share"] == D("12.35")
    assert steps["after_own_share"] == D("111.10")
    assert steps["fund_before_cap"] == D("94.44")
    assert calc.payable == D("94.44")


# --- invalid input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        (ClaimAmounts(total=D("-1.00"), excluded=D("0")), "total"),
        (ClaimAmounts(total=D("100.00"), excluded=D("-0.01")), "excluded"),
        (ClaimAmounts(total=D("100.00"), excluded=D("-0.004")), "excluded"),  # negative even if it rounds to 0.00
        (ClaimAmounts(total=D("100.00"), excluded=D("0"), category_b_self_pay=D("-5")), "category_b_self_pay"),
        (ClaimAmounts(total=D("100.00"), excluded=D("100.01")), "excluded"),
        (ClaimAmounts(total=D("100.00"), excluded=D("60.00"), category_b_self_pay=D("40.01")), "category_b_self_pay"),
    ],
)
def test_invalid_amounts(amounts, message):
    with pytest.raises(InvalidAmounts, match=message):
        calculate(amounts, STANDARD)


def test_excluded_plus_category_b_equal_to_total_is_valid():
    calc = calculate(ClaimAmounts(total=D("100.00"), excluded=D("60.00"), category_b_self_pay=D("40.00")), STANDARD)
    assert calc.eligible == D("0.00")
    assert calc.payable == D("0.00")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ratio": D("1.01")}, "ratio"),
        ({"ratio": D("-0.01")}, "ratio"),
        ({"reduction": D("-0.10")}, "reduction"),
        ({"reduction": D("1.5")}, "reduction"),
        ({"own_share_rate": D("1.1")}, "own_share_rate"),
        ({"own_share_rate": D("-0.1")}, "own_share_rate"),
        ({"deductible": D("-1")}, "deductible"),
        ({"annual_cap": D("-1")}, "annual_cap"),
    ],
)
def test_invalid_rule(changes, message):
    with pytest.raises(InvalidAmounts, match=message):
        calculate(ClaimAmounts(total=D("100.00"), excluded=D("0")), replace(STANDARD, **changes))


@pytest.mark.parametrize(
    ("year_to_date", "message"),
    [
        (YearToDate(deductible_used=D("-1")), "deductible_used"),
        (YearToDate(fund_paid=D("-1")), "fund_paid"),
    ],
)
def test_invalid_year_to_date(year_to_date, message):
    with pytest.raises(InvalidAmounts, match=message):
        calculate(ClaimAmounts(total=D("100.00"), excluded=D("0")), STANDARD, year_to_date)


def test_invalid_amounts_is_a_value_error():
    assert issubclass(InvalidAmounts, ValueError)


def test_float_amounts_are_refused():
    with pytest.raises(TypeError):
        calculate(ClaimAmounts(total=100.0, excluded=D("0")), STANDARD)


# --- as_dict -------------------------------------------------------------------------------------------------------


def test_as_dict_gives_strings():
    calc = calculate(ClaimAmounts(total=D("10000.00"), excluded=D("1000.00")), replace(STANDARD, reduction=D("0.10")))
    data = calc.as_dict()
    assert data["payable"] == "5400.00"
    assert data["eligible"] == "9000.00"
    assert data["own_share"] == "0.00"
    assert data["deductible_applied"] == "1800.00"
    assert [step["code"] for step in data["steps"]] == STEP_CODES
    for step in data["steps"]:
        assert set(step) == {"code", "label", "value"}
        assert all(isinstance(value, str) for value in step.values())
        assert step["label"]
    by_code = {step["code"]: step["value"] for step in data["steps"]}
    assert by_code["effective_ratio"] == "0.7500"
    assert by_code["payable"] == "5400.00"


def test_calculation_is_immutable():
    calc = calculate(ClaimAmounts(total=D("100.00"), excluded=D("0")), STANDARD)
    assert isinstance(calc.steps, tuple)
    assert all(isinstance(step, Step) for step in calc.steps)
    with pytest.raises(AttributeError):
        calc.payable = D("1")  # type: ignore[misc]


def test_default_year_to_date_is_a_fresh_year():
    amounts = ClaimAmounts(total=D("5000.00"), excluded=D("0"))
    assert calculate(amounts, STANDARD) == calculate(amounts, STANDARD, YearToDate(D("0"), D("0")))


# --- properties ----------------------------------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None)

money_values = st.integers(0, 10**9).map(lambda fen: Decimal(fen) / 100)
rates = st.integers(0, 100).map(lambda percent: Decimal(percent) / 100)


@st.composite
def claim_amounts(draw):
    total = draw(st.integers(0, 10**9))
    excluded = draw(st.integers(0, total))
    category_b = draw(st.integers(0, total - excluded))
    return ClaimAmounts(total=D(total) / 100, excluded=D(excluded) / 100, category_b_self_pay=D(category_b) / 100)


benefit_rules = st.builds(
    BenefitRule,
    deductible=st.integers(0, 10**7).map(lambda fen: Decimal(fen) / 100),
    ratio=rates,
    annual_cap=money_values,
    reduction=rates,
    own_share_rate=rates,
)
years_to_date = st.builds(YearToDate, deductible_used=money_values, fund_paid=money_values)


@PROPERTY_SETTINGS
@given(claim_amounts(), benefit_rules, years_to_date)
def test_payable_is_bounded(amounts, rule, year_to_date):
    calc = calculate(amounts, rule, year_to_date)
    steps = steps_of(calc)
    assert calc.payable >= 0
    assert calc.payable <= calc.eligible
    assert calc.payable <= steps["cap_remaining"]
    assert calc.payable == calc.payable.quantize(FEN)
    assert calc.own_share + steps["after_own_share"] == calc.eligible
    assert calc.deductible_applied + steps["after_deductible"] == steps["after_own_share"]


@PROPERTY_SETTINGS
@given(claim_amounts(), benefit_rules, years_to_date)
def test_own_share_never_increases_payable(amounts, rule, year_to_date):
    not_filed = calculate(amounts, replace(rule, own_share_rate=D("0.10")), year_to_date)
    settlement_failed = calculate(amounts, replace(rule, own_share_rate=D("0")), year_to_date)
    assert not_filed.payable <= settlement_failed.payable


# Deductible already used by earlier claims leaves *less* deductible for this claim, so the payable can only grow
# with it (e.g. after own share 6.75, ratio 0.02, deductible 0.01: used 0 gives 6.74 × 0.02 = 0.13, used 0.01 gives
# 6.75 × 0.02 = 0.14). Payable is non-increasing in the deductible still to be applied, tested below via the rule.
@PROPERTY_SETTINGS
@given(claim_amounts(), benefit_rules, money_values, money_values, money_values)
def test_payable_non_decreasing_in_deductible_used(amounts, rule, fund_paid, used_a, used_b):
    less, more = sorted([used_a, used_b])
    payable_less = calculate(amounts, rule, YearToDate(deductible_used=less, fund_paid=fund_paid)).payable
    payable_more = calculate(amounts, rule, YearToDate(deductible_used=more, fund_paid=fund_paid)).payable
    assert payable_more >= payable_less


@PROPERTY_SETTINGS
@given(claim_amounts(), benefit_rules, years_to_date, money_values, money_values)
def test_payable_non_increasing_in_deductible(amounts, rule, year_to_date, deductible_a, deductible_b):
    lower, higher = sorted([deductible_a, deductible_b])
    payable_lower = calculate(amounts, replace(rule, deductible=lower), year_to_date).payable
    payable_higher = calculate(amounts, replace(rule, deductible=higher), year_to_date).payable
    assert payable_higher <= payable_lower


@PROPERTY_SETTINGS
@given(claim_amounts(), benefit_rules, money_values, money_values, money_values)
def test_payable_non_increasing_in_fund_paid(amounts, rule, deductible_used, paid_a, paid_b):
    less, more = sorted([paid_a, paid_b])
    payable_less = calculate(amounts, rule, YearToDate(deductible_used=deductible_used, fund_paid=less)).payable
    payable_more = calculate(amounts, rule, YearToDate(deductible_used=deductible_used, fund_paid=more)).payable
    assert payable_more <= payable_less
