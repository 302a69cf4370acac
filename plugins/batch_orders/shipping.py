"""Bulk shipping from a sheet (批量发货): the ``ship`` job.

Each row names an order, a carrier and a waybill. A good row ships its order through
``client.logistics.create_shipment`` (a paid order moves to shipped); a bad one goes to the
job's report with its row, column, value and the reason in the merchant's language: an
unknown order, an unpaid or cancelled one, one already shipped with another waybill, an
unknown carrier, an empty or malformed waybill. Uploading the same sheet again changes
nothing: an order already shipped with the row's waybill counts as ``unchanged``.

Rows go in chunks whose shipments commit with the job's checkpoint, so a worker killed
half-way resumes after the last committed chunk.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass

from plugins.batch_orders.messages import column_title, lang_of, reason_text, status_text
from plugins.batch_orders.ship_sheet import SheetRefused, ShipRow, read_ship_sheet
from sdk.client import ShopClient
from sdk.errors import ClientError, ResourceNotFound
from sdk.jobs import Chunk, JobContext, run_chunked
from sdk.waybills import BUILTIN_CARRIERS

#: In memory up to this size, then on disk.
SPOOL_BYTES = 8 << 20
#: Rows per chunk (one checkpoint each).
CHUNK_ROWS = 100
#: Carrier names merchants write, by code (besides the code and the Chinese name).
CARRIER_NAMES: dict[str, tuple[str, ...]] = {
    "SF": ("顺丰", "sf express", "sfexpress"),
    "ZTO": ("中通", "zto express"),
    "YTO": ("圆通", "yto express"),
    "YUNDA": ("韵达", "yunda express"),
    "STO": ("申通", "sto express"),
    "JD": ("京东", "jd logistics"),
    "EMS": ("中国邮政", "邮政", "china post"),
}
_NAMES = {
    name.lower(): code
    for code, zh_name, _pattern in BUILTIN_CARRIERS
    for name in (zh_name, *CARRIER_NAMES.get(code, ()))
}


def carrier_code(value: str) -> str:
    """The carrier code for what the sheet says (``顺丰速运``, ``SF Express``, ``sf``); an
    unknown name is passed on as a code for the kernel to accept or refuse."""
    text = " ".join(value.split())
    return _NAMES.get(text.lower(), text.upper())


def normal_waybill(value: str) -> str:
    """A waybill number as the kernel keeps it: no spaces or dashes, upper case."""
    return re.sub(r"[\s\-]", "", value).upper()


def order_number(value: str) -> int | None:
    """The order id in a cell (``12``, ``#12``, ``12.0``), or ``None``."""
    text = value.strip().lstrip("#")
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


@dataclass(frozen=True)
class Refusal:
    """Why a row was not shipped: a reason code, its column and its words."""

    code: str
    column: str
    words: dict[str, str]


#: Kernel error codes -> (reason, column).
KERNEL_REASONS = {
    "unknown_carrier": ("unknown_carrier", "carrier"),
    "invalid_waybill": ("invalid_waybill", "waybill"),
    "duplicate_waybill": ("duplicate_waybill", "waybill"),
    "self_pickup_order": ("self_pickup_order", "order"),
}


def ship_row(client: ShopClient, row: ShipRow, lang: str) -> str | Refusal:
    """Ship one row's order: ``"shipped"``, ``"unchanged"`` (already shipped with this
    waybill) or the :class:`Refusal`."""
    order_id = order_number(row.order)
    if order_id is None:
        return Refusal("bad_order_number", "order", {})
    try:
        order = client.orders.get(order_id)
    except ResourceNotFound:
        return Refusal("unknown_order", "order", {})
    code, waybill = carrier_code(row.carrier), normal_waybill(row.waybill)
    if not code:
        return Refusal("empty_carrier", "carrier", {})
    if not waybill:
        return Refusal("empty_waybill", "waybill", {})
    if order.status == "pending_payment":
        return Refusal("unpaid", "order", {})
    if order.status != "paid":
        shipped = client.logistics.shipments(order_id=order_id)
        if any(s.carrier_code == code and s.waybill_no == waybill for s in shipped):
            return "unchanged"
        if shipped:
            return Refusal("already_shipped", "order", {"waybill": shipped[0].waybill_no or ""})
        return Refusal("not_shippable", "order", {"status": status_text(order.status, lang)})
    try:
        client.logistics.create_shipment(order_id, carrier_code=code, waybill_no=waybill)
    except ClientError as exc:
        reason, column = KERNEL_REASONS.get(exc.code, ("failed", "order"))
        return Refusal(reason, column, {"detail": exc.code})
    return "shipped"


def _value(row: ShipRow, column: str) -> str:
    return {"order": row.order, "carrier": row.carrier, "waybill": row.waybill}[column]


def run_ship(ctx: JobContext) -> None:
    """Ship every good row of the uploaded sheet (``params["file_id"]``)."""
    lang = lang_of(str(ctx.params.get("language") or ctx.language))
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as copy:
        with ctx.client.files.open(int(ctx.params["file_id"])) as source:
            shutil.copyfileobj(source, copy)
        copy.seek(0)
        try:
            rows = list(read_ship_sheet(copy))
        except SheetRefused as refused:
            words = dict(refused.params)
            if "columns" in words:
                words["columns"] = ", ".join(column_title(c, lang) for c in words["columns"])
            with ctx.chunk(0) as chunk:
                chunk.refuse(0, reason=reason_text(refused.code, lang, **words))
            return
    ctx.set_total(len(rows))

    def handle(chunk: Chunk, numbered: list[tuple[int, ShipRow]]) -> None:
        for _n, row in numbered:
            outcome = ship_row(chunk.client, row, lang)
            if isinstance(outcome, Refusal):
                chunk.refuse(
                    row.row,
                    column=column_title(outcome.column, lang),
                    value=_value(row, outcome.column),
                    reason=reason_text(outcome.code, lang, **outcome.words),
                )
            else:
                chunk.count(outcome)

    run_chunked(ctx, rows, handle, size=CHUNK_ROWS)
