"""Roles and members: areas, limits, owner protection, and permission checks."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core.models import Account, Shop, ShopType
from core.settings import Settings
from tests.conftest import Factory


def _role(
    client: TestClient, shop: Shop, headers: dict[str, str], name: str, areas: list[str]
) -> int:
    response = client.post(
        f"/api/v1/shops/{shop.id}/roles", headers=headers, json={"name": name, "areas": areas}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _owner_headers(factory: Factory, **kw: object) -> tuple[Shop, Account, dict[str, str]]:
    owner = factory.account()
    shop = factory.shop(owner, **kw)  # type: ignore[arg-type]
    return shop, owner, factory.headers(owner)


def test_roles_and_members_lifecycle(client: TestClient, factory: Factory) -> None:
    shop, owner, headers = _owner_headers(factory)
    base = f"/api/v1/shops/{shop.id}"
    packer = _role(client, shop, headers, "Packer", ["logistics", "orders", "logistics"])
    roles = client.get(f"{base}/roles", headers=headers).json()["items"]
    assert roles == [
        {"id": packer, "shop_id": shop.id, "name": "Packer", "areas": ["orders", "logistics"]}
    ]

    dup = client.post(f"{base}/roles", headers=headers, json={"name": "Packer", "areas": []})
    assert dup.status_code == 409 and dup.json()["code"] == "role_name_taken"

    worker = factory.account(email="worker@example.com")
    added = client.post(
        f"{base}/members", headers=headers, json={"email": "Worker@example.com", "role_id": packer}
    )
    assert added.status_code == 201, added.text
    member = added.json()
    assert member["account_id"] == worker.id and member["role_name"] == "Packer"
    assert member["areas"] == ["orders", "logistics"]

    again = client.post(
        f"{base}/members", headers=headers, json={"email": "worker@example.com", "role_id": packer}
    )
    assert again.status_code == 409 and again.json()["code"] == "member_exists"

    # the worker now sees orders but not members
    worker_headers = factory.headers(worker)
    assert client.get(f"{base}", headers=worker_headers).status_code == 200

    manager = _role(client, shop, headers, "Manager", ["products", "members"])
    changed = client.patch(
        f"{base}/members/{member['id']}", headers=headers, json={"role_id": manager}
    )
    assert changed.status_code == 200 and changed.json()["role_name"] == "Manager"

    in_use = client.delete(f"{base}/roles/{manager}", headers=headers)
    assert in_use.status_code == 409 and in_use.json()["code"] == "role_in_use"

    renamed = client.patch(
        f"{base}/roles/{packer}", headers=headers, json={"name": "Shipper", "areas": ["logistics"]}
    )
    assert renamed.json() == {
        "id": packer,
        "shop_id": shop.id,
        "name": "Shipper",
        "areas": ["logistics"],
    }

    assert client.delete(f"{base}/members/{member['id']}", headers=headers).status_code == 204
    assert client.delete(f"{base}/roles/{manager}", headers=headers).status_code == 204
    listed = client.get(f"{base}/members", headers=headers).json()["items"]
    assert [(m["account_id"], m["is_owner"]) for m in listed] == [(owner.id, True)]
    assert client.get(f"{base}", headers=worker_headers).status_code == 404


def test_owner_cannot_be_removed_or_given_a_role(client: TestClient, factory: Factory) -> None:
    shop, _, headers = _owner_headers(factory)
    base = f"/api/v1/shops/{shop.id}"
    owner_member = client.get(f"{base}/members", headers=headers).json()["items"][0]
    removed = client.delete(f"{base}/members/{owner_member['id']}", headers=headers)
    assert removed.status_code == 409
    assert removed.json()["code"] == "owner_cannot_be_removed"
    role = _role(client, shop, headers, "Any", ["products"])
    changed = client.patch(
        f"{base}/members/{owner_member['id']}", headers=headers, json={"role_id": role}
    )
    assert changed.status_code == 409 and changed.json()["code"] == "owner_member"


def test_enterprise_member_limit_names_members_per_shop(
    client: TestClient, factory: Factory, settings: Settings
) -> None:
    settings.member_limit_enterprise = 2  # the app reads its settings object per request
    shop, _, headers = _owner_headers(factory, type=ShopType.enterprise)
    role = _role(client, shop, headers, "Staff", ["orders"])
    first = factory.account()
    second = factory.account()
    ok = client.post(
        f"/api/v1/shops/{shop.id}/members",
        headers=headers,
        json={"email": first.email, "role_id": role},
    )
    assert ok.status_code == 201
    over = client.post(
        f"/api/v1/shops/{shop.id}/members",
        headers=headers,
        json={"email": second.email, "role_id": role},
    )
    assert over.status_code == 409
    body = over.json()
    assert body["code"] == "limit_exceeded"
    assert body["limit"] == "members_per_shop"
    assert body["maximum"] == 2


def test_personal_shop_has_only_its_owner(client: TestClient, factory: Factory) -> None:
    shop, _, headers = _owner_headers(factory, type=ShopType.personal)
    role = _role(client, shop, headers, "Helper", ["orders"])
    response = client.post(
        f"/api/v1/shops/{shop.id}/members",
        headers=headers,
        json={"email": factory.account().email, "role_id": role},
    )
    assert response.status_code == 409
    assert response.json()["limit"] == "members_per_shop" and response.json()["maximum"] == 1


def test_member_without_members_area_gets_403(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    clerk = factory.member(shop, areas=["orders", "products"])
    headers = factory.headers(clerk)
    for method, path, body in [
        ("GET", "/members", None),
        ("GET", "/roles", None),
        ("POST", "/roles", {"name": "Mine", "areas": ["members"]}),
    ]:
        response = client.request(
            method, f"/api/v1/shops/{shop.id}{path}", headers=headers, json=body
        )
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "missing_permission"
        assert response.json()["missing_permission"] == "members"


def test_non_member_gets_404(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    headers = factory.headers(factory.account())
    for path in ("/members", "/roles"):
        response = client.get(f"/api/v1/shops/{shop.id}{path}", headers=headers)
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_members_cannot_grant_beyond_their_own_areas(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    hr = factory.member(shop, areas=["members", "orders"])
    headers = factory.headers(hr)
    response = client.post(
        f"/api/v1/shops/{shop.id}/roles", headers=headers, json={"name": "Boss", "areas": ["data"]}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "grant_exceeds_own"
    assert _role(client, shop, headers, "Orders", ["orders"])


def test_bad_member_input(client: TestClient, factory: Factory) -> None:
    shop, _, headers = _owner_headers(factory)
    other_shop = factory.shop()
    base = f"/api/v1/shops/{shop.id}"
    bad_area = client.post(f"{base}/roles", headers=headers, json={"name": "X", "areas": ["root"]})
    assert bad_area.status_code == 422
    assert bad_area.json()["errors"][0]["field"] == "body.areas[0]"

    foreign_role = client.post(
        f"/api/v1/shops/{other_shop.id}/roles",
        headers=factory.headers(factory.account()),
        json={"name": "X", "areas": []},
    )
    assert foreign_role.status_code == 404
    role = _role(client, shop, headers, "Real", [])
    unknown = client.post(
        f"{base}/members", headers=headers, json={"email": "ghost@example.com", "role_id": role}
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "body.email"
    wrong_role = client.post(
        f"{base}/members",
        headers=headers,
        json={"email": factory.account().email, "role_id": role + 1000},
    )
    assert wrong_role.status_code == 422
    assert wrong_role.json()["errors"][0]["field"] == "body.role_id"
