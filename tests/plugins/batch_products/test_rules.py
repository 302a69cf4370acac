"""Price and stock rules of the bulk actions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plugins.batch_products.rules import PriceRule, RuleRefused, StockRule, round_to_9


@pytest.mark.parametrize(
    ("fen", "expected"),
    [(0, 90), (90, 90), (4567, 4590), (4540, 4590), (4539, 4490), (4590, 4590), (12_345, 12_390)],
)
def test_round_to_9(fen: int, expected: int) -> None:
    assert round_to_9(fen) == expected


def test_price_rules() -> None:
    assert PriceRule.parse("set", "19.90").apply(5000) == 1990
    assert PriceRule.parse("percent", "10").apply(1999) == 2199  # 2198.9 rounds half up
    assert PriceRule.parse("percent", "-15%").apply(10_000) == 8500
    assert PriceRule.parse("percent", "-15", round_9="on").apply(10_000) == 8490
    assert PriceRule.parse("add", "-5").apply(1200) == 700
    assert PriceRule.parse("percent", "33.3").value == Decimal("33.3")


@pytest.mark.parametrize(
    ("mode", "value", "code"),
    [
        ("set", "-1", "negative"),
        ("set", "1.234", "too_many_decimals"),
        ("percent", "-100", "percent_too_low"),
        ("percent", "ten", "not_a_number"),
        ("double", "1", "unknown_rule"),
    ],
)
def test_bad_price_rules_are_refused(mode: str, value: str, code: str) -> None:
    with pytest.raises(RuleRefused) as refused:
        PriceRule.parse(mode, value)
    assert refused.value.code == code


def test_a_rule_that_goes_below_zero_is_refused_for_that_row() -> None:
    with pytest.raises(RuleRefused) as refused:
        PriceRule.parse("add", "-20").apply(1000)
    assert refused.value.code == "price_below_zero"
    with pytest.raises(RuleRefused) as refused:
        StockRule.parse("add", "-5").apply(3)
    assert refused.value.code == "stock_below_zero"


def test_stock_rules() -> None:
    assert StockRule.parse("set", "12").apply(3) == 12
    assert StockRule.parse("add", "-2").apply(3) == 1
    with pytest.raises(RuleRefused):
        StockRule.parse("add", "1.5")
