"""Tanzi's provider SDK: the public contract between the shop kernel and installable services.

Providers write ``from sdk import hookimpl, PluginManifest`` and never import pluggy or core.
"""

from sdk._markers import hookimpl, hookspec
from sdk.client import ShopClient
from sdk.errors import ClientError, InvalidRequest, ResourceNotFound, ScopeDenied
from sdk.events import (
    AfterSaleEvent,
    Event,
    InstallationEvent,
    InventoryEvent,
    OrderEvent,
    ProductEvent,
    ShipmentEvent,
    build_event,
)
from sdk.manifest import PluginManifest, Pricing, ScopeRequest
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
    Record,
)
from sdk.scopes import SCOPES, Scope

__all__ = [
    "SCOPES",
    "Adjustment",
    "AfterSaleEvent",
    "Carrier",
    "ClientError",
    "Event",
    "Importer",
    "InstallationEvent",
    "InvalidRequest",
    "InventoryEvent",
    "MerchantAction",
    "OrderDraft",
    "OrderEvent",
    "PluginManifest",
    "PluginRoute",
    "Pricing",
    "Problem",
    "ProductDraft",
    "ProductEvent",
    "Quote",
    "QuoteRequest",
    "Record",
    "ResourceNotFound",
    "Scope",
    "ScopeDenied",
    "ScopeRequest",
    "ShipmentEvent",
    "ShopClient",
    "build_event",
    "hookimpl",
    "hookspec",
]
