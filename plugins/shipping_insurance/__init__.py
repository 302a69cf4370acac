"""Shipping insurance (运费险): a policy on every paid order; a claim when a return is refunded.

On ``order_paid`` the plugin takes out a policy for the order (record ``policies/<order
id>``: premium by the merchant's rule, the insured total, status ``active``). When a
return-and-refund request is resolved as ``refunded`` it files one claim for the order
(record ``claims/<order id>``) paying the buyer's return shipping, and the policy becomes
``claimed``. A cancelled order's policy becomes ``void``.

Every handler is idempotent: an event delivered twice leaves one policy and one claim
(records are created with ``if_absent``). The plugin imports only ``sdk`` and pydantic,
like any third party's.
"""

from __future__ import annotations

from typing import Any

from plugins.shipping_insurance.settings import InsuranceSettings, coerce_settings
from sdk import (
    AfterSaleEvent,
    InstallationEvent,
    OrderEvent,
    PluginManifest,
    ScopeRequest,
    ShopClient,
    hookimpl,
)
from sdk.scopes import Scope

POLICIES = "policies"
CLAIMS = "claims"
TERMS = "terms"

manifest = PluginManifest(
    id="shipping_insurance",
    name="Shipping insurance (运费险)",
    version="1.0.0",
    category="finance",
    description=(
        "Insures each paid order's return shipping: when the buyer returns goods for a "
        "refund, the return shipping is paid back to them."
    ),
    scopes=[
        ScopeRequest(
            scope=Scope.orders_read,
            reason="to read the order total a policy insures, when an order is paid",
        ),
        ScopeRequest(
            scope=Scope.aftersales_read,
            reason="to check that a return was refunded before paying its shipping",
        ),
    ],
    hooks=["order_paid", "order_cancelled", "aftersale_resolved", "installation_created"],
    settings=InsuranceSettings,
    pricing={"model": "per_order"},
    requires_tanzi=">=0.1",
)


def _policy_key(order_id: int | None) -> str:
    return str(order_id)


@hookimpl
def installation_created(event: InstallationEvent, client: ShopClient, settings: Any) -> None:
    """Keep the terms the merchant installed with (the defaults filled in)."""
    terms = coerce_settings(settings)
    client.records.put(TERMS, "installed", terms.model_dump(), if_absent=True)


@hookimpl
def order_paid(event: OrderEvent, client: ShopClient, settings: Any) -> None:
    """Take out a policy on the paid order, once, priced by the merchant's rule."""
    terms = coerce_settings(settings)
    order = client.orders.get(event.order.id)  # the current order; needs orders:read
    if order.status == "cancelled":
        return
    insured = order.total_fen or 0
    client.records.put(
        POLICIES,
        _policy_key(order.id),
        {
            "order_id": order.id,
            "status": "active",
            "insured_total_fen": insured,
            "premium_fen": terms.premium_fen(insured),
            "premium_rate_bp": terms.premium_rate_bp,
            "claim_amount_fen": terms.claim_amount_fen,
            "currency": order.currency,
            "event_id": event.event_id,
            "taken_out_at": event.occurred_at.isoformat(),
        },
        if_absent=True,
    )


@hookimpl
def order_cancelled(event: OrderEvent, client: ShopClient, settings: Any) -> None:
    """A cancelled order ships nothing: its active policy is void."""
    policy = client.records.get(POLICIES, _policy_key(event.order.id))
    if policy is None or policy.data.get("status") != "active":
        return
    data = {**policy.data, "status": "void", "voided_by_event_id": event.event_id}
    client.records.put(POLICIES, policy.key, data)


@hookimpl
def aftersale_resolved(event: AfterSaleEvent, client: ShopClient, settings: Any) -> None:
    """A refunded return-and-refund: pay the buyer's return shipping under the policy.

    One claim per policy. No policy (the order was paid before the installation, or its
    ``order_paid`` was not handled), no claim.
    """
    if event.outcome != "refunded" or event.aftersale.kind != "return_and_refund":
        return
    aftersale = client.aftersales.get(event.aftersale.id)  # confirm; needs aftersales:read
    if aftersale.kind != "return_and_refund" or aftersale.outcome != "refunded":
        return
    key = _policy_key(aftersale.order_id)
    policy = client.records.get(POLICIES, key)
    if policy is None or policy.data.get("status") not in ("active", "claimed"):
        return
    claim = client.records.put(
        CLAIMS,
        key,
        {
            "order_id": aftersale.order_id,
            "aftersale_id": aftersale.id,
            "reason": "return_shipping",
            "amount_fen": int(
                policy.data.get("claim_amount_fen", coerce_settings(settings).claim_amount_fen)
            ),
            "currency": policy.data.get("currency", "CNY"),
            "status": "filed",
            "event_id": event.event_id,
            "filed_at": event.occurred_at.isoformat(),
        },
        if_absent=True,
    )
    if policy.data.get("status") == "active" and claim.data.get("aftersale_id") == aftersale.id:
        data = {**policy.data, "status": "claimed", "claim_key": claim.key}
        client.records.put(POLICIES, key, data)
