"""The claim amount engine: a pure function of the claim's amounts and the benefit policy (no Django)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
ZERO = Decimal("0")
ONE = Decimal("1")


class InvalidAmounts(ValueError):
    """The claim amounts or the benefit rule cannot be calculated; the message names the problem."""


def _decimal(value, what: str) -> Decimal:
    """Convert to Decimal via str, refusing floats (binary fractions cannot represent fen exactly)."""
    if isinstance(value, float):
        raise TypeError(f"{what} must not be a float (got {value!r}); pass a Decimal, int or str")
    if isinstance(value, bool):
        raise TypeError(f"{what} must not be a bool (got {value!r})")
    result = value if isinstance(value, Decimal) else Decimal(str(value))
    if not result.is_finite():
        raise InvalidAmounts(f"{what} must be a finite number (got {value!r})")
    return result


def money(value) -> Decimal:
    """Return `value` as a Decimal quantized to the fen with ROUND_HALF_UP; floats are refused with TypeError."""
    result = _decimal(value, "money").quantize(FEN, rounding=ROUND_HALF_UP)
    # Normalise negative zero so that it never shows up as "-0.00".
    return result if result else abs(result)


def _display_rate(rate: Decimal) -> Decimal:
    return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ClaimAmounts:
    total: Decimal  # everything the person paid
    excluded: Decimal  # outside the catalogue (目录外)
    category_b_self_pay: Decimal = Decimal("0")  # 乙类先行自付


@dataclass(frozen=True)
class BenefitRule:
    deductible: Decimal  # 起付线 per year
    ratio: Decimal  # fund share, e.g. Decimal("0.85")
    annual_cap: Decimal  # 年度最高支付限额
    reduction: Decimal = Decimal("0")  # ratio reduction for temporary filers, e.g. Decimal("0.10")
    own_share_rate: Decimal = Decimal("0")  # paid first by the person for no/retroactive filing, e.g. Decimal("0.10")


@dataclass(frozen=True)
class YearToDate:
    deductible_used: Decimal = Decimal("0")  # deductible already applied this year by earlier approved claims
    fund_paid: Decimal = Decimal("0")  # fund already paid this year by earlier approved claims


@dataclass(frozen=True)
class Step:
    code: str  # stable machine code
    label: str  # short English description (the API shows it; translated elsewhere)
    value: Decimal  # money (quantized to the fen) or, for the ratio steps, a 4-place rate


@dataclass(frozen=True)
class Calculation:
    payable: Decimal
    eligible: Decimal  # eligible cost before own share (政策范围内费用)
    own_share: Decimal
    deductible_applied: Decimal
    steps: tuple[Step, ...]

    def as_dict(self) -> dict:
        return {
            "payable": str(self.payable),
            "eligible": str(self.eligible),
            "own_share": str(self.own_share),
            "deductible_applied": str(self.deductible_applied),
            "steps": [{"code": step.code, "label": step.label, "value": str(step.value)} for step in self.steps],
        }


def _non_negative_money(value, what: str) -> Decimal:
    raw = _decimal(value, what)
    if raw < ZERO:  # checked before rounding, so that e.g. -0.004 is refused rather than rounded to 0.00
        raise InvalidAmounts(f"{what} must not be negative (got {raw})")
    return money(raw)


def _unit_rate(value, what: str) -> Decimal:
    rate = _decimal(value, what)
    if not ZERO <= rate <= ONE:
        raise InvalidAmounts(f"{what} must be between 0 and 1 (got {rate})")
    return rate


def calculate(amounts: ClaimAmounts, rule: BenefitRule, year_to_date: YearToDate = YearToDate()) -> Calculation:
    """Compute the fund's payable amount for one claim (SPEC §4.3), with every intermediate step."""
    # Inputs: all money is quantized to the fen first, then validated.
    total = _non_negative_money(amounts.total, "total")
    excluded = _non_negative_money(amounts.excluded, "excluded")
    category_b_self_pay = _non_negative_money(amounts.category_b_self_pay, "category_b_self_pay")
    deductible = _non_negative_money(rule.deductible, "deductible")
    annual_cap = _non_negative_money(rule.annual_cap, "annual_cap")
    deductible_used = _non_negative_money(year_to_date.deductible_used, "deductible_used")
    fund_paid = _non_negative_money(year_to_date.fund_paid, "fund_paid")
    ratio = _unit_rate(rule.ratio, "ratio")
    reduction = _unit_rate(rule.reduction, "reduction")
    own_share_rate = _unit_rate(rule.own_share_rate, "own_share_rate")
    if excluded > total:
        raise InvalidAmounts(f"excluded ({excluded}) must not exceed total ({total})")
    if excluded + category_b_self_pay > total:
        raise InvalidAmounts(
            f"excluded + category_b_self_pay ({excluded} + {category_b_self_pay}) must not exceed total ({total})"
        )

    # 4. Eligible cost (政策范围内费用).
    eligible = money(total - excluded - category_b_self_pay)
    # 5. Own share paid first by the person (先自付) for not-filed / retroactively filed claims.
    own_share = money(eligible * own_share_rate)
    after_own_share = money(eligible - own_share)
    # 6. Deductible (起付线), net of what earlier approved claims this year already used.
    deductible_remaining = money(max(ZERO, deductible - deductible_used))
    deductible_applied = money(min(deductible_remaining, after_own_share))
    after_deductible = money(after_own_share - deductible_applied)
    # 7. Fund share, reduced for temporary filers; never below zero. Rates are not rounded.
    effective_ratio = max(ZERO, ratio - reduction)
    # 8. Fund share before the annual cap.
    fund_before_cap = money(after_deductible * effective_ratio)
    # 9. Annual cap (年度最高支付限额), net of what the fund already paid this year.
    cap_remaining = money(max(ZERO, annual_cap - fund_paid))
    payable = money(min(fund_before_cap, cap_remaining))

    steps = (
        Step("total", "Total paid", total),
        Step("excluded", "Outside the catalogue", excluded),
        Step("category_b_self_pay", "Category B self-pay", category_b_self_pay),
        Step("eligible", "Eligible cost", eligible),
        Step("own_share", "Own share paid first", own_share),
        Step("after_own_share", "After own share", after_own_share),
        Step("deductible_remaining", "Deductible remaining this year", deductible_remaining),
        Step("deductible_applied", "Deductible applied", deductible_applied),
        Step("after_deductible", "After deductible", after_deductible),
        Step("ratio", "Fund ratio", _display_rate(ratio)),
        Step("reduction", "Ratio reduction", _display_rate(reduction)),
        Step("effective_ratio", "Effective fund ratio", _display_rate(effective_ratio)),
        Step("fund_before_cap", "Fund share before cap", fund_before_cap),
        Step("cap_remaining", "Annual cap remaining", cap_remaining),
        Step("payable", "Payable", payable),
    )
    return Calculation(
        payable=payable,
        eligible=eligible,
        own_share=own_share,
        deductible_applied=deductible_applied,
        steps=steps,
    )
