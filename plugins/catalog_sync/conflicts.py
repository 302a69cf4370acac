"""Items in conflict on a channel, and the items the merchant chose to ignore.

An item is in conflict when the sync cannot settle it by itself:

- ``unmatched``: an item there that is mapped to none of this shop's SKUs (and that the
  merchant has not ignored, nor, when the channel brings products here, that could be
  brought here);
- ``duplicate``: two or more items there share one SKU code, so the code maps nowhere;
- ``unsettled``: a mapped item whose followed fields differ and whose rule could not say
  which side wins (``newest`` without both update times);
- ``missing``: a mapped item the channel no longer lists.

The latest sync or reconciliation keeps its list here; the status shows the count and
the mapping page the items.
"""

from __future__ import annotations

from typing import Literal

from plugins.catalog_sync import records as rec
from plugins.catalog_sync import status as st
from sdk.client import ShopClient
from sdk.models import Snapshot

ConflictKind = Literal["unmatched", "duplicate", "unsettled", "missing"]


class Conflict(Snapshot):
    """One item the sync could not settle, by its code on the channel."""

    channel_code: str
    kind: ConflictKind
    detail: str = ""
    title: str = ""


def keep_conflicts(client: ShopClient, channel: str, found: list[Conflict]) -> list[Conflict]:
    """Keep ``found`` as the channel's conflicts and their count in its status."""
    client.records.put(
        rec.CONFLICTS, channel, {"items": [c.model_dump(mode="json") for c in found]}
    )
    status = st.read_status(client, channel)
    st.write_status(client, channel, status.model_copy(update={"conflicts": len(found)}))
    return found


def read_conflicts(client: ShopClient, channel: str) -> list[Conflict]:
    """The conflicts the latest run found."""
    found = client.records.get(rec.CONFLICTS, channel)
    items = [] if found is None else found.data.get("items", [])
    return [Conflict.model_validate(c) for c in items]


def ignored(client: ShopClient, channel: str) -> set[str]:
    """The channel codes the merchant chose to leave unmapped."""
    found = client.records.get(rec.IGNORED, channel)
    return set() if found is None else {str(c) for c in found.data.get("codes", [])}


def ignore(client: ShopClient, channel: str, channel_code: str) -> None:
    """Leave ``channel_code`` unmapped from now on (not counted as a conflict)."""
    codes = sorted(ignored(client, channel) | {channel_code})
    client.records.put(rec.IGNORED, channel, {"codes": codes})


def unignore(client: ShopClient, channel: str, channel_code: str) -> None:
    """Stop ignoring ``channel_code`` (it was mapped or brought here after all)."""
    codes = ignored(client, channel)
    if channel_code in codes:
        client.records.put(rec.IGNORED, channel, {"codes": sorted(codes - {channel_code})})
