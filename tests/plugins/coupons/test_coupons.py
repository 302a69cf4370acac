"""The coupons plugin on the SDK's fake shop, as a provider would test it: the merchant's
form, discounts and thresholds, claims within limits, one use per order attempt, and a
formula-safe redemption report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

import plugins.coupons as coupons
from plugins.coupons import ledger
from plugins.coupons.pages import create_coupon, redemption_report
from plugins.coupons.terms import Coupon, coupon_from_form
from sdk.models import OrderDraft
from sdk.testing import FakeShop

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
FORM = {"title": "Tea 5", "kind": "fixed", "value": "5", "min_spend": "30", "quantity": "2"}


def make(shop: FakeShop, **fields: str) -> Coupon:
    coupon, errors = coupon_from_form({**FORM, **fields}, NOW)
    assert coupon is not None, errors
    assert ledger.save_coupon(shop, coupon)
    return coupon


def draft(buyer: int, subtotal: int, code: str, attempt: str) -> OrderDraft:
    return OrderDraft(buyer_id=buyer, subtotal_fen=subtotal, codes=[code], attempt=attempt)


def test_the_form_reads_money_dates_and_limits_and_names_each_bad_field() -> None:
    coupon, _ = coupon_from_form(
        {**FORM, "code": " tea-5 ", "starts_on": "2026-12-10", "ends_on": "2026-12-12"}, NOW
    )
    assert coupon is not None
    assert (coupon.code, coupon.amount_fen, coupon.min_spend_fen, coupon.per_buyer_limit) == (
        "TEA-5",
        500,
        3000,
        1,
    )
    assert coupon.starts_at == datetime(2026, 12, 10, tzinfo=UTC)
    assert coupon.ends_at == datetime(2026, 12, 13, tzinfo=UTC)  # the last day is whole
    _, errors = coupon_from_form(
        {
            "title": "",
            "kind": "percent",
            "value": "150",
            "quantity": "0",
            "code": "x!",
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-01",
        },
        NOW,
    )
    assert set(errors) == {"title", "value", "quantity", "code", "ends_on"}


@pytest.mark.parametrize(
    ("kind", "value", "subtotal", "off"),
    [
        ("fixed", "5", 4800, 500),
        ("fixed", "5", 2900, 0),
        ("fixed", "80", 4800, 4800),
        ("percent", "15", 4800, 720),
    ],
)
def test_discounts_respect_the_threshold_and_never_pass_the_subtotal(
    kind: str, value: str, subtotal: int, off: int
) -> None:
    coupon, _ = coupon_from_form({**FORM, "kind": kind, "value": value}, NOW)
    assert coupon is not None and coupon.discount_fen(subtotal) == off


def test_claims_stay_within_the_buyer_limit_and_the_quantity() -> None:
    shop = FakeShop()
    make(shop, code="TEA5")
    assert ledger.claim(shop, "tea5", 1, NOW) == "claimed"
    assert ledger.claim(shop, "TEA5", 1, NOW) == "limit_reached"
    assert ledger.claim(shop, "TEA5", 2, NOW) == "claimed"
    assert ledger.claim(shop, "TEA5", 3, NOW) == "all_claimed"
    assert ledger.holding(shop, "TEA5", 3) == {"claimed": 0, "used": 0}
    assert ledger.claim(shop, "NOPE", 3, NOW) == "unknown"
    assert ledger.claim(shop, "TEA5", 3, NOW + timedelta(days=30)) == "not_live"


def test_an_order_attempt_takes_one_use_and_a_retry_gets_the_same_discount() -> None:
    shop = FakeShop()
    make(shop, code="TEA5", per_buyer_limit="2")
    assert ledger.claim(shop, "TEA5", 1, NOW) == "claimed"
    first = ledger.redeem(shop, draft(1, 4800, "tea5", "attempt-1"), NOW)
    assert [(a.amount_fen, a.code) for a in first] == [(-500, "TEA5")]
    assert ledger.redeem(shop, draft(1, 4800, "TEA5", "attempt-1"), NOW) == first  # a retry
    assert ledger.redeem(shop, draft(1, 4800, "TEA5", "attempt-2"), NOW) == []  # none left
    assert ledger.redeem(shop, draft(2, 4800, "TEA5", "attempt-3"), NOW) == []  # not claimed
    assert ledger.counts(shop, "TEA5") == {"claimed": 1, "redeemed": 1}
    assert ledger.holding(shop, "TEA5", 1) == {"claimed": 1, "used": 1}


def test_the_hook_answers_through_the_client_it_is_handed() -> None:
    shop = FakeShop()
    make(shop, code="TEA5", ends_on=(datetime.now(UTC) + timedelta(days=2)).date().isoformat())
    assert ledger.claim(shop, "TEA5", 9, ledger.now_utc()) == "claimed"
    answer = coupons.order_adjustments(order=draft(9, 3000, "TEA5", "a"), client=shop, settings={})
    assert [a.amount_fen for a in answer] == [-500]
    assert (
        coupons.order_adjustments(order=OrderDraft(subtotal_fen=3000), client=shop, settings={})
        == []
    )


def test_the_merchant_page_creates_once_and_the_report_is_formula_safe() -> None:
    shop = FakeShop()
    page = create_coupon(shop, {**FORM, "title": "=HYPERLINK(1)", "code": "EVIL"})
    assert "Coupon EVIL created." in page.html
    again = create_coupon(shop, {**FORM, "code": "EVIL"})
    assert "already used by another coupon" in again.html
    now = ledger.now_utc()  # the page's coupon starts today, whatever today is
    assert ledger.claim(shop, "EVIL", 4, now) == "claimed"
    ledger.redeem(shop, draft(4, 4800, "EVIL", "x"), now)
    report = redemption_report(shop)
    rows = list(csv.reader(io.StringIO(report.data.decode("utf-8-sig"))))
    assert rows == [
        ["code", "title", "buyer_id", "discount_yuan", "subtotal_yuan", "redeemed_at"],
        ["EVIL", "'=HYPERLINK(1)", "4", "5.00", "48.00", now.isoformat()],
    ]
