"""Store migration (一键搬家): move a whole store's products here from another platform.

The service registers an importer per export format (Shopify, WooCommerce, Magento 2,
PrestaShop's products and combinations files, and Tanzi's own CSV/XLSX template). Each
importer's ``parse`` reads the uploaded file as a stream and yields one
:class:`~plugins.store_migration.drafts.ProductRow` at a time, with the problems that make
the host report and skip it. Images are fetched in the background with size, type and time
limits (:mod:`.images`); categories are matched onto Tanzi's tree, with a mapping step for
the rest (:mod:`.categories`). The plugin imports only ``sdk`` and its own dependencies.
"""

from __future__ import annotations

from plugins.store_migration.images import image_job_kind
from plugins.store_migration.importers import FORMATS
from plugins.store_migration.migrate import migrate_job_kind
from plugins.store_migration.routes import plugin_routes, template_job_kind
from plugins.store_migration.settings import MigrationSettings
from sdk import PluginManifest, ScopeRequest, hookimpl
from sdk.jobs import JobKind
from sdk.models import Importer, PluginRoute
from sdk.scopes import Scope

manifest = PluginManifest(
    id="store_migration",
    name="Store migration (一键搬家)",
    version="1.0.0",
    category="products",
    description=(
        "Moves your products, SKUs, prices, stock, images and categories here in one go "
        "from a Shopify, WooCommerce, Magento 2 or PrestaShop export, or from Tanzi's "
        "own spreadsheet template."
    ),
    scopes=[
        ScopeRequest(
            scope=Scope.products_read,
            reason="to find the products an earlier import created, so nothing is doubled",
        ),
        ScopeRequest(
            scope=Scope.products_write,
            reason="to create and update the products, SKUs and images in your file",
        ),
    ],
    hooks=["register_importers", "register_job_kinds", "register_routes"],
    settings=MigrationSettings,
    requires_tanzi=">=0.1",
)


@hookimpl
def register_importers() -> list[Importer]:
    """The export formats this service reads."""
    return [fmt.importer() for fmt in FORMATS]


@hookimpl
def register_job_kinds() -> list[JobKind]:
    """The import job (``migrate``), the background image download (``fetch_images``) and
    the template download (``template``)."""
    return [migrate_job_kind(), image_job_kind(), template_job_kind()]


@hookimpl
def register_routes() -> list[PluginRoute]:
    """The template download, the category mapping step and starting an import."""
    return plugin_routes()
