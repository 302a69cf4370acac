"""Store migration in the SDK's sandbox, as a provider would test it: it installs in the
demo shop with exactly the scopes it asks for and its default settings, and its
importers and job kinds are what the host collects."""

from __future__ import annotations

import pytest

import plugins.store_migration as plugin
from sdk.pytest_plugin import SandboxShop, TanziSandbox


@pytest.fixture
def tanzi_plugin_module() -> str:
    return "plugins.store_migration"


def test_installs_with_its_scopes_and_safe_defaults(
    sandbox_shop: SandboxShop, tanzi_sandbox: TanziSandbox
) -> None:
    assert sandbox_shop.plugin_id == "store_migration"
    assert sandbox_shop.granted_scopes == {"products:read", "products:write"}
    assert sandbox_shop.settings == {
        "fetch_images": True,
        "image_base_url": "",
        "allow_private_image_hosts": False,  # private addresses stay refused by default
    }
    # the demo shop's products are what an import keys against
    assert tanzi_sandbox.client().products.list(limit=5)


def test_registers_every_format_and_its_jobs() -> None:
    codes = [importer.code for importer in plugin.register_importers()]
    assert codes == [
        "shopify_csv", "woocommerce_csv", "magento2_csv", "prestashop_products_csv",
        "prestashop_combinations_csv", "tanzi_csv", "tanzi_xlsx",
    ]  # fmt: skip
    assert all(i.parse and i.detect and i.on_imported for i in plugin.register_importers())
    assert [kind.code for kind in plugin.register_job_kinds()] == [
        "migrate",
        "fetch_images",
        "template",
    ]
