"""Shops: limits, details, opening, masking, and tenant isolation."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.models import ShopType
from core.services.shops import missing_details
from tests.conftest import Factory

PERSONAL = {"id_card_name": "王小明", "id_card_number": "11010119900307109x"}
BUSINESS = {
    "licence_number": "91310000MA1FL8XQ37",
    "operator_name": "李雷",
    "settlement_account": "6222020200112233445",
    "settlement_bank": "中国工商银行 上海分行",
}


def _create(client: TestClient, headers: dict[str, str], type: str, **extra: Any) -> Any:
    return client.post(
        "/api/v1/shops", headers=headers, json={"type": type, "name": f"{type} shop", **extra}
    )


def test_create_makes_a_draft_owned_by_the_caller(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    headers = factory.headers(owner)
    response = _create(client, headers, "enterprise")
    assert response.status_code == 201, response.text
    shop = response.json()
    assert shop["status"] == "draft" and shop["owner_id"] == owner.id
    assert shop["missing_for_open"] == [
        "licence_number",
        "operator_name",
        "settlement_account",
        "settlement_bank",
    ]
    members = client.get(f"/api/v1/shops/{shop['id']}/members", headers=headers).json()["items"]
    assert [(m["account_id"], m["is_owner"]) for m in members] == [(owner.id, True)]

    mine = client.get("/api/v1/shops", headers=headers).json()
    assert [s["id"] for s in mine["items"]] == [shop["id"]]


def test_second_personal_shop_is_409_naming_the_limit(client: TestClient, factory: Factory) -> None:
    headers = factory.headers(factory.account())
    assert _create(client, headers, "personal").status_code == 201
    response = _create(client, headers, "personal")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "limit_exceeded"
    assert body["limit"] == "personal_shops_per_account"
    assert body["maximum"] == 1


def test_fourth_business_shop_is_409_business_shops_per_account(
    client: TestClient, factory: Factory
) -> None:
    headers = factory.headers(factory.account())
    for type in ("individual", "enterprise", "enterprise"):
        assert _create(client, headers, type).status_code == 201
    assert _create(client, headers, "personal").status_code == 201  # counted separately
    response = _create(client, headers, "individual")
    assert response.status_code == 409
    assert response.json()["limit"] == "business_shops_per_account"
    assert response.json()["maximum"] == 3


def test_closed_shop_frees_its_slot(client: TestClient, factory: Factory) -> None:
    headers = factory.headers(factory.account())
    shop_id = _create(client, headers, "personal").json()["id"]
    assert client.delete(f"/api/v1/shops/{shop_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/shops/{shop_id}", headers=headers).json()["status"] == "closed"
    assert _create(client, headers, "personal").status_code == 201


def test_opening_with_missing_fields_lists_them(client: TestClient, factory: Factory) -> None:
    headers = factory.headers(factory.account())
    shop = _create(client, headers, "enterprise", operator_name="李雷").json()
    response = client.post(f"/api/v1/shops/{shop['id']}/open", headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "shop_incomplete"
    assert body["missing_fields"] == ["licence_number", "settlement_account", "settlement_bank"]
    assert [e["field"] for e in body["errors"]] == [
        "shop.licence_number",
        "shop.settlement_account",
        "shop.settlement_bank",
    ]


def test_personal_shop_opens_once_details_are_complete(
    client: TestClient, factory: Factory
) -> None:
    headers = factory.headers(factory.account())
    shop = _create(client, headers, "personal").json()
    url = f"/api/v1/shops/{shop['id']}"
    missing = client.post(f"{url}/open", headers=headers).json()
    assert missing["missing_fields"] == ["id_card_name", "id_card_number"]

    patched = client.patch(url, headers=headers, json=PERSONAL)
    assert patched.status_code == 200, patched.text
    assert patched.json()["id_card_number"] == "**************109X"

    opened = client.post(f"{url}/open", headers=headers)
    assert opened.status_code == 200
    assert opened.json()["status"] == "open" and opened.json()["opened_at"]

    again = client.post(f"{url}/open", headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "shop_not_draft"


def test_business_shop_opens_and_masks_settlement_account(
    client: TestClient, factory: Factory
) -> None:
    headers = factory.headers(factory.account())
    shop = _create(client, headers, "individual", **BUSINESS).json()
    assert shop["settlement_account"] == "***************3445"
    assert shop["missing_for_open"] == []
    opened = client.post(f"/api/v1/shops/{shop['id']}/open", headers=headers)
    assert opened.status_code == 200
    assert "6222020200112233445" not in opened.text
    listed = client.get("/api/v1/shops", headers=headers)
    assert "6222020200112233445" not in listed.text


def test_bad_details_are_422_with_field(client: TestClient, factory: Factory) -> None:
    headers = factory.headers(factory.account())
    shop = _create(client, headers, "personal").json()
    url = f"/api/v1/shops/{shop['id']}"
    bad_id = client.patch(url, headers=headers, json={"id_card_number": "12345678901234567Y"})
    assert bad_id.status_code == 422
    assert bad_id.headers["content-type"] == "application/problem+json"
    assert bad_id.json()["errors"][0]["field"] == "body.id_card_number"

    wrong_type = client.patch(
        url, headers=headers, json={"licence_number": BUSINESS["licence_number"]}
    )
    assert wrong_type.status_code == 422
    assert wrong_type.json()["code"] == "field_not_for_shop_type"
    assert wrong_type.json()["errors"][0]["field"] == "body.licence_number"

    bad_type = _create(client, headers, "franchise")
    assert bad_type.status_code == 422
    assert bad_type.json()["errors"][0]["field"] == "body.type"


def test_non_member_gets_404(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    stranger = factory.headers(factory.account())
    for method, path in [
        ("GET", ""),
        ("PATCH", ""),
        ("POST", "/open"),
        ("DELETE", ""),
        ("GET", "/members"),
    ]:
        kwargs: dict[str, Any] = {"json": {"name": "x"}} if method == "PATCH" else {}
        response = client.request(
            method, f"/api/v1/shops/{shop.id}{path}", headers=stranger, **kwargs
        )
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/shops/99999", headers=stranger).status_code == 404


def test_owner_only_actions_refuse_members_with_data(client: TestClient, factory: Factory) -> None:
    shop = factory.shop(open=False)
    manager = factory.member(shop, areas=["data", "members", "products"])
    headers = factory.headers(manager)
    # the data area lets a manager edit the profile ...
    patched = client.patch(f"/api/v1/shops/{shop.id}", headers=headers, json={"name": "New name"})
    assert patched.status_code == 200 and patched.json()["name"] == "New name"
    # ... but never open or close the shop
    for method, path in [("POST", "/open"), ("DELETE", "")]:
        response = client.request(method, f"/api/v1/shops/{shop.id}{path}", headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "owner_only"


def test_member_without_data_cannot_edit_profile(client: TestClient, factory: Factory) -> None:
    shop = factory.shop(type=ShopType.individual)
    clerk = factory.member(shop, areas=["orders"])
    headers = factory.headers(clerk)
    assert client.get(f"/api/v1/shops/{shop.id}", headers=headers).status_code == 200
    response = client.patch(f"/api/v1/shops/{shop.id}", headers=headers, json={"name": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "missing_permission"
    # members see the shops they belong to
    listed = client.get("/api/v1/shops", headers=headers).json()["items"]
    assert [s["id"] for s in listed] == [shop.id]


def test_my_shops_are_paginated(client: TestClient, factory: Factory) -> None:
    headers = factory.headers(factory.account())
    ids = [
        _create(client, headers, t).json()["id"] for t in ("personal", "individual", "enterprise")
    ]
    first = client.get("/api/v1/shops?limit=2", headers=headers).json()
    assert [s["id"] for s in first["items"]] == ids[:2] and first["next_cursor"]
    second = client.get(
        f"/api/v1/shops?limit=2&cursor={first['next_cursor']}", headers=headers
    ).json()
    assert [s["id"] for s in second["items"]] == ids[2:] and second["next_cursor"] is None


def test_identity_numbers_need_their_check_character(client: TestClient, factory: Factory) -> None:
    """GB 11643 / GB 32100: well-formed numbers with a wrong check character are refused."""
    headers = factory.headers(factory.account())
    personal = _create(client, headers, "personal").json()
    url = f"/api/v1/shops/{personal['id']}"
    for wrong in ("110101199003071234", "110101199013071233", "11010119900307109 0"):
        refused = client.patch(url, headers=headers, json={"id_card_number": wrong})
        assert refused.status_code == 422, (wrong, refused.text)
        assert refused.json()["errors"][0]["field"] == "body.id_card_number"
    accepted = client.patch(url, headers=headers, json={"id_card_number": "110101199003071233"})
    assert accepted.status_code == 200, accepted.text

    business = _create(client, headers, "enterprise").json()
    url = f"/api/v1/shops/{business['id']}"
    for wrong in ("91310000MA1FL8XQ38", "91310000MA1FL0000X"):
        refused = client.patch(url, headers=headers, json={"licence_number": wrong})
        assert refused.status_code == 422, (wrong, refused.text)
        assert refused.json()["errors"][0]["field"] == "body.licence_number"
    # a registering department given by a letter (N: agriculture) is a real code
    for valid in ("91310000MA1FL8XQ37", "N1330100MA2A000018"):
        accepted = client.patch(url, headers=headers, json={"licence_number": valid})
        assert accepted.status_code == 200, (valid, accepted.text)


def test_a_stored_number_with_a_wrong_check_character_blocks_opening(
    factory: Factory, engine: Engine
) -> None:
    shop = factory.shop(type=m.ShopType.personal, open=False)
    with Session(engine) as session:
        row = session.get(m.Shop, shop.id)
        assert row is not None
        assert missing_details(row) == []
        row.id_card_number = "110101199003070000"  # the pattern holds, the check does not
        assert missing_details(row) == ["id_card_number"]
