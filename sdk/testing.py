"""``FakeShop``: an in-memory :class:`~sdk.client.ShopClient` for fast plugin unit tests.

It keeps a small demo-like shop in dictionaries (a shop, three products with SKUs, three
orders, a refund request and a shipment), enforces the granted scopes and the kernel's
rules the same way the real clients do, raising the same :mod:`sdk.errors`, and records
every call so a test can assert what the plugin did::

    from sdk.testing import FakeShop

    def test_thanks_on_paid_order():
        shop = FakeShop(scopes=["orders:read"])
        myplugin.order_paid(event, shop, settings={})
        assert shop.called("orders.get") == [((1,), {})]
        assert shop.records.get("notes", "1") is not None

Tests in Tanzi run the same contract suite (``tests/contract``) against ``FakeShop``, the
kernel's in-process client and the HTTP client, so the fake cannot drift from them. It
imports nothing but the SDK and pydantic.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sdk.errors import InvalidRequest, ResourceNotFound, ScopeDenied
from sdk.fake_catalog import (
    FakeCatalog,
    FakeCategories,
    FakeFiles,
    FakeJobs,
    new_file_row,
    run_job,
)
from sdk.files import FileInfo
from sdk.jobs import JobKind
from sdk.manifest import PluginManifest
from sdk.models import (
    MAX_ORDER_NOTE,
    ORDER_FLAGS,
    AfterSale,
    Order,
    Problem,
    Product,
    Record,
    Shipment,
    ShopInfo,
    Sku,
)
from sdk.models import TrackingEvent as TrackingEventModel
from sdk.scopes import Scope
from sdk.waybills import (
    BUILTIN_CARRIERS,
    Address,
    CarrierAccount,
    Waybill,
    WaybillResult,
)

#: The most rows one list call returns, as in the kernel.
MAX_LIST = 200
#: The highest stock a SKU may hold.
MAX_STOCK = 10_000_000
#: A record collection's name: a slug.
RECORD_COLLECTION = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
#: The longest record key, in characters.
MAX_RECORD_KEY = 200
#: The largest record document, as compact JSON in UTF-8.
MAX_RECORD_BYTES = 64 * 1024
#: Order statuses ``orders.list(status=...)`` accepts.
ORDER_STATUSES = frozenset(
    {"pending_payment", "paid", "shipped", "delivered", "completed", "cancelled"}
)
#: Statuses ``logistics.add_tracking`` accepts.
TRACKING_STATUSES = frozenset(
    {"picked_up", "in_transit", "out_for_delivery", "delivered", "exception"}
)
_PII = ("recipient_name", "recipient_phone", "address")
#: The most orders one ``issue_waybills`` call takes, as in the kernel.
MAX_WAYBILL_BATCH = 100
#: The longest cancellation reason, in characters.
MAX_CANCEL_REASON = 200


@dataclass(frozen=True)
class Call:
    """One call a plugin made: ``method`` is ``"<namespace>.<name>"``, e.g. ``"orders.get"``."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC)


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIST))


class FakeShop:
    """An in-memory shop seen through one installation's granted scopes.

    :param scopes: the granted scopes (``Scope`` members or strings); ``None`` grants all.
    :param seed: start with the demo-like data (``False``: an empty open shop).
    :param shop_id: the shop's id; ``installation_id`` the installation's.

    ``calls`` lists every call in order (denied ones included); ``scopes`` may be changed
    between calls with :meth:`grant` and :meth:`revoke`. ``add_product``, ``add_order``,
    ``add_aftersale`` and ``add_shipment`` make more data, without any scope check.
    """

    def __init__(
        self,
        *,
        scopes: Iterable[str | Scope] | None = None,
        seed: bool = True,
        shop_id: int = 1,
        installation_id: int | None = 1,
        shop_name: str = "摊子好物 Tanzi Goods",
    ) -> None:
        self.shop_id = shop_id
        self.installation_id = installation_id
        self.scopes: set[str] = (
            {s.value for s in Scope} if scopes is None else {str(Scope(s)) for s in scopes}
        )
        self.calls: list[Call] = []
        self.info = ShopInfo(id=shop_id, name=shop_name, type="enterprise", status="open")
        self.product_rows: dict[int, dict[str, Any]] = {}
        self.sku_rows: dict[int, dict[str, Any]] = {}
        self.order_rows: dict[int, dict[str, Any]] = {}
        self.aftersale_rows: dict[int, dict[str, Any]] = {}
        self.shipment_rows: dict[int, dict[str, Any]] = {}
        self.tracking_rows: dict[int, dict[str, Any]] = {}
        self.record_rows: dict[tuple[str, str], Record] = {}
        self.secret_rows: dict[str, str] = {}
        self.stock_changes: set[tuple[int, str]] = set()
        #: makes ``records.increment`` atomic across threads, as the real stores are
        self.counter_lock = threading.Lock()
        self.account_rows: dict[int, dict[str, Any]] = {}
        self.waybill_rows: dict[int, dict[str, Any]] = {}
        self.carrier_patterns: dict[str, re.Pattern[str]] = {
            code: re.compile(pattern) for code, _name, pattern in BUILTIN_CARRIERS
        }
        self.refused_orders: set[int] = set()
        self.file_rows: dict[int, dict[str, Any]] = {}
        self.job_rows: dict[int, dict[str, Any]] = {}
        self.job_kinds: dict[str, JobKind] = {}
        #: the installation's settings and the merchant's language, as jobs see them
        self.settings: dict[str, Any] = {}
        self.language = "en"
        self._ids: dict[str, int] = {}
        self._bind()
        if seed:
            self._seed()

    def _bind(self) -> None:
        self.products = _Products(self)
        self.orders = _Orders(self)
        self.aftersales = _AfterSales(self)
        self.logistics = _Logistics(self)
        self.shop = _Shop(self)
        self.records = _Records(self)
        self.carriers = _Carriers(self)
        self.categories = FakeCategories(self)
        self.files = FakeFiles(self)
        self.jobs = FakeJobs(self)
        self.secrets = _Secrets(self)

    @classmethod
    def for_manifest(cls, manifest: PluginManifest, **kwargs: Any) -> FakeShop:
        """A fake shop granting exactly the scopes ``manifest`` requests."""
        return cls(scopes=manifest.scope_values, **kwargs)

    def with_scopes(self, scopes: Iterable[str | Scope]) -> FakeShop:
        """Another client of the same shop granted ``scopes``: it shares this one's data
        and call log (e.g. a narrower token of the same installation)."""
        view = copy.copy(self)
        view.scopes = {str(Scope(s)) for s in scopes}
        view._bind()
        return view

    # -- scopes and calls ----------------------------------------------------------------

    def grant(self, *scopes: str | Scope) -> None:
        """Grant more scopes."""
        self.scopes.update(str(Scope(s)) for s in scopes)

    def revoke(self, *scopes: str | Scope) -> None:
        """Take scopes away."""
        self.scopes.difference_update(str(Scope(s)) for s in scopes)

    def called(self, method: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        """The ``(args, kwargs)`` of every call to ``method`` (``"orders.get"``), in order."""
        return [(c.args, c.kwargs) for c in self.calls if c.method == method]

    def _call(self, method: str, scope: Scope | None, *args: Any, **kwargs: Any) -> None:
        self.calls.append(Call(method, args, kwargs))
        if scope is not None and scope.value not in self.scopes:
            raise ScopeDenied(scope.value)

    def _next_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    # -- files and jobs ------------------------------------------------------------------

    def add_file(
        self,
        filename: str,
        data: bytes,
        *,
        content_type: str = "text/csv",
        purpose: str = "upload",
        retention_days: int | None = 1,
    ) -> FileInfo:
        """Store a file without any scope check (``add_upload``: as a merchant's upload)."""
        file_id = self._next_id("file")
        self.file_rows[file_id] = new_file_row(
            file_id,
            filename,
            data,
            content_type=content_type,
            purpose=purpose,
            retention_days=retention_days,
        )
        return FileInfo.model_validate(self.file_rows[file_id])

    def add_upload(self, filename: str, data: bytes, content_type: str = "text/csv") -> FileInfo:
        """A file the merchant uploaded (what an importer reads)."""
        return self.add_file(filename, data, content_type=content_type)

    def file_bytes(self, file_id: int) -> bytes:
        """The bytes of a stored file (a result the plugin wrote, say)."""
        return bytes(self.file_rows[file_id]["data"])

    def register_job_kinds(self, kinds: Iterable[JobKind]) -> None:
        """Make the plugin's job kinds (what ``register_job_kinds`` returns) startable."""
        self.job_kinds.update((k.code, k) for k in kinds)

    def run_jobs(self, *, stop_after: int | None = None) -> dict[int, str]:
        """Run every queued or interrupted job; ``stop_after`` chunks simulates a killed
        worker (the job stays ``running`` and the next ``run_jobs`` resumes it).
        Returns each job's outcome (``succeeded``, ``failed``, ``cancelled``, ``killed``)."""
        out: dict[int, str] = {}
        for job_id, row in list(self.job_rows.items()):
            if row["status"] in ("queued", "running"):
                out[job_id] = run_job(
                    self, job_id, self.job_kinds[row["kind"]], stop_after=stop_after
                )
        return out

    def cancel_job(self, job_id: int) -> None:
        """Ask a job to stop after its current chunk, as the merchant's Cancel does."""
        self.job_rows[job_id]["cancel"] = True

    def refused_rows(self, job_id: int) -> list[Any]:
        """The refused rows a job recorded so far (what its report file lists)."""
        return list(self.job_rows[job_id]["refused"])

    def _catalog_state(self) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
        return (
            copy.deepcopy(self.product_rows),
            copy.deepcopy(self.sku_rows),
        )

    def _restore_catalog(
        self, state: tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]
    ) -> None:
        self.product_rows, self.sku_rows = state

    # -- making data ---------------------------------------------------------------------

    def add_product(
        self,
        title: str,
        skus: Iterable[tuple[str, dict[str, str], int, int]],
        *,
        status: str = "listed",
        category_id: int | None = 1,
    ) -> Product:
        """Add a product with SKUs given as ``(code, options, price_fen, stock)``."""
        product_id = self._next_id("product")
        self.product_rows[product_id] = {
            "id": product_id,
            "shop_id": self.shop_id,
            "category_id": category_id,
            "title": title,
            "description": f"{title}. Demo product.",
            "status": status,
            "condition": "new",
            "self_pickup": False,
            "sellable_provinces": [],
            "external_ref": None,
            "weight_g": 0,
            "image_ids": [],
            "updated_at": _now(),
        }
        for code, options, price_fen, stock in skus:
            sku_id = self._next_id("sku")
            self.sku_rows[sku_id] = {
                "id": sku_id,
                "product_id": product_id,
                "code": code,
                "options": dict(options),
                "price_fen": price_fen,
                "compare_at_fen": None,
                "currency": "CNY",
                "stock": stock,
                "barcode": None,
            }
        return self._product(product_id)

    def delete_product(self, product_id: int) -> None:
        """Delete a product, as the merchant would: it is no longer found or listed."""
        del self.product_rows[product_id]

    def add_order(
        self, lines: Iterable[tuple[int, int]], *, status: str = "paid", province_code: str = "33"
    ) -> Order:
        """Add an order of ``(sku_id, quantity)`` lines (stock is not touched)."""
        order_id = self._next_id("order")
        rows = []
        for sku_id, quantity in lines:
            sku = self.sku_rows[sku_id]
            product = self.product_rows[sku["product_id"]]
            rows.append(
                {
                    "id": self._next_id("line"),
                    "product_id": product["id"],
                    "sku_id": sku_id,
                    "title": product["title"],
                    "quantity": quantity,
                    "unit_price_fen": sku["price_fen"],
                }
            )
        subtotal = sum(r["quantity"] * r["unit_price_fen"] for r in rows)
        now = _now()
        self.order_rows[order_id] = {
            "id": order_id,
            "shop_id": self.shop_id,
            "status": status,
            "currency": "CNY",
            "subtotal_fen": subtotal,
            "adjustments_fen": 0,
            "total_fen": subtotal,
            "refunded_fen": 0,
            "self_pickup": False,
            "province_code": province_code,
            "recipient_name": "李买家",
            "recipient_phone": "13800138000",
            "address": "浙江省杭州市西湖区文三路 1 号",
            "lines": rows,
            "created_at": now,
            "paid_at": now if status != "pending_payment" else None,
            "merchant_note": "",
            "merchant_flag": None,
        }
        return Order.model_validate(self.order_rows[order_id])

    def add_aftersale(
        self, order_id: int, *, kind: str = "refund_only", amount_fen: int = 0, reason: str = ""
    ) -> AfterSale:
        """Add a pending after-sale request on an order."""
        aftersale_id = self._next_id("aftersale")
        self.aftersale_rows[aftersale_id] = {
            "id": aftersale_id,
            "order_id": order_id,
            "kind": kind,
            "status": "requested",
            "amount_fen": amount_fen,
            "refunded_fen": 0,
            "outcome": None,
            "reason": reason or "Changed my mind",
            "decision_reason": "",
            "return_carrier_code": None,
            "return_waybill": None,
        }
        return AfterSale.model_validate(self.aftersale_rows[aftersale_id])

    def add_shipment(
        self, order_id: int, *, carrier_code: str = "SF", waybill_no: str = "SF1234567890"
    ) -> Shipment:
        """Add a parcel holding the whole order, and mark the order shipped."""
        shipment_id = self._next_id("shipment")
        self.shipment_rows[shipment_id] = {
            "id": shipment_id,
            "order_id": order_id,
            "carrier_code": carrier_code,
            "waybill_no": waybill_no,
            "line_ids": [],
            "status": "in_transit",
            "delivered": False,
        }
        self.order_rows[order_id]["status"] = "shipped"
        return Shipment.model_validate(self.shipment_rows[shipment_id])

    def add_carrier(self, code: str, pattern: str) -> None:
        """Know one more carrier (as a plugin's ``register_carriers`` would add it)."""
        self.carrier_patterns[code] = re.compile(pattern)

    def add_account(
        self, carrier_code: str = "SANDBOX", account_no: str = "SBX-ACCT-0001", branch: str = ""
    ) -> CarrierAccount:
        """Bind a carrier account (the fake's carrier issues ``SBX`` + 10 digits)."""
        if carrier_code not in self.carrier_patterns:
            self.add_carrier(carrier_code, r"SBX\d{10}")
        account_id = self._next_id("account")
        self.account_rows[account_id] = {
            "id": account_id,
            "carrier_code": carrier_code,
            "account_no_masked": "*" * (len(account_no) - 4) + account_no[-4:],
            "branch": branch,
            "sender": Address(
                name="摊子好物发货组",
                phone="0571-88886666",
                province="浙江省",
                city="杭州市",
                district="余杭区",
                street="文一西路 969 号",
                province_code="33",
            ),
            "status": "active",
            "created_at": _now(),
            "unbound_at": None,
        }
        return CarrierAccount.model_validate(self.account_rows[account_id])

    def fail_waybills_for(self, order_ids: Iterable[int]) -> None:
        """Make the fake carrier refuse to issue numbers for these orders."""
        self.refused_orders.update(order_ids)

    def _seed(self) -> None:
        self.add_product(
            "明前龙井 West Lake Longjing tea, 250 g",
            [("LJ-250", {"规格": "250g"}, 16800, 40), ("LJ-500", {"规格": "500g"}, 31800, 15)],
        )
        self.add_product(
            "真丝衬衫 Silk shirt",
            [
                ("SILK-S", {"尺码": "S", "颜色": "白"}, 45900, 8),
                ("SILK-M", {"尺码": "M", "颜色": "白"}, 45900, 12),
                ("SILK-L", {"尺码": "L", "颜色": "黑"}, 45900, 5),
            ],
        )
        self.add_product("旧款手机壳 Phone case (new)", [("CASE-1", {}, 2900, 200)])
        first = self.add_order([(1, 1)])
        second = self.add_order([(3, 1)])
        self.add_order([(6, 1)], status="pending_payment")
        self.add_aftersale(first.id, amount_fen=first.total_fen or 0, reason="Arrived late")
        self.add_shipment(second.id)
        self.add_account()

    # -- views ---------------------------------------------------------------------------

    def _product(self, product_id: int) -> Product:
        skus = [s for s in self.sku_rows.values() if s["product_id"] == product_id]
        return Product.model_validate({**self.product_rows[product_id], "skus": skus})

    def _order(self, order_id: int) -> Order:
        row = dict(self.order_rows[order_id])
        if Scope.orders_pii.value not in self.scopes:
            row.update(dict.fromkeys(_PII))
        return Order.model_validate(row)

    def _aftersale(self, aftersale_id: int) -> AfterSale:
        return AfterSale.model_validate(self.aftersale_rows[aftersale_id])

    def _found(self, rows: dict[int, Any], row_id: int, what: str) -> None:
        if row_id not in rows:
            raise ResourceNotFound(f"{what} {row_id} was not found in this shop.")


class _Namespace:
    def __init__(self, fake: FakeShop) -> None:
        self._f = fake


class _Products(_Namespace, FakeCatalog):
    def get(self, product_id: int) -> Product:
        """One product with its SKUs. Scope: ``products:read``."""
        self._f._call("products.get", Scope.products_read, product_id)
        self._f._found(self._f.product_rows, product_id, "Product")
        return self._f._product(product_id)

    def list(self, *, limit: int = 50, after_id: int | None = None) -> list[Product]:
        """Products by id, ``limit`` at a time after ``after_id``. Scope: ``products:read``."""
        self._f._call("products.list", Scope.products_read, limit=limit, after_id=after_id)
        ids = sorted(i for i in self._f.product_rows if after_id is None or i > after_id)
        return [self._f._product(i) for i in ids[: _limit(limit)]]

    def set_stock(self, sku_id: int, stock: int) -> Sku:
        """Set a SKU's stock (0 to 10,000,000). Scope: ``products:write``."""
        self._f._call("products.set_stock", Scope.products_write, sku_id, stock)
        if sku_id not in self._f.sku_rows:
            raise ResourceNotFound(f"SKU {sku_id} was not found.")
        if stock < 0:
            raise InvalidRequest(f"Stock would fall below zero ({stock}).", code="negative_stock")
        if stock > MAX_STOCK:
            raise InvalidRequest(
                f"Stock would pass the maximum of {MAX_STOCK}.", code="stock_too_large"
            )
        self._f.sku_rows[sku_id]["stock"] = stock
        return Sku.model_validate(self._f.sku_rows[sku_id])

    def add_stock(
        self, sku_id: int, delta: int, *, note: str | None = None, change_id: str | None = None
    ) -> Sku:
        """Add ``delta`` to a SKU's stock, never below zero; a repeated ``change_id`` is
        applied once. Scope: ``products:write``."""
        self._f._call("products.add_stock", Scope.products_write, sku_id, delta)
        if sku_id not in self._f.sku_rows:
            raise ResourceNotFound(f"SKU {sku_id} was not found.")
        if change_id is not None and (sku_id, change_id) in self._f.stock_changes:
            return Sku.model_validate(self._f.sku_rows[sku_id])
        stock = self._f.sku_rows[sku_id]["stock"] + delta
        if stock < 0:
            raise InvalidRequest(f"Stock would fall below zero ({stock}).", code="negative_stock")
        if stock > MAX_STOCK:
            raise InvalidRequest(
                f"Stock would pass the maximum of {MAX_STOCK}.", code="stock_too_large"
            )
        self._f.sku_rows[sku_id]["stock"] = stock
        if change_id is not None:
            self._f.stock_changes.add((sku_id, change_id))
        return Sku.model_validate(self._f.sku_rows[sku_id])


class _Orders(_Namespace):
    def get(self, order_id: int) -> Order:
        """One order; buyer details only with ``orders:pii``. Scope: ``orders:read``."""
        self._f._call("orders.get", Scope.orders_read, order_id)
        self._f._found(self._f.order_rows, order_id, "Order")
        return self._f._order(order_id)

    def list(
        self, *, status: str | None = None, limit: int = 50, after_id: int | None = None
    ) -> list[Order]:
        """Orders by id, optionally of one status. Scope: ``orders:read``."""
        self._f._call(
            "orders.list", Scope.orders_read, status=status, limit=limit, after_id=after_id
        )
        if status is not None and status not in ORDER_STATUSES:
            raise InvalidRequest(f"'{status}' is not an order status.")
        ids = sorted(
            i
            for i, row in self._f.order_rows.items()
            if (after_id is None or i > after_id) and (status is None or row["status"] == status)
        )
        return [self._f._order(i) for i in ids[: _limit(limit)]]

    def cancel(self, order_id: int, *, reason: str) -> Order:
        """Cancel a pending or paid order (a paid one is refunded in full) with a reason.
        Scope: ``orders:write``."""
        self._f._call("orders.cancel", Scope.orders_write, order_id, reason=reason)
        self._f._found(self._f.order_rows, order_id, "Order")
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason or len(reason) > MAX_CANCEL_REASON:
            raise InvalidRequest(
                f"A cancellation needs a reason of 1 to {MAX_CANCEL_REASON} characters.",
                code="invalid_input",
            )
        row = self._f.order_rows[order_id]
        if row["status"] not in ("pending_payment", "paid"):
            raise InvalidRequest(
                f"An order that is {row['status']} cannot be cancelled here.",
                code="cancel_not_allowed",
            )
        if row["status"] == "paid":
            row["refunded_fen"] = row["total_fen"]
        row["status"] = "cancelled"
        return self._f._order(order_id)

    def annotate(self, order_id: int, *, note: str | None = None, flag: str | None = None) -> Order:
        """Set the merchant's note and flag on an order. Scope: ``orders:write``."""
        self._f._call("orders.annotate", Scope.orders_write, order_id, note=note, flag=flag)
        self._f._found(self._f.order_rows, order_id, "Order")
        text = note.strip() if note is not None else None
        if text is not None and len(text) > MAX_ORDER_NOTE:
            raise InvalidRequest(
                f"A note has at most {MAX_ORDER_NOTE} characters.", code="too_long"
            )
        if flag is not None and flag != "none" and flag not in ORDER_FLAGS:
            raise InvalidRequest(f"'{flag}' is not a flag colour.", code="invalid_flag")
        row = self._f.order_rows[order_id]
        if text is not None:
            row["merchant_note"] = text
        if flag is not None:
            row["merchant_flag"] = None if flag == "none" else flag
        return self._f._order(order_id)


class _AfterSales(_Namespace):
    def get(self, aftersale_id: int) -> AfterSale:
        """One after-sale request. Scope: ``aftersales:read``."""
        self._f._call("aftersales.get", Scope.aftersales_read, aftersale_id)
        self._f._found(self._f.aftersale_rows, aftersale_id, "After-sales request")
        return self._f._aftersale(aftersale_id)

    def list(self, *, order_id: int | None = None, limit: int = 50) -> list[AfterSale]:
        """After-sale requests by id, optionally of one order. Scope: ``aftersales:read``."""
        self._f._call("aftersales.list", Scope.aftersales_read, order_id=order_id, limit=limit)
        ids = sorted(
            i
            for i, row in self._f.aftersale_rows.items()
            if order_id is None or row["order_id"] == order_id
        )
        return [self._f._aftersale(i) for i in ids[: _limit(limit)]]

    def _pending(self, aftersale_id: int, action: str) -> dict[str, Any]:
        self._f._found(self._f.aftersale_rows, aftersale_id, "After-sales request")
        row = self._f.aftersale_rows[aftersale_id]
        if row["status"] != "requested":
            raise InvalidRequest(
                f"A request that is {row['status']} cannot be {action}.",
                code="invalid_aftersale_transition",
            )
        return row

    def accept(self, aftersale_id: int) -> AfterSale:
        """Accept a pending request; a refund-only one is refunded at once.
        Scope: ``aftersales:write``."""
        self._f._call("aftersales.accept", Scope.aftersales_write, aftersale_id)
        row = self._pending(aftersale_id, "accepted")
        row["status"] = "accepted"
        if row["kind"] == "refund_only":
            order = self._f.order_rows[row["order_id"]]
            amount = min(row["amount_fen"], max(order["total_fen"] - order["refunded_fen"], 0))
            order["refunded_fen"] += amount
            row.update(status="completed", outcome="refunded", refunded_fen=amount)
        return self._f._aftersale(aftersale_id)

    def reject(self, aftersale_id: int, *, reason: str) -> AfterSale:
        """Reject a pending request with a reason the buyer sees. Scope: ``aftersales:write``."""
        self._f._call("aftersales.reject", Scope.aftersales_write, aftersale_id, reason=reason)
        row = self._pending(aftersale_id, "rejected")
        if not reason.strip():
            raise InvalidRequest("A rejection needs a reason.", code="invalid_input")
        row.update(status="rejected", outcome="rejected", decision_reason=reason.strip())
        return self._f._aftersale(aftersale_id)


class _Logistics(_Namespace):
    def shipments(self, *, order_id: int | None = None, limit: int = 50) -> list[Shipment]:
        """Shipments by id, optionally of one order. Scope: ``logistics:read``."""
        self._f._call("logistics.shipments", Scope.logistics_read, order_id=order_id, limit=limit)
        ids = sorted(
            i
            for i, row in self._f.shipment_rows.items()
            if order_id is None or row["order_id"] == order_id
        )
        return [Shipment.model_validate(self._f.shipment_rows[i]) for i in ids[: _limit(limit)]]

    def add_tracking(
        self, shipment_id: int, *, status: str, description: str = "", location: str = ""
    ) -> TrackingEventModel:
        """Add a tracking event to a shipment. Scope: ``logistics:write``."""
        self._f._call(
            "logistics.add_tracking",
            Scope.logistics_write,
            shipment_id,
            status=status,
            description=description,
            location=location,
        )
        self._f._found(self._f.shipment_rows, shipment_id, "Shipment")
        if status not in TRACKING_STATUSES:
            raise InvalidRequest(f"'{status}' is not a tracking status.", code="invalid_input")
        shipment = self._f.shipment_rows[shipment_id]
        if shipment["delivered"]:
            raise InvalidRequest(
                "This parcel was delivered; it takes no more tracking events.",
                code="shipment_delivered",
            )
        event_id = self._f._next_id("tracking")
        row = {
            "id": event_id,
            "shipment_id": shipment_id,
            "status": status,
            "description": description,
            "location": location,
            "occurred_at": _now(),
        }
        self._f.tracking_rows[event_id] = row
        shipment.update(status=status, delivered=status == "delivered")
        order = self._f.order_rows[shipment["order_id"]]
        parcels = [s for s in self._f.shipment_rows.values() if s["order_id"] == order["id"]]
        if order["status"] == "shipped" and all(s["delivered"] for s in parcels):
            order["status"] = "delivered"
        return TrackingEventModel.model_validate(row)

    def create_shipment(
        self,
        order_id: int,
        *,
        carrier_code: str,
        waybill_no: str,
        line_ids: list[int] | None = None,
    ) -> Shipment:
        """Ship an order with a waybill; a paid order moves to shipped.
        Scope: ``logistics:write``."""
        self._f._call(
            "logistics.create_shipment",
            Scope.logistics_write,
            order_id,
            carrier_code=carrier_code,
            waybill_no=waybill_no,
            line_ids=line_ids,
        )
        self._f._found(self._f.order_rows, order_id, "Order")
        code = carrier_code.strip().upper()
        pattern = self._f.carrier_patterns.get(code)
        if pattern is None:
            raise InvalidRequest(f"Unknown carrier {carrier_code!r}.", code="unknown_carrier")
        number = re.sub(r"[\s\-]", "", waybill_no).upper()
        if not pattern.fullmatch(number):
            raise InvalidRequest(
                f"{waybill_no!r} is not a {code} waybill number.", code="invalid_waybill"
            )
        if any(
            r["carrier_code"] == code and r["waybill_no"] == number
            for r in self._f.shipment_rows.values()
        ):
            raise InvalidRequest(
                f"Waybill {number} of {code} is already used by a shipment.",
                code="duplicate_waybill",
            )
        order = self._f.order_rows[order_id]
        if order["status"] not in ("paid", "shipped"):
            raise InvalidRequest(
                f"An order that is {order['status']} cannot be shipped.",
                code="order_not_shippable",
            )
        known = {line["id"] for line in order["lines"]}
        for line_id in line_ids or []:
            if line_id not in known:
                raise InvalidRequest(
                    f"Line {line_id} is not a line of order {order_id}.", code="invalid_input"
                )
        shipment = self._f.add_shipment(order_id, carrier_code=code, waybill_no=number)
        self._f.shipment_rows[shipment.id]["line_ids"] = list(dict.fromkeys(line_ids or []))
        return Shipment.model_validate(self._f.shipment_rows[shipment.id])


class _Carriers(_Namespace):
    """Bound carrier accounts and their e-waybills (a fake carrier issues the numbers)."""

    def accounts(self, *, carrier_code: str | None = None) -> list[CarrierAccount]:
        """Bound accounts, masked. Scope: ``logistics:read``."""
        self._f._call("carriers.accounts", Scope.logistics_read, carrier_code=carrier_code)
        return [
            CarrierAccount.model_validate(row)
            for _id, row in sorted(self._f.account_rows.items())
            if row["status"] == "active"
            and (carrier_code is None or row["carrier_code"] == carrier_code.upper())
        ]

    def _account(self, account_id: int) -> dict[str, Any]:
        row = self._f.account_rows.get(account_id)
        if row is None or row["status"] != "active":
            raise ResourceNotFound(f"Carrier account {account_id} was not found in this shop.")
        return row

    def issue_waybills(
        self, account_id: int, order_ids: list[int], *, sender: Address | None = None
    ) -> list[WaybillResult]:
        """One waybill per order, once. Scope: ``logistics:write``."""
        self._f._call(
            "carriers.issue_waybills",
            Scope.logistics_write,
            account_id,
            list(order_ids),
            sender=sender,
        )
        account = self._account(account_id)
        if len(order_ids) > MAX_WAYBILL_BATCH:
            raise InvalidRequest(
                f"At most {MAX_WAYBILL_BATCH} orders per call.", code="too_many_orders"
            )
        results: list[WaybillResult] = []
        for index, order_id in enumerate(order_ids):
            results.append(self._issue_one(account, index, order_id))
        return results

    def _issue_one(self, account: dict[str, Any], index: int, order_id: int) -> WaybillResult:
        def refused(message: str) -> WaybillResult:
            return WaybillResult(
                order_id=order_id, problem=Problem(field=f"order_ids[{index}]", message=message)
            )

        order = self._f.order_rows.get(order_id)
        if order is None:
            return refused(f"Order {order_id} was not found in this shop.")
        for row in self._f.waybill_rows.values():
            if (
                row["account_id"] == account["id"]
                and row["order_id"] == order_id
                and row["status"] == "issued"
            ):
                return WaybillResult(
                    order_id=order_id, waybill=Waybill.model_validate(row), reused=True
                )
        if order["status"] != "paid":
            return refused(f"An order that is {order['status']} cannot be shipped.")
        if order_id in self._f.refused_orders:
            return refused("The carrier refused this order: address not served.")
        waybill_id = self._f._next_id("waybill")
        row = {
            "id": waybill_id,
            "account_id": account["id"],
            "order_id": order_id,
            "carrier_code": account["carrier_code"],
            "waybill_no": f"SBX{waybill_id:010d}",
            "routing_code": f"571-{order['province_code']}",
            "sort_code": "A1",
            "destination": "杭州转运中心",
            "status": "issued",
            "created_at": _now(),
        }
        self._f.waybill_rows[waybill_id] = row
        return WaybillResult(order_id=order_id, waybill=Waybill.model_validate(row))

    def waybills(self, *, order_id: int) -> list[Waybill]:
        """The waybills issued for an order. Scope: ``logistics:read``."""
        self._f._call("carriers.waybills", Scope.logistics_read, order_id=order_id)
        return [
            Waybill.model_validate(row)
            for _id, row in sorted(self._f.waybill_rows.items())
            if row["order_id"] == order_id
        ]

    def cancel_waybill(self, waybill_id: int) -> Waybill:
        """Cancel an issued waybill no shipment uses. Scope: ``logistics:write``."""
        self._f._call("carriers.cancel_waybill", Scope.logistics_write, waybill_id)
        self._f._found(self._f.waybill_rows, waybill_id, "Waybill")
        row = self._f.waybill_rows[waybill_id]
        if row["status"] == "issued":
            if any(s["waybill_no"] == row["waybill_no"] for s in self._f.shipment_rows.values()):
                raise InvalidRequest(
                    "A shipment uses this waybill; it cannot be cancelled.",
                    code="waybill_in_use",
                )
            row["status"] = "cancelled"
        return Waybill.model_validate(row)


class _Shop(_Namespace):
    def get(self) -> ShopInfo:
        """The shop's name, type and status. Scope: ``shop:read``."""
        self._f._call("shop.get", Scope.shop_read)
        return self._f.info


class _Secrets(_Namespace):
    """The installation's secrets, kept apart from its records (never in ``record_rows``)."""

    def put(self, name: str, value: str) -> None:
        """Keep ``value`` under ``name``."""
        self._f._call("secrets.put", None, name)
        _check_address("secrets", name)
        if not isinstance(value, str) or not value or len(value) > 16 * 1024:
            raise InvalidRequest(
                "A secret is 1 to 16384 characters of text.", code="invalid_secret"
            )
        self._f.secret_rows[name] = value

    def get(self, name: str) -> str | None:
        """The value kept under ``name``, or ``None``."""
        self._f._call("secrets.get", None, name)
        return self._f.secret_rows.get(name)

    def delete(self, name: str) -> bool:
        """Forget ``name``; ``False`` when there was none."""
        self._f._call("secrets.delete", None, name)
        return self._f.secret_rows.pop(name, None) is not None


class _Records(_Namespace):
    """The installation's own JSON documents; no scope needed."""

    def put(
        self, collection: str, key: str, data: dict[str, Any], *, if_absent: bool = False
    ) -> Record:
        """Create or replace the record at ``(collection, key)``; with ``if_absent`` an
        existing one is returned unchanged."""
        self._f._call("records.put", None, collection, key, data, if_absent=if_absent)
        _check_address(collection, key)
        document = _check_document(data)
        found = self._f.record_rows.get((collection, key))
        if found is not None and if_absent:
            return found
        now = _now()
        record = Record(
            collection=collection,
            key=key,
            data=document,
            created_at=found.created_at if found is not None else now,
            updated_at=now,
        )
        self._f.record_rows[(collection, key)] = record
        return record

    def get(self, collection: str, key: str) -> Record | None:
        """The record at ``(collection, key)``, or ``None``."""
        self._f._call("records.get", None, collection, key)
        _check_address(collection, key)
        return self._f.record_rows.get((collection, key))

    def list(
        self, collection: str, *, limit: int = 50, after_key: str | None = None
    ) -> list[Record]:
        """Records of ``collection`` ordered by key, at most ``limit`` after ``after_key``."""
        self._f._call("records.list", None, collection, limit=limit, after_key=after_key)
        _check_address(collection, None)
        keys = sorted(
            k
            for c, k in self._f.record_rows
            if c == collection and (after_key is None or k > after_key)
        )
        return [self._f.record_rows[(collection, k)] for k in keys[: _limit(limit)]]

    def delete(self, collection: str, key: str) -> bool:
        """Delete the record at ``(collection, key)``; ``False`` when there was none."""
        self._f._call("records.delete", None, collection, key)
        _check_address(collection, key)
        return self._f.record_rows.pop((collection, key), None) is not None

    def increment(
        self, collection: str, key: str, field: str, *, by: int = 1, ceiling: int | None = None
    ) -> int | None:
        """Add ``by`` to the counter ``data[field]`` unless it would leave ``0..ceiling``."""
        self._f._call("records.increment", None, collection, key, field, by=by, ceiling=ceiling)
        _check_address(collection, key)
        if not isinstance(field, str) or not RECORD_COLLECTION.match(field):
            raise InvalidRequest(f"'{field}' is not a counter name.", code="invalid_counter")
        if isinstance(by, bool) or not isinstance(by, int):
            raise InvalidRequest("A counter's step is a whole number.", code="invalid_step")
        if ceiling is not None and (
            isinstance(ceiling, bool) or not isinstance(ceiling, int) or ceiling < 0
        ):
            raise InvalidRequest("A counter's ceiling is a whole number.", code="invalid_ceiling")
        with self._f.counter_lock:
            found = self._f.record_rows.get((collection, key))
            data = dict(found.data) if found is not None else {}
            current = data.get(field, 0)
            if isinstance(current, bool) or not isinstance(current, int):
                raise InvalidRequest(
                    f"The record's '{field}' is not a whole number.", code="not_a_counter"
                )
            value: int | None = current + by
            if value is None or value < 0 or (ceiling is not None and value > ceiling):
                value = None
                data = data if found is not None else {field: 0}
            else:
                data[field] = value
            now = _now()
            self._f.record_rows[(collection, key)] = Record(
                collection=collection,
                key=key,
                data=data,
                created_at=found.created_at if found is not None else now,
                updated_at=now if found is None or value is not None else found.updated_at,
            )
            return value


def _check_address(collection: str, key: str | None) -> None:
    if not isinstance(collection, str) or not RECORD_COLLECTION.match(collection):
        raise InvalidRequest(f"'{collection}' is not a collection name.", code="invalid_collection")
    if key is not None and (
        not isinstance(key, str) or not key or len(key) > MAX_RECORD_KEY or not key.isprintable()
    ):
        raise InvalidRequest(
            f"A record key is 1 to {MAX_RECORD_KEY} printable characters.", code="invalid_key"
        )


def _check_document(data: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidRequest("A record's data is a JSON object (a dict).", code="invalid_data")
    try:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"A record's data must be JSON: {exc}", code="invalid_data") from exc
    if len(text.encode()) > MAX_RECORD_BYTES:
        raise InvalidRequest(
            f"A record's data may be at most {MAX_RECORD_BYTES} bytes of JSON.",
            code="record_too_large",
        )
    document: dict[str, Any] = json.loads(text)
    return document
