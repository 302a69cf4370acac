"""Plugin webhook routes (``PluginRoute(audience="webhook")``) at
``/hooks/shops/<shop>/apps/<plugin><path>``: no login and no CSRF, the plugin checks the
signature (401 otherwise), only where the plugin is enabled (404), body size limited (413),
``RetryLater`` answered 503 with ``Retry-After``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

import core.models as m
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.plugins.installations import enable_plugin, pause_installation
from core.plugins.manager import InstallationRef
from core.settings import Settings
from marketplace.web.plugin_webhooks import MAX_BODY_BYTES
from sdk.remote import new_secret, signature_headers
from tests.conftest import Factory
from tests.webtools import sign_in


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    toml = tmp_path / "plugins.toml"
    toml.write_text('[plugins]\nload = ["tests.plugins_host.sample_plugins.hook_receiver"]\n')
    return settings.model_copy(update={"plugins_file": toml})


def _enabled(app: FastAPI, shop: m.Shop, scopes: list[str]) -> ScopedClient:
    with Session(app.state.engine) as session:
        row = enable_plugin(
            session,
            host=app.state.plugins,
            shop_id=shop.id or 0,
            plugin_id="hook_receiver",
            granted_scopes=scopes,
        )
        session.commit()
        session.refresh(row)
        ref = InstallationRef.of(row)
    return ScopedClient(app.state.engine, ref, host=ClientHost.of(app.state.settings))


def _event(shop_id: int, event_id: str) -> bytes:
    return json.dumps(
        {
            "event_id": event_id,
            "topic": "order.paid",
            "shop_id": shop_id,
            "resource_type": "order",
            "resource_id": 1,
            "sequence": 1,
            "occurred_at": "2026-01-01T00:00:00+00:00",
            "data": {},
        }
    ).encode()


def _signed(secret: str, body: bytes, event_id: str) -> dict[str, str]:
    return signature_headers(
        secret, body, event_id=event_id, topic="order.paid", timestamp=int(time.time())
    )


def test_a_signed_webhook_reaches_the_plugin_and_a_forged_one_does_not(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    plugin_client = _enabled(app, shop, ["shop:read"])
    secret = new_secret()
    plugin_client.secrets.put("hook", secret)
    url = f"/hooks/shops/{shop.id}/apps/hook_receiver/in"
    body = _event(shop.id or 0, "evt-1")
    ok = client.post(url, content=body, headers=_signed(secret, body, "evt-1"))
    assert ok.status_code == 204, ok.text  # no session, no CSRF token
    assert plugin_client.records.get("events", "evt-1") is not None
    forged = client.post(url, content=body, headers=_signed(new_secret(), body, "evt-2"))
    assert forged.status_code == 401
    assert forged.json()["code"] == "invalid_signature"
    assert forged.json()["reason"] == "mismatch"
    stale = signature_headers(secret, body, event_id="evt-3", topic="x", timestamp=1)
    assert client.post(url, content=body, headers=stale).status_code == 401
    assert plugin_client.records.get("events", "evt-2") is None
    too_big = b"x" * (MAX_BODY_BYTES + 1)
    assert client.post(url, content=too_big).status_code == 413


def test_only_enabled_installations_answer_and_refusals_map_to_statuses(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    bare = factory.shop()
    assert client.post(f"/hooks/shops/{bare.id}/apps/hook_receiver/in").status_code == 404
    assert client.post("/hooks/shops/99999/apps/hook_receiver/in").status_code == 404
    shop = factory.shop()
    _enabled(app, shop, ["shop:read"])
    base = f"/hooks/shops/{shop.id}/apps/hook_receiver"
    busy = client.post(f"{base}/busy", content=b"{}")
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "7"
    assert client.post(f"{base}/scoped", content=b"{}").status_code == 403
    assert client.post(f"{base}/nowhere", content=b"{}").status_code == 404
    assert client.get(f"{base}/in").status_code == 405
    with Session(app.state.engine) as session:
        pause_installation(session, shop_id=shop.id or 0, plugin_id="hook_receiver")
        session.commit()
    assert client.post(f"{base}/busy", content=b"{}").status_code == 404


def test_merchant_pages_are_told_where_the_webhook_routes_are(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    _enabled(app, shop, ["shop:read"])
    sign_in(client, owner.email, "secret-pass")
    page = f"/apps/hook_receiver/shops/{shop.id}/where"
    told = client.get(page, headers={"Accept": "application/json"}).json()
    # no TANZI_BASE_URL set: the address the request came in on
    assert told == {"hooks_url": f"http://testserver/hooks/shops/{shop.id}/apps/hook_receiver"}
    # a webhook route is not a merchant page, and the other way round
    assert client.post(f"/hooks/shops/{shop.id}/apps/hook_receiver/where").status_code == 404
    app.state.settings.base_url = "https://tanzi.example"  # as TANZI_BASE_URL sets it
    told = client.get(page, headers={"Accept": "application/json"}).json()
    assert told["hooks_url"] == f"https://tanzi.example/hooks/shops/{shop.id}/apps/hook_receiver"
