"""The ``print_labels`` job: waybills for a selection, then one label file, resumable.

Params: ``item_ids`` (the selected orders) or ``all_paid`` (every paid order awaiting
shipment when the job starts), ``account_id`` (a bound carrier account), ``format``
(``pdf`` or ``zpl``) and ``mark_shipped``.

1. The selection is written down once (records ``labels_<job>``, ``sel:<n>``), so a
   resumed run walks the same orders even after earlier chunks shipped some of them.
2. Chunks of 100 orders (:func:`sdk.jobs.run_chunked`): each asks
   ``client.carriers.issue_waybills`` (the kernel issues once per order and account, and
   asks the carrier again with the same idempotency key after a crash, so no number is
   fetched twice), records the chunk's waybills in a ``done:<position>`` record, and ships
   the orders when asked, only ever with their own waybill. All of it commits with the
   checkpoint. An order the carrier refused is a refused row naming the order.
3. The file is rendered from the recorded waybills, written through ``client.files`` and
   offered as the job's result: a run that died while rendering renders it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from plugins.label_printing.batch import NO_RECIPIENT, find_account, label_for, render
from plugins.label_printing.model import Label
from sdk import ShopClient
from sdk.jobs import Chunk, JobContext, JobKind, run_chunked
from sdk.models import Order
from sdk.scopes import Scope
from sdk.waybills import CarrierAccount, Waybill

CODE = "print_labels"
#: orders per chunk: the most ``issue_waybills`` takes in one call
CHUNK = 100
#: order ids per selection record (a record holds at most 64 KiB of JSON)
SELECTION_PAGE = 2_000
LABEL_FORMATS = {"pdf": ("labels.pdf", "application/pdf"), "zpl": ("labels.zpl", "text/plain")}


def collection(job_id: int) -> str:
    """The record collection a job keeps its selection and its waybills in."""
    return f"labels_{job_id}"


def _records(client: ShopClient, name: str, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The job's records whose key starts with ``prefix``, by key."""
    after: str | None = None
    while page := client.records.list(name, limit=200, after_key=after):
        for record in page:
            if record.key.startswith(prefix):
                yield record.key, dict(record.data)
        after = page[-1].key


def paid_awaiting_shipment(client: ShopClient) -> list[int]:
    """Every paid (not yet shipped) order to deliver, by id."""
    found: list[int] = []
    after: int | None = None
    while page := client.orders.list(status="paid", limit=200, after_id=after):
        found += [o.id for o in page if not o.self_pickup]
        after = page[-1].id
    return found


def selection(ctx: JobContext) -> list[int]:
    """The job's orders, as written down by its first run (written now on a fresh start)."""
    name = collection(ctx.job_id)
    if ctx.client.records.get(name, "sel:done") is not None:
        return [int(i) for _key, data in _records(ctx.client, name, "sel:0") for i in data["ids"]]
    if ctx.params.get("all_paid"):
        ids = paid_awaiting_shipment(ctx.client)
    else:
        ids = list(dict.fromkeys(int(i) for i in ctx.params.get("item_ids", [])))
    for n, start in enumerate(range(0, len(ids), SELECTION_PAGE)):
        page = ids[start : start + SELECTION_PAGE]
        ctx.client.records.put(name, f"sel:{n:05d}", {"ids": page})
    ctx.client.records.put(name, "sel:done", {"count": len(ids)})
    return ids


def issue_chunk(
    chunk: Chunk,
    rows: list[tuple[int, int]],
    *,
    job_id: int,
    account_id: int,
    mark_shipped: bool,
) -> None:
    """One chunk: waybills for its orders, recorded, and the orders shipped when asked."""
    client = chunk.client
    row_of = {order_id: n for n, order_id in rows}
    printed: list[dict[str, Any]] = []
    results = client.carriers.issue_waybills(account_id, [o for _n, o in rows])
    for result in results:
        n = row_of[result.order_id]
        if result.waybill is None:
            reason = result.problem.message if result.problem else "no waybill"
            chunk.refuse(n, column="order", value=str(result.order_id), reason=reason)
            continue
        order = client.orders.get(result.order_id)
        if not (order.recipient_name and order.address):
            chunk.refuse(n, column="order", value=str(order.id), reason=NO_RECIPIENT)
            continue
        printed.append(result.waybill.model_dump(mode="json"))
        chunk.count("printed")
        if mark_shipped and order.status == "paid":
            client.logistics.create_shipment(
                order.id,
                carrier_code=result.waybill.carrier_code,
                waybill_no=result.waybill.waybill_no,
            )
            chunk.count("shipped")
    client.records.put(collection(job_id), f"done:{rows[-1][0]:07d}", {"waybills": printed})


def printed_labels(client: ShopClient, job_id: int, account: CarrierAccount) -> list[Label]:
    """The labels of every waybill the job's chunks recorded, in the selection's order."""
    labels: list[Label] = []
    for _key, data in _records(client, collection(job_id), "done:"):
        for raw in data.get("waybills", []):
            waybill = Waybill.model_validate(raw)
            order: Order = client.orders.get(waybill.order_id)
            labels.append(label_for(order, waybill, account))
    return labels


def run_print_labels(ctx: JobContext) -> None:
    """Issue (or reuse) each order's waybill chunk by chunk, then write the one file."""
    fmt = str(ctx.params.get("format") or "pdf")
    if fmt not in LABEL_FORMATS:
        raise ValueError(f"format must be one of {sorted(LABEL_FORMATS)}")
    account_id = int(ctx.params["account_id"])
    account = find_account(ctx.client, account_id)
    mark_shipped = bool(ctx.params.get("mark_shipped"))
    ids = selection(ctx)
    ctx.set_total(len(ids))

    def handle(chunk: Chunk, rows: list[tuple[int, int]]) -> None:
        issue_chunk(
            chunk, rows, job_id=ctx.job_id, account_id=account_id, mark_shipped=mark_shipped
        )

    run_chunked(ctx, ids, handle, size=CHUNK)
    labels = printed_labels(ctx.client, ctx.job_id, account)
    if not labels:
        return
    filename, content_type = LABEL_FORMATS[fmt]
    stored = ctx.client.files.write(filename, [render(labels, fmt)], content_type=content_type)
    refused = len(ids) - len(labels)
    message = (
        f"{len(labels)} 张面单，{refused} 单未打印"  # noqa: RUF001 (Chinese punctuation)
        if ctx.language == "zh-CN"
        else f"{len(labels)} label(s), {refused} order(s) not printed"
    )
    ctx.set_result(stored.id, message)


#: The job kinds label printing registers.
JOB_KINDS = (
    JobKind(
        code=CODE,
        name="Print shipping labels",
        run=run_print_labels,
        scope=Scope.logistics_write.value,
    ),
)
