"""Integration tests: the real shop kernel runs the plugin in a sandbox shop."""

from __future__ import annotations

from sdk.pytest_plugin import SandboxShop, TanziSandbox


def test_installed_with_the_scopes_it_asks_for(sandbox_shop: SandboxShop) -> None:
    assert sandbox_shop.plugin_id == "acme_thanks"
    assert sandbox_shop.granted_scopes == {"orders:read"}


def test_a_paid_order_gets_a_note(sandbox_shop: SandboxShop, tanzi_sandbox: TanziSandbox) -> None:
    deliveries = tanzi_sandbox.fire("order_paid")

    assert [(d.hook, d.status) for d in deliveries] == [("order_paid", "delivered")]
    [note] = tanzi_sandbox.records("notes")
    order = tanzi_sandbox.client().orders.get(int(note.key))
    assert note.data == {"message": "Thank you for your order!", "total_fen": order.total_fen}
