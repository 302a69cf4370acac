"""The diff preview: what an edited sheet would change, field by field, before -> after.

The shop's current catalog is read once into a compact index; the sheet's rows are then
compared with it one at a time. Only products and fields that differ are listed. A row with
a bad cell (not a price, an unknown SKU, a formula...) is refused whole, with its row number,
column, value and reason, and changes nothing; every good row still counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from plugins.batch_products.reading import SheetRow
from plugins.batch_products.sheet import fen_from_cell, int_from_cell
from sdk.models import Product

#: Product fields the sheet edits, and SKU fields.
PRODUCT_FIELDS = ("title", "status", "category_id")
SKU_FIELDS = ("price", "stock")
#: What the status column accepts (either language) for each status a merchant may set.
STATUS_WORDS: dict[str, str] = {
    "listed": "listed",
    "上架": "listed",
    "在售": "listed",
    "delisted": "delisted",
    "下架": "delisted",
    "draft": "draft",
    "草稿": "draft",
}
TITLE_MAX = 120


@dataclass(frozen=True)
class Current:
    """What the diff needs of one product as it is now."""

    title: str
    status: str
    category_id: int | None
    skus: dict[int, tuple[int | None, int | None]]  # sku id -> (price fen, stock)

    @classmethod
    def of(cls, product: Product) -> Current:
        """The compact form of ``product``."""
        return cls(
            title=product.title or "",
            status=product.status or "",
            category_id=product.category_id,
            skus={s.id: (s.price_fen, s.stock) for s in product.skus},
        )

    def value(self, name: str, sku_id: int | None) -> Any:
        """The current value of field ``name`` (of SKU ``sku_id`` for a SKU field)."""
        if sku_id is None:
            return getattr(self, name)
        price, stock = self.skus[sku_id]
        return price if name == "price" else stock


@dataclass(frozen=True)
class Change:
    """One field of one product (or of one of its SKUs) going from ``before`` to ``after``.
    Prices are in fen."""

    product_id: int
    field: str
    before: Any
    after: Any
    sku_id: int | None = None
    row: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        """A change saved by :meth:`to_dict`."""
        return cls(
            product_id=int(data["product_id"]),
            field=str(data["field"]),
            before=data.get("before"),
            after=data.get("after"),
            sku_id=None if data.get("sku_id") is None else int(data["sku_id"]),
            row=int(data.get("row") or 0),
        )


@dataclass(frozen=True)
class Refusal:
    """A refused row: its number, the column and value at fault, and a reason code
    (see :mod:`plugins.batch_products.messages`)."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class Diff:
    """The changes an edited sheet makes, grouped by product, and the rows it refuses."""

    changes: dict[int, list[Change]] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)

    @property
    def counts(self) -> dict[str, int]:
        """Products the sheet would update or leave unchanged, and those with refused rows
        (nothing is created by a batch edit)."""
        updated = len(self.changes)
        return {
            "created": 0,
            "updated": updated,
            "unchanged": len(self.seen - set(self.changes) - self.failed),
            "failed": len(self.failed - set(self.changes)),
        }

    def all_changes(self) -> Iterator[Change]:
        """Every change, product by product in id order."""
        for product_id in sorted(self.changes):
            yield from self.changes[product_id]


class _Refused(Exception):
    def __init__(self, column: str, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.refusal = (column, "" if value is None else str(value), reason)


def index_catalog(products: Iterable[Product]) -> dict[int, Current]:
    """The compact index of the shop's products the diff compares with."""
    return {p.id: Current.of(p) for p in products}


def _wanted(name: str, raw: Any, now: Current) -> Any:
    """The value the cell ``name`` asks for, or :class:`_Refused`."""
    try:
        if name == "price":
            return fen_from_cell(raw)
        if name == "stock":
            stock = int_from_cell(raw)
            if stock < 0:
                raise ValueError("negative")
            return stock
        if name == "category_id":
            return int_from_cell(raw)
    except ValueError as exc:
        raise _Refused(name, raw, str(exc)) from exc
    if name == "status":
        status = STATUS_WORDS.get(str(raw).strip().casefold())
        if status is None:
            raise _Refused(name, raw, "unknown_status")
        if status == "draft" and now.status != "draft":
            raise _Refused(name, raw, "cannot_draft")
        return status
    title = str(raw).strip()
    if len(title) > TITLE_MAX:
        raise _Refused(name, raw, "title_too_long")
    return title


def _row_changes(row: SheetRow, catalog: dict[int, Current]) -> tuple[int, list[Change]]:
    cells = row.cells
    if row.formulas:
        key = sorted(row.formulas)[0]
        raise _Refused(key, cells.get(key), "formula")
    try:
        product_id = int_from_cell(cells.get("product_id", ""))
    except ValueError as exc:
        raise _Refused("product_id", cells.get("product_id"), "unknown_product") from exc
    now = catalog.get(product_id)
    if now is None:
        raise _Refused("product_id", product_id, "unknown_product")
    try:
        sku_id = int_from_cell(cells.get("sku_id", ""))
    except ValueError as exc:
        raise _Refused("sku_id", cells.get("sku_id"), "unknown_sku") from exc
    if sku_id not in now.skus:
        raise _Refused("sku_id", sku_id, "unknown_sku")
    found: list[Change] = []
    for name in (*PRODUCT_FIELDS, *SKU_FIELDS):
        raw = cells.get(name)
        if raw is None or raw == "":
            continue
        on_sku = sku_id if name in SKU_FIELDS else None
        after = _wanted(name, raw, now)
        before = now.value(name, on_sku)
        if after != before:
            found.append(Change(product_id, name, before, after, on_sku, row.number))
    return product_id, found


def diff_sheet(rows: Iterable[SheetRow], catalog: dict[int, Current]) -> Diff:
    """Compare the sheet's ``rows`` with ``catalog``: the changes and the refused rows."""
    diff = Diff()
    for row in rows:
        try:
            product_id, found = _row_changes(row, catalog)
        except _Refused as refused:
            column, value, reason = refused.refusal
            diff.refused.append(Refusal(row.number, column, value, reason))
            pid = row.cells.get("product_id")
            if isinstance(pid, int) or (isinstance(pid, str) and pid.isdigit()):
                diff.failed.add(int(pid))
            continue
        diff.seen.add(product_id)
        if not found:
            continue
        listed = diff.changes.setdefault(product_id, [])
        conflict = _conflict(listed, found)
        if conflict is not None:
            diff.refused.append(
                Refusal(row.number, conflict.field, str(conflict.after), "conflict")
            )
            continue
        known = {(c.field, c.sku_id) for c in listed}
        listed.extend(c for c in found if (c.field, c.sku_id) not in known)
    return diff


def _conflict(listed: list[Change], found: list[Change]) -> Change | None:
    """A product field that an earlier row of the same product set to another value."""
    earlier = {(c.field, c.sku_id): c.after for c in listed}
    for change in found:
        key = (change.field, change.sku_id)
        if key in earlier and earlier[key] != change.after:
            return change
    return None
