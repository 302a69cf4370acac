"""Bringing a channel's items here: create or update this shop's products from them
(``client.products.upsert_many`` keyed by ``external_ref`` = the channel's SKU code, one
call per chunk), then map them.

An item brought here (or matched or mapped by hand on a channel that brings products
here) adopts the units the channel holds of it: they are stock this shop's merchant owns
there, so the ledger counts them as given to the channel (:func:`adopt`), and the
reconciliation does not take them away as a surplus. On a channel that only publishes,
this shop's stock is the whole truth: an item mapped by hand has the units it held taken
away (:func:`disown`). Either way the channel's allocation then moves units as for any
mapped SKU.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import suppress

from plugins.catalog_sync import status as st
from plugins.catalog_sync.conflicts import unignore
from plugins.catalog_sync.fields import FieldRules, price_fen
from plugins.catalog_sync.mapping import MappedItem, map_item
from plugins.catalog_sync.stock import ChannelBusy, lease, set_allotted
from sdk.batch import MAX_BATCH, ProductInput, SkuInput
from sdk.channels import ChannelItem, ChannelRefused, ChannelStore, StockLedger
from sdk.client import ShopClient
from sdk.models import Product, Snapshot

#: Products read per page while indexing this shop's SKU codes.
PAGE = 100


class SkuRef(Snapshot):
    """One of this shop's SKUs, by code."""

    code: str
    product_id: int
    sku_id: int
    title: str = ""


def shop_products(client: ShopClient) -> Iterator[Product]:
    """Every product of this shop, page by page."""
    after: int | None = None
    while True:
        page = client.products.list(limit=PAGE, after_id=after)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].id


def shop_skus(client: ShopClient) -> dict[str, SkuRef]:
    """This shop's SKUs that have a code, by code (the first product wins a repeated code)."""
    found: dict[str, SkuRef] = {}
    for product in shop_products(client):
        for sku in product.skus:
            if sku.code and sku.code not in found:
                found[sku.code] = SkuRef(
                    code=sku.code, product_id=product.id, sku_id=sku.id, title=product.title or ""
                )
    return found


def adopt(client: ShopClient, store: ChannelStore, channel: str, item: MappedItem) -> int:
    """Count the units the channel holds of ``item`` as given to it; the units."""
    with lease(client, channel, item.sku_code):
        units = store.read_stock(item.channel_code)
        set_allotted(client, channel, item.sku_code, units)
    return units


def disown(client: ShopClient, store: ChannelStore, channel: str, item: MappedItem) -> int:
    """Take away the units the channel holds of ``item`` that this shop never gave it (it
    only publishes: this shop's stock is the whole truth); the units taken."""
    if not isinstance(store, StockLedger):
        return 0
    with lease(client, channel, item.sku_code):
        units = store.read_stock(item.channel_code)
        if units > 0:
            store.adjust_stock(item.channel_code, -units, change_id=f"map-{uuid.uuid4().hex}")
        set_allotted(client, channel, item.sku_code, 0)
    return units


def link(
    client: ShopClient,
    store: ChannelStore,
    channel: str,
    item: MappedItem,
    *,
    adopt_stock: bool,
) -> MappedItem:
    """Map ``item``, and adopt the channel's units of it (``adopt_stock``) or take them
    away (:func:`disown`). A sale there racing the take refuses it: the reconciliation
    takes what is left as a surplus."""
    map_item(client, channel, item)
    unignore(client, channel, item.channel_code)
    # a rebalance holding it (busy) keeps the ledger right by its own move
    with suppress(ChannelBusy, ChannelRefused):
        if adopt_stock:
            adopt(client, store, channel, item)
        else:
            disown(client, store, channel, item)
    return item


def _product_input(item: ChannelItem, rules: FieldRules) -> ProductInput:
    return ProductInput(
        external_ref=item.sku_code,
        title=item.title or item.sku_code,
        description=item.description,
        category_id=rules.import_category_id,
        status="listed",
        skus=[
            SkuInput(
                code=item.sku_code, price_fen=rules.markup.here(price_fen(item.price)), stock=0
            )
        ],
    )


def bring_here(
    client: ShopClient,
    store: ChannelStore,
    channel: str,
    rules: FieldRules,
    items: Sequence[ChannelItem],
) -> list[MappedItem]:
    """Create this shop's products for ``items`` (none of them mapped, none matching a
    SKU code here), map them and adopt their units; the mapped items. An item this shop
    refuses is noted as the channel's error and left unmapped."""
    brought: list[MappedItem] = []
    for start in range(0, len(items), MAX_BATCH):
        chunk = items[start : start + MAX_BATCH]
        result = client.products.upsert_many([_product_input(i, rules) for i in chunk])
        for outcome, item in zip(result.items, chunk, strict=True):
            if outcome.status == "failed" or outcome.product_id is None:
                reason = "; ".join(f"{p.field}: {p.message}" for p in outcome.problems)
                st.note_error(client, channel, item.sku_code, f"not brought here: {reason}")
                continue
            product = client.products.get(outcome.product_id)
            sku = next(s for s in product.skus if s.code == item.sku_code)
            mapped = MappedItem(
                sku_code=item.sku_code,
                product_id=product.id,
                sku_id=sku.id,
                channel_code=item.sku_code,
                external_id=item.external_id,
            )
            brought.append(link(client, store, channel, mapped, adopt_stock=True))
    return brought
