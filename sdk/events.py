"""Event payloads: what an event hook receives, one frozen model per resource kind.

Every payload carries the envelope (``event_id`` for dedupe, ``sequence`` for ordering
events of one resource) and a typed snapshot of the resource as the kernel saw it when it
committed the change. :func:`build_event` turns an outbox row into the right payload.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from sdk.models import AfterSale, Installation, Order, Product, Shipment, Sku, TrackingEvent


class Event(BaseModel):
    """The envelope every event shares."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: str
    name: str
    shop_id: int
    occurred_at: datetime
    sequence: int
    resource_type: str
    resource_id: int


class ProductEvent(Event):
    """``product_created`` / ``product_updated`` / ``product_deleted``."""

    product: Product


class InventoryEvent(Event):
    """``inventory_changed``: ``stock`` is the SKU's new stock, ``delta`` the change,
    ``reason`` why (``order_placed``, ``other``, ...), ``note`` and ``change_id`` what the
    caller of ``products.add_stock`` gave (a service can recognise its own changes)."""

    sku: Sku
    delta: int | None = None
    stock: int | None = None
    reason: str | None = None
    note: str | None = None
    change_id: str | None = None


class OrderEvent(Event):
    """``order_created`` / ``order_paid`` / ... / ``order_completed``."""

    order: Order


class AfterSaleEvent(Event):
    """``aftersale_requested`` / ``aftersale_resolved``.

    ``outcome`` is set on ``aftersale_resolved``: ``refunded``, ``rejected`` or ``exchanged``.
    """

    aftersale: AfterSale
    outcome: str | None = None


class ShipmentEvent(Event):
    """``shipment_created`` / ``tracking_updated`` (the latter with ``tracking_event``)."""

    shipment: Shipment
    tracking_event: TrackingEvent | None = None


class InstallationEvent(Event):
    """``installation_created`` / ``installation_removed``."""

    installation: Installation


#: The payload model of each event hook.
EVENT_TYPES: dict[str, type[Event]] = {
    "product_created": ProductEvent,
    "product_updated": ProductEvent,
    "product_deleted": ProductEvent,
    "inventory_changed": InventoryEvent,
    "order_created": OrderEvent,
    "order_paid": OrderEvent,
    "order_cancelled": OrderEvent,
    "order_shipped": OrderEvent,
    "order_delivered": OrderEvent,
    "order_completed": OrderEvent,
    "aftersale_requested": AfterSaleEvent,
    "aftersale_resolved": AfterSaleEvent,
    "shipment_created": ShipmentEvent,
    "tracking_updated": ShipmentEvent,
    "installation_created": InstallationEvent,
    "installation_removed": InstallationEvent,
}


def build_event(
    name: str,
    data: dict[str, Any],
    *,
    event_id: str,
    shop_id: int,
    occurred_at: datetime,
    sequence: int,
    resource_type: str,
    resource_id: int,
) -> Event:
    """The typed payload for event ``name`` whose kernel data is ``data``.

    :param name: the event (and hook) name, e.g. ``order_paid``.
    :param data: the outbox row's payload, e.g. ``{"order": {...}}``.
    :raises KeyError: when ``name`` is not an event.
    :raises pydantic.ValidationError: when ``data`` lacks the resource snapshot.
    """
    model = EVENT_TYPES[name]
    return model.model_validate(
        {
            **data,
            "event_id": event_id,
            "name": name,
            "shop_id": shop_id,
            "occurred_at": occurred_at,
            "sequence": sequence,
            "resource_type": resource_type,
            "resource_id": resource_id,
        }
    )
