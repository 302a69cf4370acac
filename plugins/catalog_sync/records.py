"""Where the sync keeps its state: the installation's records, one collection per kind.

Keys are ``<channel>:<sku code>`` (or ``<channel>`` alone), so one channel's rows list
together and two channels never share a row.
"""

from __future__ import annotations

#: channel settings (kind, address, allocation); the token is a secret, never here
CHANNELS = "channels"
#: channel status: active or paused (with the reason), last sync, errors
STATUS = "channel_status"
#: the SKU map: this shop's SKU <-> the channel's item
ITEMS = "channel_items"
#: a stock transfer in flight (units taken from one side, not yet given to the other)
TRANSFERS = "transfers"
#: a lease: one rebalance of a SKU at a time, across workers
LEASES = "leases"
#: how far the channel's orders were read
CURSORS = "cursors"
#: units this shop gave the channel, less those taken back (per SKU), for reconciliation
LEDGER = "channel_ledger"
#: the latest reconciliation report of each channel
REPORTS = "reconcile_reports"
#: events already handled (dedupe by event id)
SEEN = "seen_events"
#: what an adapter keeps for its platform (the Oscar adapter's applied change ids)
ADAPTER_STATE = "adapter_state"


def key(channel: str, *parts: object) -> str:
    """The record key of ``parts`` in ``channel``."""
    return ":".join([channel, *(str(p) for p in parts)])


def secret_name(channel: str) -> str:
    """The name of the channel's access token in ``client.secrets``."""
    return f"channel:{channel}"


#: the channel's items in conflict found by the latest sync or reconciliation
CONFLICTS = "conflicts"
#: channel items the merchant chose to leave unmapped (one record per channel)
IGNORED = "ignored_items"
