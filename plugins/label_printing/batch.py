"""A batch of labels for a selection of orders on one bound carrier account.

Waybill numbers come through ``client.carriers.issue_waybills`` in chunks of 100: the
kernel issues once per order and account, so printing again (or running again after a
kill) reuses each order's number and never fetches a second one. An order the carrier
refuses is named in the report with the carrier's message, and so is an order without a
recipient address (``orders:pii`` not granted); the rest print. With
``mark_shipped`` only orders that have a waybill are shipped, each with its own number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from plugins.label_printing import pdf, sheets, zpl
from plugins.label_printing.model import Item, Label, Party
from sdk import ShopClient
from sdk.errors import ResourceNotFound
from sdk.models import Order
from sdk.waybills import CarrierAccount, Waybill

#: the most orders ``issue_waybills`` takes in one call
CHUNK = 100
FORMATS = ("pdf", "zpl", "pick_list", "packing_slips")
#: an order shown without its recipient (the installation lacks ``orders:pii``, or the
#: order is picked up in person): no label, never a label without an address
NO_RECIPIENT = "the order has no recipient name and address to print"


@dataclass(frozen=True, slots=True)
class Refusal:
    """An order left out of the batch and why (the carrier's or the kernel's message)."""

    order_id: int
    message: str


@dataclass(slots=True)
class BatchOutcome:
    """What a batch printed, refused and shipped, in the order of the selection."""

    labels: list[Label] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    shipped: list[int] = field(default_factory=list)


def find_account(client: ShopClient, account_id: int) -> CarrierAccount:
    """The shop's bound account ``account_id``; ``ResourceNotFound`` when it has none."""
    for account in client.carriers.accounts():
        if account.id == account_id:
            return account
    raise ResourceNotFound(f"no carrier account {account_id}")


def label_for(order: Order, waybill: Waybill, account: CarrierAccount) -> Label:
    """An order's label on its waybill, sent from the account's sender address."""
    sender = account.sender
    return Label(
        waybill_no=waybill.waybill_no,
        carrier_name=account.carrier_code,
        order_no=str(order.id),
        sender=Party(sender.name, sender.phone, sender.full) if sender else Party("", "", ""),
        recipient=Party(
            order.recipient_name or "", order.recipient_phone or "", order.address or ""
        ),
        routing_code=waybill.routing_code,
        sort_code=waybill.sort_code,
        items=tuple(
            Item(line.title or "", line.quantity, f"#{line.sku_id}" if line.sku_id else "")
            for line in order.lines
        ),
    )


def print_batch(
    client: ShopClient,
    order_ids: Sequence[int],
    *,
    account_id: int,
    mark_shipped: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BatchOutcome:
    """Fetch (or reuse) each order's waybill, build its label, ship it when asked;
    ``progress(done, total)`` after each chunk."""
    account = find_account(client, account_id)
    outcome = BatchOutcome()
    ids = list(dict.fromkeys(order_ids))
    for start in range(0, len(ids), CHUNK):
        for result in client.carriers.issue_waybills(account_id, ids[start : start + CHUNK]):
            if result.waybill is None:
                message = result.problem.message if result.problem else "no waybill"
                outcome.refused.append(Refusal(result.order_id, message))
                continue
            order = client.orders.get(result.order_id)
            if not (order.recipient_name and order.address):
                outcome.refused.append(Refusal(order.id, NO_RECIPIENT))
                continue
            outcome.labels.append(label_for(order, result.waybill, account))
            if mark_shipped and order.status == "paid":
                client.logistics.create_shipment(
                    order.id,
                    carrier_code=result.waybill.carrier_code,
                    waybill_no=result.waybill.waybill_no,
                )
                outcome.shipped.append(order.id)
        if progress is not None:
            progress(min(start + CHUNK, len(ids)), len(ids))
    return outcome


def render(labels: Sequence[Label], fmt: str) -> bytes:
    """The batch's one file: labels as a PDF or a ZPL file (UTF-8), or the A4 pick list
    or packing slips (PDF) of the same selection."""
    if fmt == "pdf":
        return pdf.render_labels(labels)
    if fmt == "zpl":
        return zpl.render_labels(labels).encode("utf-8")
    if fmt == "pick_list":
        return sheets.render_pick_list(labels)
    if fmt == "packing_slips":
        return sheets.render_packing_slips(labels)
    raise ValueError(f"format must be one of {FORMATS}")
