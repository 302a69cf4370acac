"""交易保障: the criteria admins set, the per-cycle assessment, and who holds the badge.

:func:`assess_cycle` is what the scheduled job runs: it computes every open shop's figures
in SQL aggregates (:mod:`core.services.guarantee_figures`), judges them against the
criteria, and writes one :class:`GuaranteeAssessment` per shop and cycle. A shop already
assessed in that cycle is left alone (unique ``(shop_id, cycle)``, insert-or-skip), so a
second run, or two workers at once, change nothing. Services never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.bulk_insert import insert_skipping_conflicts
from core.errors import InvalidInput
from core.models import GuaranteeAssessment, GuaranteeCriteria, Listing, Shop, ShopStatus
from core.models.base import utcnow
from core.services.audit import record_action
from core.services.guarantee_cycles import cycle, cycle_number
from core.services.guarantee_figures import ShopFigures, shop_figures

#: The criteria, in the order pages list them; ``failed`` holds these codes.
CRITERIA = (
    "min_orders",
    "on_time_shipping",
    "aftersales_answered",
    "aftersales_lapsed",
    "merchant_cancellations",
)
#: The settings an admin edits, with their bounds.
CRITERIA_FIELDS: dict[str, tuple[int, int]] = {
    "min_orders": (0, 100_000),
    "ship_within_hours": (1, 720),
    "min_on_time_pct": (0, 100),
    "min_answered_pct": (0, 100),
    "max_lapsed": (0, 100_000),
    "max_cancel_pct": (0, 100),
}


def current_criteria(session: Session) -> GuaranteeCriteria:
    """The criteria in force (the defaults until an admin saves some)."""
    row = session.exec(select(GuaranteeCriteria).order_by(col(GuaranteeCriteria.id))).first()
    return row or GuaranteeCriteria()


def criteria_values(criteria: GuaranteeCriteria) -> dict[str, int]:
    """The editable settings as a plain dict (what an assessment keeps a copy of)."""
    return {name: int(getattr(criteria, name)) for name in CRITERIA_FIELDS}


def update_criteria(
    session: Session, *, admin_id: int, values: dict[str, int]
) -> GuaranteeCriteria:
    """Save new criteria (audit-logged); they apply from the next assessment on.

    :class:`InvalidInput` names the first field out of bounds (``body.<name>``).
    """
    for name, value in values.items():
        if name not in CRITERIA_FIELDS:
            raise InvalidInput(f"Unknown criterion '{name}'.", field=f"body.{name}")
        low, high = CRITERIA_FIELDS[name]
        if not low <= value <= high:
            raise InvalidInput(
                f"{name} must be between {low} and {high}.",
                code="out_of_range",
                field=f"body.{name}",
            )
    row = session.exec(select(GuaranteeCriteria).order_by(col(GuaranteeCriteria.id))).first()
    row = row or GuaranteeCriteria()
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = utcnow(), admin_id
    session.add(row)
    session.flush()
    assert row.id is not None
    record_action(
        session,
        actor_id=admin_id,
        action="guarantee_criteria_updated",
        target_type="guarantee_criteria",
        target_id=row.id,
        data=criteria_values(row),
    )
    return row


#: The assessments' table, for Core inserts.
_ASSESSMENTS = GuaranteeAssessment.__table__  # type: ignore[attr-defined]


def _meets(part: int, whole: int, pct: int) -> bool:
    """``part / whole >= pct %`` in integers; nothing due meets any rate."""
    return whole == 0 or part * 100 >= pct * whole


def failed_criteria(figures: ShopFigures, criteria: dict[str, int]) -> list[str]:
    """The criteria ``figures`` do not meet, in :data:`CRITERIA` order (empty: certified)."""
    failed = []
    if figures.orders < criteria["min_orders"]:
        failed.append("min_orders")
    if not _meets(figures.shipped_on_time, figures.shipments_due, criteria["min_on_time_pct"]):
        failed.append("on_time_shipping")
    if not _meets(figures.answered_in_time, figures.aftersales_due, criteria["min_answered_pct"]):
        failed.append("aftersales_answered")
    if figures.lapsed > criteria["max_lapsed"]:
        failed.append("aftersales_lapsed")
    if figures.merchant_cancelled * 100 > criteria["max_cancel_pct"] * figures.orders:
        failed.append("merchant_cancellations")
    return failed


def _open_shop_ids(session: Session) -> list[int]:
    rows = session.exec(select(Shop.id).where(Shop.status == ShopStatus.open)).all()
    return [shop_id for shop_id in rows if shop_id is not None]


def unassessed_shop_ids(session: Session, number: int) -> list[int]:
    """Open shops without an assessment for cycle ``number``."""
    done = select(GuaranteeAssessment.shop_id).where(GuaranteeAssessment.cycle == number)
    rows = session.exec(
        select(Shop.id).where(Shop.status == ShopStatus.open, col(Shop.id).not_in(done))
    ).all()
    return [shop_id for shop_id in rows if shop_id is not None]


def assess_cycle(session: Session, *, number: int, now: datetime | None = None) -> int:
    """Assess every open shop not yet assessed in cycle ``number``; returns how many rows
    this call wrote (0 when the cycle was already done)."""
    shop_ids = unassessed_shop_ids(session, number)
    if not shop_ids:
        return 0
    period = cycle(number)
    criteria = criteria_values(current_criteria(session))
    figures = shop_figures(
        session,
        period.window_start,
        period.valid_from,
        ship_within=timedelta(hours=criteria["ship_within_hours"]),
    )
    rows = []
    for shop_id in shop_ids:
        found = figures.get(shop_id, ShopFigures())
        failed = failed_criteria(found, criteria)
        rows.append(
            {
                "shop_id": shop_id,
                "orders": found.orders,
                "shipments_due": found.shipments_due,
                "shipped_on_time": found.shipped_on_time,
                "aftersales_due": found.aftersales_due,
                "answered_in_time": found.answered_in_time,
                "merchant_cancelled": found.merchant_cancelled,
                "certified": not failed,
                "failed": failed,
            }
        )
    same = {
        "cycle": number,
        "window_start": period.window_start,
        "valid_from": period.valid_from,
        "valid_until": period.valid_until,
        "criteria": criteria,
        "assessed_at": now or utcnow(),
    }
    written = insert_skipping_conflicts(
        session,
        _ASSESSMENTS,
        rows,
        conflict=["shop_id", "cycle"],
        returning="shop_id",
        same=same,
    )
    return len(written)


def assess_current_cycle(session: Session, *, now: datetime | None = None) -> int:
    """:func:`assess_cycle` for the cycle running at ``now``."""
    return assess_cycle(session, number=cycle_number(now or utcnow()), now=now)


def certified_shop_ids(
    session: Session, shop_ids: Iterable[int], *, now: datetime | None = None
) -> set[int]:
    """Which of ``shop_ids`` hold a certificate valid at ``now``."""
    ids = list(shop_ids)
    if not ids:
        return set()
    at = now or utcnow()
    rows = session.exec(
        select(GuaranteeAssessment.shop_id).where(
            col(GuaranteeAssessment.shop_id).in_(ids),
            col(GuaranteeAssessment.certified).is_(True),
            col(GuaranteeAssessment.valid_from) <= at,
            col(GuaranteeAssessment.valid_until) > at,
        )
    ).all()
    return set(rows)


def is_certified(session: Session, shop_id: int, *, now: datetime | None = None) -> bool:
    """Whether the shop holds a certificate valid at ``now`` (its 保 badge)."""
    return shop_id in certified_shop_ids(session, [shop_id], now=now)


def shop_history(session: Session, shop_id: int, *, limit: int = 12) -> list[GuaranteeAssessment]:
    """The shop's assessments, newest cycle first."""
    return list(
        session.exec(
            select(GuaranteeAssessment)
            .where(GuaranteeAssessment.shop_id == shop_id)
            .order_by(col(GuaranteeAssessment.cycle).desc())
            .limit(limit)
        ).all()
    )


def running_figures(
    session: Session, shop_id: int, *, now: datetime | None = None
) -> tuple[ShopFigures, dict[str, int], datetime]:
    """The shop's figures over the 14 days up to ``now`` against the criteria in force
    (what the next assessment would see so far), and the window's start."""
    at = now or utcnow()
    criteria = criteria_values(current_criteria(session))
    start = at - timedelta(days=14)
    figures = shop_figures(
        session,
        start,
        at,
        ship_within=timedelta(hours=criteria["ship_within_hours"]),
        only_shop=shop_id,
    )
    return figures.get(shop_id, ShopFigures()), criteria, start


def restrict_listing(
    session: Session, *, admin_id: int, listing: Listing, certified_only: bool
) -> Listing:
    """Open ``listing`` to certified shops only (an exclusive right of the guarantee), or to
    every shop again; audit-logged. Installed copies keep running."""
    assert listing.id is not None
    listing.certified_shops_only = certified_only
    session.add(listing)
    record_action(
        session,
        actor_id=admin_id,
        action="listing_guarantee_restricted" if certified_only else "listing_guarantee_opened",
        target_type="listing",
        target_id=listing.id,
    )
    return listing


def latest_results(session: Session, *, limit: int = 50) -> list[tuple[GuaranteeAssessment, str]]:
    """The newest assessed cycle's results with shop names, certified first."""
    newest = session.exec(select(func.max(GuaranteeAssessment.cycle))).first()
    if newest is None:
        return []
    rows = session.exec(
        select(GuaranteeAssessment, Shop.name)
        .join(Shop, col(Shop.id) == col(GuaranteeAssessment.shop_id))
        .where(GuaranteeAssessment.cycle == newest)
        .order_by(col(GuaranteeAssessment.certified).desc(), col(Shop.name))
        .limit(limit)
    ).all()
    return [(row, name) for row, name in rows]
