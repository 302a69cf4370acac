"""Hook specifications: the contract between the shop kernel and its plugins.

The kernel makes every call. Event hooks run in the job worker after the change committed,
once per installation; decision hooks run inside the request under a time budget, with the
kernel's default as fallback; registration hooks add routes, carriers, importers and
merchant-console buttons. Every shop-scoped hook receives a :class:`~sdk.client.ShopClient`
bound to the installation's granted scopes. No hook is historic.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sdk._markers import hookspec
from sdk.client import ShopClient
from sdk.events import (
    AfterSaleEvent,
    InstallationEvent,
    InventoryEvent,
    OrderEvent,
    ProductEvent,
    ShipmentEvent,
)
from sdk.jobs import JobKind
from sdk.models import (
    Adjustment,
    Carrier,
    Importer,
    MerchantAction,
    OrderDraft,
    PluginRoute,
    Problem,
    ProductDraft,
    Quote,
    QuoteRequest,
)

#: An installation's settings: an instance of the manifest's settings model, or a dict.
InstallationSettings = BaseModel | dict[str, Any]


# --------------------------------------------------------------------------------------
# Catalog events
# --------------------------------------------------------------------------------------


@hookspec
def product_created(
    event: ProductEvent, client: ShopClient, settings: InstallationSettings
) -> None:
    """A product was created.

    :param event: the frozen ``ProductEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: products:read (products:write to change it).
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


@hookspec
def product_updated(
    event: ProductEvent, client: ShopClient, settings: InstallationSettings
) -> None:
    """A product's fields, SKUs or status changed.

    :param event: the frozen ``ProductEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: products:read (products:write to change it).
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


@hookspec
def product_deleted(
    event: ProductEvent, client: ShopClient, settings: InstallationSettings
) -> None:
    """A product was deleted; the snapshot is its last state.

    :param event: the frozen ``ProductEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: products:read.
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


@hookspec
def inventory_changed(
    event: InventoryEvent, client: ShopClient, settings: InstallationSettings
) -> None:
    """A SKU's stock changed (sale, cancellation, manual edit).

    :param event: the frozen ``InventoryEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: products:read (products:write to change stock).
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


# --------------------------------------------------------------------------------------
# Order events
# --------------------------------------------------------------------------------------


@hookspec
def order_created(event: OrderEvent, client: ShopClient, settings: InstallationSettings) -> None:
    """An order was placed and awaits payment.

    :param event: the frozen ``OrderEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: orders:read (orders:pii for buyer details).
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


@hookspec
def order_paid(event: OrderEvent, client: ShopClient, settings: InstallationSettings) -> None:
    """An order was paid.

    :param event: the frozen ``OrderEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: orders:read (orders:pii for buyer details).
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


@hookspec
def order_cancelled(event: OrderEvent, client: ShopClient, settings: InstallationSettings) -> None:
    """An order was cancelled; its stock was released.

    :param event: the frozen ``OrderEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: orders:read.
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


@hookspec
def order_shipped(event: OrderEvent, client: ShopClient, settings: InstallationSettings) -> None:
    """An order was shipped.

    :param event: the frozen ``OrderEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: orders:read, logistics:read.
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


@hookspec
def order_delivered(event: OrderEvent, client: ShopClient, settings: InstallationSettings) -> None:
    """An order was delivered to the buyer.

    :param event: the frozen ``OrderEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: orders:read.
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


@hookspec
def order_completed(event: OrderEvent, client: ShopClient, settings: InstallationSettings) -> None:
    """An order was completed (confirmed by the buyer or by timeout).

    :param event: the frozen ``OrderEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: orders:read.
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


# --------------------------------------------------------------------------------------
# After-sale events
# --------------------------------------------------------------------------------------


@hookspec
def aftersale_requested(
    event: AfterSaleEvent, client: ShopClient, settings: InstallationSettings
) -> None:
    """A buyer asked for a refund, a return or an exchange.

    :param event: the frozen ``AfterSaleEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: aftersales:read (aftersales:write to decide).
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


@hookspec
def aftersale_resolved(
    event: AfterSaleEvent, client: ShopClient, settings: InstallationSettings
) -> None:
    """An after-sale request was accepted, rejected, completed or cancelled.

    :param event: the frozen ``AfterSaleEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: aftersales:read.
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


# --------------------------------------------------------------------------------------
# Logistics events
# --------------------------------------------------------------------------------------


@hookspec
def shipment_created(
    event: ShipmentEvent, client: ShopClient, settings: InstallationSettings
) -> None:
    """A parcel was handed to a carrier for an order.

    :param event: the frozen ``ShipmentEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: logistics:read (logistics:write to add tracking).
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


@hookspec
def tracking_updated(
    event: ShipmentEvent, client: ShopClient, settings: InstallationSettings
) -> None:
    """A shipment got a tracking event (``event.tracking_event``).

    :param event: the frozen ``ShipmentEvent`` payload; dedupe on ``event.event_id``.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings (the manifest's settings model, or a dict).

    Runs: worker, after commit; at least once, retried on the published backoff schedule.
    Scopes: logistics:read.
    Returns: nothing; raising marks the delivery failed and schedules a retry.
    """


# --------------------------------------------------------------------------------------
# Decisions (inside the request, under a time budget)
# --------------------------------------------------------------------------------------


@hookspec
def product_validate(
    product: ProductDraft, client: ShopClient, settings: InstallationSettings
) -> list[Problem]:
    """Check a product before it is saved; every implementation's problems are collected.

    :param product: the product as it would be saved.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings.

    Runs: request, before commit; under the plugin's time budget, skipped on timeout.
    Scopes: products:read.
    Returns: a list of problems (``field``, ``message``); empty when the product is fine.
    """


@hookspec(firstresult=True)
def logistics_quote(
    request: QuoteRequest, client: ShopClient, settings: InstallationSettings
) -> Quote | None:
    """Quote shipping for a parcel. Stops at the first non-None result.

    :param request: the destination province, weight and lines to ship.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings.

    Runs: request, before commit; under the plugin's time budget; the kernel's flat rate
    answers when no plugin does, or when a plugin fails or times out.
    Scopes: logistics:read.
    Returns: a quote, or ``None`` to let the next plugin (or the kernel) answer.
    """


@hookspec
def order_adjustments(
    order: OrderDraft, client: ShopClient, settings: InstallationSettings
) -> list[Adjustment]:
    """Add discounts or fees to an order being placed; every plugin's list is collected.

    :param order: the order before adjustments.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings.

    Runs: request, before commit; under the plugin's time budget, skipped on timeout.
    Scopes: orders:read.
    Returns: a list of adjustments (negative ``amount_fen`` for a discount).
    """


# --------------------------------------------------------------------------------------
# Registrations
# --------------------------------------------------------------------------------------


@hookspec
def register_routes() -> list[PluginRoute]:
    """Add pages or endpoints, served at ``/apps/<plugin id>/shops/<shop id><route path>``.

    The host reads the registrations on each request, so a plugin enabled later answers
    without a restart. A route answers only when the plugin is enabled in that shop (404
    when it is not installed or was removed, 403 while paused) and the signed-in person is
    a member whose role covers the route's ``scope`` (403 otherwise); the installation must
    also have been granted that scope. The endpoint gets the installation's scoped client,
    never the kernel. Text is shown escaped; :class:`~sdk.models.SafeHtml` is sanitized.

    Runs: request, on the plugin's own threads under its time limit.
    Scopes: the route's ``scope`` (its handler acts through the installation's client).
    Returns: a list of routes.
    """


@hookspec
def register_carriers() -> list[Carrier]:
    """Add carriers a shop can ship with.

    Runs: request (the shop's carrier list).
    Scopes: none.
    Returns: a list of carriers.
    """


@hookspec
def register_importers() -> list[Importer]:
    """Add product import formats.

    Runs: request (the shop's import page) and worker (the import job).
    Scopes: none (the import job writes with products:write).
    Returns: a list of importers.
    """


@hookspec
def register_job_kinds() -> list[JobKind]:
    """Add kinds of resumable job the plugin starts with ``client.jobs.start``.

    The worker calls a kind's ``run(ctx)`` with a :class:`~sdk.jobs.JobContext`: the
    installation's client, the job's params and a chunk transaction that commits the
    chunk's writes with the checkpoint, so a killed worker resumes without duplicates.

    Runs: worker (each job), and request (``client.jobs.start`` checks the kind).
    Scopes: the kind's ``scope`` to start it; ``run`` acts through the installation's client.
    Returns: a list of job kinds.
    """


@hookspec
def register_merchant_actions() -> list[MerchantAction]:
    """Add actions on the rows merchants select in the console's orders or products list.

    Running one starts a job: the worker calls the action's ``run`` once per selected row
    with the installation's scoped client (or ``run_all`` once with the whole selection,
    which hands back one result file, or starts the plugin's resumable job kind ``job``),
    and the console shows the progress and each row's result or error.

    Runs: request (rendering the console); each ``run`` in the worker.
    Scopes: the action's ``scope`` (held by the member's role and granted to the plugin).
    Returns: a list of merchant actions.
    """


# --------------------------------------------------------------------------------------
# Life-cycle
# --------------------------------------------------------------------------------------


@hookspec
def installation_created(
    event: InstallationEvent, client: ShopClient, settings: InstallationSettings
) -> None:
    """A merchant installed this plugin in a shop.

    :param event: the installation, with its granted scopes and settings.
    :param client: the shop, limited to this installation's granted scopes.
    :param settings: this installation's settings.

    Runs: worker, after commit; at least once.
    Scopes: whatever the merchant granted.
    Returns: nothing.
    """


@hookspec
def installation_removed(
    event: InstallationEvent, client: ShopClient, settings: InstallationSettings
) -> None:
    """A merchant removed this plugin; undo what it created while access lasts.

    :param event: the installation as it was.
    :param client: the shop, still with the granted scopes for the cleanup window.
    :param settings: this installation's settings.

    Runs: worker, after commit; at least once.
    Scopes: whatever the merchant granted, until the cleanup window ends.
    Returns: nothing.
    """
