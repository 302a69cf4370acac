"""The public category tree, the seed, and admin-only category creation."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.models import Category
from core.services.categories import seed_categories
from tests.conftest import Factory


def _seed(engine: Engine) -> int:
    with Session(engine) as session:
        created = seed_categories(session)
        session.commit()
    return created


def test_seed_is_idempotent_and_gates_categories(engine: Engine) -> None:
    created = _seed(engine)
    assert created >= 6
    assert _seed(engine) == 0
    with Session(engine) as session:
        by_name = {c.name: c for c in session.exec(select(Category)).all()}
    assert len(by_name) == created
    food = by_name["食品生鲜 Food"]
    assert food.qualifications == ["food_licence"]
    cosmetics = by_name["美妆 Cosmetics"]
    assert cosmetics.shop_types == ["individual", "enterprise"]
    assert cosmetics.qualifications == ["cosmetics_licence"]
    assert by_name["二手闲置 Second-hand"].shop_types == ["personal"]
    assert by_name["图书 Books"].qualifications == ["publication_licence"]
    snacks = by_name["休闲零食 Snacks"]
    assert snacks.parent_id == food.id and snacks.qualifications == ["food_licence"]


def test_public_tree_is_nested_and_needs_no_auth(client: TestClient, engine: Engine) -> None:
    _seed(engine)
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    roots = response.json()["items"]
    names = [r["name"] for r in roots]
    assert names[:2] == ["服饰鞋包 Clothing", "食品生鲜 Food"]
    assert all(r["parent_id"] is None for r in roots)
    food = roots[1]
    assert {c["name"] for c in food["children"]} >= {"休闲零食 Snacks"}
    assert all(c["parent_id"] == food["id"] for c in food["children"])

    page = client.get("/api/v1/categories?limit=2").json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"/api/v1/categories?cursor={page['next_cursor']}").json()
    assert [r["name"] for r in rest["items"]] == names[2:]


def test_admin_creates_categories_children_inherit(client: TestClient, factory: Factory) -> None:
    admin = factory.headers(factory.account(is_admin=True))
    parent = client.post(
        "/api/v1/admin/categories",
        headers=admin,
        json={
            "name": "母婴 Baby",
            "shop_types": ["enterprise", "individual"],
            "qualifications": ["baby_licence"],
        },
    )
    assert parent.status_code == 201, parent.text
    assert parent.json()["shop_types"] == ["individual", "enterprise"]
    child = client.post(
        "/api/v1/admin/categories",
        headers=admin,
        json={
            "name": "奶粉 Formula",
            "parent_id": parent.json()["id"],
            "qualifications": ["food_licence"],
        },
    )
    assert child.status_code == 201
    assert child.json()["shop_types"] == ["individual", "enterprise"]
    assert child.json()["qualifications"] == ["baby_licence", "food_licence"]
    tree = client.get("/api/v1/categories").json()["items"]
    assert tree[0]["children"][0]["name"] == "奶粉 Formula"


def test_only_admins_create_categories(client: TestClient, factory: Factory) -> None:
    response = client.post(
        "/api/v1/admin/categories",
        headers=factory.headers(factory.account()),
        json={"name": "Anything"},
    )
    assert response.status_code == 403 and response.json()["code"] == "admin_only"
    assert client.post("/api/v1/admin/categories", json={"name": "x"}).status_code == 401


def test_bad_category_input(client: TestClient, factory: Factory) -> None:
    admin = factory.headers(factory.account(is_admin=True))
    empty = client.post("/api/v1/admin/categories", headers=admin, json={"name": ""})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body.name"
    orphan = client.post(
        "/api/v1/admin/categories", headers=admin, json={"name": "Orphan", "parent_id": 999}
    )
    assert orphan.status_code == 422 and orphan.json()["errors"][0]["field"] == "body.parent_id"
