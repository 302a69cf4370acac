"""Thank-you notes: a note for every paid order over the merchant's minimum."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sdk import OrderEvent, PluginManifest, ScopeRequest, ShopClient, hookimpl
from sdk.scopes import Scope

__version__ = "0.1.0"

NOTES = "notes"


class ThanksSettings(BaseModel):
    """What the merchant sets on the app's page in the console."""

    min_total_fen: int = Field(
        default=0, ge=0, title="Minimum total (fen)", description="Smaller orders get no note"
    )
    message: str = Field(default="Thank you for your order!", min_length=1, max_length=200)


manifest = PluginManifest(
    id="acme_thanks",
    name="Thank-you notes",
    version=__version__,
    category="orders",
    description="Writes a thank-you note for every paid order.",
    scopes=[ScopeRequest(scope=Scope.orders_read, reason="to see which orders were paid")],
    hooks=["order_paid"],
    settings=ThanksSettings,
    requires_tanzi=">=0.1",
)


@hookimpl
def order_paid(event: OrderEvent, client: ShopClient, settings: ThanksSettings) -> None:
    """Keep one note per paid order, however often the event is delivered."""
    order = client.orders.get(event.order.id)  # the order as it is now: needs orders:read
    if (order.total_fen or 0) < settings.min_total_fen:
        return
    client.records.put(
        NOTES,
        str(order.id),
        {"message": settings.message, "total_fen": order.total_fen},
        if_absent=True,
    )
