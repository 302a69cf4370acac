"""Assessment: the 交易保障 job over every shop vs one bare SQL aggregate of the same figures.

Tanzi's side is what the scheduled job does for a cycle: ``core.services.guarantee.
assess_cycle`` finds the open shops not yet assessed, computes their figures in two GROUP BY
queries (orders; after-sales), judges them against the criteria and writes one assessment
row per shop, then commits. The bare side is one hand-written SQL statement computing the
same six figures per shop (orders in the window, shipments due and on time, merchant
cancellations, after-sales due and answered in time), fetched into Python: no criteria, no
rows written. Both read the same database; before each Tanzi round the previous round's
assessments are deleted (untimed), so every round assesses every shop. Each side runs
``ROUNDS`` times, alternating; each figure is the median. The ratio is bare time over
Tanzi's time (1.0: the job costs no more than the bare query).

The data: SHOPS open shops, ORDERS orders paid across the window and a few days around it
(some shipped late, some cancelled by the merchant or the platform), AFTERSALES after-sales
requests (some answered late, some auto-accepted), seeded with bulk inserts. The figures
of both sides are checked equal once. Database: see ``harness``.

Run: ``.venv/bin/python bench/assessment.py``. Last line: ``assessment: ratio R (tanzi/bare)``.
Measured on a shared 2-core machine (2026-12-07), before: SQLite 0.60 and 0.70; PostgreSQL
0.31 (3.40 s vs 1.06 s). Profiled there, the figure queries cost what the bare query does;
the rest went to writing the 10,000 rows as multi-row ``VALUES`` (15 placeholders a row,
rewritten by psycopg in Python). Written since as one ``INSERT ... SELECT FROM unnest()``
(:mod:`core.bulk_insert`), after: PostgreSQL 0.60 and 0.73 (3.72 s, of which figures 2.41 s, vs
2.22 s), SQLite 0.72 (7.85 s, figures 5.83 s, vs 5.64 s).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import timedelta
from typing import Any

import harness
from sqlalchemy import delete, insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import core.models as m
from core.db import create_db_engine
from core.services import guarantee
from core.services.guarantee_cycles import cycle
from core.services.guarantee_figures import shop_figures
from core.settings import Settings

SHOPS = harness.size(10_000, 200)
ORDERS = harness.size(1_000_000, 20_000)
AFTERSALES = harness.size(50_000, 1_000)
ROUNDS = harness.rounds(3)
CYCLE = 30
CHUNK = 20_000
SHIP_WITHIN = timedelta(hours=48)

_SECONDS = {
    "sqlite": "(julianday(shipped_at) - julianday(paid_at)) * 86400.0",
    "postgresql": "EXTRACT(EPOCH FROM (shipped_at - paid_at))",
}

BARE_SQL = """
SELECT s.id, COALESCE(o.orders, 0), COALESCE(o.due, 0), COALESCE(o.on_time, 0),
       COALESCE(o.cancelled, 0), COALESCE(a.due, 0), COALESCE(a.answered, 0)
FROM shop s
LEFT JOIN (
  SELECT shop_id,
    SUM(CASE WHEN paid_at >= :start AND paid_at < :end THEN 1 ELSE 0 END) AS orders,
    SUM(CASE WHEN paid_at < :due_end AND (shipped_at IS NOT NULL OR cancelled_by IS NULL
        OR cancelled_by = 'merchant') THEN 1 ELSE 0 END) AS due,
    SUM(CASE WHEN paid_at < :due_end AND shipped_at IS NOT NULL
        AND {seconds} <= :within THEN 1 ELSE 0 END) AS on_time,
    SUM(CASE WHEN paid_at >= :start AND cancelled_by = 'merchant' THEN 1 ELSE 0 END)
        AS cancelled
  FROM "order" WHERE paid_at >= :due_start AND paid_at < :end GROUP BY shop_id
) o ON o.shop_id = s.id
LEFT JOIN (
  SELECT shop_id, COUNT(*) AS due,
    SUM(CASE WHEN (accepted_at <= respond_by AND NOT auto_accepted)
        OR (status = 'rejected' AND resolved_at <= respond_by) THEN 1 ELSE 0 END) AS answered
  FROM aftersale
  WHERE respond_by >= :start AND respond_by < :end
    AND NOT (status = 'cancelled' AND accepted_at IS NULL)
  GROUP BY shop_id
) a ON a.shop_id = s.id
WHERE s.status = 'open'
"""


def seed(engine: Engine) -> None:
    """SHOPS open shops with ORDERS orders and AFTERSALES after-sales around the window."""
    SQLModel.metadata.create_all(engine)
    rng = random.Random(16)
    period = cycle(CYCLE)
    start = period.window_start - timedelta(days=3)
    span = (period.valid_from + timedelta(days=1) - start).total_seconds()
    with Session(engine) as session:
        owner = m.Account(email="owner@example.com", name="Owner")
        session.add(owner)
        session.commit()
        owner_id = owner.id
    with engine.begin() as conn:
        conn.execute(
            insert(m.Shop),
            [
                {
                    "id": i,
                    "owner_id": owner_id,
                    "type": "personal",
                    "name": f"Shop {i}",
                    "status": "open",
                    "unpaid_cancel_minutes": 30,
                    "plugins_version": 0,
                    "description": "",
                    "suspension_reason": "",
                    "created_at": period.window_start,
                }
                for i in range(1, SHOPS + 1)
            ],
        )
    for first in range(1, ORDERS + 1, CHUNK):
        rows: list[dict[str, Any]] = []
        for i in range(first, min(first + CHUNK, ORDERS + 1)):
            paid = start + timedelta(seconds=rng.random() * span)
            roll = rng.random()
            cancelled_by = "merchant" if roll < 0.02 else "system" if roll < 0.03 else None
            late = rng.random() < 0.05
            rows.append(
                {
                    "id": i,
                    "shop_id": 1 + i % SHOPS,
                    "buyer_id": owner_id,
                    "idempotency_key": f"k{i}",
                    "request_hash": "0",
                    "status": "shipped",
                    "currency": "CNY",
                    "subtotal_fen": 1000,
                    "adjustments_fen": 0,
                    "shipping_fen": 0,
                    "total_fen": 1000,
                    "refunded_fen": 0,
                    "self_pickup": False,
                    "recipient_name": "B",
                    "recipient_phone": "1",
                    "province_code": "31",
                    "address": "A",
                    "created_at": paid,
                    "paid_at": paid,
                    "shipped_at": None
                    if cancelled_by
                    else paid
                    + timedelta(hours=rng.randint(50, 90) if late else rng.randint(1, 40)),
                    "cancelled_by": cancelled_by,
                    "cancel_reason": "",
                    "stock_released": False,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(m.Order), rows)
    rows = []
    for i in range(1, AFTERSALES + 1):
        respond_by = start + timedelta(seconds=rng.random() * span)
        roll = rng.random()
        row: dict[str, Any] = {
            "id": i,
            "shop_id": 1 + i % SHOPS,
            "order_id": 1 + (i * 7) % ORDERS,
            "kind": "refund_only",
            "status": "accepted",
            "amount_fen": 0,
            "reason": "r",
            "decision_reason": "",
            "respond_by": respond_by,
            "created_at": respond_by,
            "refunded_fen": 0,
            "auto_accepted": False,
            "accepted_at": respond_by - timedelta(hours=2),
            "resolved_at": None,
        }
        if roll < 0.05:
            row["auto_accepted"], row["accepted_at"] = True, respond_by
        elif roll < 0.08:
            row.update(
                status="rejected", accepted_at=None, resolved_at=respond_by + timedelta(hours=1)
            )
        rows.append(row)
    with engine.begin() as conn:
        conn.execute(insert(m.AfterSale), rows)


def tanzi_assess(engine: Engine) -> float:
    """Seconds for the job's work on a cycle nobody was assessed in yet (one transaction)."""
    with engine.begin() as conn:
        conn.execute(delete(m.GuaranteeAssessment))
    start = time.perf_counter()
    with Session(engine) as session:
        written = guarantee.assess_cycle(session, number=CYCLE)
        session.commit()
    took = time.perf_counter() - start
    assert written == SHOPS
    return took


def figures_only(engine: Engine) -> float:
    """Seconds for the job's two figure queries alone (what the writes are measured against)."""
    period = cycle(CYCLE)
    start = time.perf_counter()
    with Session(engine) as session:
        shop_figures(session, period.window_start, period.valid_from, ship_within=SHIP_WITHIN)
    return time.perf_counter() - start


def bare_query(engine: Engine) -> tuple[float, list[Any]]:
    """Seconds for the one aggregate statement, and its rows."""
    period = cycle(CYCLE)
    params = {
        "start": period.window_start,
        "end": period.valid_from,
        "due_start": period.window_start - SHIP_WITHIN,
        "due_end": period.valid_from - SHIP_WITHIN,
        "within": SHIP_WITHIN.total_seconds(),
    }
    sql = text(BARE_SQL.format(seconds=_SECONDS[engine.dialect.name]))
    start = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(sql, params).all()
    return time.perf_counter() - start, rows


def check_same_figures(engine: Engine, rows: list[Any]) -> None:
    """The bare query's figures are the stored assessments' figures, shop by shop."""
    with Session(engine) as session:
        stored = {
            a.shop_id: (
                a.orders,
                a.shipments_due,
                a.shipped_on_time,
                a.merchant_cancelled,
                a.aftersales_due,
                a.answered_in_time,
            )
            for a in session.exec(select(m.GuaranteeAssessment))
        }
    bare = {r[0]: tuple(int(v) for v in r[1:]) for r in rows}
    assert stored == bare, "the two sides disagree"


def main() -> None:
    """Seed, measure both sides ``ROUNDS`` times, print the medians and the ratio."""
    with tempfile.TemporaryDirectory() as tmp, harness.database(tmp, "assessment") as url:
        engine = create_db_engine(Settings(database_url=url))
        began = time.perf_counter()
        seed(engine)
        with Session(engine) as session:
            guarantee.update_criteria(session, admin_id=1, values={"ship_within_hours": 48})
            session.commit()
        print(
            f"{SHOPS} shops, {ORDERS} orders, {AFTERSALES} after-sales seeded in "
            f"{time.perf_counter() - began:.1f} s; {harness.backends()}"
        )
        tanzi, bare, figures = [], [], []
        rows: list[Any] = []
        for _ in range(ROUNDS):
            took, rows = bare_query(engine)
            bare.append(took)
            tanzi.append(tanzi_assess(engine))
            figures.append(figures_only(engine))
        check_same_figures(engine, rows)
        engine.dispose()
    t, b = statistics.median(tanzi), statistics.median(bare)
    print(f"tanzi assessment (figures + criteria + {SHOPS} rows written): {t:.2f} s")
    print(f"  of which the two figure queries alone: {statistics.median(figures):.2f} s")
    print(f"one bare aggregate query, same figures fetched: {b:.2f} s")
    print(harness.ratio_line("assessment", b / t, "tanzi/bare"))


if __name__ == "__main__":
    main()
