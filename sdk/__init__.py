"""Tanzi's provider SDK: the public contract between the shop kernel and installable services.

Providers write ``from sdk import hookimpl, PluginManifest`` and never import pluggy or core.
"""

from typing import TYPE_CHECKING, Any

from sdk._markers import hookimpl, hookspec
from sdk.client import ShopClient
from sdk.errors import (
    AccessDenied,
    ClientError,
    InvalidRequest,
    RateLimited,
    ResourceNotFound,
    ScopeDenied,
    ServerError,
)
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
from sdk.manifest import ConnectRequest, PluginManifest, Pricing, ScopeRequest
from sdk.models import (
    ActionField,
    Adjustment,
    Carrier,
    ConnectRedirect,
    Importer,
    MerchantAction,
    OrderDraft,
    PageForm,
    PluginRoute,
    Problem,
    ProductDraft,
    Quote,
    QuoteRequest,
    Record,
    ResultFile,
    SafeHtml,
)
from sdk.scopes import SCOPES, Scope

if TYPE_CHECKING:
    from sdk.http import HttpShopClient


def __getattr__(name: str) -> Any:
    """``sdk.HttpShopClient`` imports the HTTP client (and httpx) only when first used."""
    if name == "HttpShopClient":
        from sdk.http import HttpShopClient

        return HttpShopClient
    raise AttributeError(f"module 'sdk' has no attribute {name!r}")


__all__ = [
    "SCOPES",
    "AccessDenied",
    "ActionField",
    "Adjustment",
    "AfterSaleEvent",
    "Carrier",
    "ClientError",
    "ConnectRedirect",
    "ConnectRequest",
    "Event",
    "HttpShopClient",
    "Importer",
    "InstallationEvent",
    "InvalidRequest",
    "InventoryEvent",
    "MerchantAction",
    "OrderDraft",
    "OrderEvent",
    "PageForm",
    "PluginManifest",
    "PluginRoute",
    "Pricing",
    "Problem",
    "ProductDraft",
    "ProductEvent",
    "Quote",
    "QuoteRequest",
    "RateLimited",
    "Record",
    "ResourceNotFound",
    "ResultFile",
    "SafeHtml",
    "Scope",
    "ScopeDenied",
    "ScopeRequest",
    "ServerError",
    "ShipmentEvent",
    "ShopClient",
    "build_event",
    "hookimpl",
    "hookspec",
]
