"""A test plugin for the merchant console: an orders action that "prints" a label per order
(stored in its own records), a products action, and pages of every kind (text with markup
in it, plugin HTML with scripts in it, JSON, and pages needing scopes).

``DELAY_S`` slows each row down, so a browser can watch the progress bar move.
"""

from __future__ import annotations

import time
from typing import Any

from sdk import (
    ActionField,
    MerchantAction,
    PageForm,
    PluginManifest,
    PluginRoute,
    ResultFile,
    SafeHtml,
    ScopeRequest,
    ShopClient,
    hookimpl,
)

#: Seconds each row of an action takes.
DELAY_S = 0.0

manifest = PluginManifest(
    id="label_printer",
    name="Label Printer",
    version="1.0.0",
    scopes=[
        ScopeRequest(scope="orders:read", reason="to print the orders' labels"),
        ScopeRequest(scope="orders:pii", reason="to put the recipient on the label"),
        ScopeRequest(scope="products:read", reason="to count stock"),
        ScopeRequest(scope="members:read", reason="to sign labels"),
    ],
    hooks=["register_merchant_actions", "register_routes"],
    requires_tanzi=">=0.1",
)


def print_label(item_id: int, client: ShopClient, settings: Any) -> str:
    """One order's label; a cancelled order has none (the row fails)."""
    time.sleep(DELAY_S)
    order = client.orders.get(item_id)
    if order.status == "cancelled":
        raise ValueError(f"order {item_id} is cancelled: no label")
    client.records.put("labels", str(item_id), {"recipient": order.recipient_name or ""})
    return f"label for {order.recipient_name or 'the buyer'}, {len(order.lines)} line(s)"


def count_stock(item_id: int, client: ShopClient, settings: Any) -> str:
    product = client.products.get(item_id)
    return f"{sum(s.stock or 0 for s in product.skus)} in stock"


def label_sheet(item_ids: list[int], client: ShopClient, settings: Any) -> ResultFile:
    """One CSV for the whole selection: a line per order; a cancelled order stops the run."""
    lines = ["order,recipient,lines"]
    for item_id in item_ids:
        order = client.orders.get(item_id)
        if order.status == "cancelled":
            raise ValueError(f"order {item_id} is cancelled: no label")
        lines.append(f"{order.id},{order.recipient_name or ''},{len(order.lines)}")
    return ResultFile(
        filename="labels.csv",
        content_type="text/csv",
        data=("\n".join(lines) + "\n").encode(),
        message=f"{len(item_ids)} label(s) on one sheet",
    )


@hookimpl
def register_merchant_actions() -> list[MerchantAction]:
    return [
        MerchantAction(
            code="print_labels",
            label="Print labels for the selected orders",
            area="orders",
            scope="orders:read",
            run=print_label,
        ),
        MerchantAction(
            code="count_stock",
            label="Count stock",
            area="products",
            scope="products:read",
            run=count_stock,
        ),
        MerchantAction(
            code="label_sheet",
            label="One label sheet for the selection",
            area="orders",
            scope="orders:read",
            run_all=label_sheet,
        ),
        MerchantAction(code="help", label="Label help", url="/apps/label_printer/help"),
        MerchantAction(code="sign", label="Sign labels", scope="members:write", run=print_label),
    ]


def home(client: ShopClient) -> str:
    labels = client.records.list("labels")
    return f"<script>alert('x')</script> {len(labels)} label(s) printed"


def rich(params: dict[str, str]) -> SafeHtml:
    who = params.get("who", "")
    return SafeHtml(
        html=(
            f"<h2>Labels</h2><p>Hello <b>{who}</b></p>"
            '<script>alert("x")</script>'
            '<a href="javascript:alert(1)" onclick="steal()">bad link</a>'
            '<img src="x" onerror="alert(1)">'
            '<a href="https://example.com/help">help</a>'
        )
    )


def label(path_params: dict[str, Any], client: ShopClient) -> dict[str, Any]:
    order = client.orders.get(path_params["order_id"])
    return {"order_id": order.id, "recipient": order.recipient_name}


def stock(client: ShopClient) -> str:
    return f"{len(client.products.list())} product(s)"


SHEET_FORM = PageForm(
    path="/upload",
    label="Count the lines",
    fields=(
        ActionField(name="note", label="Note", required=True),
        ActionField(name="sheet", label="Sheet", kind="file", required=True),
    ),
)


def upload(method: str, params: dict[str, str], client: ShopClient) -> Any:
    """A form taking a sheet; posting it answers a file that counts the sheet's lines."""
    if params.get("as") == "html":
        return ResultFile(filename="x.html", content_type="text/html", data=b"<script>")
    if method == "GET" or not params.get("sheet"):
        intro = "Send a sheet of order numbers." if method == "GET" else "Choose a sheet."
        return SafeHtml(html=f"<p>{intro}</p>", forms=(SHEET_FORM,))
    with client.files.open(int(params["sheet"])) as sheet:
        count = len(sheet.read().decode().splitlines())
    return ResultFile(
        filename="report for the sheet.csv",
        content_type="text/csv",
        data=f"note,lines\n{params.get('note', '')},{count}\n".encode(),
    )


def broken() -> str:
    raise RuntimeError("the plugin's page broke")


@hookimpl
def register_routes() -> list[PluginRoute]:
    return [
        PluginRoute(path="/", endpoint=home, title="Labels", scope="orders:read"),
        PluginRoute(path="/rich", endpoint=rich, methods=("GET", "POST")),
        PluginRoute(path="/labels/{order_id:int}", endpoint=label, scope="orders:read"),
        PluginRoute(path="/stock", endpoint=stock, scope="products:read"),
        PluginRoute(path="/members", endpoint=stock, scope="members:write"),
        PluginRoute(path="/broken", endpoint=broken),
        PluginRoute(path="/upload", endpoint=upload, methods=("GET", "POST"), scope="orders:read"),
    ]
