"""A channel's status as the merchant sees it: active or paused (and why), last sync,
items mapped and in conflict, and the latest errors with the item and the reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import Field

from plugins.catalog_sync import records as rec
from sdk.client import ShopClient
from sdk.models import Snapshot

#: The most errors kept per channel (newest first).
MAX_ERRORS = 20


class ItemError(Snapshot):
    """One problem with one item."""

    sku_code: str
    reason: str
    at: datetime


class OversellNote(Snapshot):
    """A SKU the channel sold beyond its stock: by how many units, in which orders."""

    sku_code: str
    excess: int
    order_ids: list[str]
    seen_at: datetime


class ChannelStatus(Snapshot):
    """What a channel is doing."""

    state: Literal["active", "paused"] = "active"
    reason: str = ""
    paused_by: Literal["", "merchant", "unavailable"] = ""
    last_sync: datetime | None = None
    mapped: int = 0
    conflicts: int = 0
    errors: list[ItemError] = Field(default_factory=list)
    #: oversells on the channel's side, one per SKU (its orders accumulate)
    oversells: list[OversellNote] = Field(default_factory=list)

    def lag_s(self, now: datetime | None = None) -> float | None:
        """Seconds since the last completed sync (``None`` before the first)."""
        if self.last_sync is None:
            return None
        return ((now or datetime.now(UTC)) - self.last_sync).total_seconds()


def read_status(client: ShopClient, channel: str) -> ChannelStatus:
    """The channel's status (a fresh one before anything happened)."""
    found = client.records.get(rec.STATUS, channel)
    return ChannelStatus() if found is None else ChannelStatus.model_validate(found.data)


def write_status(client: ShopClient, channel: str, status: ChannelStatus) -> ChannelStatus:
    """Keep ``status`` as the channel's."""
    client.records.put(rec.STATUS, channel, status.model_dump(mode="json"))
    return status


def pause(client: ShopClient, channel: str, reason: str, *, by: str = "unavailable") -> None:
    """Pause the channel with ``reason`` (shown to the merchant)."""
    status = read_status(client, channel)
    write_status(
        client,
        channel,
        status.model_copy(update={"state": "paused", "reason": reason, "paused_by": by}),
    )


def resume(client: ShopClient, channel: str) -> None:
    """Mark the channel active again."""
    status = read_status(client, channel)
    write_status(
        client,
        channel,
        status.model_copy(update={"state": "active", "reason": "", "paused_by": ""}),
    )


def note_error(client: ShopClient, channel: str, sku_code: str, reason: str) -> None:
    """Add an item error (the newest first, at most :data:`MAX_ERRORS`)."""
    status = read_status(client, channel)
    error = ItemError(sku_code=sku_code, reason=reason, at=datetime.now(UTC))
    errors = [error, *status.errors][:MAX_ERRORS]
    write_status(client, channel, status.model_copy(update={"errors": errors}))


def synced(client: ShopClient, channel: str, *, mapped: int, conflicts: int) -> None:
    """Record a completed sync now."""
    status = read_status(client, channel)
    write_status(
        client,
        channel,
        status.model_copy(
            update={"last_sync": datetime.now(UTC), "mapped": mapped, "conflicts": conflicts}
        ),
    )


def note_oversells(
    client: ShopClient, channel: str, found: list[OversellNote]
) -> list[OversellNote]:
    """Keep ``found`` in the status, one per SKU, the orders reported before kept too;
    the kept notes of the SKUs in ``found``."""
    status = read_status(client, channel)
    by_sku = {note.sku_code: note for note in status.oversells}
    for note in found:
        kept = by_sku.get(note.sku_code)
        if kept is not None:
            orders = list(dict.fromkeys([*kept.order_ids, *note.order_ids]))
            note = note.model_copy(
                update={"excess": max(kept.excess, note.excess), "order_ids": orders}
            )
        by_sku[note.sku_code] = note
    oversells = sorted(by_sku.values(), key=lambda note: note.sku_code)
    write_status(client, channel, status.model_copy(update={"oversells": oversells}))
    skus = {note.sku_code for note in found}
    return [note for note in oversells if note.sku_code in skus]
