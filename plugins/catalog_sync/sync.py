"""One channel's sync: publish products there, rebalance stock after sales on either
side, pause when the other side is down and catch up when it is back."""

from __future__ import annotations

from collections.abc import Iterable

from plugins.catalog_sync import records as rec
from plugins.catalog_sync import status as st
from plugins.catalog_sync.channels import ChannelConfig, open_store
from plugins.catalog_sync.fields import FIELDS, FieldRules, price_yuan, there_side
from plugins.catalog_sync.mapping import MappedItem, all_mapped, by_sku_id, map_item, mapped
from plugins.catalog_sync.review import Review, listed_by_code, review
from plugins.catalog_sync.settle import channel_side, here_side, settle_item
from plugins.catalog_sync.stock import ECHO_PREFIX, LEASE_WAIT_S, ChannelBusy, rebalance
from sdk.channels import ChannelItem, ChannelRefused, ChannelStore, ChannelUnavailable, StockLedger
from sdk.client import HostedShopClient
from sdk.events import InventoryEvent
from sdk.models import Product


def _published(
    product: Product, sku_id: int, there: ChannelItem | None, rules: FieldRules, code: str
) -> ChannelItem:
    """The item to write there: this shop's values for the fields it wins (the price with
    the markup), the channel's own for the others when it has the item already."""
    ours = there_side(here_side(product, sku_id), rules)
    values = {
        field: ours.value(field)
        if there is None or (rules.follows(field) and rules.winner(field) == "here")
        else channel_side(there).value(field)
        for field in FIELDS
    }
    return ChannelItem(
        sku_code=code,
        title=str(values["title"]),
        description=str(values["description"]),
        price=price_yuan(int(values["price"])),
    )


class ChannelPaused(Exception):
    """The channel is paused; nothing was sent."""


class ChannelSync:
    """The sync of this shop with one channel."""

    def __init__(
        self, client: HostedShopClient, config: ChannelConfig, store: ChannelStore | None = None
    ) -> None:
        self.client = client
        self.config = config
        self.name = config.name
        self.store = store if store is not None else open_store(client, config)

    @property
    def ledger(self) -> StockLedger:
        if not isinstance(self.store, StockLedger):
            raise ChannelRefused(f"Channel {self.name} cannot move stock by a delta.")
        return self.store

    def _unavailable(self, exc: ChannelUnavailable) -> None:
        st.pause(self.client, self.name, str(exc))

    def publish(self, product_ids: Iterable[int]) -> list[MappedItem]:
        """Put each product's SKUs on the channel and map them, then give the channel its
        allocation of each (when stock follows). A SKU not there yet is created with this
        shop's values (the price with the markup); one already there (mapped, or holding
        the same code) has its followed fields settled by their rules instead. Nothing is
        sent when the channel does not take this shop's products (direction ``here``)."""
        rules = self.config.rules
        if not rules.publishes:
            raise ChannelRefused(f"Channel {self.name} brings products here; it publishes none.")
        try:
            listed, _ = listed_by_code(list(self.store.list_items()))
        except ChannelUnavailable as exc:
            self._unavailable(exc)
            return []
        items: list[MappedItem] = []
        for product_id in product_ids:
            product = self.client.products.get(product_id)
            for sku in product.skus:
                if not sku.code:
                    continue
                known = mapped(self.client, self.name, sku.code)
                item = MappedItem(
                    sku_code=sku.code,
                    product_id=product.id,
                    sku_id=sku.id,
                    channel_code=known.channel_code if known else sku.code,
                    external_id=known.external_id if known else "",
                )
                there = listed.get(item.channel_code)
                try:
                    if there is None or known is None:
                        external_id = self.store.upsert_item(
                            _published(product, sku.id, there, rules, item.channel_code)
                        )
                        item = item.model_copy(update={"external_id": external_id})
                    else:
                        here = here_side(product, sku.id)
                        settle_item(self.client, self.store, item, here, channel_side(there), rules)
                except ChannelRefused as exc:
                    st.note_error(self.client, self.name, sku.code, str(exc))
                    continue
                except ChannelUnavailable as exc:
                    self._unavailable(exc)
                    return items
                items.append(map_item(self.client, self.name, item))
        for mapped_item in items:
            try:
                self.rebalance(mapped_item)
            except ChannelBusy:  # another worker is rebalancing it to the same allocation
                continue
        self.mark_synced()
        return items

    def review(self) -> Review:
        """Match, bring here, settle fields and count conflicts (see
        :mod:`plugins.catalog_sync.review`); newly mapped SKUs get their allocation."""
        done = review(self.client, self.store, self.name, self.config.rules)
        for item in [*done.matched, *done.brought]:
            try:
                self.rebalance(item)
            except ChannelBusy:
                continue
        return done

    def rebalance(
        self, item: MappedItem, *, wait_s: float = LEASE_WAIT_S
    ) -> tuple[int, int] | None:
        """Give the channel its allocation of ``item``; ``None`` while paused. Pauses the
        channel when it does not answer; :class:`ChannelBusy` when another worker holds it
        past ``wait_s``."""
        if st.read_status(self.client, self.name).state == "paused":
            return None
        if not self.config.rules.follows("stock"):
            return None
        try:
            return rebalance(
                self.client, self.ledger, self.name, item, self.config.allocation, wait_s=wait_s
            )
        except ChannelUnavailable as exc:
            self._unavailable(exc)
            return None
        except ChannelRefused as exc:
            st.note_error(self.client, self.name, item.sku_code, str(exc))
            return None

    def rebalance_code(self, sku_code: str) -> tuple[int, int] | None:
        """:meth:`rebalance` of this shop's SKU ``sku_code`` when it is mapped."""
        item = mapped(self.client, self.name, sku_code)
        return None if item is None else self.rebalance(item)

    def on_stock_event(self, event: InventoryEvent) -> bool:
        """Rebalance the event's SKU once per event id; ``False`` for a repeat, an unmapped
        SKU or this sync's own move (its change id starts with ``sync-``). :class:`ChannelBusy` asks the delivery to retry later."""
        if (event.change_id or "").startswith(ECHO_PREFIX):
            return False  # this sync's own move: the SKU is as it left it
        seen = rec.key(self.name, event.event_id)
        if self.client.records.get(rec.SEEN, seen) is not None:
            return False
        item = by_sku_id(self.client, self.name, event.sku.id)
        if item is not None:
            self.rebalance(item)
        self.client.records.put(rec.SEEN, seen, {"sequence": event.sequence}, if_absent=True)
        return item is not None

    def sync_all(self) -> int:
        """Rebalance every mapped SKU (a catch-up); the number rebalanced."""
        done = 0
        for item in all_mapped(self.client, self.name):
            try:
                if self.rebalance(item) is not None:
                    done += 1
            except ChannelBusy:  # another worker is rebalancing it right now
                continue
        self.mark_synced()
        return done

    def resume(self) -> bool:
        """Resume a paused channel when it answers again and catch up; ``False`` while it
        is still down (the channel stays paused with the new reason)."""
        try:
            self.store.check()
        except ChannelUnavailable as exc:
            self._unavailable(exc)
            return False
        st.resume(self.client, self.name)
        self.sync_all()
        return True

    def mark_synced(self) -> None:
        """Record a completed sync (while active) with the number of mapped items."""
        items = list(all_mapped(self.client, self.name))
        status = st.read_status(self.client, self.name)
        if status.state == "active":
            st.synced(self.client, self.name, mapped=len(items), conflicts=status.conflicts)
