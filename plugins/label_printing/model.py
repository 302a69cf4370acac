"""What a label shows: plain values, no I/O (the job builds them from orders and waybills)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Party:
    """A sender or recipient: name, phone and the full one-line address (Chinese as is)."""

    name: str
    phone: str
    address: str


@dataclass(frozen=True, slots=True)
class Item:
    """One order line on a label, pick list or packing slip."""

    title: str
    quantity: int
    sku_code: str = ""


@dataclass(frozen=True, slots=True)
class Label:
    """One parcel's label: the waybill number is the Code 128 barcode and the QR code."""

    waybill_no: str
    carrier_name: str
    order_no: str
    sender: Party
    recipient: Party
    routing_code: str = ""
    sort_code: str = ""
    items: tuple[Item, ...] = field(default_factory=tuple)
    remark: str = ""
