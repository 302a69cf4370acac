"""Typed, frozen snapshots of shop resources, as plugins see them in events and client calls.

They ignore fields they do not know and leave optional what the kernel may omit, so a newer
kernel never breaks an older plugin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Snapshot(BaseModel):
    """Base of every resource snapshot: frozen, tolerant of unknown fields."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Sku(Snapshot):
    id: int
    product_id: int | None = None
    code: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    price_fen: int | None = None
    currency: str = "CNY"
    stock: int | None = None


class Product(Snapshot):
    id: int
    shop_id: int | None = None
    category_id: int | None = None
    title: str | None = None
    description: str | None = None
    status: str | None = None
    condition: str | None = None
    self_pickup: bool | None = None
    sellable_provinces: list[str] = Field(default_factory=list)
    external_ref: str | None = None
    skus: list[Sku] = Field(default_factory=list)
    updated_at: datetime | None = None


class OrderLine(Snapshot):
    id: int | None = None
    product_id: int | None = None
    sku_id: int | None = None
    title: str | None = None
    quantity: int = 1
    unit_price_fen: int | None = None


class Order(Snapshot):
    """An order. Buyer name, phone and address are ``None`` without ``orders:pii``."""

    id: int
    shop_id: int | None = None
    status: str | None = None
    currency: str = "CNY"
    subtotal_fen: int | None = None
    adjustments_fen: int | None = None
    total_fen: int | None = None
    refunded_fen: int | None = None
    self_pickup: bool | None = None
    province_code: str | None = None
    recipient_name: str | None = None
    recipient_phone: str | None = None
    address: str | None = None
    lines: list[OrderLine] = Field(default_factory=list)
    created_at: datetime | None = None
    paid_at: datetime | None = None


class AfterSale(Snapshot):
    """A refund, return or exchange request. ``outcome`` is set once it is resolved:
    ``refunded``, ``rejected`` or ``exchanged``."""

    id: int
    order_id: int | None = None
    kind: str | None = None
    status: str | None = None
    amount_fen: int | None = None
    refunded_fen: int | None = None
    outcome: str | None = None
    reason: str | None = None
    decision_reason: str | None = None
    return_carrier_code: str | None = None
    return_waybill: str | None = None


class TrackingEvent(Snapshot):
    id: int | None = None
    shipment_id: int | None = None
    status: str | None = None
    description: str = ""
    location: str = ""
    occurred_at: datetime | None = None


class Shipment(Snapshot):
    id: int
    order_id: int | None = None
    carrier_code: str | None = None
    waybill_no: str | None = None
    line_ids: list[int] = Field(default_factory=list)
    status: str | None = None


class ShopInfo(Snapshot):
    id: int
    name: str | None = None
    type: str | None = None
    status: str | None = None


class Installation(Snapshot):
    """This plugin's installation in one shop."""

    id: int
    shop_id: int
    plugin_id: str
    version: str | None = None
    status: str | None = None
    granted_scopes: list[str] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)


class Record(Snapshot):
    """One JSON document a plugin keeps for its installation (``client.records``).

    Records are private to the installation that wrote them; ``(collection, key)`` is
    unique within it. The merchant can read them in the console and the open API.
    """

    collection: str
    key: str
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- decisions ---------------------------------------------------------------------------


class ProductDraft(Snapshot):
    """A product about to be saved (``id`` is ``None`` when it is new)."""

    id: int | None = None
    title: str = ""
    description: str = ""
    category_id: int | None = None
    condition: str | None = None
    skus: list[Sku] = Field(default_factory=list)


class Problem(Snapshot):
    """One thing wrong with input, at a field path."""

    field: str
    message: str


class QuoteRequest(Snapshot):
    """What to ship where, for a shipping quote."""

    province_code: str
    weight_g: int = 0
    lines: list[OrderLine] = Field(default_factory=list)
    subtotal_fen: int = 0


class Quote(Snapshot):
    carrier_code: str
    amount_fen: int = Field(ge=0)
    currency: str = "CNY"
    days: int | None = None


class OrderDraft(Snapshot):
    """An order being placed, before adjustments."""

    province_code: str | None = None
    currency: str = "CNY"
    subtotal_fen: int = 0
    lines: list[OrderLine] = Field(default_factory=list)


class Adjustment(Snapshot):
    """A price change on an order: negative for a discount, positive for a fee."""

    label: str
    amount_fen: int
    code: str = ""


# --- registrations -----------------------------------------------------------------------


class PluginRoute(BaseModel):
    """A page or endpoint a plugin adds, served at ``/apps/<plugin id>/shops/<shop id><path>``.

    ``path`` may hold ``{name}`` parameters. ``scope`` is what the page needs: the signed-in
    member's role must cover it and the installation must have been granted it. ``endpoint``
    is called with the keyword arguments it names among ``client`` (the installation's
    scoped :class:`~sdk.client.ShopClient`), ``settings``, ``params`` (query and form
    fields), ``path_params`` and ``method``. It returns text (shown escaped), :class:`SafeHtml`
    (sanitized, then shown), or a dict/list/model (answered as JSON).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    path: str
    endpoint: Any
    methods: tuple[str, ...] = ("GET",)
    name: str = ""
    title: str = ""
    scope: str | None = None


class SafeHtml(Snapshot):
    """HTML a plugin page returns on purpose. The host still sanitizes it (no scripts,
    no event handlers, no forms) before it reaches the merchant's browser."""

    html: str


class Carrier(Snapshot):
    """A carrier a plugin adds (``register_carriers``): merchants can then ship with it.

    ``waybill_pattern`` is a regular expression that must match a whole waybill number
    (upper-case, without spaces or hyphens); a carrier whose code is already taken or whose
    pattern does not compile is left out.
    """

    code: str
    name: str
    tracking_url: str = ""
    waybill_pattern: str = r"[A-Z0-9]{6,40}"


class Importer(BaseModel):
    """An import format: ``parse`` turns the file's bytes into product drafts."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    code: str
    name: str
    content_types: tuple[str, ...] = ()
    parse: Any = None


class MerchantAction(Snapshot):
    """An action on the rows a merchant selects in the console (``area``: ``orders`` or
    ``products``), such as "Print labels for the selected orders".

    With ``run``, the console starts a job that calls ``run(item_id=..., client=...,
    settings=...)`` once per selected row in the worker, with the installation's scoped
    client, and shows its progress live; ``run`` returns a short text for the row (or
    ``None``) and raises to mark the row failed. With ``run_all`` instead, the job calls
    ``run_all(item_ids=[...], client=..., settings=...)`` once with the whole selection and
    keeps the :class:`ResultFile` it returns as the run's one download (500 orders make one
    label PDF, not 500 files). Without either, the button links to ``url``. ``scope`` is what the action needs: the member's role must cover it and the
    installation must have been granted it.
    """

    code: str
    label: str
    url: str = ""
    area: str = "orders"
    scope: str | None = None
    run: Any = None
    run_all: Any = None


class ResultFile(Snapshot):
    """A file a plugin hands back: the one result of a whole-selection action
    (:attr:`MerchantAction.run_all`) or a download answered by a plugin page.

    ``content_type`` must be one of :data:`RESULT_TYPES`; ``message`` is a short summary
    shown beside the download.
    """

    filename: str
    content_type: str
    data: bytes
    message: str = ""


#: The types a :class:`ResultFile` may have.
RESULT_TYPES: tuple[str, ...] = (
    "text/csv",
    "text/plain",
    "application/pdf",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


class FormField(Snapshot):
    """One input of a :class:`PluginForm`: ``kind`` is ``text``, ``textarea``, ``number``,
    ``select`` (with ``options`` as ``(value, label)`` pairs) or ``file``."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    help: str = ""
    value: str = ""


class PluginForm(Snapshot):
    """A form a plugin page returns; the host draws it (with its CSRF token) and posts it
    back to the same page. The handler then gets the fields in ``params`` and the uploads
    in ``files`` (name to :class:`UploadedFile`)."""

    fields: tuple[FormField, ...]
    submit_label: str
    intro: str = ""
    error: str = ""


class UploadedFile(Snapshot):
    """A file posted through a :class:`PluginForm`'s ``file`` field."""

    filename: str
    content_type: str
    data: bytes
