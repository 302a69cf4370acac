"""The plugin's jobs: ``ship`` (a ship sheet, :mod:`shipping`) and ``cancel_unpaid`` (every
unpaid order placed in a range of days, with one reason).

``cancel_unpaid`` goes through every order placed in the days, by id (a list a resumed run
sees in the same order: new orders only come after), and cancels those still awaiting
payment in chunks committed with the job's checkpoint; the others count as ``skipped``,
so a resumed or repeated run cancels nothing twice.
"""

from __future__ import annotations

from datetime import date

from plugins.batch_orders.export import OrderFilter, matching_orders
from plugins.batch_orders.messages import lang_of, reason_text
from plugins.batch_orders.shipping import run_ship
from sdk.errors import ClientError
from sdk.jobs import Chunk, JobContext, JobKind, run_chunked

#: Orders per chunk.
CANCEL_CHUNK = 50


def day_of(value: object) -> date | None:
    """A ``YYYY-MM-DD`` form value as a date (``None`` when empty or malformed)."""
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def run_cancel_unpaid(ctx: JobContext) -> None:
    """Cancel the unpaid orders placed in ``[placed_from, placed_to]`` with ``reason``."""
    lang = lang_of(str(ctx.params.get("language") or ctx.language))
    reason = str(ctx.params.get("reason", ""))
    where = OrderFilter(
        placed_from=day_of(ctx.params.get("placed_from")),
        placed_to=day_of(ctx.params.get("placed_to")),
    )
    ids = [o.id for o in matching_orders(ctx.client, where)]
    ctx.set_total(len(ids))

    def handle(chunk: Chunk, numbered: list[tuple[int, int]]) -> None:
        for n, order_id in numbered:
            if chunk.client.orders.get(order_id).status != "pending_payment":
                chunk.count("skipped")
                continue
            try:
                chunk.client.orders.cancel(order_id, reason=reason)
            except ClientError as exc:
                text = reason_text("cancel_failed", lang, detail=exc.code)
                chunk.refuse(n, value=str(order_id), reason=text)
                continue
            chunk.count("cancelled")

    run_chunked(ctx, ids, handle, size=CANCEL_CHUNK)


JOB_KINDS = [
    JobKind(code="ship", name="Ship orders from a sheet", run=run_ship, scope="logistics:write"),
    JobKind(
        code="cancel_unpaid",
        name="Cancel unpaid orders",
        run=run_cancel_unpaid,
        scope="orders:write",
    ),
]
