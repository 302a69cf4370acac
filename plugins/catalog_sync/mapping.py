"""The SKU map: which of this shop's SKUs is which item on a channel (by SKU code, or as
the merchant matched it by hand)."""

from __future__ import annotations

from collections.abc import Iterator

from plugins.catalog_sync import records as rec
from sdk.client import ShopClient
from sdk.models import Snapshot


class MappedItem(Snapshot):
    """One mapped SKU: this shop's product and SKU, the channel's SKU code and item id."""

    sku_code: str
    product_id: int
    sku_id: int
    channel_code: str
    external_id: str = ""


def map_item(client: ShopClient, channel: str, item: MappedItem) -> MappedItem:
    """Keep ``item`` in the channel's map (keyed by this shop's SKU code)."""
    client.records.put(rec.ITEMS, rec.key(channel, item.sku_code), item.model_dump(mode="json"))
    return item


def mapped(client: ShopClient, channel: str, sku_code: str) -> MappedItem | None:
    """The mapped item of this shop's ``sku_code``, or ``None``."""
    found = client.records.get(rec.ITEMS, rec.key(channel, sku_code))
    return None if found is None else MappedItem.model_validate(found.data)


def all_mapped(client: ShopClient, channel: str) -> Iterator[MappedItem]:
    """Every mapped item of the channel, by SKU code."""
    prefix = rec.key(channel, "")
    after: str | None = prefix
    while True:
        page = client.records.list(rec.ITEMS, limit=200, after_key=after)
        for record in page:
            if not record.key.startswith(prefix):
                return
            yield MappedItem.model_validate(record.data)
        if len(page) < 200:
            return
        after = page[-1].key


def by_sku_id(client: ShopClient, channel: str, sku_id: int) -> MappedItem | None:
    """The mapped item of this shop's SKU ``sku_id``, or ``None``."""
    return next((m for m in all_mapped(client, channel) if m.sku_id == sku_id), None)
