"""Moving stock between this shop and a channel without ever selling a unit twice.

This shop is the stock authority and each channel holds a reserved share: the units it
may sell are taken out of this shop's stock. Together they never exceed what is on hand,
and each side's own checkout refuses to sell more than its share. After a sale on either
side :func:`rebalance` moves units so the channel holds its allocation again.

A move is *take, then give*, each one locked step refused below zero (``add_stock`` here,
:meth:`~sdk.channels.StockLedger.adjust_stock` there), so a sale made meanwhile is never
overwritten. A journal record holds the move from before the take until the give is
done, and each step carries a change id the other side applies once: a worker killed
anywhere in a move repeats the journaled steps on its next run, and every unit arrives
exactly once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from plugins.catalog_sync import records as rec
from plugins.catalog_sync.allocation import Allocation, channel_target
from plugins.catalog_sync.mapping import MappedItem
from sdk.channels import ChannelError, ChannelRefused, StockLedger
from sdk.client import ShopClient
from sdk.errors import InvalidRequest
from sdk.models import Snapshot

#: How this sync's own stock moves' change ids start (their events are echoes to skip).
ECHO_PREFIX = "sync-"
#: Rounds of read-and-move before a rebalance gives up for this time (sales keep racing).
MAX_ROUNDS = 20
#: A lease older than this is taken over (its holder died).
LEASE_S = 60
#: How long a rebalance waits for another worker's lease on the same SKU.
LEASE_WAIT_S = 3.0


class ChannelBusy(ChannelError):
    """Another worker is rebalancing this SKU; the caller retries later."""

    code = "channel_busy"


class Transfer(Snapshot):
    """A move of units from one side to the other, journaled until it is complete."""

    id: str
    sku_code: str
    to: str  # "channel" or "shop"
    quantity: int
    state: str  # "taking" (take, then give) or "giving" (the take is done)


def _acquire(client: ShopClient, address: str, token: str) -> bool:
    now = datetime.now(UTC)
    held = client.records.put(
        rec.LEASES, address, {"token": token, "at": now.isoformat()}, if_absent=True
    )
    if held.data.get("token") == token:
        return True
    since = datetime.fromisoformat(str(held.data.get("at")))
    if now - since < timedelta(seconds=LEASE_S):
        return False
    client.records.put(rec.LEASES, address, {"token": token, "at": now.isoformat()})
    return True


@contextmanager
def lease(
    client: ShopClient, channel: str, sku_code: str, *, wait_s: float = LEASE_WAIT_S
) -> Iterator[None]:
    """Hold the SKU's lease while the block runs, waiting up to ``wait_s`` for another
    holder to finish; :class:`ChannelBusy` when it does not."""
    token = uuid.uuid4().hex
    address = rec.key(channel, sku_code)
    deadline = time.monotonic() + wait_s
    while not _acquire(client, address, token):
        if time.monotonic() >= deadline:
            raise ChannelBusy(f"{sku_code} is being rebalanced by another worker.")
        time.sleep(0.05)
    try:
        yield
    finally:
        client.records.delete(rec.LEASES, address)


def _local_stock(client: ShopClient, item: MappedItem) -> int:
    product = client.products.get(item.product_id)
    return next(s.stock or 0 for s in product.skus if s.id == item.sku_id)


def _journal(client: ShopClient, channel: str, transfer: Transfer | None, sku_code: str) -> None:
    address = rec.key(channel, sku_code)
    if transfer is None:
        client.records.delete(rec.TRANSFERS, address)
    else:
        client.records.put(rec.TRANSFERS, address, transfer.model_dump(mode="json"))


def allotted(client: ShopClient, channel: str, sku_code: str) -> int:
    """Units given to the channel and not taken back, as the ledger counts them."""
    found = client.records.get(rec.LEDGER, rec.key(channel, sku_code))
    return 0 if found is None else int(found.data.get("allotted", 0))


def set_allotted(client: ShopClient, channel: str, sku_code: str, units: int) -> None:
    """Write the ledger's count (the caller holds the SKU's lease)."""
    client.records.put(rec.LEDGER, rec.key(channel, sku_code), {"allotted": units})


def _step(
    client: ShopClient, store: StockLedger, item: MappedItem, t: Transfer, *, shop: bool, units: int
) -> None:
    """Add ``units`` on one side, once per (transfer, direction) whatever the repeats."""
    change_id = f"{ECHO_PREFIX}{t.id}-{'in' if units > 0 else 'out'}"
    if shop:
        client.products.add_stock(item.sku_id, units, note="catalog_sync", change_id=change_id)
    else:
        store.adjust_stock(item.channel_code, units, change_id=change_id)


def _carry_out(
    client: ShopClient, store: StockLedger, channel: str, item: MappedItem, t: Transfer
) -> bool:
    """Take then give, journaled; ``False`` when the giving side no longer had the units
    (a sale came first). Every step repeats safely after a crash: its change id makes the
    second call a no-op."""
    to_channel = t.to == "channel"
    if t.state == "taking":
        try:
            _step(client, store, item, t, shop=to_channel, units=-t.quantity)
        except (InvalidRequest, ChannelRefused):
            _journal(client, channel, None, item.sku_code)
            return False
        if not to_channel:
            set_allotted(
                client,
                channel,
                item.sku_code,
                allotted(client, channel, item.sku_code) - t.quantity,
            )
        t = t.model_copy(update={"state": "giving"})
        _journal(client, channel, t, item.sku_code)
    _step(client, store, item, t, shop=not to_channel, units=t.quantity)
    if to_channel:
        set_allotted(
            client, channel, item.sku_code, allotted(client, channel, item.sku_code) + t.quantity
        )
    _journal(client, channel, None, item.sku_code)
    return True


def finish_transfer(client: ShopClient, store: StockLedger, channel: str, item: MappedItem) -> int:
    """Complete the SKU's move a killed worker left half done; the units it moved."""
    found = client.records.get(rec.TRANSFERS, rec.key(channel, item.sku_code))
    if found is None:
        return 0
    transfer = Transfer.model_validate(found.data)
    return transfer.quantity if _carry_out(client, store, channel, item, transfer) else 0


def _move(
    client: ShopClient, store: StockLedger, channel: str, item: MappedItem, delta: int
) -> bool:
    transfer = Transfer(
        id=uuid.uuid4().hex[:16],
        sku_code=item.sku_code,
        to="channel" if delta > 0 else "shop",
        quantity=abs(delta),
        state="taking",
    )
    _journal(client, channel, transfer, item.sku_code)
    return _carry_out(client, store, channel, item, transfer)


def rebalance(
    client: ShopClient,
    store: StockLedger,
    channel: str,
    item: MappedItem,
    allocation: Allocation,
    *,
    wait_s: float = LEASE_WAIT_S,
) -> tuple[int, int]:
    """Move units until the channel holds its allocation; the final ``(shop, channel)``
    stock. Raises :class:`ChannelBusy` when another worker holds the SKU and
    :class:`~sdk.channels.ChannelUnavailable` when the channel does not answer (units
    taken from the shop stay in the journal and are given on the next run)."""
    with lease(client, channel, item.sku_code, wait_s=wait_s):
        finish_transfer(client, store, channel, item)
        for _ in range(MAX_ROUNDS):
            local = _local_stock(client, item)
            remote = store.read_stock(item.channel_code)
            delta = channel_target(local + remote, allocation) - remote
            if delta == 0:
                return local, remote
            _move(client, store, channel, item, delta)
        return _local_stock(client, item), store.read_stock(item.channel_code)
