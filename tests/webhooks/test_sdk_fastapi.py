"""sdk.remote's FastAPI router, as a provider mounts it: the install redirect carries PKCE
S256, the callback refuses unknown state, and webhooks are verified, deduplicated and
retried when the handler fails. ``sdk.remote`` itself imports no web framework."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sdk.remote import WebhookEvent, signature_headers
from sdk.remote.fastapi import RemoteAppConfig, remote_app_router
from tests.sdk.test_standalone import _forbidden, _loaded_after_importing

SECRET = "whsec_provider"
CONFIG = RemoteAppConfig(
    tanzi_url="https://tanzi.example/",
    client_id="tzc_abc",
    client_secret="tz_cs_secret",
    redirect_uri="https://app.example/callback",
    webhook_secret=SECRET,
    scopes=["shop:read", "orders:read"],
)


class Handler:
    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []
        self.fail = False

    def __call__(self, event: WebhookEvent) -> None:
        if self.fail:
            raise RuntimeError("the app's database is down")
        self.events.append(event)


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
def pending() -> dict[str, tuple[str, float]]:
    return {}


@pytest.fixture
def app_client(handler: Handler, pending: dict[str, tuple[str, float]]) -> TestClient:
    app = FastAPI()
    app.include_router(
        remote_app_router(CONFIG, store=lambda installed: None, on_event=handler, pending=pending)
    )
    return TestClient(app, raise_server_exceptions=False)


def _body(event_id: str = "ev-1", sequence: int = 1) -> bytes:
    return (
        f'{{"event_id":"{event_id}","topic":"order.paid","shop_id":3,"installation_id":9,'
        f'"resource_type":"order","resource_id":12,"sequence":{sequence},'
        '"occurred_at":"2026-11-22T08:00:00+00:00","data":{"order":{"id":12}}}'
    ).encode()


def _post(client: TestClient, body: bytes, *, secret: str = SECRET, **kw: Any) -> Any:
    headers = signature_headers(
        secret,
        body,
        event_id=json.loads(body)["event_id"],
        topic="order.paid",
        timestamp=kw.get("ts", int(time.time())),
    )
    return client.post("/webhooks", content=body, headers=headers)


def test_install_redirects_to_the_consent_screen_with_pkce_s256(
    app_client: TestClient, pending: dict[str, tuple[str, float]]
) -> None:
    response = app_client.get("/install", follow_redirects=False)
    assert response.status_code == 302
    url = urlsplit(response.headers["location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://tanzi.example/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "tzc_abc"
    assert query["redirect_uri"] == "https://app.example/callback"
    assert query["scope"] == "shop:read orders:read"
    assert query["code_challenge_method"] == "S256"
    verifier, _ = pending[query["state"]]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_the_callback_refuses_unknown_state_and_reports_a_refusal(app_client: TestClient) -> None:
    unknown = app_client.get("/callback", params={"code": "c", "state": "nope"})
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_state")
    denied = app_client.get("/callback", params={"error": "access_denied", "state": "x"})
    assert (denied.status_code, denied.json()["error"]) == (400, "access_denied")


def test_webhooks_are_verified_deduplicated_and_retried_on_handler_failure(
    app_client: TestClient, handler: Handler
) -> None:
    first = _post(app_client, _body())
    assert first.json() == {"ok": True, "duplicate": False}
    assert [e.event_id for e in handler.events] == ["ev-1"]
    assert _post(app_client, _body()).json() == {"ok": True, "duplicate": True}
    assert len(handler.events) == 1

    forged = _post(app_client, _body("ev-2"), secret="whsec_guess")
    assert (forged.status_code, forged.json()["error"]) == (401, "signature_mismatch")
    stale = _post(app_client, _body("ev-2"), ts=int(time.time()) - 3600)
    assert (stale.status_code, stale.json()["error"]) == (401, "signature_stale")
    unsigned = app_client.post("/webhooks", content=_body("ev-2"))
    assert unsigned.json()["error"] == "signature_missing_header"
    assert len(handler.events) == 1

    handler.fail = True
    assert _post(app_client, _body("ev-2", 2)).status_code == 500  # Tanzi will retry
    handler.fail = False
    assert _post(app_client, _body("ev-2", 2)).json() == {"ok": True, "duplicate": False}
    assert [e.sequence for e in handler.events] == [1, 2]


def test_sdk_remote_imports_no_web_framework_or_host() -> None:
    loaded = _loaded_after_importing("sdk.remote")
    assert "sdk.remote" in loaded
    assert _forbidden(loaded) == []
    assert "sdk.remote.fastapi" not in loaded
