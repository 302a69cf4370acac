"""Label printing (批量打单): shipping labels, pick lists and packing slips for a selection.

Rendering is pure (``plugins.label_printing.pdf``, ``.zpl``, ``.sheets``): 100x150 mm PDF
labels with the waybill as Code 128 and QR, ZPL for 4x6 in thermal printers, A4 pick lists
(拣货单, items summed across the selection) and packing slips (发货单). The plugin imports
only ``sdk`` and its own extra (reportlab), like any third party's.

On the console's orders list it adds "Print shipping labels" (the resumable
``print_labels`` job, :mod:`plugins.label_printing.printing_job`) and the A4 pick list and
packing slips (:mod:`plugins.label_printing.actions`).
"""

from __future__ import annotations

from plugins.label_printing.actions import merchant_actions
from plugins.label_printing.model import Item, Label, Party
from plugins.label_printing.printing_job import JOB_KINDS
from sdk import MerchantAction, PluginManifest, ScopeRequest, hookimpl
from sdk.jobs import JobKind
from sdk.scopes import Scope

manifest = PluginManifest(
    id="label_printing",
    name="Label printing (批量打单)",
    version="0.1.0",
    category="logistics",
    description=(
        "Prints shipping labels for many orders at once on a bound carrier account: one "
        "PDF or ZPL file, a pick list and packing slips; optionally marks them shipped."
    ),
    scopes=[
        ScopeRequest(scope=Scope.orders_read, reason="to read the orders' items"),
        ScopeRequest(
            scope=Scope.orders_pii, reason="to print each buyer's name, phone and address"
        ),
        ScopeRequest(scope=Scope.logistics_read, reason="to find your bound carrier accounts"),
        ScopeRequest(
            scope=Scope.logistics_write,
            reason="to fetch waybill numbers and mark printed orders shipped",
        ),
        ScopeRequest(
            scope=Scope.products_write,
            reason="to keep the label file for you to download (the host files results under it)",
        ),
    ],
    hooks=["register_merchant_actions", "register_job_kinds"],
    requires_tanzi=">=0.1",
)


@hookimpl
def register_merchant_actions() -> list[MerchantAction]:
    """Print labels, the pick list and packing slips for the selected orders."""
    return merchant_actions()


@hookimpl
def register_job_kinds() -> list[JobKind]:
    """The resumable label-printing job."""
    return list(JOB_KINDS)


__all__ = ["Item", "Label", "Party", "manifest", "register_job_kinds", "register_merchant_actions"]
