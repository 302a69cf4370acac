"""Qualifications: submission, admin review, and the category gate they unlock."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.errors import PermissionDenied
from core.models import Category, Shop, ShopType
from core.services.categories import ensure_shop_may_sell_in
from tests.conftest import Factory


def _may_sell(engine: Engine, shop: Shop, category: Category) -> None:
    assert category.id is not None
    with Session(engine) as session:
        ensure_shop_may_sell_in(session, shop=session.get(Shop, shop.id), category_id=category.id)  # type: ignore[arg-type]


def test_approval_unblocks_selling_in_a_gated_category(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    food = factory.category(name="食品生鲜 Food", qualifications=["food_licence"])
    owner = factory.account()
    shop = factory.shop(owner, type=ShopType.individual)
    headers = factory.headers(owner)
    admin = factory.headers(factory.account(is_admin=True))

    with pytest.raises(PermissionDenied) as refused:
        _may_sell(engine, shop, food)
    assert refused.value.code == "qualification_required"
    assert refused.value.extra["missing_qualifications"] == ["food_licence"]

    submitted = client.post(
        f"/api/v1/shops/{shop.id}/qualifications",
        headers=headers,
        json={"kind": "food_licence", "document_number": "JY13101010000001"},
    )
    assert submitted.status_code == 201, submitted.text
    qualification = submitted.json()
    assert qualification["status"] == "pending"

    pending = client.get("/api/v1/admin/qualifications?status=pending", headers=admin).json()
    assert [q["id"] for q in pending["items"]] == [qualification["id"]]
    with pytest.raises(PermissionDenied):
        _may_sell(engine, shop, food)  # pending is not enough

    approved = client.post(
        f"/api/v1/admin/qualifications/{qualification['id']}/approve", headers=admin
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved" and approved.json()["reviewed_at"]
    _may_sell(engine, shop, food)

    assert (
        client.get("/api/v1/admin/qualifications?status=pending", headers=admin).json()["items"]
        == []
    )
    twice = client.post(
        f"/api/v1/admin/qualifications/{qualification['id']}/approve", headers=admin
    )
    assert twice.status_code == 409 and twice.json()["code"] == "qualification_reviewed"
    listed = client.get(f"/api/v1/shops/{shop.id}/qualifications", headers=headers).json()
    assert [q["status"] for q in listed["items"]] == ["approved"]


def test_rejection_needs_a_reason_and_allows_resubmitting(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    stranger_headers = factory.headers(factory.account())
    manager = factory.member(shop, areas=["data"])
    headers = factory.headers(manager)
    admin = factory.headers(factory.account(is_admin=True))
    body = {"kind": "cosmetics_licence", "document_number": "沪妆备2024000001"}
    qid = client.post(f"/api/v1/shops/{shop.id}/qualifications", headers=headers, json=body).json()[
        "id"
    ]

    duplicate = client.post(f"/api/v1/shops/{shop.id}/qualifications", headers=headers, json=body)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "qualification_exists"

    no_reason = client.post(f"/api/v1/admin/qualifications/{qid}/reject", headers=admin, json={})
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "body.reason"

    rejected = client.post(
        f"/api/v1/admin/qualifications/{qid}/reject",
        headers=admin,
        json={"reason": "The scan is unreadable."},
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reason"] == "The scan is unreadable."

    resubmitted = client.post(f"/api/v1/shops/{shop.id}/qualifications", headers=headers, json=body)
    assert resubmitted.status_code == 201

    # strangers see nothing of the shop
    stranger = client.get(f"/api/v1/shops/{shop.id}/qualifications", headers=stranger_headers)
    assert stranger.status_code == 404


def test_permissions_on_qualifications(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    clerk = factory.headers(factory.member(shop, areas=["orders"]))
    body = {"kind": "food_licence", "document_number": "JY1310101"}
    response = client.post(f"/api/v1/shops/{shop.id}/qualifications", headers=clerk, json=body)
    assert response.status_code == 403 and response.json()["code"] == "missing_permission"
    assert client.get(f"/api/v1/shops/{shop.id}/qualifications", headers=clerk).status_code == 200
    not_admin = client.get("/api/v1/admin/qualifications", headers=clerk)
    assert not_admin.status_code == 403 and not_admin.json()["code"] == "admin_only"


def test_bad_qualification_input(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    headers = factory.headers(owner)
    url = f"/api/v1/shops/{shop.id}/qualifications"
    unknown = client.post(
        url, headers=headers, json={"kind": "moon_licence", "document_number": "12345"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_qualification"
    assert unknown.json()["errors"][0]["field"] == "body.kind"
    short = client.post(url, headers=headers, json={"kind": "food_licence", "document_number": "1"})
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "body.document_number"
    bad_status = client.get(
        "/api/v1/admin/qualifications?status=maybe",
        headers=factory.headers(factory.account(is_admin=True)),
    )
    assert bad_status.status_code == 422
    assert bad_status.json()["errors"][0]["field"] == "query.status"


def test_category_type_gate(engine: Engine, factory: Factory) -> None:
    second_hand = factory.category(name="二手闲置 Second-hand", shop_types=["personal"])
    with pytest.raises(PermissionDenied) as refused:
        _may_sell(engine, factory.shop(type=ShopType.enterprise), second_hand)
    assert refused.value.code == "category_not_allowed"
    _may_sell(engine, factory.shop(type=ShopType.personal), second_hand)
