"""Channel settings and how to reach a channel's store.

A channel is kept in the ``channels`` records (its kind, address and allocation); its
access token is a secret (``client.secrets``), sealed by the host and never shown again.
Adapters register by kind in :data:`ADAPTERS`: ``tanzi`` is another Tanzi shop, ``oscar``
a django-oscar shop (its admin API, one partner's stock records, one product class); a
provider adds another platform by adding its kind here. Each adapter is handed an
:class:`~plugins.catalog_sync.adapter_state.AdapterState` over the records for what its
platform cannot keep (the Oscar adapter's applied change ids).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal, Self

from pydantic import Field, model_validator

from plugins.catalog_sync import records as rec
from plugins.catalog_sync.adapter_state import AdapterState, RecordsState
from plugins.catalog_sync.allocation import Allocation
from plugins.catalog_sync.connection_tokens import connection, tanzi_tokens
from plugins.catalog_sync.fields import FieldRules
from plugins.catalog_sync.oscar import OscarChannel
from plugins.catalog_sync.tanzi_channel import TanziChannel
from sdk.channels import ChannelStore
from sdk.client import HostedShopClient, ShopClient
from sdk.http import HttpShopClient, RetryPolicy
from sdk.models import Snapshot

#: A channel that does not answer is paused soon, not waited for: the sync catches up later.
CHANNEL_RETRY = RetryPolicy(attempts=2, backoff_s=0.2, max_backoff_s=0.5)


class ChannelConfig(Snapshot):
    """One channel: what it is, where it is, and what of the stock it may sell."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    kind: Literal["tanzi", "oscar"] = "tanzi"
    base_url: str = Field(min_length=1, max_length=300)
    #: the other Tanzi shop (kind ``tanzi``)
    shop_id: int = Field(default=0, ge=0)
    #: where products this shop publishes there are filed (the other shop's category)
    category_id: int | None = None
    #: the Oscar partner whose stock records this shop sells through (kind ``oscar``)
    partner_id: int | None = Field(default=None, ge=1)
    #: the Oscar product class new products get (kind ``oscar``)
    product_class: str = Field(default="", max_length=128)
    allocation: Allocation = Field(default_factory=Allocation)
    #: what goes where: direction, fields that follow, their winners, the price markup
    rules: FieldRules = Field(default_factory=FieldRules)

    @model_validator(mode="after")
    def _settings_of_kind(self) -> Self:
        if self.kind == "tanzi" and self.shop_id < 1:
            raise ValueError("a Tanzi channel needs the shop id there")
        if self.kind == "oscar" and (self.partner_id is None or not self.product_class):
            raise ValueError("an Oscar channel needs the partner id and the product class")
        return self


def _tanzi(config: ChannelConfig, token: str, state: AdapterState) -> ChannelStore:
    client = HttpShopClient(
        config.base_url, config.shop_id, token=token, timeout_s=5.0, retry=CHANNEL_RETRY
    )
    return TanziChannel(client, category_id=config.category_id)


def tanzi_client(client: HostedShopClient, config: ChannelConfig) -> HttpShopClient:
    """An API client of the other Tanzi shop with the channel's sealed token: a pasted
    token as it is, a connection made over OAuth with its token refreshing itself."""
    secret = client.secrets.get(rec.secret_name(config.name)) or ""
    token, refresh, keep = tanzi_tokens(client, config.name, secret)
    return HttpShopClient(
        config.base_url,
        config.shop_id,
        token=token,
        refresh=refresh,
        on_tokens=keep,
        timeout_s=5.0,
        retry=CHANNEL_RETRY,
    )


def _oscar(config: ChannelConfig, token: str, state: AdapterState) -> ChannelStore:
    return OscarChannel(
        config.base_url,
        partner_id=config.partner_id or 0,
        product_class=config.product_class,
        token=token,
        timeout_s=5.0,
        state=state,
    )


#: How to open a channel of each kind, from its settings, its token and its state.
ADAPTERS: dict[str, Callable[[ChannelConfig, str, AdapterState], ChannelStore]] = {
    "tanzi": _tanzi,
    "oscar": _oscar,
}


def save_channel(client: HostedShopClient, config: ChannelConfig, token: str | None) -> None:
    """Keep the channel's settings, and its token sealed (``None`` keeps the old token)."""
    client.records.put(rec.CHANNELS, config.name, config.model_dump(mode="json"))
    if token:
        client.secrets.put(rec.secret_name(config.name), token)


def channel_config(client: ShopClient, name: str) -> ChannelConfig | None:
    """The channel's settings, or ``None``."""
    found = client.records.get(rec.CHANNELS, name)
    return None if found is None else ChannelConfig.model_validate(found.data)


def all_channels(client: ShopClient) -> Iterator[ChannelConfig]:
    """Every channel of the installation, by name."""
    for record in client.records.list(rec.CHANNELS, limit=200):
        yield ChannelConfig.model_validate(record.data)


def open_store(client: HostedShopClient, config: ChannelConfig) -> ChannelStore:
    """The channel's store, with its token opened from the secrets."""
    token = client.secrets.get(rec.secret_name(config.name)) or ""
    state = RecordsState(client, config.name)
    if config.kind == "tanzi" and connection(token) is not None:
        return TanziChannel(tanzi_client(client, config), category_id=config.category_id)
    return ADAPTERS[config.kind](config, token, state)
