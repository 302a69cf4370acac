"""plugins/batch_orders in the console: the plain export runs over the selection into one
file; the export with buyer details is offered and run only when both the installation
was granted ``orders:pii`` and the member's role covers it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

import core.models as m
from core.plugins.installations import enable_plugin
from core.settings import Settings
from tests.conftest import Factory
from tests.marketplace.console_helpers import run_queued, signed_in
from tests.webtools import HTML, csrf_from

JSON = {"accept": "application/json"}
EXPORT, EXPORT_PII = "batch_orders:export", "batch_orders:export_pii"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    plugins = tmp_path / "plugins.toml"
    plugins.write_text('[plugins]\nload = ["plugins.batch_orders"]\nentry_points = false\n')
    return Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret-key",
        plugins_file=plugins,
    )


def _enable(app: FastAPI, shop: m.Shop, scopes: list[str]) -> None:
    with Session(app.state.engine) as session:
        enable_plugin(
            session,
            host=app.state.plugins,
            shop_id=shop.id,
            plugin_id="batch_orders",
            granted_scopes=scopes,
        )
        session.commit()


def _page(client: TestClient, shop: m.Shop) -> str:
    response = client.get(f"/console/shops/{shop.id}/orders", headers=HTML)
    assert response.status_code == 200
    return response.text


def _run(client: TestClient, shop: m.Shop, action: str, ids: list[int]) -> object:
    token = csrf_from(_page(client, shop))
    return client.post(
        f"/console/shops/{shop.id}/actions",
        data={"action": action, "area": "orders", "ids": [str(i) for i in ids]},
        headers={**JSON, "x-csrf-token": token},
    )


def _download(app: FastAPI, client: TestClient, body: dict) -> str:
    run_queued(app)
    progress = client.get(body["progress_url"], headers=JSON).json()
    assert progress["status"] == "succeeded", progress
    link = client.get(progress["result_url"], follow_redirects=False)
    return client.get(link.headers["location"]).content.decode("utf-8-sig")


def test_export_with_buyers_needs_the_installations_grant(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    orders = [factory.order(shop)[0] for _ in range(2)]
    _enable(app, shop, ["orders:read"])
    signed_in(client, owner)
    page = _page(client, shop)
    assert f'value="{EXPORT}"' in page and f'value="{EXPORT_PII}"' not in page
    assert _run(client, shop, EXPORT_PII, [orders[0].id]).status_code == 400
    text = _download(app, client, _run(client, shop, EXPORT, [o.id for o in orders]).json())
    lines = text.splitlines()
    assert lines[0] == "order,status,total_yuan,paid_at,province_code,items"
    assert [line.split(",")[0] for line in lines[1:]] == [str(o.id) for o in orders]
    assert "Buyer" not in text


def test_export_with_buyers_runs_when_granted_and_the_role_covers_it(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    _enable(app, shop, ["orders:read", "orders:pii"])
    signed_in(client, owner)
    assert f'value="{EXPORT_PII}"' in _page(client, shop)
    text = _download(app, client, _run(client, shop, EXPORT_PII, [order.id]).json())
    header, row = text.splitlines()[:2]
    assert header.endswith("recipient_name,recipient_phone,address")
    assert "Buyer" in row
    # a member whose role does not cover the orders area sees neither export
    clerk = factory.member(shop, areas=["products"])
    client.cookies.clear()
    signed_in(client, clerk)
    assert client.get(f"/console/shops/{shop.id}/orders", headers=HTML).status_code == 403


def test_an_orders_and_logistics_member_ships_from_a_sheet_without_products_rights(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    _enable(app, shop, ["orders:read", "logistics:read", "logistics:write", "products:read"])
    base = f"/apps/batch_orders/shops/{shop.id}"
    sheet = f"order,carrier,waybill\n{order.id},SF,SF100000000077\n".encode()

    shipper = factory.member(shop, areas=["orders", "logistics"])
    signed_in(client, shipper)
    token = csrf_from(client.get(base, headers=HTML).text)
    sent = client.post(
        f"{base}/ship",
        data={"csrf_token": token},
        files={"file_id": ("ship.csv", sheet, "text/csv")},
        headers=HTML,
    )
    assert sent.status_code == 200, sent.text
    run_queued(app)
    with Session(app.state.engine) as session:
        assert session.get(m.Order, order.id).status == m.OrderStatus.shipped  # type: ignore[union-attr]

    clerk = factory.member(shop, areas=["orders"])  # no logistics: the ship page is refused
    client.cookies.clear()
    signed_in(client, clerk)
    token = csrf_from(client.get(base, headers=HTML).text)
    refused = client.post(
        f"{base}/ship",
        data={"csrf_token": token},
        files={"file_id": ("ship.csv", sheet, "text/csv")},
        headers=HTML,
    )
    assert refused.status_code == 403
