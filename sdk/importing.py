"""Writing an importer: how the host reads a merchant's file through a plugin's format.

A plugin returns :class:`sdk.models.Importer` from ``register_importers``. The host then:

1. stores the upload (streamed, size-limited) and asks every importer's ``detect(head,
   filename)`` how well it recognises the first bytes; the best score wins, the merchant
   may pick another;
2. calls ``parse(stream, options)`` and shows the first rows as they will be imported,
   with a column mapping where the importer's :class:`Detection` says it is unsure;
3. on a dry run or the import job, calls ``parse`` again from the start and writes the
   rows with ``client.products.upsert_many`` in chunks, each chunk committed with the
   job's checkpoint; the job's report lists every refused row.

``parse`` reads the binary ``stream`` as it goes and yields :class:`ImportRow` objects,
one per product; it never reads the whole file into memory. Decode with
``options.encoding`` (the host's guess, or the merchant's choice), e.g.
``io.TextIOWrapper(stream, encoding=options.encoding, newline="")`` for ``csv``.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from sdk.batch import ProductInput
from sdk.jobs import RefusedRow
from sdk.models import Snapshot

#: Encodings the host tries, in order, when it guesses a file's encoding.
CANDIDATE_ENCODINGS = ("utf-8-sig", "gb18030")


class Detection(Snapshot):
    """How well an importer recognises a file (``score`` 0 to 1; 0 = not this format).

    ``columns`` are the file's column names as read; ``mapping`` is the importer's guess
    of file column -> field (``title``, ``price``...); ``fields`` are the fields it can
    fill; ``unsure`` lists the fields it could not place, so the page asks the merchant.
    """

    score: float = 0.0
    encoding: str | None = None
    columns: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)
    mapping: dict[str, str] = Field(default_factory=dict)
    unsure: list[str] = Field(default_factory=list)
    note: str = ""


class ImportOptions(Snapshot):
    """What ``parse`` gets besides the stream: the encoding, the merchant's column mapping
    (file column -> field), the installation's settings and any extra answers the page
    collected (``values``)."""

    encoding: str = "utf-8-sig"
    mapping: dict[str, str] = Field(default_factory=dict)
    settings: Mapping[str, Any] = Field(default_factory=dict)
    values: dict[str, Any] = Field(default_factory=dict)
    language: str = "en"


class ImportRow(Snapshot):
    """One product read from the file: ``row`` is its first data row (1-based), ``product``
    what to upsert, or ``None`` with ``refused`` saying why the row(s) cannot be imported.
    ``refused`` may also carry problems of a product that is still imported (a skipped
    image, say). ``extra`` is the importer's own data (image URLs to fetch later...)."""

    row: int
    product: ProductInput | None = None
    refused: list[RefusedRow] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


def guess_encoding(head: bytes) -> str:
    """The encoding of a text file from its first bytes: ``utf-8-sig`` when they decode as
    UTF-8 (with or without a BOM), else ``gb18030`` (Excel in Chinese: GBK is a subset).

    A multi-byte character cut at the end of ``head`` is not held against UTF-8.
    """
    for name in CANDIDATE_ENCODINGS:
        decoder = codecs.getincrementaldecoder(name)()
        try:
            decoder.decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return name
    return "gb18030"
