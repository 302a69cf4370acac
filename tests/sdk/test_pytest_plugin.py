"""The provider pytest plugin: a provider's tests run against a sandbox shop."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

#: A plugin that reads products without asking for ``products:read``.
OVERREACHING = """
from sdk import OrderEvent, PluginManifest, ScopeRequest, ShopClient, hookimpl
from sdk.scopes import Scope

manifest = PluginManifest(
    id="overreaching",
    name="Overreaching",
    version="0.1.0",
    scopes=[ScopeRequest(scope=Scope.orders_read, reason="to read paid orders")],
    hooks=["order_paid"],
    requires_tanzi=">=0.1",
)


@hookimpl
def order_paid(event: OrderEvent, client: ShopClient, settings: object) -> None:
    client.records.put("seen", str(event.order.id), {"ok": True})
    client.products.list()
"""


def _run(pytester: pytest.Pytester, ini_plugin: str, test_source: str) -> pytest.RunResult:
    pytester.makeini(f"[pytest]\ntanzi_plugin = {ini_plugin}\n")
    pytester.makepyfile(test_provider=textwrap.dedent(test_source))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider")


def test_shipping_insurance_takes_out_a_policy_in_the_sandbox(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        "plugins.shipping_insurance",
        """
        def test_installed_with_its_manifest(sandbox_shop, tanzi_sandbox):
            assert sandbox_shop.plugin_id == "shipping_insurance"
            assert sandbox_shop.granted_scopes == {"orders:read", "aftersales:read"}
            assert sandbox_shop.settings["premium_rate_bp"] == 100
            assert [d.hook for d in tanzi_sandbox.deliveries()] == ["installation_created"]
            assert len(tanzi_sandbox.records("terms")) == 1

        def test_order_paid_makes_one_policy(sandbox_shop, tanzi_sandbox):
            results = tanzi_sandbox.fire("order_paid")
            assert [(r.hook, r.status, r.error) for r in results] == [
                ("order_paid", "delivered", "")
            ]
            policies = tanzi_sandbox.records("policies")
            assert len(policies) == 1
            assert policies[0].data["status"] == "active"
            order = tanzi_sandbox.client().orders.get(policies[0].data["order_id"])
            assert order.status == "paid"

        def test_a_cancelled_order_gets_no_policy(sandbox_shop, tanzi_sandbox):
            results = tanzi_sandbox.fire("order_cancelled")
            assert [(r.hook, r.status) for r in results] == [("order_cancelled", "delivered")]
            hooks = [d.hook for d in tanzi_sandbox.deliveries()]
            assert hooks == ["installation_created", "order_paid", "order_cancelled"]
            assert tanzi_sandbox.records("policies") == []

        def test_overrides_replace_snapshot_fields(sandbox_shop, tanzi_sandbox):
            [result] = tanzi_sandbox.fire("order_paid", status="cancelled")
            assert result.status == "delivered"
            assert tanzi_sandbox.records("policies") != []  # it re-reads the real order
        """,
    )
    result.assert_outcomes(passed=4)


def test_a_call_outside_the_scopes_fails_the_delivery(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(overreaching=OVERREACHING)
    result = _run(
        pytester,
        "overreaching",
        """
        def test_denied(sandbox_shop, tanzi_sandbox):
            [result] = tanzi_sandbox.fire("order_paid")
            assert result.status == "failed"
            assert result.error.startswith("ScopeDenied")
            assert "products:read" in result.error
            [delivery] = [d for d in tanzi_sandbox.deliveries() if d.hook == "order_paid"]
            assert (delivery.status, delivery.attempts) == ("failed", 1)
            assert len(tanzi_sandbox.records("seen")) == 1
        """,
    )
    result.assert_outcomes(passed=1)


def test_the_plugin_module_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_provider="""
        import pytest

        @pytest.fixture
        def tanzi_plugin_module():
            return "plugins.shipping_insurance"

        def test_fire(sandbox_shop, tanzi_sandbox):
            assert tanzi_sandbox.fire("order_paid")[0].status == "delivered"
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_importing_the_plugin_imports_no_kernel() -> None:
    code = (
        "import sys, sdk.pytest_plugin\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'core', 'fastapi', 'sqlmodel', 'sqlalchemy', 'marketplace'})\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
