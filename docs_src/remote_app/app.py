"""A remote app: installs through OAuth, receives signed webhooks, calls the shop back.

Run it with: uvicorn app:app --port 8100 (the settings come from the environment).
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from sdk import OrderEvent
from sdk.http import HttpShopClient, RefreshTokenGrant, TokenSet
from sdk.remote import WebhookEvent
from sdk.remote.fastapi import Installed, RemoteAppConfig, remote_app_router

APP_URL = os.environ.get("APP_URL", "http://127.0.0.1:8100")
config = RemoteAppConfig(
    tanzi_url=os.environ.get("TANZI_URL", "http://127.0.0.1:8000"),
    client_id=os.environ["APP_CLIENT_ID"],
    client_secret=os.environ.get("APP_CLIENT_SECRET"),  # unset for a public client
    redirect_uri=f"{APP_URL}/callback",
    scopes=["orders:read"],
    webhook_secret=os.environ["APP_WEBHOOK_SECRET"],
)
refresh = RefreshTokenGrant(
    config.token_url, client_id=config.client_id, client_secret=config.client_secret
)

#: Each shop's tokens. Keep them in a database: refresh tokens rotate, and only the
#: newest one works.
TOKENS: dict[int, TokenSet] = {}


def store(installed: Installed) -> None:
    """A merchant installed the app: keep the tokens of that shop's installation."""
    TOKENS[installed.shop_id] = installed.tokens


def shop_client(shop_id: int) -> HttpShopClient:
    """The shop's open API, as this app's installation there; saves rotated tokens."""

    def keep(tokens: TokenSet) -> None:
        TOKENS[shop_id] = tokens

    return HttpShopClient(
        config.tanzi_url, shop_id, token=TOKENS[shop_id], refresh=refresh, on_tokens=keep
    )


def on_event(event: WebhookEvent) -> None:
    """A verified event seen for the first time; raising makes Tanzi deliver it again."""
    payload = event.payload()
    if isinstance(payload, OrderEvent) and event.topic == "order.paid":
        with shop_client(event.shop_id) as shop:
            order = shop.orders.get(payload.order.id)
            shop.records.put(
                "paid_orders", str(order.id), {"total_fen": order.total_fen}, if_absent=True
            )


app = FastAPI()
app.include_router(remote_app_router(config, store=store, on_event=on_event))
