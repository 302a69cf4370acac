"""E-waybills: the contract between a carrier plugin, the kernel and printing services.

A carrier plugin registers a :class:`~sdk.models.Carrier` whose ``ewaybill`` is an
:class:`EWaybillOperations`. Merchants bind accounts with that carrier (account number,
branch, secret); the kernel keeps the secret encrypted and hands :class:`AccountCredentials`
only to the carrier's operations, never to any other plugin. A printing service asks its
client (``client.carriers.issue_waybills(account_id, order_ids)``) and gets
:class:`WaybillResult` rows back: each order gets one waybill number, once (asking again
returns the same number), with the routing and sort codes to print.

A carrier plugin implements four calls; all run on the kernel's threads and may talk HTTP
to the carrier. Raise :class:`CarrierRefused` when the carrier says no (bad account, no
balance left, an address it does not serve) and :class:`CarrierUnavailable` when it could
not answer (timeout, 5xx, rate limited): the kernel reports the first per order and may
retry the second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import Field

from sdk.models import Problem, Snapshot

#: Waybill states as the kernel keeps them.
WAYBILL_STATUSES = ("issued", "cancelled")


class CarrierError(Exception):
    """Base of the errors a carrier's operations raise on purpose."""

    code: str = "carrier_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        if code:
            self.code = code
        super().__init__(message)


class CarrierRefused(CarrierError):
    """The carrier refused: bad credentials, no numbers left, an address it cannot serve."""

    code = "carrier_refused"


class CarrierUnavailable(CarrierError):
    """The carrier could not answer (timeout, 5xx, rate limited); trying later may work."""

    code = "carrier_unavailable"


class Address(Snapshot):
    """A full Chinese postal address with a contact: 省 / 市 / 区 and the street part."""

    name: str
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    postcode: str = ""
    province_code: str | None = None

    @property
    def full(self) -> str:
        """The address as one line, as printed on a label (province first)."""
        return "".join(p for p in (self.province, self.city, self.district, self.street) if p)


class Parcel(Snapshot):
    """One parcel of a shipment."""

    weight_g: int = Field(default=0, ge=0)
    count: int = Field(default=1, ge=1)
    description: str = ""


class AccountCredentials(Snapshot):
    """A bound account as the carrier's operations see it: the only place the secret goes."""

    carrier_code: str
    account_no: str
    branch: str = ""
    secret: str = Field(repr=False)


class WaybillRequest(Snapshot):
    """Ask for one waybill. ``key`` is the idempotency key (the kernel uses one per
    account and order): asked again with the same key, the carrier must answer the same
    number, never a second one."""

    key: str
    order_id: int
    sender: Address
    recipient: Address
    parcels: list[Parcel] = Field(default_factory=lambda: [Parcel()])
    remark: str = ""


class IssuedNumber(Snapshot):
    """What a carrier returns for one :class:`WaybillRequest`."""

    key: str
    waybill_no: str
    routing_code: str = ""
    sort_code: str = ""
    destination: str = ""
    extra: dict[str, str] = Field(default_factory=dict)


class IssueOutcome(Snapshot):
    """One request's outcome from a carrier: a number, or a problem naming the reason."""

    key: str
    number: IssuedNumber | None = None
    problem: Problem | None = None


class LabelTemplate(Snapshot):
    """How a carrier's label is laid out: size and what must be on it.

    ``fields`` names what the label shows, from ``sender``, ``recipient``, ``routing_code``,
    ``sort_code``, ``waybill_code128``, ``waybill_qr``, ``items``, ``remark``.
    """

    code: str = "standard_100x150"
    width_mm: int = 100
    height_mm: int = 150
    fields: tuple[str, ...] = (
        "sender",
        "recipient",
        "routing_code",
        "sort_code",
        "waybill_code128",
        "waybill_qr",
        "items",
    )
    zpl_dpi: int = 203


@runtime_checkable
class EWaybillOperations(Protocol):
    """What a carrier plugin implements to offer e-waybills (``Carrier.ewaybill``)."""

    def verify(self, account: AccountCredentials) -> None:
        """Check the account with the carrier. Raise :class:`CarrierRefused` if it is
        not valid, :class:`CarrierUnavailable` if the carrier could not be asked."""
        ...

    def issue(
        self, account: AccountCredentials, requests: list[WaybillRequest]
    ) -> list[IssueOutcome]:
        """Issue one number per request, in the same order; a failure for one request is
        an outcome with a ``problem``, not an exception. Same ``key`` -> same number."""
        ...

    def cancel(self, account: AccountCredentials, waybill_no: str) -> None:
        """Cancel (recycle) an unused number. Raise :class:`CarrierRefused` if it cannot
        be cancelled (already picked up, unknown)."""
        ...

    def label_template(self) -> LabelTemplate:
        """The carrier's label layout."""
        ...


# --- what the shop client returns ---------------------------------------------------------


class CarrierAccount(Snapshot):
    """A bound carrier account, as every API shows it: masked, never with the secret."""

    id: int
    carrier_code: str
    account_no_masked: str
    branch: str = ""
    sender: Address | None = None
    status: str = "active"
    created_at: datetime | None = None
    unbound_at: datetime | None = None


class Waybill(Snapshot):
    """A waybill number the kernel issued on a bound account for an order."""

    id: int
    account_id: int
    order_id: int
    carrier_code: str
    waybill_no: str
    routing_code: str = ""
    sort_code: str = ""
    destination: str = ""
    status: str = "issued"
    created_at: datetime | None = None


class WaybillResult(Snapshot):
    """One order's result of ``issue_waybills``: its waybill (new or the one it already
    had, ``reused``), or a problem (``field`` is ``order_ids[i]``) and nothing issued."""

    order_id: int
    waybill: Waybill | None = None
    reused: bool = False
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        """Whether the order has a waybill."""
        return self.waybill is not None


#: The domestic carriers every shop knows: code, name, waybill pattern (a full match on the
#: number upper-cased without spaces or hyphens). The kernel's registry starts from these.
BUILTIN_CARRIERS: tuple[tuple[str, str, str], ...] = (
    ("SF", "顺丰速运", r"SF\d{12,13}|\d{12}|\d{15}"),
    ("ZTO", "中通快递", r"\d{12}|\d{14}"),
    ("YTO", "圆通速递", r"YT\d{12,16}|[0-9A-Z]\d{9}"),
    ("YUNDA", "韵达快递", r"\d{13}|\d{15}"),
    ("STO", "申通快递", r"\d{12,15}"),
    ("JD", "京东物流", r"JD[A-Z]{0,2}\d{11,15}"),
    ("EMS", "中国邮政 EMS", r"\d{13}|[A-Z]{2}\d{9}[A-Z]{2}"),
)


def mask(value: str, keep: int = 4) -> str:
    """``value`` with all but its last ``keep`` characters hidden (``****1234``)."""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


__all__: list[Any] = [
    "BUILTIN_CARRIERS",
    "AccountCredentials",
    "Address",
    "CarrierAccount",
    "CarrierError",
    "CarrierRefused",
    "CarrierUnavailable",
    "EWaybillOperations",
    "IssueOutcome",
    "IssuedNumber",
    "LabelTemplate",
    "Parcel",
    "Waybill",
    "WaybillRequest",
    "WaybillResult",
    "mask",
]
