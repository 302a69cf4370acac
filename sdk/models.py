"""Typed, frozen snapshots of shop resources, as plugins see them in events and client calls.

They ignore fields they do not know and leave optional what the kernel may omit, so a newer
kernel never breaks an older plugin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

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
    compare_at_fen: int | None = None
    currency: str = "CNY"
    stock: int | None = None
    barcode: str | None = None


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
    weight_g: int | None = None
    skus: list[Sku] = Field(default_factory=list)
    #: stored file ids of the product's images, the main one first
    image_ids: list[int] = Field(default_factory=list)
    updated_at: datetime | None = None


class Category(Snapshot):
    """A node of the platform's public category tree."""

    id: int
    parent_id: int | None = None
    name: str = ""
    qualifications: list[str] = Field(default_factory=list)


class OrderLine(Snapshot):
    id: int | None = None
    product_id: int | None = None
    sku_id: int | None = None
    title: str | None = None
    quantity: int = 1
    unit_price_fen: int | None = None


#: The colours a merchant may flag an order with (``"none"`` clears the flag).
ORDER_FLAGS = ("red", "orange", "yellow", "green", "blue", "purple")
#: The longest merchant note on an order, in characters.
MAX_ORDER_NOTE = 500


class Order(Snapshot):
    """An order. Buyer name, phone and address are ``None`` without ``orders:pii``.
    ``merchant_note`` and ``merchant_flag`` (one of :data:`ORDER_FLAGS`) are the shop's
    own marks, never shown to the buyer."""

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
    merchant_note: str | None = None
    merchant_flag: str | None = None


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
    code: str = ""


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
    """An order being placed, before adjustments.

    ``buyer_id`` is the person placing it; ``codes`` are the coupon or promotion codes the
    buyer entered at checkout, for a plugin that honours codes. ``attempt`` names the order
    request: the same on every retry of it (same shop, buyer and ``Idempotency-Key``), so a
    plugin that takes something for the order (a coupon's use) takes it once per attempt.
    """

    province_code: str | None = None
    currency: str = "CNY"
    subtotal_fen: int = 0
    lines: list[OrderLine] = Field(default_factory=list)
    buyer_id: int | None = None
    codes: list[str] = Field(default_factory=list)
    attempt: str = ""


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
    fields), ``path_params``, ``method`` and ``language`` (the merchant's, ``zh-CN`` or
    ``en``). It returns text (shown escaped), :class:`SafeHtml`
    (sanitized, then shown), or a dict/list/model (answered as JSON).

    ``audience="buyer"`` makes it a page of the shop's storefront instead, served at
    ``/s/<shop id>/apps/<plugin id><path>`` to anyone (a POST needs a signed-in person):
    no member check, the installation must still hold ``scope``, and the endpoint may also
    name ``buyer_id`` (the signed-in person's account id, or ``None``). A buyer GET route
    with a ``title`` and no ``{name}`` parameters is linked from the storefront.

    ``audience="webhook"`` makes it a receiver of signed webhooks (``POST`` only), served at
    ``/hooks/shops/<shop id>/apps/<plugin id><path>`` with no login and no CSRF check, for
    enabled installations only (404 otherwise), the body at most 256 KiB. The endpoint may
    name ``body`` (the raw bytes) and ``headers`` (a dict, lower-case names) besides
    ``client``, ``settings``, ``params`` and ``path_params``; it must check the signature
    itself with :func:`sdk.remote.verify_webhook` against a secret it keeps. See
    :mod:`sdk.remote.receiving` for how its outcomes are answered.

    Merchant pages may also name ``hooks_url``: the absolute URL where the plugin's webhook
    routes for the shop start (the host's configured ``TANZI_BASE_URL``, else the address
    the request came in on), to hand to a sender.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    path: str
    endpoint: Any
    methods: tuple[str, ...] = ("GET",)
    name: str = ""
    title: str = ""
    title_zh_CN: str = ""
    scope: str | None = None
    audience: Literal["merchant", "buyer", "webhook"] = "merchant"

    def title_for(self, locale: str) -> str:
        """The title in ``locale`` (``zh_CN`` or English)."""
        return self.title_zh_CN if locale == "zh_CN" and self.title_zh_CN else self.title


class SafeHtml(Snapshot):
    """HTML a plugin page returns on purpose. The host still sanitizes it (no scripts,
    no event handlers, no forms) before it reaches the merchant's browser.

    A page that needs input lists ``forms``: the host draws them under the HTML, with
    its CSRF check, posting to the plugin's own routes (see :class:`PageForm`)."""

    html: str
    forms: tuple[PageForm, ...] = ()


class ConnectRedirect(Snapshot):
    """What a page handler of a plugin whose manifest has ``connect`` returns to connect
    the shop to another Tanzi shop over OAuth (:class:`sdk.manifest.ConnectRequest`).

    The host sends the merchant to the consent screen of the Tanzi host at ``base_url``
    (empty: this host; the person picks the shop there, as its owner), trades the code for tokens, seals them
    under the installation's secret ``secret`` and sends the merchant to the plugin page
    ``return_path`` with ``?connected=1`` (``?connect_error=<reason>`` when it failed).
    """

    base_url: str = Field(default="", max_length=300)
    secret: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,100}$")
    return_path: str = Field(pattern=r"^/[A-Za-z0-9_\-/]*$")


class PageForm(Snapshot):
    """A form the host draws under a plugin page (a plugin's own HTML may hold none).

    It posts to the plugin's route ``path`` (relative to the plugin's pages for the shop,
    e.g. ``/export``); the handler gets the ``fields`` (see :class:`ActionField`) in
    ``params``. ``danger`` draws the button as a destructive one.
    """

    path: str = Field(pattern=r"^/[A-Za-z0-9_\-/]*$")
    label: str
    label_zh_CN: str = ""
    fields: tuple[ActionField, ...] = ()
    danger: bool = False

    def label_for(self, locale: str) -> str:
        """The button's label in ``locale`` (``zh_CN`` or English)."""
        return self.label_zh_CN if locale == "zh_CN" and self.label_zh_CN else self.label


class Carrier(Snapshot):
    """A carrier a plugin adds (``register_carriers``): merchants can then ship with it.

    ``waybill_pattern`` is a regular expression that must match a whole waybill number
    (upper-case, without spaces or hyphens); a carrier whose code is already taken or whose
    pattern does not compile is left out.

    ``ewaybill`` (optional) is the carrier's e-waybill operations, an object fitting
    :class:`sdk.waybills.EWaybillOperations`: with it merchants can bind accounts with
    this carrier and printing services can issue waybill numbers on them.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", arbitrary_types_allowed=True)

    code: str
    name: str
    tracking_url: str = ""
    waybill_pattern: str = r"[A-Z0-9]{6,40}"
    ewaybill: Any = None


class Importer(BaseModel):
    """An import format (see :mod:`sdk.importing` for the whole flow).

    ``detect(head: bytes, filename: str) -> Detection`` says how well the first bytes
    (up to 64 KiB) look like this format; ``parse(stream, options: ImportOptions) ->
    Iterator[ImportRow]`` reads the binary stream as it goes and yields one row per
    product, never holding the file. ``fields`` are the fields a column may be mapped to
    on the import page. ``on_imported(client, rows, results)``, when given, runs in the
    import job after each chunk commits, with the chunk's :class:`~sdk.importing.ImportRow`
    objects and their :class:`~sdk.batch.ItemResult` (to queue image downloads, say).
    ``prepare(client) -> dict``, when given, returns what ``parse`` needs from the shop
    (its category tree, the merchant's saved mappings); the host calls it with the
    installation's client before a preview and when the import job starts, and passes
    the result as ``ImportOptions.values``. ``mapping_route``, when given, is a route of
    the plugin (``/mapping``) serving a mapping step for values the file leaves in doubt
    (categories, say): the preview links to it as ``<route>/<importer code>/<file id>``.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    code: str
    name: str
    content_types: tuple[str, ...] = ()
    parse: Any = None
    detect: Any = None
    fields: tuple[str, ...] = ()
    on_imported: Any = None
    prepare: Any = None
    mapping_route: str = Field(default="", pattern=r"^(/[A-Za-z0-9_\-/]*)?$")


class ActionField(Snapshot):
    """A value a merchant action asks for before it runs (a price rule's percent, say).

    ``kind`` is ``text``, ``number``, ``date`` (sent as ``YYYY-MM-DD``), ``select``
    (``options`` are ``(value, label, label_zh_CN)``), ``checkbox`` (sent as ``"on"`` when
    ticked), ``carrier_account`` (the host offers the shop's bound carrier accounts,
    masked, and checks the chosen id is one of them) or, on a page's form only, ``file`` (a
    CSV or XLSX the host keeps as the shop's upload; the handler gets its file id, to read
    with ``client.files.open``). The console shows the
    fields next to the action's button; the host checks ``required`` fields and select
    values before it starts the job, and ``run`` gets the values as ``params``.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    label: str
    label_zh_CN: str = ""
    kind: Literal["text", "number", "date", "select", "checkbox", "file", "carrier_account"] = (
        "text"
    )
    options: tuple[tuple[str, str, str], ...] = ()
    required: bool = False

    def label_for(self, locale: str) -> str:
        """The label in ``locale`` (``zh_CN`` or English)."""
        return self.label_zh_CN if locale == "zh_CN" and self.label_zh_CN else self.label


class MerchantAction(Snapshot):
    """An action on the rows a merchant selects in the console (``area``: ``orders`` or
    ``products``), such as "Print labels for the selected orders".

    With ``run``, the console starts a job that calls ``run(item_id=..., client=...,
    settings=...)`` once per selected row in the worker, with the installation's scoped
    client, and shows its progress live; ``run`` returns a short text for the row (or
    ``None``) and raises to mark the row failed. With ``run_all`` instead, the job calls
    ``run_all(item_ids=[...], client=..., settings=...)`` once with the whole selection and
    keeps the :class:`ResultFile` it returns as the run's one download (500 orders make one
    label PDF, not 500 files). With ``job`` (the code of one of the plugin's
    ``register_job_kinds``), the console starts that resumable job with params
    ``{"item_ids": [...], **field values}`` and shows its progress, refused rows and
    result file like any run's. Without any of them, the button links to ``url``. ``scope`` is what the action needs: the member's role must cover it and the
    installation must have been granted it.

    ``fields`` are values the merchant gives before it runs; ``run`` may also name
    ``params`` (those values), ``job_id`` (the run's job, the same for every row) and
    ``language`` (the merchant's, ``zh-CN`` or ``en``), and gets them when it does.
    ``label_zh_CN`` is the button's label in Chinese.
    """

    code: str
    label: str
    url: str = ""
    area: str = "orders"
    scope: str | None = None
    run: Any = None
    label_zh_CN: str = ""
    fields: tuple[ActionField, ...] = ()
    run_all: Any = None
    job: str = ""

    def label_for(self, locale: str) -> str:
        """The button's label in ``locale`` (``zh_CN`` or English)."""
        return self.label_zh_CN if locale == "zh_CN" and self.label_zh_CN else self.label


class ResultFile(Snapshot):
    """A file a plugin hands back: the one result of a whole-selection action
    (:attr:`MerchantAction.run_all`) or a download answered by a plugin page.

    ``content_type`` must be one of :data:`sdk.files.RESULT_TYPES`; ``message`` is a short summary
    shown beside the download.
    """

    filename: str
    content_type: str
    data: bytes
    message: str = ""
