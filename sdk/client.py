"""The ``ShopClient`` protocol: how a plugin reads and changes its shop.

In-process plugins get the kernel's scoped client; remote apps get the HTTP client; both
fit this protocol. Every call checks the installation's granted scopes first and raises
:class:`~sdk.errors.ScopeDenied` naming the missing scope, writing nothing. ``records`` is
the installation's own data store and needs no scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any, Protocol

from sdk.batch import BatchResult, ProductInput, ProductStatusName
from sdk.files import DEFAULT_RETENTION_DAYS, FileInfo, FileLink
from sdk.jobs import JobInfo
from sdk.models import (
    AfterSale,
    Category,
    Order,
    Product,
    Record,
    Shipment,
    ShopInfo,
    Sku,
    TrackingEvent,
)
from sdk.waybills import Address, CarrierAccount, Waybill, WaybillResult


class ProductsClient(Protocol):
    def get(self, product_id: int) -> Product:
        """One product with its SKUs. Scope: ``products:read``."""
        ...

    def list(self, *, limit: int = 50, after_id: int | None = None) -> list[Product]:
        """Products by id, ``limit`` at a time after ``after_id``. Scope: ``products:read``."""
        ...

    def set_stock(self, sku_id: int, stock: int) -> Sku:
        """Set a SKU's stock. Scope: ``products:write``."""
        ...

    def add_stock(
        self, sku_id: int, delta: int, *, note: str | None = None, change_id: str | None = None
    ) -> Sku:
        """Add ``delta`` (negative: take) to a SKU's stock in one locked step, with an
        optional ``note`` kept in its history. Refused with
        :class:`~sdk.errors.InvalidRequest` (``negative_stock``), changing nothing, when the
        stock would fall below zero: unlike reading then ``set_stock``, a concurrent sale
        is never overwritten. With a ``change_id`` (1 to 64 of ``A-Za-z0-9_.:-``) a repeat
        of the same change among the SKU's latest 500 changes is applied once (and the
        HTTP client may retry it); without one it is not retried.
        Scope: ``products:write``."""
        ...

    def get_by_ref(self, external_ref: str) -> Product | None:
        """The product with this ``external_ref``, or ``None``. Scope: ``products:read``."""
        ...

    def upsert_many(self, items: Sequence[ProductInput], *, dry_run: bool = False) -> BatchResult:
        """Create or change up to 1,000 products keyed by ``external_ref`` (or ``id``) and
        SKU code, in one transaction; one result per item, a failed item changing nothing.
        ``dry_run`` answers the same results and writes nothing. More than 1,000 items
        raise :class:`~sdk.errors.InvalidRequest` (``too_many_items``).
        Scope: ``products:write``."""
        ...

    def set_price(self, sku_id: int, price_fen: int, *, compare_at_fen: int | None = None) -> Sku:
        """Set a SKU's price (and its compare-at price when given).
        Scope: ``products:write``."""
        ...

    def set_status(self, product_id: int, status: ProductStatusName) -> Product:
        """List or delist a product (``listed``, ``delisted``); listing needs an open shop
        and a category the shop may sell in. Scope: ``products:write``."""
        ...

    def set_category(self, product_id: int, category_id: int) -> Product:
        """Move a product to another category the shop may sell in.
        Scope: ``products:write``."""
        ...

    def set_images(self, product_id: int, file_ids: Sequence[int]) -> Product:
        """Replace a product's images by stored images (``client.files.put_image``), the
        first the main one. Scope: ``products:write``."""
        ...

    def delete(self, product_id: int) -> bool:
        """Delete a product; ``False`` when it was ordered and is kept for its orders
        (delisted and hidden). Scope: ``products:write``."""
        ...


class CategoriesClient(Protocol):
    def list(self) -> list[Category]:
        """The platform's category tree, by id (public: no scope needed)."""
        ...


class FilesClient(Protocol):
    """The shop's files. Reading needs ``products:read``; writing ``products:write``."""

    def info(self, file_id: int) -> FileInfo:
        """One file of the shop (an upload, a result, an image). Scope: ``products:read``."""
        ...

    def open(self, file_id: int) -> IO[bytes]:
        """The file's bytes as a binary stream read as you go; close it (``with``).
        Scope: ``products:read``."""
        ...

    def write(
        self,
        filename: str,
        data: Iterable[bytes] | IO[bytes],
        *,
        content_type: str,
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> FileInfo:
        """Store a result file from chunks or a binary stream. The bytes must be of
        ``content_type`` (one of :data:`sdk.files.RESULT_TYPES`, checked on the first
        bytes) and within the host's size limit, else :class:`~sdk.errors.InvalidRequest`
        (``unsupported_file_type``, ``file_too_large``) and nothing is kept. The file is
        removed after ``retention_days`` (1 to 30)."""
        ...

    def put_image(self, filename: str, data: Iterable[bytes] | IO[bytes]) -> FileInfo:
        """Store a product image (JPEG, PNG, WebP; decoded and cleaned of metadata) for
        ``products.set_images`` or an upsert's ``images``."""
        ...

    def link(self, file_id: int) -> FileLink:
        """A signed download link valid for a few minutes. Scope: ``shop:read`` and the
        file's own: ``shop:write`` for results, ``products:write`` for uploads,
        ``products:read`` for images."""
        ...


class JobsClient(Protocol):
    """Jobs of the installation's registered kinds (``register_job_kinds``)."""

    def start(
        self, code: str, params: Mapping[str, Any] | None = None, *, language: str | None = None
    ) -> JobInfo:
        """Queue a job of this plugin's kind ``code`` with JSON ``params``. Scope: the
        kind's ``scope``.

        ``language`` is the merchant's (``zh-CN`` or ``en``; a page handler gets it as its
        ``language`` argument): the job's ``ctx.language``, so its refused rows and report
        are in it. Without it the job speaks the shop's default, ``zh-CN``."""
        ...

    def get(self, job_id: int) -> JobInfo:
        """A job this installation started (or the host started for it)."""
        ...


class OrdersClient(Protocol):
    def get(self, order_id: int) -> Order:
        """One order; buyer details only with ``orders:pii``. Scope: ``orders:read``."""
        ...

    def list(
        self, *, status: str | None = None, limit: int = 50, after_id: int | None = None
    ) -> list[Order]:
        """Orders by id, optionally of one status. Scope: ``orders:read``."""
        ...

    def cancel(self, order_id: int, *, reason: str) -> Order:
        """Cancel an order (pending payment or paid; a paid one is refunded in full) with
        a reason of 1 to 200 characters the buyer sees. Scope: ``orders:write``."""
        ...

    def annotate(self, order_id: int, *, note: str | None = None, flag: str | None = None) -> Order:
        """Set the merchant's note (at most 500 characters; ``""`` removes it) and coloured
        flag (one of :data:`sdk.models.ORDER_FLAGS`, ``"none"`` removes it) on an order;
        ``None`` leaves either as it is. The buyer never sees them. Anything else raises
        :class:`~sdk.errors.InvalidRequest`. Scope: ``orders:write``."""
        ...


class AfterSalesClient(Protocol):
    def get(self, aftersale_id: int) -> AfterSale:
        """One after-sale request. Scope: ``aftersales:read``."""
        ...

    def list(self, *, order_id: int | None = None, limit: int = 50) -> list[AfterSale]:
        """After-sale requests, optionally of one order. Scope: ``aftersales:read``."""
        ...

    def accept(self, aftersale_id: int) -> AfterSale:
        """Accept a pending request (a refund-only one is refunded at once).
        Scope: ``aftersales:write``."""
        ...

    def reject(self, aftersale_id: int, *, reason: str) -> AfterSale:
        """Reject a pending request with a reason the buyer sees. Scope: ``aftersales:write``."""
        ...


class LogisticsClient(Protocol):
    def shipments(self, *, order_id: int | None = None, limit: int = 50) -> list[Shipment]:
        """Shipments, optionally of one order. Scope: ``logistics:read``."""
        ...

    def add_tracking(
        self, shipment_id: int, *, status: str, description: str = "", location: str = ""
    ) -> TrackingEvent:
        """Add a tracking event to a shipment. Scope: ``logistics:write``."""
        ...

    def create_shipment(
        self,
        order_id: int,
        *,
        carrier_code: str,
        waybill_no: str,
        line_ids: list[int] | None = None,
    ) -> Shipment:
        """Ship an order (all of it, or ``line_ids``) with a waybill; the first parcel of a
        paid order moves it to shipped. Refuses an unknown carrier, a malformed waybill or
        one already used (``duplicate_waybill``), an order not awaiting shipment.
        Scope: ``logistics:write``."""
        ...


class CarriersClient(Protocol):
    """Bound carrier accounts and the e-waybills issued on them. The account's secret is
    never returned: the kernel passes it to the carrier's plugin only."""

    def accounts(self, *, carrier_code: str | None = None) -> list[CarrierAccount]:
        """The shop's bound (not unbound) accounts, masked. Scope: ``logistics:read``."""
        ...

    def issue_waybills(
        self, account_id: int, order_ids: list[int], *, sender: Address | None = None
    ) -> list[WaybillResult]:
        """One waybill per order (at most 100 orders), in the same order. An order that
        already has an issued waybill on this account gets it back (``reused``), never a
        second number. An order the carrier refused, or that cannot ship, gets a
        ``problem`` and no waybill. ``sender`` defaults to the account's sender address.
        Scope: ``logistics:write``."""
        ...

    def waybills(self, *, order_id: int) -> list[Waybill]:
        """The waybills issued for an order, cancelled ones too. Scope: ``logistics:read``."""
        ...

    def cancel_waybill(self, waybill_id: int) -> Waybill:
        """Cancel (recycle) an issued waybill that no shipment uses yet; cancelling a
        cancelled one returns it unchanged. Scope: ``logistics:write``."""
        ...


class RecordsClient(Protocol):
    """The installation's own JSON documents, grouped in collections. No scope needed.

    ``collection`` is a slug (``[a-z][a-z0-9_]*``, at most 63 long); ``key`` is 1 to 200
    characters; ``data`` is a JSON object of at most 64 KiB. Bad input raises
    :class:`~sdk.errors.InvalidRequest`.
    """

    def put(
        self, collection: str, key: str, data: dict[str, Any], *, if_absent: bool = False
    ) -> Record:
        """Create or replace the record at ``(collection, key)`` and return it.

        With ``if_absent`` an existing record is left as it is and returned: an atomic
        "create once", for handlers that must stay idempotent when an event is redelivered.
        """
        ...

    def get(self, collection: str, key: str) -> Record | None:
        """The record at ``(collection, key)``, or ``None``."""
        ...

    def list(
        self, collection: str, *, limit: int = 50, after_key: str | None = None
    ) -> list[Record]:
        """Records of ``collection`` ordered by key, ``limit`` (at most 200) after
        ``after_key``."""
        ...

    def delete(self, collection: str, key: str) -> bool:
        """Delete the record at ``(collection, key)``; ``False`` when there was none."""
        ...

    def increment(
        self, collection: str, key: str, field: str, *, by: int = 1, ceiling: int | None = None
    ) -> int | None:
        """Atomically add ``by`` to the counter ``data[field]`` of the record at
        ``(collection, key)`` and return its new value; ``None`` (and no change) when the
        value would fall below 0 or pass ``ceiling``.

        The record is created as ``{field: 0}`` when absent; its other fields are kept.
        Concurrent calls never pass the ceiling together: 500 buyers claiming 100 coupons
        with ``ceiling=100`` get exactly 100 values and 400 ``None``. ``field`` is a slug.
        """
        ...


class ShopNamespace(Protocol):
    def get(self) -> ShopInfo:
        """The shop's name, type and status. Scope: ``shop:read``."""
        ...


class ShopClient(Protocol):
    """A shop as one installation may see and change it."""

    shop_id: int
    installation_id: int | None

    @property
    def products(self) -> ProductsClient: ...

    @property
    def orders(self) -> OrdersClient: ...

    @property
    def aftersales(self) -> AfterSalesClient: ...

    @property
    def logistics(self) -> LogisticsClient: ...

    @property
    def carriers(self) -> CarriersClient: ...

    @property
    def shop(self) -> ShopNamespace: ...

    @property
    def records(self) -> RecordsClient: ...

    @property
    def categories(self) -> CategoriesClient: ...

    @property
    def files(self) -> FilesClient: ...

    @property
    def jobs(self) -> JobsClient: ...


class SecretsClient(Protocol):
    """The installation's own secrets (another platform's tokens, API keys): sealed at rest
    with the host's key, opened only for this installation, never listed, never shown by any
    route or page. No scope needed. ``name`` is a record key (1 to 200 printable
    characters); ``value`` a text of at most 16 KiB."""

    def put(self, name: str, value: str) -> None:
        """Seal and keep ``value`` under ``name`` (replacing any earlier one)."""
        ...

    def get(self, name: str) -> str | None:
        """The value kept under ``name``, or ``None``."""
        ...

    def delete(self, name: str) -> bool:
        """Forget ``name``; ``False`` when there was none."""
        ...


class HostedShopClient(ShopClient, Protocol):
    """The client an in-process plugin is handed: a :class:`ShopClient` that also keeps
    the installation's secrets (a remote app keeps its own on its server)."""

    @property
    def secrets(self) -> SecretsClient: ...
