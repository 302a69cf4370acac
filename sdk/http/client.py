"""``HttpShopClient``: the :class:`~sdk.client.ShopClient` of a remote app, over the open API.

It has the same namespaces and methods as the client in-process plugins get, and returns
the same :mod:`sdk.models`, so code written against ``ShopClient`` runs in either place.
On top it has ``iter_*`` methods that walk every page of a list.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from sdk import models
from sdk import waybills as wb
from sdk.errors import AccessDenied, InvalidRequest, ResourceNotFound
from sdk.http.catalog import HttpCatalog, HttpCategories, HttpFiles, HttpJobs
from sdk.http.tokens import TokenRefresher, TokenSet
from sdk.http.transport import ApiTransport, RetryPolicy
from sdk.http.webhooks import HttpWebhooks

API_PREFIX = "/api/v1"
#: The largest page the API serves; ``limit`` is kept within 1..MAX_PAGE like in-process.
MAX_PAGE = 200
M = TypeVar("M", bound=BaseModel)
#: The longest order cancellation reason, in characters (as in-process).
MAX_CANCEL_REASON = 200


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def _cursor_after(row_id: int | None) -> str | None:
    """The API's cursor that starts after ``row_id`` (its cursors hold ``id:<last id>``)."""
    if row_id is None:
        return None
    return base64.urlsafe_b64encode(f"id:{int(row_id)}".encode()).decode().rstrip("=")


def _segment(value: str) -> str:
    """``value`` as one URL path segment; dots too, so ``.`` or ``..`` stay a key."""
    return quote(value, safe="").replace(".", "%2E")


class HttpShopClient:
    """A shop over Tanzi's open API, as one installation (or a person) may use it.

    :param base_url: the Tanzi host, e.g. ``https://tanzi.example`` (``/api/v1`` is added).
    :param shop_id: the shop the token works in.
    :param token: the access token, or a :class:`TokenSet` with its refresh token and
        expiry.
    :param refresh: how to get new tokens when the API answers 401 ``invalid_token`` or
        ``token_expired`` (or ahead of ``expires_at``): a :class:`RefreshTokenGrant` for a
        standard token endpoint, or any callable ``(TokenSet) -> TokenSet``. Without it an
        expired token raises :class:`~sdk.errors.AccessDenied`.
    :param on_tokens: called with every new :class:`TokenSet`. Store the refresh token
        there: the marketplace rotates refresh tokens, so the old one stops working.
    :param retry: the :class:`RetryPolicy` for 429, 5xx and network failures.
    :param installation_id: the installation, when known; otherwise it is asked of the
        API on first use of :attr:`installation_id`.
    :param http: an ``httpx.Client`` to send with (its base URL is set here); ``transport``
        an httpx transport for a client of its own (tests pass an ASGI or mock transport).

    Errors are :mod:`sdk.errors`: ``ScopeDenied`` naming the missing scope,
    ``ResourceNotFound``, ``InvalidRequest`` (with the API's ``code``), ``AccessDenied``,
    ``RateLimited`` and ``ServerError``; each has the API's problem document in
    ``problem``. Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        base_url: str,
        shop_id: int,
        *,
        token: str | TokenSet,
        refresh: TokenRefresher | None = None,
        on_tokens: Callable[[TokenSet], None] | None = None,
        retry: RetryPolicy | None = None,
        installation_id: int | None = None,
        timeout_s: float = 10.0,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        root = base_url.rstrip("/").removesuffix(API_PREFIX)
        self.base_url = root
        self.shop_id = shop_id
        self._installation_id = installation_id
        self._own_http = http is None
        client = http or httpx.Client(timeout=timeout_s, transport=transport)
        client.base_url = httpx.URL(root + API_PREFIX + "/")
        tokens = token if isinstance(token, TokenSet) else TokenSet(access_token=token)
        self.transport = ApiTransport(
            client, tokens, refresh=refresh, on_tokens=on_tokens, retry=retry, sleep=sleep
        )
        self.products = _Products(self)
        self.orders = _Orders(self)
        self.aftersales = _AfterSales(self)
        self.logistics = _Logistics(self)
        self.shop = _Shop(self)
        self.records = _Records(self)
        self.carriers = _Carriers(self)
        self.categories = HttpCategories(self)
        self.files = HttpFiles(self)
        self.jobs = HttpJobs(self)
        #: the installation's own webhook subscription (remote apps only)
        self.webhooks = HttpWebhooks(self)

    # -- plumbing ------------------------------------------------------------------------

    @property
    def tokens(self) -> TokenSet:
        """The tokens in use (after any refresh)."""
        return self.transport.tokens

    @property
    def installation_id(self) -> int | None:
        """The installation the token is bound to (``None`` for a person's token)."""
        if self._installation_id is None:
            try:
                own = self._call("GET", "installation").json()
            except AccessDenied as exc:
                if exc.code == "installation_token_required":
                    return None
                raise
            self._installation_id = int(own["id"])
        return self._installation_id

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        return self.transport.request(
            method, path.lstrip("/"), params=params, json=json, idempotent=idempotent
        )

    def _shop_path(self, *parts: object) -> str:
        return "/".join(["shops", str(int(self.shop_id)), *(str(p) for p in parts)])

    def _get(self, model: type[M], path: str, params: dict[str, Any] | None = None) -> M:
        return model.model_validate(self._call("GET", path, params=params).json())

    def _page(
        self, model: type[M], path: str, params: dict[str, Any]
    ) -> tuple[list[M], str | None]:
        body = self._call("GET", path, params=params).json()
        return [model.model_validate(i) for i in body["items"]], body.get("next_cursor")

    def _walk(self, model: type[M], path: str, params: dict[str, Any]) -> Iterator[M]:
        params = dict(params)
        while True:
            items, next_cursor = self._page(model, path, params)
            yield from items
            if not next_cursor:
                return
            params["cursor"] = next_cursor
            params.pop("after_key", None)

    # -- iterators over every page -------------------------------------------------------

    def iter_products(
        self, *, status: str | None = None, page_size: int = 100
    ) -> Iterator[models.Product]:
        """Every product of the shop (optionally of one status), page by page."""
        return self._walk(
            models.Product,
            self._shop_path("products"),
            {"status": status, "limit": _limit(page_size)},
        )

    def iter_orders(
        self, *, status: str | None = None, page_size: int = 100
    ) -> Iterator[models.Order]:
        """Every order of the shop (optionally of one status), page by page."""
        return self._walk(
            models.Order, self._shop_path("orders"), {"status": status, "limit": _limit(page_size)}
        )

    def iter_aftersales(
        self, *, order_id: int | None = None, page_size: int = 100
    ) -> Iterator[models.AfterSale]:
        """Every after-sale request (optionally of one order), page by page."""
        return self._walk(
            models.AfterSale,
            self._shop_path("aftersales"),
            {"order_id": order_id, "limit": _limit(page_size)},
        )

    def iter_shipments(
        self, *, order_id: int | None = None, page_size: int = 100
    ) -> Iterator[models.Shipment]:
        """Every shipment (optionally of one order), page by page."""
        return self._walk(
            models.Shipment,
            self._shop_path("shipments"),
            {"order_id": order_id, "limit": _limit(page_size)},
        )

    def iter_records(self, collection: str, *, page_size: int = 100) -> Iterator[models.Record]:
        """Every record of ``collection``, by key, page by page."""
        return self._walk(
            models.Record,
            f"installation/records/{_segment(collection)}",
            {"limit": _limit(page_size)},
        )

    # -- life cycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connections (not those of an ``http`` client passed in)."""
        if self._own_http:
            self.transport.http.close()

    def __enter__(self) -> HttpShopClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Namespace:
    def __init__(self, client: HttpShopClient) -> None:
        self._c = client


class _Products(_Namespace, HttpCatalog):
    def get(self, product_id: int) -> models.Product:
        """One product with its SKUs. Scope: ``products:read``."""
        return self._c._get(models.Product, self._c._shop_path("products", int(product_id)))

    def list(self, *, limit: int = 50, after_id: int | None = None) -> list[models.Product]:
        """Products by id, ``limit`` (1 to 200) after ``after_id``. Scope: ``products:read``."""
        params = {"limit": _limit(limit), "cursor": _cursor_after(after_id)}
        return self._c._page(models.Product, self._c._shop_path("products"), params)[0]

    def set_stock(self, sku_id: int, stock: int) -> models.Sku:
        """Set a SKU's stock. Scope: ``products:write``."""
        answer = self._c._call(
            "POST",
            self._c._shop_path("skus", int(sku_id), "inventory"),
            json={"set": stock},
            idempotent=True,  # setting (not adding) stock twice changes nothing
        ).json()
        return models.Sku.model_validate(answer["sku"])

    def add_stock(
        self, sku_id: int, delta: int, *, note: str | None = None, change_id: str | None = None
    ) -> models.Sku:
        """Add ``delta`` to a SKU's stock, never below zero; a repeated ``change_id`` is
        applied once. Scope: ``products:write``."""
        body: dict[str, Any] = {"delta": delta, "reason": "other"}
        if note:
            body["note"] = note
        if change_id:
            body["change_id"] = change_id
        answer = self._c._call(
            "POST",
            self._c._shop_path("skus", int(sku_id), "inventory"),
            json=body,
            idempotent=change_id is not None,  # without an id, a retry could add twice
        ).json()
        return models.Sku.model_validate(answer["sku"])


class _Orders(_Namespace):
    def get(self, order_id: int) -> models.Order:
        """One order; buyer details only with ``orders:pii``. Scope: ``orders:read``."""
        return self._c._get(models.Order, self._c._shop_path("orders", int(order_id)))

    def list(
        self, *, status: str | None = None, limit: int = 50, after_id: int | None = None
    ) -> list[models.Order]:
        """Orders by id, optionally of one status. Scope: ``orders:read``."""
        params = {"status": status, "limit": _limit(limit), "cursor": _cursor_after(after_id)}
        return self._c._page(models.Order, self._c._shop_path("orders"), params)[0]

    def cancel(self, order_id: int, *, reason: str) -> models.Order:
        """Cancel a pending or paid order with a reason (1 to 200 characters).
        Scope: ``orders:write``."""
        text = reason.strip() if isinstance(reason, str) else ""
        if not text or len(text) > MAX_CANCEL_REASON:
            raise InvalidRequest(
                f"A cancellation needs a reason of 1 to {MAX_CANCEL_REASON} characters.",
                code="invalid_input",
            )
        path = self._c._shop_path("orders", int(order_id), "cancel")
        return models.Order.model_validate(
            self._c._call("POST", path, json={"reason": text}).json()
        )

    def annotate(
        self, order_id: int, *, note: str | None = None, flag: str | None = None
    ) -> models.Order:
        """Set the merchant's note and flag on an order. Scope: ``orders:write``."""
        body = {k: v for k, v in (("note", note), ("flag", flag)) if v is not None}
        path = self._c._shop_path("orders", int(order_id), "note")
        return models.Order.model_validate(self._c._call("POST", path, json=body).json())


class _AfterSales(_Namespace):
    def get(self, aftersale_id: int) -> models.AfterSale:
        """One after-sale request. Scope: ``aftersales:read``."""
        return self._c._get(models.AfterSale, self._c._shop_path("aftersales", int(aftersale_id)))

    def list(self, *, order_id: int | None = None, limit: int = 50) -> list[models.AfterSale]:
        """After-sale requests by id, optionally of one order. Scope: ``aftersales:read``."""
        params = {"order_id": order_id, "limit": _limit(limit)}
        return self._c._page(models.AfterSale, self._c._shop_path("aftersales"), params)[0]

    def accept(self, aftersale_id: int) -> models.AfterSale:
        """Accept a pending request (a refund-only one is refunded at once).
        Scope: ``aftersales:write``."""
        path = self._c._shop_path("aftersales", int(aftersale_id), "accept")
        return models.AfterSale.model_validate(self._c._call("POST", path).json())

    def reject(self, aftersale_id: int, *, reason: str) -> models.AfterSale:
        """Reject a pending request with a reason the buyer sees. Scope: ``aftersales:write``."""
        path = self._c._shop_path("aftersales", int(aftersale_id), "reject")
        answer = self._c._call("POST", path, json={"reason": reason}).json()
        return models.AfterSale.model_validate(answer)


class _Logistics(_Namespace):
    def shipments(self, *, order_id: int | None = None, limit: int = 50) -> list[models.Shipment]:
        """Shipments by id, optionally of one order. Scope: ``logistics:read``."""
        params = {"order_id": order_id, "limit": _limit(limit)}
        return self._c._page(models.Shipment, self._c._shop_path("shipments"), params)[0]

    def add_tracking(
        self, shipment_id: int, *, status: str, description: str = "", location: str = ""
    ) -> models.TrackingEvent:
        """Add a tracking event to a shipment and return it. Scope: ``logistics:write``."""
        path = self._c._shop_path("shipments", int(shipment_id), "tracking")
        body = {"status": status, "description": description, "location": location}
        shipment = self._c._call("POST", path, json=body).json()
        newest = max(shipment.get("tracking", []), key=lambda e: e["id"], default=None)
        if newest is None:
            raise ResourceNotFound("The API returned the shipment without its tracking event.")
        return models.TrackingEvent.model_validate(newest)

    def create_shipment(
        self,
        order_id: int,
        *,
        carrier_code: str,
        waybill_no: str,
        line_ids: list[int] | None = None,
    ) -> models.Shipment:
        """Ship an order with a waybill. Scope: ``logistics:write``."""
        path = self._c._shop_path("orders", int(order_id), "shipments")
        body = {"carrier_code": carrier_code, "waybill_no": waybill_no, "line_ids": line_ids or []}
        return models.Shipment.model_validate(self._c._call("POST", path, json=body).json())


class _Carriers(_Namespace):
    """Bound carrier accounts (masked) and their e-waybills."""

    def accounts(self, *, carrier_code: str | None = None) -> list[wb.CarrierAccount]:
        """Bound accounts, masked. Scope: ``logistics:read``."""
        answer = self._c._call(
            "GET", self._c._shop_path("carrier-accounts"), params={"carrier_code": carrier_code}
        ).json()
        return [wb.CarrierAccount.model_validate(a) for a in answer]

    def issue_waybills(
        self, account_id: int, order_ids: list[int], *, sender: wb.Address | None = None
    ) -> list[wb.WaybillResult]:
        """One waybill per order, once. Scope: ``logistics:write``."""
        body: dict[str, Any] = {"order_ids": [int(o) for o in order_ids]}
        if sender is not None:
            body["sender"] = sender.model_dump(mode="json")
        path = self._c._shop_path("carrier-accounts", int(account_id), "waybills")
        # issuing is idempotent per order: a retry gets the same numbers back
        answer = self._c._call("POST", path, json=body, idempotent=True).json()
        return [wb.WaybillResult.model_validate(r) for r in answer]

    def waybills(self, *, order_id: int) -> list[wb.Waybill]:
        """The waybills issued for an order. Scope: ``logistics:read``."""
        answer = self._c._call("GET", self._c._shop_path("orders", int(order_id), "waybills"))
        return [wb.Waybill.model_validate(w) for w in answer.json()]

    def cancel_waybill(self, waybill_id: int) -> wb.Waybill:
        """Cancel an issued waybill no shipment uses. Scope: ``logistics:write``."""
        path = self._c._shop_path("waybills", int(waybill_id), "cancel")
        return wb.Waybill.model_validate(self._c._call("POST", path, idempotent=True).json())


class _Shop(_Namespace):
    def get(self) -> models.ShopInfo:
        """The shop's name, type and status. Scope: ``shop:read``."""
        return self._c._get(models.ShopInfo, self._c._shop_path())


class _Records(_Namespace):
    """The installation's own JSON documents (``/api/v1/installation/records``); no scope.

    Needs a service's token: a person's token has no installation and gets
    :class:`~sdk.errors.AccessDenied`.
    """

    def _path(self, collection: str, key: str | None = None) -> str:
        if key is not None and not key.isprintable():
            # a line break cannot travel in a URL path; the API would refuse it anyway
            raise InvalidRequest("A record key is printable characters.", code="invalid_key")
        path = f"installation/records/{_segment(collection)}"
        return path if key is None else f"{path}/{_segment(key)}"

    def put(
        self, collection: str, key: str, data: dict[str, Any], *, if_absent: bool = False
    ) -> models.Record:
        """Create or replace the record at ``(collection, key)``; with ``if_absent`` an
        existing record is left as it is and returned (create once)."""
        if not isinstance(data, dict):
            raise InvalidRequest("A record's data is a JSON object (a dict).", code="invalid_data")
        try:
            document = json.loads(json.dumps(data, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise InvalidRequest(
                f"A record's data must be JSON: {exc}", code="invalid_data"
            ) from exc
        answer = self._c._call(
            "PUT",
            self._path(collection, key),
            params={"if_absent": "true" if if_absent else None},
            json={"data": document},
        ).json()
        return models.Record.model_validate(answer)

    def get(self, collection: str, key: str) -> models.Record | None:
        """The record at ``(collection, key)``, or ``None``."""
        try:
            return self._c._get(models.Record, self._path(collection, key))
        except ResourceNotFound as exc:
            if exc.problem and exc.problem.get("code") == "record_not_found":
                return None
            raise

    def list(
        self, collection: str, *, limit: int = 50, after_key: str | None = None
    ) -> list[models.Record]:
        """Records of ``collection`` ordered by key, ``limit`` (1 to 200) after ``after_key``."""
        params = {"limit": _limit(limit), "after_key": after_key}
        return self._c._page(models.Record, self._path(collection), params)[0]

    def delete(self, collection: str, key: str) -> bool:
        """Delete the record at ``(collection, key)``; ``False`` when there was none."""
        try:
            self._c._call("DELETE", self._path(collection, key))
        except ResourceNotFound as exc:
            if exc.problem and exc.problem.get("code") == "record_not_found":
                return False
            raise
        return True

    def increment(
        self, collection: str, key: str, field: str, *, by: int = 1, ceiling: int | None = None
    ) -> int | None:
        """Atomically add ``by`` to the counter ``data[field]``; ``None`` (no change) when
        the value would fall below 0 or pass ``ceiling``."""
        path = self._path(collection, key).replace(
            "installation/records/", "installation/counters/", 1
        )
        answer = self._c._call(
            "POST", path, json={"field": field, "by": by, "ceiling": ceiling}
        ).json()
        value = answer.get("value")
        return int(value) if value is not None else None
