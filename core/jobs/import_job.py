"""The import job: a shop's upload read through a service's importer, in chunks.

The host, not the plugin, runs it: it opens the upload from the store, calls the
importer's ``parse`` (which reads the stream as it goes and yields one row per product),
and writes every 500 rows with the installation's ``upsert_many`` inside the chunk's
transaction, so the checkpoint, the counts and the refused rows commit with the products.
A dry run goes through the same steps with ``dry_run=True``: counts, report, no writes.
After each committed chunk the importer's ``on_imported`` (if any) gets the chunk's rows
and results. :func:`detect_formats` and :func:`preview_rows` serve the import page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.files.store import FileStore
from core.jobs.job_reports import write_report
from core.jobs.plugin_jobs import HostChunk, host_context, installation_client
from core.jobs.runner import JobContext as RunnerContext
from core.jobs.runner import job_kind
from core.plugins.manager import InstallationRef, PluginHost
from sdk.client import ShopClient
from sdk.importing import Detection, ImportOptions, ImportRow
from sdk.jobs import chunked
from sdk.models import Importer

IMPORT_JOB = "product_import"
#: Rows per chunk (a transaction) and how much of a file detection reads.
CHUNK_ROWS = 500
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class FoundImporter:
    """An importer of one enabled plugin, with how well it recognises a file."""

    plugin_id: str
    importer: Importer
    detection: Detection

    @property
    def key(self) -> str:
        """``<plugin id>:<importer code>``, what the page's form sends."""
        return f"{self.plugin_id}:{self.importer.code}"


def shop_importers(
    session: Session, host: PluginHost, shop_id: int
) -> list[tuple[InstallationRef, Importer]]:
    """The importers of the shop's enabled plugins (a failing registration gives none)."""
    out: list[tuple[InstallationRef, Importer]] = []
    for plugin_id, inst in host.shop_view(session, shop_id).installations.items():
        if not host.implements(plugin_id, "register_importers"):
            continue
        try:
            groups = host.plugin_caller(plugin_id, "register_importers")()
        except Exception:
            continue
        out.extend((inst, i) for g in groups or [] for i in g or [] if isinstance(i, Importer))
    return out


def detect_formats(
    session: Session, host: PluginHost, shop_id: int, head: bytes, filename: str
) -> list[FoundImporter]:
    """Every importer's view of the file's first bytes, best first."""
    found: list[FoundImporter] = []
    for inst, importer in shop_importers(session, host, shop_id):
        detection = Detection()
        if callable(importer.detect):
            try:
                detection = importer.detect(head, filename)
            except Exception:
                detection = Detection(note="detection failed")
        found.append(FoundImporter(inst.plugin_id, importer, detection))
    return sorted(found, key=lambda f: -f.detection.score)


def read_head(store: FileStore, key: str) -> bytes:
    """The first :data:`HEAD_BYTES` of a stored file."""
    with store.open(key) as handle:
        return handle.read(HEAD_BYTES)


def prepared_values(importer: Importer, client: ShopClient) -> dict[str, Any]:
    """What the importer's ``prepare`` asks of the shop before parsing (nothing without one)."""
    return dict(importer.prepare(client)) if callable(importer.prepare) else {}


def preview_rows(
    importer: Importer, stream: IO[bytes], options: ImportOptions, n: int = 10
) -> list[ImportRow]:
    """The first ``n`` rows as they will be imported (the stream is closed after)."""
    with stream:
        return list(islice(importer.parse(stream, options), n))


def _numbered(rows: Iterator[ImportRow], skip: int) -> Iterator[tuple[int, ImportRow]]:
    for n, row in enumerate(rows, start=1):
        if n > skip:
            yield n, row


@job_kind(IMPORT_JOB)
def run_import(ctx: RunnerContext) -> None:
    """Import (or dry-run) an upload through a plugin's importer, chunk by chunk."""
    assert ctx.job_id is not None
    client, inst = installation_client(ctx.engine, int(ctx.params["installation_id"]), ctx.runtime)
    job_ctx = host_context(ctx, client, inst)
    code = str(ctx.params["code"])
    importer = next(
        (i for ref, i in shop_importers_for(ctx.engine, ctx.runtime.host, inst) if i.code == code),
        None,
    )
    if importer is None or not callable(importer.parse):
        raise LookupError(f"'{inst.plugin_id}' no longer offers the import format '{code}'.")
    params = job_ctx.params
    options = ImportOptions(
        encoding=str(params.get("encoding") or "utf-8-sig"),
        mapping=dict(params.get("mapping") or {}),
        values={**prepared_values(importer, client), **dict(params.get("values") or {})},
        settings=dict(job_ctx.settings) if isinstance(job_ctx.settings, dict) else {},
        language=job_ctx.language,
    )
    dry_run = bool(params.get("dry_run"))
    if job_ctx.position == 0:
        job_ctx.set_total(_estimate_rows(client, int(params["file_id"])))
    try:
        with client.files.open(int(params["file_id"])) as stream:
            rows = _numbered(importer.parse(stream, options), job_ctx.position)
            for batch in chunked(rows, CHUNK_ROWS):
                with job_ctx.chunk(batch[-1][0]) as chunk:
                    results = _write_chunk(chunk, batch, dry_run=dry_run)
                if callable(importer.on_imported) and not dry_run:
                    importer.on_imported(client, [r for _, r in batch], results)
    except Exception:
        write_report(ctx.engine, client, ctx.job_id, language=job_ctx.language)
        raise
    write_report(ctx.engine, client, ctx.job_id, language=job_ctx.language)


def _estimate_rows(client: Any, file_id: int) -> int | None:
    """About how many rows the file has (from the line length of its first 64 KiB), for
    the progress bar; the exact count comes as the job reads."""
    size = client.files.info(file_id).size
    with client.files.open(file_id) as stream:
        head = stream.read(HEAD_BYTES)
    lines = head.count(b"\n")
    if not head or not lines:
        return None
    return max(1, round(size * lines / len(head)) - 1)


def _write_chunk(
    chunk: HostChunk, batch: list[tuple[int, ImportRow]], *, dry_run: bool
) -> list[Any]:
    for n, row in batch:
        for refused in row.refused:
            chunk.refuse(
                refused.row or n, column=refused.column, value=refused.value, reason=refused.reason
            )
    wanted = [(n, row.product) for n, row in batch if row.product is not None]
    if not wanted:
        return []
    result = chunk.client.products.upsert_many([p for _, p in wanted], dry_run=dry_run)
    chunk.count_results(result, [n for n, _ in wanted])
    return list(result.items)


def shop_importers_for(
    engine: Engine, host: PluginHost, inst: InstallationRef
) -> list[tuple[InstallationRef, Importer]]:
    """The importers of ``inst``'s plugin in its shop."""
    with Session(engine) as session:
        return [(r, i) for r, i in shop_importers(session, host, inst.shop_id) if r.id == inst.id]
