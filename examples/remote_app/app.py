"""The example remote app: "Paid-order ledger".

It uses only the provider SDK (``sdk.remote`` and ``sdk.http``), never the host:

- ``GET /install`` sends a merchant to Tanzi's consent screen; ``GET /callback`` keeps the
  tokens Tanzi returns, per installation, in a JSON file.
- ``POST /webhooks`` takes signed ``order.paid`` events; for each one it reads the order
  back through the open API with that installation's token and writes a record
  ``paid_orders/<order id>`` into the shop (what the merchant sees under the app's records).
- ``GET /status`` says which shops installed it and which events it handled.

Configured by environment variables (see :func:`config_from_env`); run it with
``python -m examples.remote_app``.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from sdk.http import HttpShopClient, RefreshTokenGrant, TokenSet
from sdk.remote import WebhookEvent
from sdk.remote.fastapi import Installed, RemoteAppConfig, remote_app_router

SCOPES = ["shop:read", "orders:read"]


class TokenStore:
    """Each installation's shop id and newest tokens, in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _read(self) -> dict[str, Any]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def save(self, installation_id: int, shop_id: int, tokens: TokenSet) -> None:
        with self._lock:
            data = self._read()
            data[str(installation_id)] = {"shop_id": shop_id, "tokens": asdict(tokens)}
            self.path.write_text(json.dumps(data, indent=2))

    def get(self, installation_id: int) -> tuple[int, TokenSet] | None:
        with self._lock:
            entry = self._read().get(str(installation_id))
        return (entry["shop_id"], TokenSet(**entry["tokens"])) if entry else None

    def shops(self) -> dict[int, int]:
        """Installation id -> shop id, of every installation kept."""
        with self._lock:
            return {int(k): v["shop_id"] for k, v in self._read().items()}


def config_from_env(env: dict[str, str] | None = None) -> tuple[RemoteAppConfig, Path]:
    """``TANZI_URL``, ``APP_URL`` (this app's own address), ``APP_CLIENT_ID``,
    ``APP_CLIENT_SECRET`` (empty for a public client), ``APP_WEBHOOK_SECRET`` and
    ``APP_DATA`` (the token file; ``remote_app_tokens.json`` by default)."""
    env = dict(os.environ if env is None else env)
    app_url = env["APP_URL"].rstrip("/")
    config = RemoteAppConfig(
        tanzi_url=env["TANZI_URL"],
        client_id=env["APP_CLIENT_ID"],
        client_secret=env.get("APP_CLIENT_SECRET") or None,
        redirect_uri=f"{app_url}/callback",
        webhook_secret=env["APP_WEBHOOK_SECRET"],
        scopes=SCOPES,
    )
    return config, Path(env.get("APP_DATA", "remote_app_tokens.json"))


def create_app(config: RemoteAppConfig, token_file: Path) -> FastAPI:
    """The app's FastAPI application."""
    tokens = TokenStore(token_file)
    handled: list[str] = []
    refresh = RefreshTokenGrant(
        config.token_url, client_id=config.client_id, client_secret=config.client_secret
    )

    def store(installed: Installed) -> None:
        tokens.save(installed.installation_id, installed.shop_id, installed.tokens)

    def on_event(event: WebhookEvent) -> None:
        if event.topic != "order.paid" or event.installation_id is None:
            handled.append(event.event_id)
            return
        kept = tokens.get(event.installation_id)
        if kept is None:
            raise LookupError(f"no tokens for installation {event.installation_id}")
        shop_id, token = kept
        with HttpShopClient(
            config.tanzi_url,
            shop_id,
            token=token,
            refresh=refresh,
            on_tokens=lambda new: tokens.save(event.installation_id or 0, shop_id, new),
            installation_id=event.installation_id,
        ) as client:
            order = client.orders.get(event.resource_id)
            client.records.put(
                "paid_orders",
                str(order.id),
                {"total_fen": order.total_fen, "event_id": event.event_id, "seq": event.sequence},
            )
        handled.append(event.event_id)

    app = FastAPI(title="Paid-order ledger (a Tanzi remote app)")
    app.include_router(remote_app_router(config, store=store, on_event=on_event))

    @app.get("/status")
    def status() -> dict[str, Any]:
        return {"installations": tokens.shops(), "handled": list(handled)}

    return app
