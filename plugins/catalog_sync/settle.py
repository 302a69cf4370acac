"""Settling a mapped item's followed fields: compare this shop's SKU with the channel's
item, and write the winner's value on the other side.

This shop's side is written with ``client.products.upsert_many`` (by product id and SKU
code, the price through the inverse markup); the channel's with
:meth:`sdk.channels.ItemEditor.update_fields`, which never touches its stock.
"""

from __future__ import annotations

from decimal import Decimal

from plugins.catalog_sync.fields import (
    FieldDiff,
    FieldRules,
    Side,
    differences,
    price_fen,
    price_yuan,
)
from plugins.catalog_sync.mapping import MappedItem
from sdk.batch import ProductInput, SkuInput
from sdk.channels import ChannelItem, ChannelRefused, ChannelStore, ItemEditor
from sdk.client import ShopClient
from sdk.models import Product, Snapshot


class FieldChange(Snapshot):
    """A field the sync wrote on one side of one mapped item, and why."""

    sku_code: str
    field: str
    side: str  # "here" or "there"
    before: str
    after: str
    why: str


def here_side(product: Product, sku_id: int) -> Side:
    """This shop's followed fields of the SKU ``sku_id`` of ``product``."""
    sku = next(s for s in product.skus if s.id == sku_id)
    return Side(
        title=product.title or "",
        description=product.description or "",
        price=sku.price_fen or 0,
        updated_at=product.updated_at,
    )


def channel_side(item: ChannelItem) -> Side:
    """The channel item's followed fields."""
    return Side(
        title=item.title,
        description=item.description,
        price=price_fen(item.price),
        updated_at=item.updated_at,
    )


def _show(field: str, value: str | int) -> str:
    return f"{price_yuan(int(value)):.2f}" if field == "price" else str(value)


def _write_here(
    client: ShopClient, item: MappedItem, diffs: list[FieldDiff], rules: FieldRules
) -> None:
    values = {d.field: d.there for d in diffs}
    skus = []
    if "price" in values:
        skus = [SkuInput(code=item.sku_code, price_fen=rules.markup.here(int(values["price"])))]
    result = client.products.upsert_many(
        [
            ProductInput(
                id=item.product_id,
                title=str(values["title"]) if "title" in values else None,
                description=str(values["description"]) if "description" in values else None,
                skus=skus,
            )
        ]
    )
    outcome = result.items[0]
    if outcome.status == "failed":
        raise ChannelRefused("; ".join(p.message for p in outcome.problems))


def _write_there(
    store: ChannelStore, item: MappedItem, diffs: list[FieldDiff], rules: FieldRules
) -> None:
    if not isinstance(store, ItemEditor):
        raise ChannelRefused("this channel cannot change an item's fields")
    values = {d.field: d.here for d in diffs}
    price: Decimal | None = None
    if "price" in values:
        price = price_yuan(rules.markup.there(int(values["price"])))
    store.update_fields(
        item.channel_code,
        title=str(values["title"]) if "title" in values else None,
        description=str(values["description"]) if "description" in values else None,
        price=price,
    )


def _written(diff: FieldDiff, rules: FieldRules) -> str | int:
    """The value written on the side ``diff.to``."""
    if diff.field != "price":
        return diff.there if diff.to == "here" else diff.here
    if diff.to == "here":
        return rules.markup.here(int(diff.there))
    return rules.markup.there(int(diff.here))


def settle_item(
    client: ShopClient,
    store: ChannelStore,
    item: MappedItem,
    here: Side,
    there: Side,
    rules: FieldRules,
) -> tuple[list[FieldChange], list[FieldDiff]]:
    """Write each differing followed field on the side its rule says; the changes made
    and the differences the rule could not settle. :class:`~sdk.channels.ChannelRefused`
    or :class:`~sdk.channels.ChannelUnavailable` pass to the caller."""
    diffs = differences(here, there, rules)
    to_here = [d for d in diffs if d.to == "here"]
    to_there = [d for d in diffs if d.to == "there"]
    if to_here:
        _write_here(client, item, to_here, rules)
    if to_there:
        _write_there(store, item, to_there, rules)
    changes = [
        FieldChange(
            sku_code=item.sku_code,
            field=d.field,
            side=d.to,
            before=_show(d.field, d.here if d.to == "here" else d.there),
            after=_show(d.field, _written(d, rules)),
            why=d.why,
        )
        for d in [*to_here, *to_there]
    ]
    return changes, [d for d in diffs if not d.to]
