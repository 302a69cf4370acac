"""``tanzi-sdk validate``: manifest errors with field paths, hooks checked by pluggy against
the specs, scopes compared with the hooks and the client calls the code makes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sdk.cli.checks import Severity, check_plugin
from sdk.cli.project import PluginNotFound, locate
from sdk.cli.usage import client_scopes, hook_scopes, scan_source
from tests.sdk.cli_plugins import GOOD, HEADER, assert_ok, exit_code, imports_restored, run
from tests.sdk.cli_plugins import write_module as write

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _restore_imports(tmp_path: Path) -> Iterator[None]:
    with imports_restored(tmp_path):
        yield


def manifest_source(**fields: str) -> str:
    values = {
        "id": '"{id}"',
        "name": '"A plugin"',
        "version": '"1.0.0"',
        "scopes": '[ScopeRequest(scope=Scope.orders_read, reason="to read paid orders")]',
        "hooks": '["order_paid"]',
        "requires_tanzi": '">=0.1"',
        **fields,
    }
    body = ",\n    ".join(f"{k}={v}" for k, v in values.items())
    return f"{HEADER}\nmanifest = PluginManifest(\n    {body},\n)\n"


ORDER_PAID = """

@hookimpl
def order_paid(event: OrderEvent, client: ShopClient, settings: Any) -> None:
    client.orders.get(event.order.id)
"""


def test_the_first_party_plugin_is_valid() -> None:
    out = assert_ok(run("validate", str(ROOT / "plugins" / "shipping_insurance")))
    assert "shipping_insurance 1.0.0" in out
    assert (
        "hooks implemented: aftersale_resolved, installation_created, order_cancelled, order_paid"
    )
    assert "scopes used: aftersales:read, orders:read" in out
    assert "✓ valid (0 warning(s))" in out


def test_a_good_plugin_from_a_file_is_valid(tmp_path: Path) -> None:
    path = write(tmp_path, "good_file", GOOD)
    out = assert_ok(run("validate", str(path)))
    assert "Plugin good_file" in out
    assert "requested scopes: orders:read" in out
    assert "✓ valid" in out


def test_manifest_errors_carry_field_paths(tmp_path: Path) -> None:
    source = manifest_source(
        version='"one"',
        scopes='[{"scope": "orders:everything", "reason": "to read paid orders"}]',
    )
    path = write(tmp_path, "bad_manifest", source + ORDER_PAID)
    result = run("validate", str(path))
    assert exit_code(result) == 1
    assert "'one' is not a version like 1.2.0" in result.output
    assert f"version ({path}:9)" in result.output
    assert f"scopes.0.scope ({path}:9)" in result.output
    assert "Input should be 'shop:read'" in result.output
    assert "✗ 2 error(s)" in result.output


def test_a_refused_scope_request_points_at_its_line(tmp_path: Path) -> None:
    source = manifest_source(
        scopes='[ScopeRequest(scope=Scope.orders_read, reason="")]',
    )
    path = write(tmp_path, "bad_reason", source + ORDER_PAID)
    line = (
        path.read_text()
        .splitlines()
        .index('    scopes=[ScopeRequest(scope=Scope.orders_read, reason="")],')
        + 1
    )
    [error] = check_plugin(locate(str(path))).errors
    assert (error.check, error.where) == ("manifest", f"scopes.*.reason ({path}:{line})")
    assert error.message == "String should have at least 3 characters"


def test_a_manifest_given_as_a_dict_is_validated_with_paths(tmp_path: Path) -> None:
    source = HEADER + '\nmanifest = {"id": "dict_manifest", "name": "", "version": "1.0"}\n'
    report = check_plugin(locate(str(write(tmp_path, "dict_manifest", source))))
    assert [(f.check, f.where) for f in report.errors] == [("manifest", "name")]


def test_a_module_without_manifest_is_refused(tmp_path: Path) -> None:
    result = run("validate", str(write(tmp_path, "no_manifest", HEADER + ORDER_PAID)))
    assert exit_code(result) == 1
    assert "the module has no `manifest`" in result.output


def test_an_import_error_is_reported_with_where_it_happened(tmp_path: Path) -> None:
    path = write(tmp_path, "broken", "import sdk\nraise RuntimeError('boom at import')\n")
    report = check_plugin(locate(str(path)))
    [error] = report.errors
    assert error.check == "import"
    assert error.message == "RuntimeError: boom at import"
    assert error.where == f"{path}:2"


def test_a_hookimpl_with_wrong_arguments_is_refused_by_pluggy(tmp_path: Path) -> None:
    source = manifest_source() + (
        "\n\n@hookimpl\ndef order_paid(evt: OrderEvent, client: ShopClient) -> None:\n"
        "    client.orders.get(evt.order.id)\n"
    )
    result = run("validate", str(write(tmp_path, "wrong_args", source)))
    assert exit_code(result) == 1
    assert "order_paid" in result.output
    assert "{'evt'}" in result.output  # pluggy names the argument the spec lacks


def test_an_unknown_hook_fails_check_pending(tmp_path: Path) -> None:
    source = (
        manifest_source()
        + ORDER_PAID
        + ("\n\n@hookimpl\ndef order_refunded(event: Any, client: ShopClient) -> None:\n    pass\n")
    )
    report = check_plugin(locate(str(write(tmp_path, "unknown_hook", source))))
    [error] = report.errors
    assert error.check == "hooks"
    assert "unknown hook 'order_refunded'" in error.message


def test_undeclared_hooks_are_errors_unimplemented_ones_warnings(tmp_path: Path) -> None:
    source = manifest_source(hooks='["order_paid", "order_cancelled"]') + (
        "\n\n@hookimpl\ndef register_carriers() -> list[Any]:\n    return []\n"
        "\n\ndef order_paid(event: OrderEvent, client: ShopClient, settings: Any) -> None:\n"
        "    client.orders.get(event.order.id)\n"
    )
    report = check_plugin(locate(str(write(tmp_path, "undeclared", source))))
    assert [f.message for f in report.errors] == [
        "implements hooks the manifest does not declare: register_carriers "
        "(the host loads such a plugin as incompatible)"
    ]
    warnings = sorted(f.message for f in report.warnings)
    assert warnings[0].startswith("`order_paid` is named like a hook but not marked")
    assert warnings[1] == "declares hooks it does not implement: order_cancelled, order_paid"


def test_missing_and_extra_scopes(tmp_path: Path) -> None:
    source = manifest_source(
        scopes='[ScopeRequest(scope=Scope.logistics_write, reason="to add tracking events")]',
        hooks='["order_paid"]',
    ) + (
        "\n\n@hookimpl\ndef order_paid(event: OrderEvent, client: ShopClient, settings: Any)"
        " -> None:\n"
        "    order = client.orders.get(event.order.id)\n"
        "    client.products.set_stock(1, order.lines[0].quantity)\n"
        "    client.records.put('seen', str(order.id), {'to': order.recipient_name})\n"
    )
    path = write(tmp_path, "scopes_off", source)
    result = run("validate", str(path))
    assert exit_code(result) == 1
    out = result.output
    lines = path.read_text().splitlines()
    get = lines.index("    order = client.orders.get(event.order.id)") + 1
    assert (
        f"missing scope orders:pii: the plugin reads order .recipient_name (scopes_off.py:{get + 2})"
        in out
    )
    assert (
        "missing scope orders:read: the plugin implements order_paid; "
        f"calls client.orders.get() (scopes_off.py:{get})"
    ) in out
    assert (
        f"missing scope products:write: the plugin calls client.products.set_stock() (scopes_off.py:{get + 1})"
        in out
    )
    assert "extra scope logistics:write" in out
    assert "✗ 3 error(s), 1 warning(s)" in out


def test_an_extra_scope_alone_is_a_warning_unless_strict(tmp_path: Path) -> None:
    source = manifest_source(
        scopes='[ScopeRequest(scope=Scope.orders_read, reason="to read paid orders"), '
        'ScopeRequest(scope=Scope.shop_read, reason="to show the shop name")]'
    )
    path = write(tmp_path, "extra_scope", source + ORDER_PAID)
    out = assert_ok(run("validate", str(path)))
    assert "extra scope shop:read" in out
    assert exit_code(run("validate", str(path), "--strict")) == 1


def test_no_requires_tanzi_is_a_warning(tmp_path: Path) -> None:
    source = manifest_source(requires_tanzi='""') + ORDER_PAID
    report = check_plugin(locate(str(write(tmp_path, "any_tanzi", source))))
    assert report.errors == []
    assert [(f.severity, f.where) for f in report.warnings] == [
        (Severity.warning, "requires_tanzi")
    ]


def test_scope_tables_come_from_the_sdk_docs() -> None:
    assert hook_scopes()["order_paid"] == {"orders:read"}
    assert hook_scopes()["order_shipped"] == {"orders:read", "logistics:read"}
    assert hook_scopes()["installation_created"] == frozenset()
    assert hook_scopes()["register_carriers"] == frozenset()
    assert client_scopes()["aftersales"]["accept"] == "aftersales:write"
    assert client_scopes()["orders"]["get"] == "orders:read"
    assert client_scopes()["records"] == dict.fromkeys(
        ["put", "get", "list", "delete", "increment"]
    )


def test_the_scan_sees_nested_clients_and_ignores_other_calls() -> None:
    uses = scan_source(
        "def f(self, orders):\n"
        "    self.client.shop.get()\n"
        "    orders.get(1)\n"  # a plain variable, not a client namespace
        "    self.client.records.put('a', 'b', {})\n"
        "    x = {}.get('orders')\n",
        "m.py",
    )
    assert [(u.scope, u.where) for u in uses] == [("shop:read", "m.py:2")]


def test_paths_resolve_to_modules(tmp_path: Path) -> None:
    package = tmp_path / "proj" / "acme_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "hooks.py").write_text("")
    (tmp_path / "proj" / "pyproject.toml").write_text(
        '[project]\nname = "acme"\n[project.entry-points."tanzi.plugins"]\nacme = "acme_pkg.hooks"\n'
    )
    assert locate(str(tmp_path / "proj")).module_name == "acme_pkg.hooks"
    assert locate(str(package)).module_name == "acme_pkg"
    assert locate(str(package / "hooks.py")).module_name == "acme_pkg.hooks"
    assert locate(str(package / "hooks.py")).import_root == tmp_path / "proj"
    assert locate("plugins.shipping_insurance").module_name == "plugins.shipping_insurance"
    with pytest.raises(PluginNotFound):
        locate(str(tmp_path / "missing.py"))
    result = run("validate", str(tmp_path / "nothing here"))
    assert exit_code(result) == 2
    assert "neither a directory, a .py file nor a module name" in result.output


def test_importing_the_cli_imports_no_host_and_no_command_dependencies() -> None:
    code = (
        "import sys, sdk.cli\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'core', 'marketplace', 'fastapi', 'sqlmodel', 'sqlalchemy', 'jinja2', 'httpx'})\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
