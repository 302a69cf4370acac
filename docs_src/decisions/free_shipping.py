"""Free shipping over a threshold: a decision the kernel asks for inside the request."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sdk import PluginManifest, Quote, QuoteRequest, ScopeRequest, ShopClient, hookimpl
from sdk.scopes import Scope


class FreeShippingSettings(BaseModel):
    threshold_fen: int = Field(default=9900, ge=0, title="Free shipping from (fen)")


manifest = PluginManifest(
    id="acme_free_shipping",
    name="Free shipping over a threshold",
    version="0.1.0",
    category="logistics",
    scopes=[ScopeRequest(scope=Scope.logistics_read, reason="to answer shipping quotes")],
    hooks=["logistics_quote"],
    settings=FreeShippingSettings,
    requires_tanzi=">=0.1",
)


@hookimpl
def logistics_quote(
    request: QuoteRequest, client: ShopClient, settings: FreeShippingSettings
) -> Quote | None:
    """Free over the threshold; below it, ``None`` lets the kernel's flat rate answer."""
    if request.subtotal_fen >= settings.threshold_fen:
        return Quote(carrier_code="SF", amount_fen=0, days=2)
    return None
