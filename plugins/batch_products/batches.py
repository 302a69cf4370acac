"""Batches: a set of changes kept with their before-values, applied, and undone within a day.

A batch is the diff of a re-imported sheet or the rows of one bulk action. It lives in the
installation's records: ``batches/<id>`` holds its state and counts, ``batch_changes/<id>/<n>``
its changes in parts small enough for a record. Each change keeps ``before`` and ``after``
and, once tried, whether it was ``done`` or why not. Undo puts back ``before`` wherever the
value is still ``after``; a field changed again since is left alone and reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from plugins.batch_products.diff import Change
from sdk.batch import ProductInput
from sdk.client import ShopClient
from sdk.errors import ClientError, ResourceNotFound

BATCHES = "batches"
CHANGES = "batch_changes"
#: How long after applying a batch it may be undone.
UNDO_WINDOW = timedelta(days=1)
#: The JSON size a part of a batch's changes stays under (a record holds 64 KiB).
PART_BYTES = 40_000


def now_utc() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def part_key(batch: str, part: int) -> str:
    """The record key of part ``part`` of batch ``batch``."""
    return f"{batch}/{part:06d}"


def save_batch(
    client: ShopClient,
    batch: str,
    changes: Iterable[Change],
    *,
    kind: str,
    label: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Keep ``changes`` as batch ``batch`` (``previewed``, not applied); its header."""
    part, size, parts, total = 0, 0, 0, 0
    items: list[dict[str, Any]] = []
    for change in changes:
        item = change.to_dict()
        weight = len(json.dumps(item, ensure_ascii=False).encode())
        if items and size + weight > PART_BYTES:
            client.records.put(CHANGES, part_key(batch, part), {"changes": items})
            part, size, items = part + 1, 0, []
        items.append(item)
        size += weight
        total += 1
    if items:
        client.records.put(CHANGES, part_key(batch, part), {"changes": items})
        parts = part + 1
    header = {
        "kind": kind,
        "label": label,
        "status": "previewed",
        "created_at": now_utc().isoformat(),
        "parts": parts,
        "changes": total,
        **(extra or {}),
    }
    client.records.put(BATCHES, batch, header)
    return header


def batch_parts(client: ShopClient, batch: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each part of the batch's changes: its record key and its change dicts."""
    after: str | None = f"{batch}/"
    while True:
        page = client.records.list(CHANGES, limit=200, after_key=after)
        for record in page:
            if not record.key.startswith(f"{batch}/"):
                return
            yield record.key, list(record.data.get("changes", []))
        if len(page) < 200:
            return
        after = page[-1].key


def current_value(client: ShopClient, change: Change) -> Any:
    """The value the shop has now for the change's field (``None`` when the product or
    SKU is gone)."""
    try:
        product = client.products.get(change.product_id)
    except ResourceNotFound:
        return None
    if change.field == "deleted":
        return False
    if change.sku_id is None:
        return getattr(product, change.field, None)
    sku = next((s for s in product.skus if s.id == change.sku_id), None)
    if sku is None:
        return None
    return sku.price_fen if change.field == "price" else sku.stock


def write_value(client: ShopClient, change: Change, value: Any) -> None:
    """Set the change's field to ``value`` through the client (raises its errors)."""
    products = client.products
    if change.field == "price":
        products.set_price(int(change.sku_id or 0), int(value))
    elif change.field == "stock":
        products.set_stock(int(change.sku_id or 0), int(value))
    elif change.field == "status":
        products.set_status(change.product_id, value)
    elif change.field == "category_id":
        products.set_category(change.product_id, int(value))
    elif change.field == "title":
        result = products.upsert_many([ProductInput(id=change.product_id, title=str(value))])
        failed = [i for i in result.items if i.status == "failed"]
        if failed:
            problems = failed[0].problems
            raise ClientError(problems[0].message if problems else "refused")
    elif change.field == "deleted":
        if value:
            products.delete(change.product_id)
        else:
            raise ClientError("cannot_undo_delete")
    else:
        raise ValueError(f"unknown field {change.field!r}")


def error_reason(exc: Exception) -> str:
    """A client error as a short reason (its code when it has one)."""
    code = getattr(exc, "code", None)
    return str(code) if code and code != "invalid_request" else (str(exc) or type(exc).__name__)


def header(client: ShopClient, batch: str) -> dict[str, Any] | None:
    """The batch's header, or ``None``."""
    record = client.records.get(BATCHES, batch)
    return dict(record.data) if record is not None else None


def mark(client: ShopClient, batch: str, **fields: Any) -> dict[str, Any]:
    """Update the batch's header with ``fields``; the new header."""
    data = {**(header(client, batch) or {}), **fields}
    client.records.put(BATCHES, batch, data)
    return data


def undo_refusal(data: dict[str, Any], now: datetime) -> str | None:
    """Why the batch cannot be undone now (a reason code), or ``None``."""
    if data.get("status") != "applied":
        return "not_applied"
    applied = datetime.fromisoformat(str(data.get("applied_at")))
    if now - applied > UNDO_WINDOW:
        return "expired"
    return None
