"""Batch product management (商品批量管理): export the catalog to a spreadsheet, re-import it
with a diff preview, undo a batch within a day, and bulk actions on selected products.

- **Export** (job ``export``): the catalog or a filtered part, one row per SKU, to XLSX or
  CSV, streamed into a result file; text that would start a formula is neutralized.
- **Re-import** (job ``preview``, then ``apply``): the edited sheet is compared with the
  shop; only changed products and fields are kept, before -> after, as a batch; bad rows
  are refused with their row, column, value and reason in the merchant's language.
- **Undo** (job ``undo``): within a day, every field still at its batch value goes back.
- **Bulk actions** on the products list: change prices by rule, change stock, list,
  delist, move category, delete; each row's before-values kept so the run can be undone.

The plugin imports only ``sdk`` (and openpyxl, to read workbooks back).
"""

from __future__ import annotations

from plugins.batch_products.actions import merchant_actions
from plugins.batch_products.jobs import JOB_KINDS
from plugins.batch_products.pages import routes
from sdk import MerchantAction, PluginManifest, PluginRoute, ScopeRequest, hookimpl
from sdk.jobs import JobKind
from sdk.scopes import Scope

manifest = PluginManifest(
    id="batch_products",
    name="Batch product management (商品批量管理)",
    version="1.0.0",
    category="products",
    description=(
        "Export your catalog to Excel, edit it, and re-import it with a preview of exactly "
        "what changes; bulk price, stock, listing and category changes on selected "
        "products; undo a whole batch within a day."
    ),
    scopes=[
        ScopeRequest(
            scope=Scope.shop_read,
            reason="to give you download links to the exported sheets and the reports",
        ),
        ScopeRequest(
            scope=Scope.products_read,
            reason="to export your products and compare an edited sheet with them",
        ),
        ScopeRequest(
            scope=Scope.products_write,
            reason="to apply the prices, stock, status and categories you changed, and undo them",
        ),
    ],
    hooks=["register_merchant_actions", "register_job_kinds", "register_routes"],
    requires_tanzi=">=0.1",
)


@hookimpl
def register_merchant_actions() -> list[MerchantAction]:
    """Bulk actions on the products the merchant selects."""
    return merchant_actions()


@hookimpl
def register_job_kinds() -> list[JobKind]:
    """Export, preview, apply and undo."""
    return list(JOB_KINDS)


@hookimpl
def register_routes() -> list[PluginRoute]:
    """The batches pages."""
    return routes()
