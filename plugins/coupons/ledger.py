"""Claims and redemptions, kept in the installation's records with atomic counters.

- ``coupons/<code>``: the coupon's terms (:class:`~plugins.coupons.terms.Coupon`);
- ``coupon_counts/<code>``: ``claimed`` and ``redeemed`` over all buyers;
- ``holdings/<code>:<buyer id>``: what one buyer ``claimed`` and ``used``;
- ``redemptions/<order attempt>``: one use on one order (``pending``, ``taken`` or
  ``refused``), for the report.

Every limit is a ``client.records.increment`` with a ceiling, which the host makes atomic
(row lock on PostgreSQL, serialized writers on SQLite): a buyer's ``claimed`` stays within
the per-buyer limit, the coupon's ``claimed`` within its total quantity, and a buyer's
``used`` within what they claimed, however many requests race.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from plugins.coupons.terms import Coupon, normalize_code
from sdk.client import ShopClient
from sdk.models import Adjustment, OrderDraft, Record

COUPONS = "coupons"
COUNTS = "coupon_counts"
HOLDINGS = "holdings"
REDEMPTIONS = "redemptions"

ClaimResult = Literal["claimed", "unknown", "not_live", "limit_reached", "all_claimed"]


def now_utc() -> datetime:
    return datetime.now(UTC)


def get_coupon(client: ShopClient, code: str) -> Coupon | None:
    """The coupon with ``code`` (as typed), or ``None``."""
    code = normalize_code(code)
    if not code or len(code) > 20:
        return None
    record = client.records.get(COUPONS, code)
    return Coupon.model_validate(record.data) if record is not None else None


def all_coupons(client: ShopClient) -> Iterator[Coupon]:
    """Every coupon of the shop, by code."""
    after: str | None = None
    while page := client.records.list(COUPONS, limit=200, after_key=after):
        yield from (Coupon.model_validate(r.data) for r in page)
        after = page[-1].key


def counts(client: ShopClient, code: str) -> dict[str, int]:
    """How many of the coupon were claimed and redeemed."""
    record = client.records.get(COUNTS, code)
    data = record.data if record is not None else {}
    return {"claimed": int(data.get("claimed", 0)), "redeemed": int(data.get("redeemed", 0))}


def holding(client: ShopClient, code: str, buyer_id: int) -> dict[str, int]:
    """How many of the coupon one buyer claimed and used."""
    record = client.records.get(HOLDINGS, f"{code}:{buyer_id}")
    data = record.data if record is not None else {}
    return {"claimed": int(data.get("claimed", 0)), "used": int(data.get("used", 0))}


def save_coupon(client: ShopClient, coupon: Coupon) -> bool:
    """Store a new coupon; ``False`` when its code is taken (the old one is kept)."""
    stored = client.records.put(
        COUPONS, coupon.code, coupon.model_dump(mode="json"), if_absent=True
    )
    return Coupon.model_validate(stored.data) == coupon


def claim(client: ShopClient, code: str, buyer_id: int, now: datetime) -> ClaimResult:
    """The buyer claims one of the coupon: within their limit, then within the total.

    The buyer's own count is taken first, so a refusal on the total gives back only the
    buyer's own step and never makes another buyer miss a coupon that was left.
    """
    coupon = get_coupon(client, code)
    if coupon is None:
        return "unknown"
    if not coupon.live_at(now):
        return "not_live"
    key = f"{coupon.code}:{buyer_id}"
    if client.records.increment(HOLDINGS, key, "claimed", ceiling=coupon.per_buyer_limit) is None:
        return "limit_reached"
    if (
        client.records.increment(COUNTS, coupon.code, "claimed", ceiling=coupon.total_quantity)
        is None
    ):
        client.records.increment(HOLDINGS, key, "claimed", by=-1)
        return "all_claimed"
    return "claimed"


def redeem(client: ShopClient, order: OrderDraft, now: datetime) -> list[Adjustment]:
    """The discount of the first code on the order that the buyer holds an unused claim of,
    is live and whose spend threshold the subtotal meets. One coupon per order.

    A use is taken once per order attempt: the first copy of an attempt to get here writes
    ``redemptions/<attempt>`` as ``pending`` before it takes the use, and a retried request
    (or a copy racing it) waits for that record and answers what it says, so every copy of
    one order request gets the same discount from one use.
    """
    if order.buyer_id is None or not order.attempt:
        return []
    for typed in order.codes:
        coupon = get_coupon(client, typed)
        if coupon is None or not coupon.live_at(now):
            continue
        off = coupon.discount_fen(order.subtotal_fen)
        if off <= 0:
            continue
        return _take_use(client, order, coupon, off, now)
    return []


def _take_use(
    client: ShopClient, order: OrderDraft, coupon: Coupon, off: int, now: datetime
) -> list[Adjustment]:
    key = f"{coupon.code}:{order.buyer_id}"
    data: dict[str, Any] = {
        "status": "pending",
        "code": coupon.code,
        "title": coupon.title,
        "buyer_id": order.buyer_id,
        "discount_fen": off,
        "subtotal_fen": order.subtotal_fen,
        "redeemed_at": now.isoformat(),
    }
    mine = client.records.put(REDEMPTIONS, order.attempt, data, if_absent=True)
    if mine.data != data:  # another copy of this attempt got here first
        return _wait_for(client, order.attempt)
    held = holding(client, coupon.code, order.buyer_id or 0)["claimed"]
    used = client.records.increment(HOLDINGS, key, "used", ceiling=held) if held else None
    if used is None:
        client.records.put(REDEMPTIONS, order.attempt, {**data, "status": "refused"})
        return []
    client.records.put(REDEMPTIONS, order.attempt, {**data, "status": "taken", "use": used})
    client.records.increment(COUNTS, coupon.code, "redeemed")
    return [_adjustment(data)]


def _wait_for(client: ShopClient, attempt: str, *, tries: int = 20) -> list[Adjustment]:
    """What the copy of this attempt that came first decided, once it has."""
    for _ in range(tries):
        record = client.records.get(REDEMPTIONS, attempt)
        status = record.data.get("status") if record is not None else "refused"
        if status == "taken" and record is not None:
            return [_adjustment(record.data)]
        if status != "pending":
            return []
        time.sleep(0.05)
    return []


def _adjustment(redemption: dict[str, Any]) -> Adjustment:
    return Adjustment(
        label=f"{redemption['title']} ({redemption['code']})",
        amount_fen=-int(redemption["discount_fen"]),
        code=str(redemption["code"]),
    )


def redemptions(client: ShopClient) -> Iterator[Record]:
    """Every use taken on an order, by key (attempts that were refused are left out)."""
    after: str | None = None
    while page := client.records.list(REDEMPTIONS, limit=200, after_key=after):
        yield from (r for r in page if r.data.get("status") == "taken")
        after = page[-1].key
