"""Resumable jobs a plugin runs in the worker: chunks, checkpoints, counts, refused rows.

A plugin registers job kinds (``register_job_kinds``) and starts one with
``client.jobs.start(code, params)``; the worker then calls the kind's ``run`` with a
:class:`JobContext`. The work goes in chunks: everything written through
``chunk.client`` inside ``with ctx.chunk(position) as chunk:`` commits **in the same
transaction** as the job's checkpoint (``position``, the counts and the refused rows), so
a worker killed mid-way resumes after the last committed chunk with no duplicates.
Cancellation takes effect between chunks (:class:`JobCancelled`).

:func:`run_chunked` does the usual loop: skip what a previous run committed, group rows
into chunks, hand each to your function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from sdk.models import Snapshot

if TYPE_CHECKING:
    from sdk.batch import BatchResult
    from sdk.client import ShopClient

T = TypeVar("T")

#: Rows per chunk unless a job says otherwise.
DEFAULT_CHUNK = 500


class JobCancelled(Exception):
    """Raised between chunks when the merchant asked to cancel the job; let it propagate."""


class RefusedRow(Snapshot):
    """A row the job refused: its number in the input (1 = first data row), the column,
    the value as read, and the reason in the merchant's language."""

    row: int
    column: str = ""
    value: str = ""
    reason: str


class JobInfo(Snapshot):
    """A job as the client reports it; ``counts`` has ``created``, ``updated``,
    ``unchanged`` and ``failed`` for import-like jobs; ``report_file_id`` is the file of
    refused rows once the job ended."""

    id: int
    kind: str
    status: str
    progress: int = 0
    total: int | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    message: str = ""
    report_file_id: int | None = None
    result_file_id: int | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None


class JobKind(BaseModel):
    """A job a plugin can start (``register_job_kinds``): ``run(ctx)`` does the work.

    ``scope`` is what starting it needs (granted to the plugin and, from the console,
    held by the member's role).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    code: str
    name: str
    run: Any
    scope: str | None = None
    #: when set, the host also starts this job by itself every ``every_minutes`` for each
    #: enabled installation (``params`` empty), e.g. a reconciliation; a run must then be
    #: idempotent, since two workers may start one each
    every_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)


class Chunk(Protocol):
    """One chunk's transaction: write through ``client``, count, refuse rows."""

    @property
    def client(self) -> ShopClient:
        """The installation's client; its writes commit with the checkpoint."""
        ...

    def count(self, status: str, n: int = 1) -> None:
        """Add ``n`` to the count ``status`` (``created``, ``updated``...)."""
        ...

    def refuse(self, row: int, *, column: str = "", value: str = "", reason: str) -> None:
        """Record a refused row for the report (it also counts as ``failed``)."""
        ...

    def count_results(self, result: BatchResult, rows: list[int]) -> None:
        """Count an ``upsert_many`` result; its failed items become refused rows (the
        item at index ``i`` is input row ``rows[i]``)."""
        ...


class JobContext(Protocol):
    """A running job's handle, given to a job kind's ``run``."""

    job_id: int
    shop_id: int
    params: Mapping[str, Any]
    #: the installation's settings
    settings: Mapping[str, Any]
    #: the merchant's language for messages: ``zh-CN`` or ``en``
    language: str
    #: rows already committed by a previous run (0 on a fresh start)
    position: int

    @property
    def client(self) -> ShopClient:
        """The installation's client, for reads and writes outside chunks."""
        ...

    def set_total(self, total: int | None) -> None:
        """How many rows the job will go through (for the progress bar)."""
        ...

    def chunk(self, position: int) -> AbstractContextManager[Chunk]:
        """A transaction for one chunk; on leaving it the chunk's writes, counts, refused
        rows and ``position`` (rows done so far) commit together. Raises
        :class:`JobCancelled` after the commit when the job was asked to stop."""
        ...

    def set_result(self, file_id: int, message: str = "") -> None:
        """Offer a file (written with ``client.files.write``) as the job's result."""
        ...


#: The languages a job's messages and report come in; the first is the default.
JOB_LANGUAGES = ("zh-CN", "en")


def job_language(language: str | None) -> str:
    """A job's language from what a page or caller gave (``zh-CN``, ``zh_CN``, ``zh``,
    ``en-US``...): ``zh-CN`` or ``en``; ``zh-CN`` when none is given."""
    if not language:
        return JOB_LANGUAGES[0]
    return "zh-CN" if language.replace("_", "-").lower().startswith("zh") else "en"


def chunked(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """``rows`` in lists of ``size`` (the last may be shorter)."""
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def run_chunked(
    ctx: JobContext,
    rows: Iterable[T],
    handle: Callable[[Chunk, list[tuple[int, T]]], None],
    *,
    size: int = DEFAULT_CHUNK,
) -> None:
    """Number ``rows`` from 1, skip the first ``ctx.position`` (done by an earlier run),
    and call ``handle(chunk, [(row number, row), ...])`` for each chunk inside its own
    transaction with the checkpoint."""
    numbered = ((n, row) for n, row in enumerate(rows, start=1) if n > ctx.position)
    for batch in chunked(numbered, size):
        with ctx.chunk(batch[-1][0]) as chunk:
            handle(chunk, batch)
