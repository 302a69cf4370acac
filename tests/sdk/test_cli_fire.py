"""``tanzi-sdk fire``: one hook called in-process with a sample and a FakeShop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import plugins.shipping_insurance as insurance
from sdk.cli.firing import fire
from sdk.cli.samples import firable, sample_arguments
from sdk.events import EVENT_TYPES, OrderEvent
from sdk.models import Quote
from sdk.testing import FakeShop
from tests.sdk.cli_plugins import (
    GOOD,
    HEADER,
    assert_ok,
    exit_code,
    has_row,
    imports_restored,
    run,
)
from tests.sdk.cli_plugins import write_module as write

ROOT = Path(__file__).resolve().parents[2]
INSURANCE = str(ROOT / "plugins" / "shipping_insurance")

OVERREACHING = (
    HEADER
    + """
manifest = PluginManifest(
    id="{id}",
    name="Overreaching",
    version="0.1.0",
    scopes=[ScopeRequest(scope=Scope.orders_read, reason="to read paid orders")],
    hooks=["order_paid"],
)


@hookimpl
def order_paid(event: OrderEvent, client: ShopClient, settings: Any) -> None:
    client.records.put("seen", str(event.order.id), {"ok": True})
    client.products.list(limit=5)
"""
)

QUOTING = (
    HEADER
    + """
from sdk import Carrier, Quote, QuoteRequest

manifest = PluginManifest(
    id="{id}",
    name="Quoting",
    version="0.1.0",
    scopes=[ScopeRequest(scope=Scope.logistics_read, reason="to quote shipping")],
    hooks=["logistics_quote", "register_carriers"],
)


@hookimpl
def logistics_quote(request: QuoteRequest, client: ShopClient, settings: Any) -> Quote:
    return Quote(carrier_code="ACME", amount_fen=100 + request.weight_g, days=2)


@hookimpl
def register_carriers() -> list[Carrier]:
    return [Carrier(code="ACME", name="Acme Express")]
"""
)


@pytest.fixture(autouse=True)
def _restore_imports(tmp_path: Path) -> Iterator[None]:
    with imports_restored(tmp_path):
        yield


def test_fire_shows_the_calls_and_the_records(tmp_path: Path) -> None:
    path = write(tmp_path, "good_fire", GOOD)
    out = assert_ok(run("fire", "order_paid", "--plugin", str(path)))
    assert "Fired order_paid  (granted: orders:read)" in out
    assert "order 1" in out
    assert has_row(out, "1", "orders.get", "│ 1 ")
    assert has_row(out, "2", "records.put", "'notes', '1', {'total_fen': 16800}")
    assert has_row(out, "notes", "1", '{"total_fen": 16800}')
    assert "✓ done" in out


def test_data_overrides_the_sample_in_the_event_and_the_shop(tmp_path: Path) -> None:
    path = write(tmp_path, "good_data", GOOD)
    out = assert_ok(run("fire", "order_paid", "--plugin", str(path), "--data", '{"total_fen": 99}'))
    assert '{"total_fen": 99}' in out


def test_a_denied_call_fails_the_fire_and_shows_what_came_before(tmp_path: Path) -> None:
    path = write(tmp_path, "overreaching_fire", OVERREACHING)
    result = run("fire", "order_paid", "--plugin", str(path))
    assert exit_code(result) == 1
    out = result.output
    assert has_row(out, "records.put", "'seen', '1', {'ok': True}")
    assert has_row(out, "products.list", "limit=5")
    assert "note: validate finds 1 error(s)" in out  # products:read is missing
    assert "ScopeDenied: This installation was not granted the 'products:read' scope." in out
    assert "would be marked failed and retried" in out


def test_first_party_plugin_with_settings(tmp_path: Path) -> None:
    out = assert_ok(
        run("fire", "order_paid", "--plugin", INSURANCE, "--settings", '{"premium_rate_bp": 500}')
    )
    assert "policies" in out
    assert '"premium_fen": 500' in out  # 5% of 16800 is 840, capped at the 500 maximum
    assert '"premium_rate_bp": 500' in out


def test_settings_that_do_not_fit_are_refused_with_their_path() -> None:
    result = run(
        "fire", "order_paid", "--plugin", INSURANCE, "--settings", '{"premium_rate_bp": 5000}'
    )
    assert exit_code(result) == 2
    assert (
        "do not fit InsuranceSettings: premium_rate_bp: Input should be less than" in result.output
    )


def test_an_aftersale_sample_can_be_shaped_by_data() -> None:
    out = assert_ok(
        run(
            "fire",
            "aftersale_resolved",
            "--plugin",
            INSURANCE,
            "--data",
            '{"kind": "return_and_refund"}',
        )
    )
    assert "aftersales.get" in out  # the plugin confirms the refund through its client
    assert has_row(out, "records.get", "'policies', '1'")  # and finds no policy to claim on


def test_decisions_and_registrations_show_what_they_return(tmp_path: Path) -> None:
    path = write(tmp_path, "quoting_fire", QUOTING)
    out = assert_ok(run("fire", "logistics_quote", "--plugin", str(path)))
    assert (
        'Returned {"amount_fen": 600, "carrier_code": "ACME", "currency": "CNY", "days": 2}' in out
    )
    out = assert_ok(run("fire", "register_carriers", "--plugin", str(path)))
    assert '"code": "ACME"' in out and '"name": "Acme Express"' in out


def test_unknown_and_unimplemented_hooks_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "good_refused", GOOD)
    result = run("fire", "order_refunded", "--plugin", str(path))
    assert exit_code(result) == 2
    assert "'order_refunded' is not a hook" in result.output
    result = run("fire", "order_cancelled", "--plugin", str(path))
    assert exit_code(result) == 1
    assert "does not implement order_cancelled (it implements: order_paid)" in result.output
    result = run("fire", "order_paid", "--plugin", str(path), "--data", "[1]")
    assert exit_code(result) == 2
    assert "--data must be a JSON object" in result.output


def test_an_invalid_plugin_is_reported_not_fired(tmp_path: Path) -> None:
    path = write(tmp_path, "no_manifest_fire", "from sdk import hookimpl\n")
    result = run("fire", "order_paid", "--plugin", str(path))
    assert exit_code(result) == 1
    assert "the module has no `manifest`" in result.output


@pytest.mark.parametrize("hook", firable())
def test_every_hook_has_a_sample_that_fits_its_payload(hook: str) -> None:
    shop = FakeShop.for_manifest(insurance.manifest)
    arguments = sample_arguments(hook, shop, insurance.manifest, {})
    if hook in EVENT_TYPES:
        event = arguments["event"]
        assert isinstance(event, EVENT_TYPES[hook])
        assert event.name == hook and event.shop_id == shop.shop_id
    else:
        assert all(value is not None for value in arguments.values())


def test_order_event_samples_match_the_fake_shop() -> None:
    shop = FakeShop()
    for hook, status in [("order_paid", "paid"), ("order_cancelled", "cancelled")]:
        event = sample_arguments(hook, shop, insurance.manifest, {})["event"]
        assert isinstance(event, OrderEvent)
        assert event.order.status == status
        assert shop.orders.get(event.order.id).status == status


def test_fire_reports_records_and_calls_directly() -> None:
    shop = FakeShop.for_manifest(insurance.manifest)
    result = fire(insurance, insurance.manifest, "order_paid", shop=shop)
    assert result.error is None
    assert [c.method for c in result.calls] == ["orders.get", "records.put"]
    [policy] = result.records
    assert (policy.collection, policy.key, policy.data["status"]) == ("policies", "1", "active")
    cancelled = fire(insurance, insurance.manifest, "order_cancelled", shop=shop)
    assert cancelled.records == [] and cancelled.deleted == []  # order 3 had no policy


def test_a_quote_is_returned_as_the_result(tmp_path: Path) -> None:
    from sdk.cli.project import import_plugin, locate

    module = import_plugin(locate(str(write(tmp_path, "quoting_direct", QUOTING))))
    result = fire(module, module.manifest, "logistics_quote", overrides={"weight_g": 1000})
    assert result.result == Quote(carrier_code="ACME", amount_fen=1100, days=2)
