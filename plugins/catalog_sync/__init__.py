"""Cross-platform product management (商品跨平台管理): one catalog and one stock across
this shop and its channels (another Tanzi shop; other platforms through
:class:`sdk.channels.ChannelStore` adapters).

This shop is the stock authority; each channel holds a reserved share taken out of this
shop's stock (:mod:`plugins.catalog_sync.stock`), so the channels together never sell
more than is on hand. Every stock change here (``inventory_changed``) rebalances the
SKU's share; the ``reconcile`` job compares both sides, repairs drift and keeps a report;
``sync_now`` catches a channel up (and resumes it when it answers again); ``publish``
lists products there. Another Tanzi shop is connected over OAuth through the host
(``manifest.connect``, :mod:`plugins.catalog_sync.connect`). The plugin imports only
``sdk``.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any, cast

from plugins.catalog_sync.channels import all_channels, channel_config
from plugins.catalog_sync.connect import CONNECT
from plugins.catalog_sync.jobs import PUBLISH, run_publish
from plugins.catalog_sync.oversells import check_oversells
from plugins.catalog_sync.reconcile import reconcile
from plugins.catalog_sync.status import pause
from plugins.catalog_sync.stock import ECHO_PREFIX
from plugins.catalog_sync.sync import ChannelSync
from sdk import PluginManifest, PluginRoute, ScopeRequest, ShopClient, hookimpl
from sdk.channels import ChannelUnavailable
from sdk.client import HostedShopClient
from sdk.events import InventoryEvent
from sdk.jobs import JobContext, JobKind
from sdk.scopes import Scope

#: How often the host reconciles every channel by itself.
RECONCILE_EVERY_MIN = 15

manifest = PluginManifest(
    id="catalog_sync",
    name="Cross-platform sync (商品跨平台管理)",
    version="0.1.0",
    category="products",
    description=(
        "Sell the same products in another shop or on another platform with one stock: "
        "each sale lowers what the other side may sell within seconds, never overselling."
    ),
    scopes=[
        ScopeRequest(scope=Scope.products_read, reason="to read the products you publish"),
        ScopeRequest(
            scope=Scope.products_write,
            reason="to move stock between this shop and your other channels",
        ),
        ScopeRequest(scope=Scope.orders_read, reason="to see what sold"),
        ScopeRequest(scope=Scope.shop_read, reason="to check the shop is open"),
    ],
    hooks=["inventory_changed", "register_job_kinds", "register_routes"],
    requires_tanzi=">=0.1",
    connect=CONNECT,
)


def hosted(client: ShopClient) -> HostedShopClient:
    """The in-process client (it keeps the channels' tokens as secrets)."""
    if not hasattr(client, "secrets"):
        raise TypeError("catalog_sync runs in-process: its client keeps secrets.")
    return cast(HostedShopClient, client)


@hookimpl
def inventory_changed(event: InventoryEvent, client: ShopClient, settings: Any) -> None:
    """Rebalance the SKU on every channel it is mapped on (once per event id). A channel
    busy with the SKU raises :class:`~plugins.catalog_sync.stock.ChannelBusy`: the
    delivery is retried."""
    if (event.change_id or "").startswith(ECHO_PREFIX):
        return  # the sync's own move: nothing to rebalance, and no channel to open
    for config in all_channels(client):
        ChannelSync(hosted(client), config).on_stock_event(event)


def _syncs(ctx: JobContext) -> list[ChannelSync]:
    client = hosted(ctx.client)
    name = str(ctx.params.get("channel", ""))
    configs = list(all_channels(client)) if not name else [channel_config(client, name)]
    return [ChannelSync(client, c) for c in configs if c is not None]


def run_reconcile(ctx: JobContext) -> None:
    """Reconcile each channel (or ``params["channel"]``); the reports stay in records."""
    for sync in _syncs(ctx):
        reconcile(sync)


def run_sync_now(ctx: JobContext) -> None:
    """Catch each channel up: resume it when it answers, note the oversells on its side,
    rebalance every mapped SKU."""
    for sync in _syncs(ctx):
        catch_up(sync)


def catch_up(sync: ChannelSync) -> bool:
    """Sync now: resume the channel when it answers and read its oversells first (before
    the rebalance could cover them), then match, bring here and settle the fields of its
    items (see :meth:`ChannelSync.review`); ``False`` while it is down."""
    with suppress(ChannelUnavailable):  # resume() pauses it with the reason
        check_oversells(sync.client, sync.name, sync.store)
    if not sync.resume():
        return False
    try:  # match, bring here, settle fields, count conflicts
        sync.review()
    except ChannelUnavailable as exc:
        pause(sync.client, sync.name, str(exc))
        return False
    sync.mark_synced()
    return True


@hookimpl
def register_job_kinds() -> list[JobKind]:
    """Reconcile, sync now and publish (the page's long actions run as these jobs)."""
    return [
        JobKind(
            code="reconcile",
            name="Reconcile channels",
            run=run_reconcile,
            scope=Scope.products_write.value,
            every_minutes=RECONCILE_EVERY_MIN,
        ),
        JobKind(
            code="sync_now", name="Sync channels now", run=run_sync_now, scope="products:write"
        ),
        JobKind(
            code=PUBLISH,
            name="Publish products on a channel",
            run=run_publish,
            scope=Scope.products_write.value,
        ),
    ]


@hookimpl
def register_routes() -> list[PluginRoute]:
    """The channels page."""
    from plugins.catalog_sync.pages import routes

    return routes()
