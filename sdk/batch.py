"""Product batch writes: what a plugin sends to ``client.products.upsert_many`` and what
comes back, one result per item.

An item is keyed by the shop's own identifiers: the product's ``external_ref`` (or its
Tanzi ``id``), and each SKU's ``code`` within the product. A field left ``None`` keeps
what the shop has (a new product takes the default); SKUs the item does not name are left
as they are. Each item succeeds or fails alone: a failed item changes nothing and says why,
with a field path inside the item (``skus[0].price_fen``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sdk.models import Problem, Snapshot

#: The most items one ``upsert_many`` call (and one REST batch request) takes.
MAX_BATCH = 1000

#: What happened to one item.
ItemStatus = Literal["created", "updated", "unchanged", "failed"]

#: The statuses a product may be given in a batch.
ProductStatusName = Literal["draft", "listed", "delisted"]


class SkuInput(Snapshot):
    """One SKU of a batch item, found by ``code`` within its product."""

    code: str = Field(min_length=1, max_length=64)
    options: dict[str, str] | None = None
    price_fen: int | None = None
    compare_at_fen: int | None = None
    stock: int | None = None
    barcode: str | None = None


class ProductInput(Snapshot):
    """One product of a batch: created when its key is new, else changed where it differs.

    ``external_ref`` (the merchant's own id, 1 to 120 characters) or ``id`` finds the
    product; at least one is required. A new product needs ``title``, ``category_id`` and
    at least one SKU with a ``price_fen``. ``images`` are stored file ids (see
    ``client.files.put_image``) in order, the first the main image; ``None`` keeps the
    product's images, ``[]`` removes them.
    """

    external_ref: str | None = None
    id: int | None = None
    title: str | None = None
    description: str | None = None
    category_id: int | None = None
    condition: Literal["new", "second_hand"] | None = None
    status: ProductStatusName | None = None
    weight_g: int | None = None
    skus: list[SkuInput] = Field(default_factory=list)
    images: list[int] | None = None


class ItemResult(Snapshot):
    """The outcome of one batch item, at its ``index`` in the request.

    ``problems`` explain a ``failed`` item, each with a field path inside the item.
    ``changed`` names the fields an ``updated`` item changed (``title``,
    ``skus[BLUE-L].price_fen``...).
    """

    index: int
    status: ItemStatus
    external_ref: str | None = None
    product_id: int | None = None
    problems: list[Problem] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)


class BatchResult(Snapshot):
    """Every item's outcome, in request order, with the counts per status."""

    items: list[ItemResult] = Field(default_factory=list)
    dry_run: bool = False

    @property
    def counts(self) -> dict[str, int]:
        """How many items were ``created``, ``updated``, ``unchanged`` and ``failed``."""
        out = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        for item in self.items:
            out[item.status] += 1
        return out


#: Limits an item must respect (the kernel's columns).
MAX_TITLE = 120
MAX_DESCRIPTION = 20000
MAX_STOCK = 10_000_000
MAX_PRICE_FEN = 10**10
MAX_BARCODE = 64
MAX_REF = 120
MAX_WEIGHT_G = 1_000_000


def _problem(field: str, message: str, code: str) -> Problem:
    return Problem(field=field, message=message, code=code)


def item_problems(item: ProductInput, *, is_new: bool, known_codes: set[str]) -> list[Problem]:
    """What is wrong with ``item`` on its own (shop rules such as categories aside), with
    field paths inside the item. ``known_codes`` are the SKU codes the product already has.
    The kernel, the HTTP API and the SDK's fake shop all judge items with this function."""
    problems: list[Problem] = []
    if item.external_ref is None and item.id is None:
        problems.append(
            _problem("external_ref", "Give the product's external_ref or id.", "missing_key")
        )
    if item.external_ref is not None and not 1 <= len(item.external_ref) <= MAX_REF:
        problems.append(
            _problem("external_ref", f"1 to {MAX_REF} characters.", "invalid_external_ref")
        )
    if is_new:
        if not item.title:
            problems.append(_problem("title", "A new product needs a title.", "missing_title"))
        if item.category_id is None:
            problems.append(
                _problem("category_id", "A new product needs a category.", "missing_category")
            )
        if not item.skus:
            problems.append(_problem("skus", "A new product needs a SKU.", "missing_skus"))
    if item.title is not None and not 1 <= len(item.title) <= MAX_TITLE:
        problems.append(_problem("title", f"1 to {MAX_TITLE} characters.", "invalid_title"))
    if item.description is not None and len(item.description) > MAX_DESCRIPTION:
        problems.append(
            _problem("description", f"At most {MAX_DESCRIPTION} characters.", "too_long")
        )
    if item.weight_g is not None and not 0 <= item.weight_g <= MAX_WEIGHT_G:
        problems.append(_problem("weight_g", f"0 to {MAX_WEIGHT_G} grams.", "invalid_weight"))
    seen: set[str] = set()
    for i, sku in enumerate(item.skus):
        where = f"skus[{i}]"
        if sku.code in seen:
            problems.append(
                _problem(
                    f"{where}.code", f"SKU code '{sku.code}' appears twice.", "duplicate_sku_code"
                )
            )
        seen.add(sku.code)
        if sku.price_fen is None and sku.code not in known_codes:
            problems.append(
                _problem(f"{where}.price_fen", "A new SKU needs a price.", "missing_price")
            )
        for name in ("price_fen", "compare_at_fen"):
            value = getattr(sku, name)
            if value is not None and not 0 <= value <= MAX_PRICE_FEN:
                problems.append(
                    _problem(f"{where}.{name}", "A price is 0 or more fen.", "invalid_price")
                )
        if sku.stock is not None and not 0 <= sku.stock <= MAX_STOCK:
            problems.append(
                _problem(f"{where}.stock", f"Stock is 0 to {MAX_STOCK}.", "invalid_stock")
            )
        if sku.barcode is not None and len(sku.barcode) > MAX_BARCODE:
            problems.append(
                _problem(f"{where}.barcode", f"At most {MAX_BARCODE} characters.", "too_long")
            )
    return problems


def item_key(item: ProductInput) -> str:
    """The key that finds ``item``'s product: ``id:<n>`` or ``ref:<external_ref>``."""
    return f"id:{item.id}" if item.id is not None else f"ref:{item.external_ref}"
