"""What each hook means to a merchant, in plain words (English; hosts translate them).

A listing says when its service acts ("It acts when an order is paid") instead of naming
hooks. Every hook spec in :mod:`sdk.hookspecs` has an entry (a test holds the two together);
a webhook topic reads as its event's words.
"""

from __future__ import annotations

import inspect

from sdk import hookspecs

#: Each hook's words, completing the sentence "It acts when ...".
HOOK_WORDS: dict[str, str] = {
    "product_created": "a product is created",
    "product_updated": "a product is changed",
    "product_deleted": "a product is deleted",
    "inventory_changed": "a SKU's stock changes",
    "order_created": "an order is placed",
    "order_paid": "an order is paid",
    "order_cancelled": "an order is cancelled",
    "order_shipped": "an order is shipped",
    "order_delivered": "an order is delivered",
    "order_completed": "an order is completed",
    "aftersale_requested": "a buyer asks for a refund, a return or an exchange",
    "aftersale_resolved": "an after-sale request is settled",
    "shipment_created": "a parcel is handed to a carrier",
    "tracking_updated": "a shipment gets a tracking update",
    "product_validate": "a product is saved (it checks the product first)",
    "logistics_quote": "shipping is quoted for a parcel",
    "order_adjustments": "an order is placed (it may add discounts or fees)",
    "register_routes": "you open its pages in the console",
    "register_carriers": "you choose a carrier to ship with",
    "register_importers": "you import products",
    "register_job_kinds": "it runs a long job for you (an import, an export, a bulk edit)",
    "register_merchant_actions": "you select orders or products and run one of its actions",
    "installation_created": "you install it",
    "installation_removed": "you remove it (it tidies up what it made)",
}


def hook_words(name: str) -> str:
    """The merchant's words for hook ``name``; for a name without an entry, the first
    sentence of its spec's docstring, else the name itself.

    :param name: a hook name such as ``order_paid``.
    :returns: text that completes "It acts when ...".
    """
    if name in HOOK_WORDS:
        return HOOK_WORDS[name]
    spec = getattr(hookspecs, name, None)
    doc = inspect.getdoc(spec) if spec is not None else None
    return doc.split(". ")[0].rstrip(".") if doc else name
