"""A test plugin with a tiny import format (``ref;title;price``) and a chunked job that
imports such a file through the client, for the host's import page and resumable jobs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from sdk import Importer, PluginManifest, ScopeRequest, hookimpl
from sdk.batch import ProductInput, SkuInput
from sdk.importing import Detection, ImportOptions, ImportRow, guess_encoding
from sdk.jobs import Chunk, JobContext, JobKind, RefusedRow, run_chunked

#: Set by tests: the job raises this after that many chunks (a worker killed mid-job).
KILL_AFTER: dict[str, int] = {}
HEADER = ["ref", "title", "price"]
#: what a column may be mapped to (``category``: a category id, optional)
FIELDS = [*HEADER, "category"]

manifest = PluginManifest(
    id="tiny_import",
    name="Tiny import",
    version="1.0.0",
    scopes=[
        ScopeRequest(scope="products:read", reason="to compare with the catalog"),
        ScopeRequest(scope="products:write", reason="to import products"),
    ],
    hooks=["register_importers", "register_job_kinds"],
    requires_tanzi=">=0.1",
)


class Killed(BaseException):
    """A worker dying mid-job (not an ``Exception``: nothing catches it)."""


def detect(head: bytes, filename: str) -> Detection:
    """``ref;title;price`` files, any encoding the host guesses."""
    encoding = guess_encoding(head)
    first = head.decode(encoding, errors="ignore").splitlines()[:1]
    columns = first[0].split(";") if first else []
    score = 1.0 if columns[:3] == HEADER else 0.0
    mapping = {c: c for c in columns if c in FIELDS}
    unsure = [f for f in HEADER if f not in mapping]
    return Detection(
        score=score,
        encoding=encoding,
        columns=columns,
        fields=FIELDS,
        mapping=mapping,
        unsure=unsure,
    )


def parse(stream: IO[bytes], options: ImportOptions) -> Iterator[ImportRow]:
    """One product per line, read as the stream goes."""
    text = io.TextIOWrapper(stream, encoding=options.encoding, newline="")
    reader = csv.reader(text, delimiter=";")
    header = next(reader, [])
    by_field = {options.mapping.get(c, c): i for i, c in enumerate(header)}
    category_id = int(options.values.get("category_id", 1))
    for n, cells in enumerate(reader, start=1):

        def cell(name: str, cells: list[str] = cells) -> str:
            i = by_field.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        try:
            price = round(float(cell("price")) * 100)
        except ValueError:
            yield ImportRow(
                row=n,
                refused=[
                    RefusedRow(
                        row=n,
                        column="price",
                        value=cell("price"),
                        reason="价格不是数字"
                        if options.language == "zh-CN"
                        else "The price is not a number.",
                    )
                ],
            )
            continue
        yield ImportRow(
            row=n,
            product=ProductInput(
                external_ref=cell("ref"),
                title=cell("title"),
                category_id=int(cell("category") or category_id),
                skus=[SkuInput(code=cell("ref"), price_fen=price, stock=1)],
            ),
        )


def import_job(ctx: JobContext) -> None:
    """Import the upload ``params["file_id"]`` in chunks of ``params["chunk"]`` rows."""
    chunks_done = 0

    def handle(chunk: Chunk, rows: list[tuple[int, Any]]) -> None:
        nonlocal chunks_done
        if KILL_AFTER.get("chunks") == chunks_done:
            raise Killed
        items = [r.product for _, r in rows if r.product is not None]
        numbers = [n for n, r in rows if r.product is not None]
        for n, r in rows:
            for refused in r.refused:
                chunk.refuse(n, column=refused.column, value=refused.value, reason=refused.reason)
        chunk.count_results(chunk.client.products.upsert_many(items), numbers)
        chunks_done += 1

    options = ImportOptions(
        encoding="utf-8-sig",
        values={"category_id": ctx.params["category_id"]},
        language=ctx.language,
    )
    with ctx.client.files.open(int(ctx.params["file_id"])) as stream:
        run_chunked(ctx, parse(stream, options), handle, size=int(ctx.params.get("chunk", 500)))


@hookimpl
def register_importers() -> list[Importer]:
    return [
        Importer(
            code="tiny",
            name="Tiny ref;title;price",
            content_types=("text/csv",),
            detect=detect,
            parse=parse,
            fields=tuple(HEADER),
        )
    ]


@hookimpl
def register_job_kinds() -> list[JobKind]:
    return [JobKind(code="import", name="Import", run=import_job, scope="products:write")]
