"""An importer for a shop's own ``ref,title,price_yuan`` CSV (UTF-8 or GBK)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO

from sdk import Importer, hookimpl
from sdk.batch import ProductInput, SkuInput
from sdk.importing import Detection, ImportOptions, ImportRow, guess_encoding
from sdk.jobs import RefusedRow

COLUMNS = ["ref", "title", "price_yuan"]


def detect(head: bytes, filename: str) -> Detection:
    encoding = guess_encoding(head)
    columns = next(csv.reader(io.StringIO(head.decode(encoding, errors="ignore"))), [])
    return Detection(
        score=1.0 if columns == COLUMNS else 0.0,
        encoding=encoding,
        columns=columns,
        fields=COLUMNS,
        mapping={c: c for c in columns if c in COLUMNS},
    )


def parse(stream: IO[bytes], options: ImportOptions) -> Iterator[ImportRow]:
    reader = csv.DictReader(io.TextIOWrapper(stream, encoding=options.encoding, newline=""))
    for row_number, row in enumerate(reader, start=1):
        try:
            price_fen = round(float(row["price_yuan"]) * 100)
        except ValueError:
            reason = "价格不是数字" if options.language == "zh-CN" else "Not a price"
            refused = RefusedRow(
                row=row_number, column="price_yuan", value=row["price_yuan"], reason=reason
            )
            yield ImportRow(row=row_number, refused=[refused])
            continue
        product = ProductInput(
            external_ref=row["ref"],
            title=row["title"],
            category_id=int(options.values.get("category_id", 1)),
            skus=[SkuInput(code=row["ref"], price_fen=price_fen)],
        )
        yield ImportRow(row=row_number, product=product)


@hookimpl
def register_importers() -> list[Importer]:
    return [Importer(code="tea_csv", name="Tea CSV", detect=detect, parse=parse)]
