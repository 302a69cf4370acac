"""The migration job: read an uploaded export, upsert its products in chunks, report.

``client.jobs.start("migrate", {"file_id": ..., "format": "shopify_csv"})`` (optionally
``"dry_run": true``) runs :func:`run_migration` in the worker. It reads the file as a
stream, matches each product's category onto Tanzi's tree with the merchant's mapping
(record collection ``category_map``: key = the path as written in the file, data
``{"category_id": n}``), upserts the products 500 at a time (each chunk committed with the
job's checkpoint, so a killed worker resumes without duplicates), reports every refused
row in the merchant's language, and queues the images of the products it created for the
``fetch_images`` job. The same file imported twice leaves everything ``unchanged``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import IO

from plugins.store_migration.categories import MAPPING, CategoryMatcher, chosen_categories
from plugins.store_migration.convert import to_import_row
from plugins.store_migration.drafts import ProductRow
from plugins.store_migration.images import queue_images
from plugins.store_migration.importers import BY_CODE, Format
from plugins.store_migration.messages import reason_text
from plugins.store_migration.reading import FileRefused
from sdk.client import ShopClient
from sdk.errors import InvalidRequest
from sdk.importing import ImportRow
from sdk.jobs import Chunk, JobContext, JobKind, run_chunked
from sdk.scopes import Scope

JOB = "migrate"
CHUNK = 500


def choose_category(client: ShopClient, path: str, category_id: int) -> None:
    """Keep the merchant's choice for a source category path (the mapping step)."""
    client.records.put(MAPPING, path.strip()[:200], {"category_id": int(category_id)})


def category_overview(
    stream: IO[bytes], fmt: Format, matcher: CategoryMatcher
) -> list[tuple[str, int | None, int]]:
    """Each distinct category of the file with where it goes (``None``: the merchant must
    choose) and how many products are in it, in first-seen order."""
    counts: Counter[str] = Counter()
    for product in fmt.rows(stream):
        if not product.partial:
            counts[product.category.strip()] += 1
    return [(path, matcher.match(path).category_id, n) for path, n in counts.items()]


def _base_price(client: ShopClient, product: ProductRow) -> int | None:
    if not product.partial:
        return None
    found = client.products.get_by_ref(product.handle)
    prices = [sku.price_fen for sku in found.skus if sku.price_fen is not None] if found else []
    return min(prices) if prices else None


def _import_chunk(
    ctx: JobContext, matcher: CategoryMatcher, batch: list[tuple[int, ProductRow]], chunk: Chunk
) -> None:
    rows: list[ImportRow] = []
    for _, product in batch:
        row = to_import_row(
            product,
            language=ctx.language,
            matcher=matcher,
            base_price_fen=_base_price(chunk.client, product),
        )
        if row.product is None:
            for refused in row.refused:
                chunk.refuse(
                    refused.row, column=refused.column, value=refused.value, reason=refused.reason
                )
        else:
            rows.append(row)
    if not rows:
        return
    items = [row.product for row in rows if row.product is not None]
    result = chunk.client.products.upsert_many(items, dry_run=bool(ctx.params.get("dry_run")))
    chunk.count_results(result, [row.row for row in rows])
    if not result.dry_run:
        queue_images(chunk.client, rows, result.items)


def products_of(ctx: JobContext, stream: IO[bytes]) -> Iterator[ProductRow]:
    """The products of the job's file in its format."""
    fmt = BY_CODE.get(str(ctx.params.get("format")))
    if fmt is None:
        raise InvalidRequest(f"Unknown import format {ctx.params.get('format')!r}.")
    return fmt.rows(stream)


def run_migration(ctx: JobContext) -> None:
    """The ``migrate`` job (see the module's docstring)."""
    matcher = CategoryMatcher(ctx.client.categories.list(), chosen_categories(ctx.client))
    with ctx.client.files.open(int(ctx.params["file_id"])) as stream:
        try:
            run_chunked(
                ctx,
                products_of(ctx, stream),
                lambda chunk, batch: _import_chunk(ctx, matcher, batch, chunk),
                size=int(ctx.params.get("chunk", CHUNK)),
            )
        except FileRefused as exc:
            with ctx.chunk(ctx.position) as chunk:
                chunk.refuse(
                    0,
                    column="",
                    value=exc.detail[:200],
                    reason=reason_text(exc.reason, ctx.language),
                )


def migrate_job_kind() -> JobKind:
    """The job kind that imports an export file."""
    return JobKind(
        code=JOB, name="Import products", run=run_migration, scope=Scope.products_write.value
    )
