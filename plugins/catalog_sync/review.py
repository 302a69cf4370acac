"""One pass over a channel's items: match, bring here, settle fields, count conflicts.

Run by *Sync now* and by the reconciliation (and, for the SKUs it publishes, by
*Publish*). It reads the channel's items once, then:

1. codes held by more than one item there are conflicts (``duplicate``) and map nowhere;
2. when the channel brings products here, an unmapped item whose code is a SKU code here
   is mapped to it, and the others (not ignored) are created here and mapped
   (:mod:`plugins.catalog_sync.importing`), both adopting the channel's units;
3. every mapped item has its followed fields settled by its rules
   (:mod:`plugins.catalog_sync.settle`); a mapped item no longer there is ``missing``;
4. what is left unmapped and not ignored is ``unmatched``, for the mapping page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from plugins.catalog_sync import status as st
from plugins.catalog_sync.conflicts import Conflict, ignored, keep_conflicts
from plugins.catalog_sync.fields import FieldRules
from plugins.catalog_sync.importing import bring_here, link, shop_skus
from plugins.catalog_sync.mapping import MappedItem, all_mapped
from plugins.catalog_sync.settle import FieldChange, channel_side, here_side, settle_item
from sdk.channels import ChannelItem, ChannelRefused, ChannelStore
from sdk.client import ShopClient
from sdk.errors import ResourceNotFound
from sdk.models import Product


@dataclass
class Review:
    """What one pass did: items brought here or matched, fields written, conflicts."""

    brought: list[MappedItem] = field(default_factory=list)
    matched: list[MappedItem] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def listed_by_code(items: list[ChannelItem]) -> tuple[dict[str, ChannelItem], set[str]]:
    """The channel's items by code, and the codes more than one item holds."""
    counts = Counter(i.sku_code for i in items)
    repeated = {code for code, n in counts.items() if n > 1}
    return {i.sku_code: i for i in items if i.sku_code and i.sku_code not in repeated}, repeated


def settle_mapped(
    client: ShopClient,
    store: ChannelStore,
    channel: str,
    rules: FieldRules,
    mapped: list[MappedItem],
    listed: dict[str, ChannelItem],
) -> tuple[list[FieldChange], list[Conflict]]:
    """Settle the followed fields of each of ``mapped`` against the channel's ``listed``;
    the changes and the conflicts (``missing``, ``unsettled``)."""
    changes: list[FieldChange] = []
    conflicts: list[Conflict] = []
    products: dict[int, Product] = {}
    for item in mapped:
        there = listed.get(item.channel_code)
        if there is None:
            detail = "mapped, but the channel no longer lists it"
            conflicts.append(
                Conflict(channel_code=item.channel_code, kind="missing", detail=detail)
            )
            continue
        try:
            if item.product_id not in products:
                products[item.product_id] = client.products.get(item.product_id)
            here = here_side(products[item.product_id], item.sku_id)
            done, unsettled = settle_item(client, store, item, here, channel_side(there), rules)
        except (ChannelRefused, ResourceNotFound, StopIteration) as exc:
            st.note_error(client, channel, item.sku_code, f"fields not settled: {exc}")
            continue
        if done and any(c.side == "here" for c in done):
            products.pop(item.product_id, None)
        changes.extend(done)
        conflicts.extend(
            Conflict(
                channel_code=item.channel_code,
                kind="unsettled",
                title=there.title,
                detail=f"{d.why}: here {d.here!r}, there {d.there!r}",
            )
            for d in unsettled
        )
    return changes, conflicts


def review(client: ShopClient, store: ChannelStore, channel: str, rules: FieldRules) -> Review:
    """The pass described above; the conflicts are kept (count in the status).
    :class:`~sdk.channels.ChannelUnavailable` passes to the caller."""
    done = Review()
    items = list(store.list_items())
    listed, repeated = listed_by_code(items)
    done.conflicts.extend(
        Conflict(channel_code=code, kind="duplicate", detail="held by more than one item there")
        for code in sorted(repeated)
    )
    mapped = list(all_mapped(client, channel))
    mapped_codes = {m.channel_code for m in mapped}
    skipped = ignored(client, channel)
    unmapped = [i for c, i in sorted(listed.items()) if c not in mapped_codes and c not in skipped]
    if rules.brings_here and unmapped:
        here = shop_skus(client)
        taken = {m.sku_code for m in mapped}
        new: list[ChannelItem] = []
        for item in unmapped:
            ref = here.get(item.sku_code)
            if ref is None:
                new.append(item)
            elif ref.code not in taken:
                match = MappedItem(
                    sku_code=ref.code,
                    product_id=ref.product_id,
                    sku_id=ref.sku_id,
                    channel_code=item.sku_code,
                    external_id=item.external_id,
                )
                done.matched.append(link(client, store, channel, match, adopt_stock=True))
        done.brought = bring_here(client, store, channel, rules, new)
        now_mapped = {m.channel_code for m in [*done.matched, *done.brought]}
        unmapped = [i for i in unmapped if i.sku_code not in now_mapped]
    present = [m for m in mapped if m.channel_code not in repeated]
    changes, conflicts = settle_mapped(client, store, channel, rules, present, listed)
    done.changes.extend(changes)
    done.conflicts.extend(conflicts)
    done.conflicts.extend(
        Conflict(
            channel_code=i.sku_code,
            kind="unmatched",
            title=i.title,
            detail="matches none of this shop's SKUs",
        )
        for i in unmapped
    )
    keep_conflicts(client, channel, done.conflicts)
    return done
