"""The kernel's default hook implementations: registered like any plugin, always enabled.

Decisions fall back to these when no plugin answers or a plugin fails its budget.
"""

from __future__ import annotations

from typing import Any

from sdk import hookimpl
from sdk.models import Adjustment, OrderDraft, Problem, ProductDraft, Quote, QuoteRequest

#: The name the kernel defaults are registered under in the plugin manager.
KERNEL_PLUGIN_NAME = "tanzi.kernel"

#: The kernel's flat shipping rate, in fen, when no plugin quotes.
FLAT_SHIPPING_FEN = 1000


class KernelDefaults:
    """Default answers for decision hooks."""

    @hookimpl(trylast=True)
    def logistics_quote(self, request: QuoteRequest, client: Any, settings: Any) -> Quote:
        """A flat rate, free self-delivery is not the kernel's business."""
        return Quote(carrier_code="standard", amount_fen=FLAT_SHIPPING_FEN, days=3)

    @hookimpl(trylast=True)
    def product_validate(self, product: ProductDraft, client: Any, settings: Any) -> list[Problem]:
        """Nothing beyond the schema's own checks."""
        return []

    @hookimpl(trylast=True)
    def order_adjustments(self, order: OrderDraft, client: Any, settings: Any) -> list[Adjustment]:
        """No adjustments."""
        return []
