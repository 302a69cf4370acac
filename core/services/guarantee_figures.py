"""Each shop's 交易保障 figures over a window, in two GROUP BY queries (orders, after-sales).

- **Orders**: orders paid in the window.
- **Shipping on time**: an order is *due* when its shipping deadline (paid + the criteria's
  ``ship_within_hours``) falls in the window, so every due order's deadline has passed by
  the window's end; it is *on time* when ``shipped_at`` is no later than that deadline.
  Orders the platform cancelled unshipped are not due; a merchant's cancellation is.
- **Merchant cancellations**: orders paid in the window that the merchant cancelled.
- **After-sales**: a request is *due* when its ``respond_by`` falls in the window (a buyer's
  withdrawal before any answer is not); it is *answered in time* when the merchant (not the
  platform) accepted or rejected it by ``respond_by``. The rest *lapsed*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, func, or_
from sqlalchemy import select as sql_select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from core.models import AfterSale, AfterSaleStatus, Order


class seconds_between(FunctionElement[float]):
    """``end - start`` in seconds, for two timestamp columns, on SQLite and PostgreSQL."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between)
def _seconds_between_default(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@dataclass
class ShopFigures:
    """What one shop did in a window (counts; the rates derive from them)."""

    orders: int = 0
    shipments_due: int = 0
    shipped_on_time: int = 0
    aftersales_due: int = 0
    answered_in_time: int = 0
    merchant_cancelled: int = 0

    @property
    def lapsed(self) -> int:
        """After-sales requests the merchant let pass their deadline."""
        return self.aftersales_due - self.answered_in_time


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def order_figures_query(start: datetime, end: datetime, *, ship_within: timedelta) -> Any:
    """Per shop: orders paid in ``[start, end)``, shipments due and on time, merchant
    cancellations (one scan of the orders paid since ``start - ship_within``)."""
    paid, shipped = col(Order.paid_at), col(Order.shipped_at)
    in_window = and_(paid >= start, paid < end)
    due = and_(
        paid < end - ship_within,
        or_(
            shipped.is_not(None),
            col(Order.cancelled_by).is_(None),
            col(Order.cancelled_by) == "merchant",
        ),
    )
    on_time = and_(
        due,
        shipped.is_not(None),
        seconds_between(paid, shipped) <= ship_within.total_seconds(),
    )
    # five columns: past sqlmodel.select's typed overloads, so SQLAlchemy's own select
    return (
        sql_select(
            col(Order.shop_id),
            _count(in_window),
            _count(due),
            _count(on_time),
            _count(and_(in_window, col(Order.cancelled_by) == "merchant")),
        )
        .where(paid >= start - ship_within, paid < end)
        .group_by(col(Order.shop_id))
    )


def aftersale_figures_query(start: datetime, end: datetime) -> Any:
    """Per shop: after-sales due in ``[start, end)`` and those the merchant answered in time."""
    respond_by = col(AfterSale.respond_by)
    accepted_in_time = and_(
        col(AfterSale.accepted_at) <= respond_by, col(AfterSale.auto_accepted).is_(False)
    )
    rejected_in_time = and_(
        col(AfterSale.status) == AfterSaleStatus.rejected, col(AfterSale.resolved_at) <= respond_by
    )
    withdrawn = and_(
        col(AfterSale.status) == AfterSaleStatus.cancelled, col(AfterSale.accepted_at).is_(None)
    )
    return (
        select(AfterSale.shop_id, func.count(), _count(or_(accepted_in_time, rejected_in_time)))
        .where(respond_by >= start, respond_by < end, ~withdrawn)
        .group_by(col(AfterSale.shop_id))
    )


def shop_figures(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    ship_within: timedelta,
    only_shop: int | None = None,
) -> dict[int, ShopFigures]:
    """Every shop with any activity in ``[start, end)`` (or just ``only_shop``) and its
    figures."""
    orders_query = order_figures_query(start, end, ship_within=ship_within)
    aftersales_query = aftersale_figures_query(start, end)
    if only_shop is not None:
        orders_query = orders_query.where(Order.shop_id == only_shop)
        aftersales_query = aftersales_query.where(AfterSale.shop_id == only_shop)
    found: dict[int, ShopFigures] = {}
    for shop_id, orders, due, on_time, cancelled in session.execute(orders_query).all():
        found[shop_id] = ShopFigures(
            orders=int(orders),
            shipments_due=int(due),
            shipped_on_time=int(on_time),
            merchant_cancelled=int(cancelled),
        )
    for shop_id, due, answered in session.exec(aftersales_query).all():
        figures = found.setdefault(shop_id, ShopFigures())
        figures.aftersales_due, figures.answered_in_time = int(due), int(answered)
    return found
