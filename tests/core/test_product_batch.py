"""Product batch upsert: the kernel service and ``POST /shops/{id}/products/batch``."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

import core.models as m
from core.services.product_batch import upsert_products
from sdk.batch import ProductInput, SkuInput
from tests.conftest import Factory


def _item(ref: str, category_id: int, **kw: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "external_ref": ref,
        "title": f"Product {ref}",
        "category_id": category_id,
        "skus": [
            {"code": f"{ref}-S", "options": {"size": "S"}, "price_fen": 1000, "stock": 3},
            {"code": f"{ref}-M", "options": {"size": "M"}, "price_fen": 1100, "stock": 4},
        ],
    }
    item.update(kw)
    return item


def _count(engine: Engine, model: Any, shop_id: int) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).select_from(model).where(model.shop_id == shop_id)
        ).one()


def _events(engine: Engine, name: str) -> list[m.OutboxEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(m.OutboxEvent)
                .where(m.OutboxEvent.name == name)
                .order_by(col(m.OutboxEvent.id))
            ).all()
        )


def test_service_creates_then_updates_then_leaves_unchanged(
    engine: Engine, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    cat = factory.category()
    items = [ProductInput.model_validate(_item(f"R{i}", cat.id)) for i in range(3)]
    with Session(engine) as session:
        result = upsert_products(session, shop=session.get(m.Shop, shop.id), items=items)
        session.commit()
    assert result.counts == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    assert all(r.product_id for r in result.items)
    assert _count(engine, m.Sku, shop.id) == 6
    assert len(_events(engine, "product_created")) == 3
    again = [*items[:2], items[2].model_copy(update={"title": "Renamed"})]
    changed = [
        ProductInput(external_ref="R0", skus=[SkuInput(code="R0-S", price_fen=999, stock=7)])
    ]
    with Session(engine) as session:
        shop_row = session.get(m.Shop, shop.id)
        second = upsert_products(session, shop=shop_row, items=again)
        third = upsert_products(session, shop=shop_row, items=changed)
        session.commit()
    assert [r.status for r in second.items] == ["unchanged", "unchanged", "updated"]
    assert second.items[2].changed == ["title"]
    assert third.items[0].changed == ["skus[R0-S].price_fen", "skus[R0-S].stock"]
    assert _count(engine, m.Product, shop.id) == 3
    updated = _events(engine, "product_updated")
    assert len(updated) == 2
    assert updated[-1].sequence == 2  # created was 1
    stock = _events(engine, "inventory_changed")
    assert [(e.payload["delta"], e.payload["stock"]) for e in stock] == [(4, 7)]
    with Session(engine) as session:
        sku = session.exec(select(m.Sku).where(m.Sku.code == "R0-S")).one()
        assert (sku.price_fen, sku.stock) == (999, 7)


def test_bad_items_fail_alone_with_field_paths(engine: Engine, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    cat = factory.category()
    gated = factory.category(name="Medicine", qualifications=["drug_licence"])
    items = [
        ProductInput.model_validate(_item("OK1", cat.id)),
        ProductInput.model_validate(_item("NEG", cat.id, skus=[{"code": "N", "price_fen": -5}])),
        ProductInput.model_validate(_item("GATED", gated.id)),
        ProductInput(title="no key", category_id=cat.id, skus=[SkuInput(code="x", price_fen=1)]),
        ProductInput.model_validate(_item("OK1", cat.id)),
    ]
    with Session(engine) as session:
        result = upsert_products(session, shop=session.get(m.Shop, shop.id), items=items)
        session.commit()
    statuses = [r.status for r in result.items]
    assert statuses == ["created", "failed", "failed", "failed", "failed"]
    assert result.items[1].problems[0].field == "skus[0].price_fen"
    assert result.items[2].problems[0].code == "qualification_required"
    assert result.items[3].problems[0].code == "missing_key"
    assert result.items[4].problems[0].code == "duplicate_item"
    assert _count(engine, m.Product, shop.id) == 1


def test_dry_run_writes_nothing(engine: Engine, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    cat = factory.category()
    with Session(engine) as session:
        shop_row = session.get(m.Shop, shop.id)
        upsert_products(
            session, shop=shop_row, items=[ProductInput.model_validate(_item("A", cat.id))]
        )
        session.commit()
    with Session(engine) as session:
        shop_row = session.get(m.Shop, shop.id)
        result = upsert_products(
            session,
            shop=shop_row,
            items=[
                ProductInput(external_ref="A", title="Changed"),
                ProductInput.model_validate(_item("B", cat.id)),
            ],
            dry_run=True,
        )
        session.commit()
    assert [r.status for r in result.items] == ["updated", "created"]
    assert _count(engine, m.Product, shop.id) == 1
    with Session(engine) as session:
        assert session.exec(select(m.Product.title)).one() == "Product A"


def test_rest_batch_of_1000_with_bad_items(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    cat = factory.category()
    items = [_item(f"P{i:04d}", cat.id) for i in range(1000)]
    items[10]["skus"][0]["price_fen"] = "lots"  # malformed: fails alone
    items[20]["skus"][1]["price_fen"] = -1
    del items[30]["title"]
    url = f"/api/v1/shops/{shop.id}/products/batch"
    response = client.post(url, json={"items": items}, headers=factory.headers(owner))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"] == {"created": 997, "updated": 0, "unchanged": 0, "failed": 3}
    failed = {
        r["index"]: r["problems"][0]["field"] for r in body["items"] if r["status"] == "failed"
    }
    assert failed == {10: "skus[0].price_fen", 20: "skus[1].price_fen", 30: "title"}
    assert [r["index"] for r in body["items"]] == list(range(1000))
    assert _count(engine, m.Product, shop.id) == 997
    assert _count(engine, m.Sku, shop.id) == 1994
    again = client.post(url, json={"items": items}, headers=factory.headers(owner)).json()
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 997, "failed": 3}
    too_many = client.post(url, json={"items": [*items, items[0]]}, headers=factory.headers(owner))
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"].startswith("body.items")
