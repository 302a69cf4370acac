"""``insert_skipping_conflicts`` writes every new row with the shared values, skips rows whose
unique key exists (already stored, or earlier in the same call), returns only what it wrote,
keeps JSON lists and dicts intact, and chunks large inputs (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import core.bulk_insert as bulk_insert
import core.models as m
from core.bulk_insert import insert_skipping_conflicts

_TABLE = m.GuaranteeAssessment.__table__  # type: ignore[attr-defined]
AT = datetime(2026, 3, 4, tzinfo=UTC)
SAME = {
    "window_start": AT,
    "valid_from": AT,
    "valid_until": AT,
    "criteria": {"min_orders": 3},
    "assessed_at": AT,
}


def _shops(engine: Engine, count: int) -> list[int]:
    with Session(engine) as session:
        owner = m.Account(email="owner@example.com", name="Owner")
        session.add(owner)
        session.flush()
        assert owner.id is not None
        shops = [
            m.Shop(owner_id=owner.id, type=m.ShopType.personal, name=f"S{i}") for i in range(count)
        ]
        session.add_all(shops)
        session.commit()
        return [shop.id for shop in shops if shop.id is not None]


def _aware(at: datetime) -> datetime:
    """SQLite hands timestamps back naive (in UTC)."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _row(shop_id: int, cycle: int, failed: list[str]) -> dict[str, object]:
    return {"shop_id": shop_id, "cycle": cycle, "orders": shop_id, "failed": failed}


def test_writes_new_rows_and_skips_existing_keys(engine: Engine) -> None:
    a, b, c = _shops(engine, 3)
    with Session(engine) as session:
        first = insert_skipping_conflicts(
            session,
            _TABLE,
            [_row(a, 1, ["min_orders", "on_time_shipping"]), _row(b, 1, [])],
            conflict=["shop_id", "cycle"],
            returning="shop_id",
            same=SAME,
        )
        session.commit()
    assert sorted(first) == [a, b]
    with Session(engine) as session:
        again = insert_skipping_conflicts(
            session,
            _TABLE,
            [_row(a, 1, ["changed"]), _row(c, 1, ["x"]), _row(c, 1, ["dup"]), _row(a, 2, [])],
            conflict=["shop_id", "cycle"],
            returning="shop_id",
            same=SAME,
        )
        session.commit()
    assert sorted(again) == [a, c]  # (a, 1) existed; the second (c, 1) hit the first
    with Session(engine) as session:
        rows = session.exec(
            select(m.GuaranteeAssessment).order_by(
                col(m.GuaranteeAssessment.shop_id), col(m.GuaranteeAssessment.cycle)
            )
        ).all()
    stored = [(r.shop_id, r.cycle, r.failed, r.orders) for r in rows]
    assert stored == [
        (a, 1, ["min_orders", "on_time_shipping"], a),
        (a, 2, [], a),
        (b, 1, [], b),
        (c, 1, ["x"], c),
    ]
    assert all(r.criteria == {"min_orders": 3} and _aware(r.valid_from) == AT for r in rows)


def test_large_inputs_go_in_chunks(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_insert, "CHUNK", 2)
    shops = _shops(engine, 5)
    with Session(engine) as session:
        written = insert_skipping_conflicts(
            session,
            _TABLE,
            [_row(s, 7, [str(s)]) for s in shops],
            conflict=["shop_id", "cycle"],
            returning="shop_id",
            same=SAME,
        )
        session.commit()
        stored = session.exec(select(m.GuaranteeAssessment.shop_id, m.GuaranteeAssessment.failed))
        assert sorted(written) == shops
        assert sorted((s, f) for s, f in stored) == [(s, [str(s)]) for s in shops]
