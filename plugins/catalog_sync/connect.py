"""Connecting another Tanzi shop over OAuth, and the tokens that connection keeps.

The connect form keeps the channel's settings as pending and returns
:class:`sdk.models.ConnectRedirect`: the host sends the merchant to the other host's
consent screen, where they approve the scopes below as that shop's owner; the host seals
the tokens in ``client.secrets`` (under the channel's secret name) and sends the merchant
back to :func:`finish_connect`, which saves the channel with the shop the person chose.

The tokens refresh themselves: :mod:`plugins.catalog_sync.connection_tokens`.
"""

from __future__ import annotations

from typing import Any

from plugins.catalog_sync import records as rec
from plugins.catalog_sync.channels import ChannelConfig, save_channel
from plugins.catalog_sync.connection_tokens import connection
from sdk import ConnectRequest, ScopeRequest
from sdk.client import HostedShopClient, ShopClient
from sdk.models import ConnectRedirect
from sdk.scopes import Scope

#: channel settings waiting for the other shop's approval
PENDING = "pending_channels"

#: What the other shop's owner grants this service there.
CONNECT = ConnectRequest(
    scopes=[
        ScopeRequest(scope=Scope.products_read, reason="to find the products published there"),
        ScopeRequest(
            scope=Scope.products_write,
            reason="to list your products there and move their stock with your other shop",
        ),
        ScopeRequest(scope=Scope.orders_read, reason="to see what sold there"),
        ScopeRequest(scope=Scope.shop_read, reason="to check the shop is open"),
    ]
)


def return_path(name: str) -> str:
    """Where the host sends the merchant back for channel ``name``."""
    return f"/connected/{name}"


def start_connect(client: ShopClient, config: dict[str, Any]) -> ConnectRedirect:
    """Keep the settings (``config``, a :class:`ChannelConfig` without the shop id yet)
    until the other shop approves, and send the merchant to its consent screen."""
    name = str(config["name"])
    client.records.put(PENDING, name, config)
    return ConnectRedirect(
        base_url=str(config.get("base_url") or ""),
        secret=rec.secret_name(name),
        return_path=return_path(name),
    )


def finish_connect(client: HostedShopClient, name: str) -> ChannelConfig | None:
    """Save the pending channel ``name`` with the shop its owner approved (``None`` when
    there is no pending channel or no tokens came back)."""
    pending = client.records.get(PENDING, name)
    tokens = connection(client.secrets.get(rec.secret_name(name)))
    if pending is None or tokens is None:
        return None
    data = {
        **pending.data,
        "shop_id": int(tokens.get("shop_id") or 0),
        "base_url": str(tokens.get("base_url") or pending.data.get("base_url") or ""),
    }
    config = ChannelConfig.model_validate(data)
    save_channel(client, config, None)
    client.records.delete(PENDING, name)
    return config
