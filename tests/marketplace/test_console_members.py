"""The console's members and roles page: invite by e-mail, roles by area, the member limit
shown and enforced, removal, and the guard the API uses (no button, then 403)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

import core.models as m
from tests.conftest import Factory
from tests.webtools import HTML, csrf_from, sign_in


def _signed_in(client: TestClient, account: m.Account) -> TestClient:
    sign_in(client, account.email, "secret-pass")
    return client


def _post(client: TestClient, page: str, url: str, data: dict[str, object]) -> object:
    token = csrf_from(client.get(page, headers=HTML).text)
    return client.post(
        url, data={**data, "csrf_token": token}, headers=HTML, follow_redirects=False
    )


def _members(factory: Factory, shop: m.Shop) -> list[m.Member]:
    with Session(factory.engine) as session:
        return list(session.exec(select(m.Member).where(m.Member.shop_id == shop.id)).all())


def test_the_owner_builds_a_role_invites_changes_and_removes_a_member(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    newcomer = factory.account(email="new.clerk@example.com")
    _signed_in(client, owner)
    url = f"/console/shops/{shop.id}/members"
    page = client.get(url, headers=HTML).text
    assert "1 of 500 members" in page
    assert "Create a role below first" in page

    made = _post(
        client,
        url,
        f"/console/shops/{shop.id}/roles",
        {"name": "Packer", "areas": ["orders", "logistics"]},
    )
    assert made.status_code == 303  # type: ignore[attr-defined]
    with Session(factory.engine) as session:
        role = session.exec(select(m.Role).where(m.Role.shop_id == shop.id)).one()
    assert role.areas == ["orders", "logistics"]

    unknown = _post(client, url, url, {"email": "nobody@example.com", "role_id": str(role.id)})
    assert unknown.status_code == 422  # type: ignore[attr-defined]
    assert "Ask them to sign up first" in unknown.text  # type: ignore[attr-defined]

    invited = _post(client, url, url, {"email": "new.clerk@example.com", "role_id": str(role.id)})
    assert invited.status_code == 303  # type: ignore[attr-defined]
    page = client.get(url, headers=HTML).text
    assert "new.clerk@example.com is now a member." in page and "2 of 500 members" in page
    member = next(x for x in _members(factory, shop) if x.account_id == newcomer.id)
    assert member.role_id == role.id

    again = _post(client, url, url, {"email": "new.clerk@example.com", "role_id": str(role.id)})
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "already a member" in again.text  # type: ignore[attr-defined]

    edited = _post(
        client,
        url,
        f"/console/shops/{shop.id}/roles/{role.id}",
        {"name": "Packer", "areas": ["orders", "logistics", "products"]},
    )
    assert edited.status_code == 303  # type: ignore[attr-defined]
    assert factory.fetch(m.Role, role.id).areas == ["products", "orders", "logistics"]
    in_use = _post(client, url, f"/console/shops/{shop.id}/roles/{role.id}/delete", {})
    assert in_use.status_code == 409  # type: ignore[attr-defined]

    second = _post(client, url, f"/console/shops/{shop.id}/roles", {"name": "Viewer", "areas": []})
    assert second.status_code == 303  # type: ignore[attr-defined]
    with Session(factory.engine) as session:
        viewer = session.exec(select(m.Role).where(m.Role.name == "Viewer")).one()
    changed = _post(client, url, f"{url}/{member.id}/role", {"role_id": str(viewer.id)})
    assert changed.status_code == 303  # type: ignore[attr-defined]
    assert factory.fetch(m.Member, member.id).role_id == viewer.id

    owner_row = next(x for x in _members(factory, shop) if x.is_owner)
    assert f'action="{url}/{owner_row.id}/remove"' not in client.get(url, headers=HTML).text
    not_owner = _post(client, url, f"{url}/{owner_row.id}/remove", {})
    assert not_owner.status_code == 409  # type: ignore[attr-defined]
    removed = _post(client, url, f"{url}/{member.id}/remove", {})
    assert removed.status_code == 303  # type: ignore[attr-defined]
    assert [x.account_id for x in _members(factory, shop)] == [owner.id]


def test_a_member_without_the_members_area_sees_no_link_and_gets_403(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    clerk = factory.member(shop, areas=["orders"])
    target = factory.account()
    _signed_in(client, clerk)
    overview = client.get(f"/console/shops/{shop.id}", headers=HTML).text
    url = f"/console/shops/{shop.id}/members"
    assert f'href="{url}"' not in overview
    assert client.get(url, headers=HTML).status_code == 403
    invited = _post(
        client, f"/console/shops/{shop.id}", url, {"email": target.email, "role_id": "1"}
    )
    assert invited.status_code == 403  # type: ignore[attr-defined]
    role = _post(
        client, f"/console/shops/{shop.id}", f"/console/shops/{shop.id}/roles", {"name": "x"}
    )
    assert role.status_code == 403  # type: ignore[attr-defined]
    assert len(_members(factory, shop)) == 2


def test_a_member_manager_cannot_hand_out_areas_they_do_not_hold(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    manager = factory.member(shop, areas=["members", "orders"])
    _signed_in(client, manager)
    url = f"/console/shops/{shop.id}/members"
    page = client.get(url, headers=HTML).text
    # the areas they lack are shown but cannot be ticked
    assert re.search(r'value="products"[^>]*disabled', page)
    assert not re.search(r'value="orders"[^>]*disabled', page)
    refused = _post(
        client, url, f"/console/shops/{shop.id}/roles", {"name": "Boss", "areas": ["products"]}
    )
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "permissions you do not hold: Products" in refused.text  # type: ignore[attr-defined]
    allowed = _post(
        client, url, f"/console/shops/{shop.id}/roles", {"name": "Orders", "areas": ["orders"]}
    )
    assert allowed.status_code == 303  # type: ignore[attr-defined]


def test_the_enterprise_limit_of_500_is_shown_and_enforced(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner, type=m.ShopType.enterprise)
    last = factory.account(email="member500@example.com")
    extra = factory.account(email="member501@example.com")
    with Session(factory.engine) as session:
        role = m.Role(shop_id=shop.id, name="Staff", areas=["orders"])
        session.add(role)
        session.flush()
        people = [
            m.Account(email=f"bulk{i}@example.com", name=f"Bulk {i}", password_hash="x")
            for i in range(498)
        ]
        session.add_all(people)
        session.flush()
        session.add_all(
            [m.Member(shop_id=shop.id, account_id=p.id, role_id=role.id) for p in people]
        )
        session.commit()
        role_id = role.id
    _signed_in(client, owner)
    url = f"/console/shops/{shop.id}/members"
    assert "499 of 500 members" in client.get(url, headers=HTML).text

    ok = _post(client, url, url, {"email": last.email, "role_id": str(role_id)})
    assert ok.status_code == 303  # type: ignore[attr-defined]
    full = client.get(url, headers=HTML).text
    assert "500 of 500 members" in full
    assert "as many members as its kind allows" in full
    assert re.search(r'<button type="submit" disabled>Invite</button>', full)

    refused = _post(client, url, url, {"email": extra.email, "role_id": str(role_id)})
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "as many members as its kind allows (500)" in refused.text  # type: ignore[attr-defined]
    assert len(_members(factory, shop)) == 500


def test_the_members_page_speaks_chinese(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    factory.member(shop, areas=["orders"])
    _signed_in(client, owner)
    page = client.get(
        f"/console/shops/{shop.id}/members", headers={**HTML, "Accept-Language": "zh-CN"}
    ).text
    assert "成员 2 / 500" in page and "邀请成员" in page and "订单与售后" in page


def test_a_role_without_a_name_comes_back_with_its_areas_still_ticked(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    _signed_in(client, owner)
    url = f"/console/shops/{shop.id}/members"
    refused = _post(
        client,
        url,
        f"/console/shops/{shop.id}/roles",
        {"name": "  ", "areas": ["products", "nope"]},
    )
    assert refused.status_code == 400  # type: ignore[attr-defined]
    page = refused.text  # type: ignore[attr-defined]
    assert 'id="role-new-error" role="alert">Give the role a name' in page
    new_role = page[page.index('class="card role new-role"') :]
    assert re.search(r'value="products" checked', new_role)
    with Session(factory.engine) as session:
        assert session.exec(select(m.Role).where(m.Role.shop_id == shop.id)).first() is None
