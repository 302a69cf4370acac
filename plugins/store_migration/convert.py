"""A parsed :class:`~.drafts.ProductRow` as the host's :class:`~sdk.importing.ImportRow`.

A refused product becomes an import row with no product and its problems in the
merchant's language; a good one becomes a :class:`~sdk.batch.ProductInput` keyed by its
handle, its category matched onto Tanzi's tree (an unmatched one is refused until the
merchant maps it). Image URLs travel in ``extra`` for the background download.
"""

from __future__ import annotations

from plugins.store_migration.categories import CategoryMatcher
from plugins.store_migration.drafts import ProductRow
from plugins.store_migration.messages import reason_text
from sdk.batch import ProductInput, SkuInput
from sdk.importing import ImportRow
from sdk.jobs import RefusedRow


def refused(product: ProductRow, language: str) -> ImportRow:
    """An import row that only reports ``product``'s problems."""
    return ImportRow(
        row=product.row,
        refused=[
            RefusedRow(
                row=problem.row,
                column=problem.column,
                value=problem.value[:200],
                reason=reason_text(problem.reason, language),
            )
            for problem in product.problems
        ],
        extra={"handle": product.handle, "reasons": [p.reason for p in product.problems]},
    )


def _price(sku_price: int | None, impact: int | None, base_fen: int | None) -> int | None:
    if impact is not None and base_fen is not None:
        return max(0, base_fen + impact)
    return sku_price


def to_import_row(
    product: ProductRow,
    *,
    language: str = "en",
    matcher: CategoryMatcher | None = None,
    base_price_fen: int | None = None,
) -> ImportRow:
    """The import row for ``product``.

    :param matcher: places the category; without one the category is left to the host
        (kept on update, missing on create).
    :param base_price_fen: the product's price that a PrestaShop combination's impact is
        added to.
    """
    category_id: int | None = None
    if matcher is not None and not product.partial and product.ok:
        match = matcher.match(product.category)
        if match.category_id is None:
            product.refuse(product.row, "category", product.category, "category_unmapped")
        category_id = match.category_id
    if not product.ok:
        return refused(product, language)
    weights = [sku.weight_g for sku in product.skus if sku.weight_g is not None]
    skus = [
        SkuInput(
            code=sku.code,
            options=sku.options,
            price_fen=_price(sku.price_fen, sku.price_impact_fen, base_price_fen),
            compare_at_fen=sku.compare_at_fen,
            stock=sku.stock,
            barcode=sku.barcode,
        )
        for sku in product.skus
    ]
    item = ProductInput(
        external_ref=product.handle,
        skus=skus,
        **(
            {}
            if product.partial
            else {
                "title": product.title,
                "description": product.description,
                "category_id": category_id,
                "status": product.status,
                "weight_g": weights[0] if weights else None,
            }
        ),
    )
    images = list(product.images) + [
        sku.image_url
        for sku in product.skus
        if sku.image_url and sku.image_url not in product.images
    ]
    return ImportRow(
        row=product.row,
        product=item,
        extra={"images": images, "category": product.category},
    )
