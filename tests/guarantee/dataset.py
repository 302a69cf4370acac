"""A fixed data set for the 交易保障 assessment: shops whose figures over one cycle's window
each miss exactly the criteria their names say (or none), written straight to the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count

from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.services.guarantee_cycles import cycle

#: The criteria the data set is measured against.
CRITERIA = {
    "min_orders": 3,
    "ship_within_hours": 48,
    "min_on_time_pct": 80,
    "min_answered_pct": 90,
    "max_lapsed": 0,
    "max_cancel_pct": 10,
}
#: Each shop of the data set and the criteria it fails.
EXPECTED: dict[str, list[str]] = {
    "good": [],
    "late": ["on_time_shipping"],
    "few": ["min_orders"],
    "lapsed": ["aftersales_lapsed"],
    "cancels": ["merchant_cancellations"],
    "slow answers": ["aftersales_answered", "aftersales_lapsed"],
}
_keys = count(1)


@dataclass
class ShopWriter:
    """Writes one shop's orders and after-sales with chosen timestamps."""

    session: Session
    shop_id: int
    buyer_id: int

    def order(
        self,
        paid_at: datetime,
        *,
        shipped_after: timedelta | None = timedelta(hours=20),
        cancelled_by: str | None = None,
    ) -> m.Order:
        n = next(_keys)
        order = m.Order(
            shop_id=self.shop_id,
            buyer_id=self.buyer_id,
            idempotency_key=f"g-{n}",
            request_hash="0" * 64,
            status=m.OrderStatus.cancelled if cancelled_by else m.OrderStatus.shipped,
            total_fen=1000,
            recipient_name="Buyer",
            recipient_phone="13800000000",
            province_code="31",
            address="1 Nanjing Road",
            paid_at=paid_at,
            shipped_at=paid_at + shipped_after if shipped_after and not cancelled_by else None,
            cancelled_at=paid_at + timedelta(hours=1) if cancelled_by else None,
            cancelled_by=cancelled_by,
        )
        self.session.add(order)
        self.session.flush()
        return order

    def aftersale(self, order: m.Order, respond_by: datetime, *, answered: str) -> None:
        """``answered``: ``in_time`` (accepted an hour early), ``late`` (rejected an hour
        after the deadline) or ``lapsed`` (the platform accepted)."""
        row = m.AfterSale(
            shop_id=self.shop_id,
            order_id=order.id or 0,
            kind=m.AfterSaleKind.return_and_refund,
            reason="broken",
            respond_by=respond_by,
            created_at=respond_by - timedelta(hours=48),
        )
        if answered == "in_time":
            row.status, row.accepted_at = (
                m.AfterSaleStatus.accepted,
                respond_by - timedelta(hours=1),
            )
        elif answered == "late":
            row.status, row.outcome = m.AfterSaleStatus.rejected, "rejected"
            row.resolved_at = respond_by + timedelta(hours=1)
        else:
            row.status, row.accepted_at, row.auto_accepted = (
                m.AfterSaleStatus.accepted,
                respond_by,
                True,
            )
        self.session.add(row)


def _shop(session: Session, owner_id: int, name: str, *, opened: bool = True) -> m.Shop:
    shop = m.Shop(
        owner_id=owner_id,
        type=m.ShopType.personal,
        name=name,
        status=m.ShopStatus.open if opened else m.ShopStatus.draft,
    )
    session.add(shop)
    session.flush()
    session.add(m.Member(shop_id=shop.id or 0, account_id=owner_id, is_owner=True))
    return shop


def seed_cycle(
    engine: Engine,
    number: int,
    *,
    names: dict[str, str] | None = None,
    shops: dict[str, int] | None = None,
) -> dict[str, int]:
    """Write the data set into cycle ``number``'s window; returns shop ids by role name.

    New shops are made unless ``shops`` gives each role's shop (to play another role in a
    later cycle); ``names`` maps a role to a new shop's name (default: the role). A draft
    shop, ``draft``, is never assessed.
    """
    period = cycle(number)
    start, end = period.window_start, period.valid_from
    day = timedelta(days=1)
    names = names or {}
    with Session(engine, expire_on_commit=False) as session:
        owner = m.Account(email=f"owner-{number}-{next(_keys)}@example.com", name="Owner")
        buyer = m.Account(email=f"buyer-{number}-{next(_keys)}@example.com", name="Buyer")
        session.add_all([owner, buyer])
        session.flush()
        assert owner.id is not None and buyer.id is not None
        ids: dict[str, int] = dict(shops or {})
        for role in [*EXPECTED, "draft"]:
            if role in ids:
                continue
            shop = _shop(session, owner.id, names.get(role, role), opened=role != "draft")
            assert shop.id is not None
            ids[role] = shop.id
        w = {role: ShopWriter(session, shop_id, buyer.id) for role, shop_id in ids.items()}
        for role in ("good", "lapsed", "slow answers", "draft"):
            for i in range(10):
                w[role].order(start + day + i * timedelta(hours=3))
        # paid an hour before the window ends: an order of the window, not yet due to ship
        w["good"].order(end - timedelta(hours=1), shipped_after=None)
        # paid before the window: due in it (deadline inside), and late
        w["late"].order(start - timedelta(hours=30), shipped_after=timedelta(hours=60))
        for i in range(9):
            w["late"].order(
                start + day * (i + 1), shipped_after=timedelta(hours=20 if i < 7 else 72)
            )
        # 7 on time + 3 late of 10 due: 70 %
        for i in range(2):
            w["few"].order(start + day * (i + 2))
        for i in range(5):  # after the window: the next cycle's
            w["few"].order(end + day + timedelta(hours=i))
        for i in range(13):
            w["cancels"].order(start + day + timedelta(hours=i))
        for _ in range(2):  # 2 of 15 (13 %) cancelled by the merchant; 13 of 15 shipped (87 %)
            w["cancels"].order(start + 2 * day, cancelled_by="merchant")
        w["cancels"].order(start + 3 * day, cancelled_by="system")  # not the merchant's doing
        first = w["lapsed"].order(start + day)
        for i in range(9):
            w["lapsed"].aftersale(first, start + day * (i + 2), answered="in_time")
        w["lapsed"].aftersale(first, start + 12 * day, answered="lapsed")  # 90 % answered, 1 lapsed
        w["good"].aftersale(first, start + 4 * day, answered="in_time")
        w["good"].aftersale(first, end + day, answered="lapsed")  # next window's
        slow = w["slow answers"].order(start + day)
        for i in range(10):
            w["slow answers"].aftersale(
                slow, start + day * (i + 2), answered="in_time" if i < 5 else "late"
            )
        session.commit()
    return ids
