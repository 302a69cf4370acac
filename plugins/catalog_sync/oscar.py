"""The django-oscar channel: a :class:`sdk.channels.ChannelStore` over Oscar's REST API.

For a django-oscar 4.2 shop with django-oscar-api 3.3 and its admin API on
(``OSCARAPI_BLOCK_ADMIN_API_ACCESS = False``). This shop's SKU code is the Oscar product's
``upc`` and the ``partner_sku`` of its stock record with the channel's partner; an item's
price and stock live on that stock record. Oscar's checkout *allocates* stock without
lowering ``num_in_stock``, so what the channel may still sell is
``num_in_stock - num_allocated``; setting the sellable stock writes
``num_in_stock = sellable + num_allocated``.

A product the merchant made in Oscar may have a UPC other than its ``partner_sku`` (the
SKU code the sync knows it by, when it is mapped by hand): writes go through the UPC Oscar
reports for it. :meth:`OscarChannel.update_fields` makes the adapter an
:class:`~sdk.channels.ItemEditor` (title, description, price; ``num_in_stock`` is not
sent, so Oscar keeps it).

Orders are read from ``/api/admin/orders/`` (all of them: oscarapi does not paginate);
the cursor is the id of the last order read, which grows in the order Oscar committed
them on a shop whose database serializes writes (SQLite with IMMEDIATE transactions).
Oscar does not re-check stock at checkout, so :meth:`OscarChannel.oversells` compares
what each stock record promised with what it had and names the orders involved.

:meth:`OscarChannel.adjust_stock` makes the adapter a :class:`~sdk.channels.StockLedger`.
Oscar has no idempotency key, so the applied change ids live in the
:class:`~plugins.catalog_sync.adapter_state.AdapterState` the adapter is given (the
shop's records, in the sync), not in Oscar: keeping them in a product attribute would
need an attribute added to the merchant's product class and would show in Oscar's
dashboard. A change is journaled ``pending`` with ``num_in_stock`` before and after, then
written, then marked ``applied``; a repeat after a crash anywhere in between reads Oscar
and finds which side of the write it stopped on. The write is one product ``PATCH`` with
the nested stock record, which oscarapi runs in one transaction: under SQLite's
IMMEDIATE mode it re-reads the record holding the write lock, so a checkout's allocation
is never overwritten; checkouts change only ``num_allocated``, so the delta computed
from our read still holds. Writes to ``num_in_stock`` by others (a shipment consuming an
allocation, a hand edit) between a crash and its repeat could make a pending change look
applied or not; the next reconciliation evens that out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any

import httpx

from plugins.catalog_sync.adapter_state import AdapterState, MemoryState
from plugins.catalog_sync.oscar_api import OscarApi, trailing_id
from plugins.catalog_sync.oscar_oversell import Oversell, StockLevel, find_oversells
from sdk.channels import (
    ChannelItem,
    ChannelOrderLine,
    ChannelOrders,
    ChannelRefused,
    ChannelUnavailable,
)

#: Orders read per :meth:`OscarChannel.orders_since` call, unless given (each costs a request).
ORDERS_PER_PAGE = 100


@dataclass(frozen=True)
class _Record:
    """Where one SKU lives in Oscar: its product and its stock record with our partner."""

    product_id: int
    stockrecord_id: int
    #: the product's UPC (the SKU code for products the sync created; any for others)
    upc: str = ""


class OscarChannel:
    """A django-oscar shop as a channel, selling through one partner's stock records."""

    def __init__(
        self,
        base_url: str,
        *,
        partner_id: int,
        product_class: str,
        token: str = "",
        username: str = "",
        password: str = "",
        timeout_s: float = 10.0,
        orders_per_page: int = ORDERS_PER_PAGE,
        transport: httpx.BaseTransport | None = None,
        state: AdapterState | None = None,
    ) -> None:
        self.api = OscarApi(
            base_url,
            token=token,
            username=username,
            password=password,
            timeout_s=timeout_s,
            transport=transport,
        )
        self.partner_id = partner_id
        self.product_class = product_class
        self.orders_per_page = orders_per_page
        self.partner_url = self.api.url(f"admin/partners/{partner_id}/")
        self._records: dict[str, _Record] = {}
        #: applied change ids and seen oversells (in memory unless a lasting store is given)
        self.state: AdapterState = state if state is not None else MemoryState()

    def __enter__(self) -> OscarChannel:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections to Oscar."""
        self.api.close()

    # -- ChannelStore -------------------------------------------------------------------

    def check(self) -> None:
        """Raise ChannelUnavailable unless the admin API answers us with our partner and class."""
        response = self.api.call("GET", f"admin/partners/{self.partner_id}/")
        if response.status_code == 404:
            raise ChannelUnavailable(
                f"Oscar has no partner {self.partner_id} at {self.partner_url}, or its admin "
                "API is off (OSCARAPI_BLOCK_ADMIN_API_ACCESS must be False)"
            )
        response = self.api.call("GET", f"admin/productclasses/{self.product_class}/")
        if response.status_code == 404:
            raise ChannelUnavailable(f"Oscar has no product class {self.product_class!r}")

    def list_items(self) -> Iterator[ChannelItem]:
        """Every product with a stock record of our partner, with its sellable stock."""
        for product in self._products():
            record = self._our_record(product)
            if record is not None:
                yield _item(product, record)

    def upsert_item(self, item: ChannelItem) -> str:
        """Update the product whose UPC is the SKU code (PATCH), or create it (POST)."""
        fields = {
            "upc": item.sku_code,
            "title": item.title or item.sku_code,
            "description": item.description,
            "slug": _slug(item.sku_code),
        }
        record = {
            "partner": self.partner_url,
            "partner_sku": item.sku_code,
            "price": str(item.price),
        }
        updated = self.api.call(
            "PATCH", "admin/products/", json={**fields, "stockrecords": [record]}
        )
        if updated.status_code == 404:
            created = self.api.call(
                "POST",
                "admin/products/",
                json={
                    **fields,
                    "structure": "standalone",
                    "product_class": self.product_class,
                    "stockrecords": [{**record, "num_in_stock": max(item.stock, 0)}],
                },
            )
            return str(self._remember(created.json()).product_id)
        remembered = self._remember(updated.json())
        self.set_stock(item.sku_code, item.stock)
        return str(remembered.product_id)

    def update_fields(
        self,
        sku_code: str,
        *,
        title: str | None = None,
        description: str | None = None,
        price: Decimal | None = None,
    ) -> None:
        """Change the given fields of the product whose stock record of ours has
        ``partner_sku`` ``sku_code`` (found by its UPC, which may differ); the stock record's
        ``num_in_stock`` is not sent, so Oscar keeps it."""
        body: dict[str, Any] = {"upc": self._upc(sku_code)}
        if title is not None:
            body["title"] = title or sku_code
        if description is not None:
            body["description"] = description
        if price is not None:
            body["stockrecords"] = [
                {"partner": self.partner_url, "partner_sku": sku_code, "price": str(price)}
            ]
        response = self.api.call("PATCH", "admin/products/", json=body)
        if response.status_code == 404:
            raise ChannelRefused(f"Oscar has no product with SKU code {sku_code!r}")
        self._remember(response.json())

    def set_stock(self, sku_code: str, sellable: int) -> None:
        """Write ``num_in_stock`` so that in stock minus allocated is ``sellable``.

        The API has no compare-and-set: a checkout allocating between the read and the
        write leaves Oscar selling that much less, an allocation released in between
        (shipped, cancelled) that much more; the next reconciliation evens either out.
        """
        record_id, record = self._stock_record(sku_code)
        self.api.call(
            "PATCH",
            f"admin/stockrecords/{record_id}/",
            json={"num_in_stock": max(sellable, 0) + _allocated(record)},
        )

    def read_stock(self, sku_code: str) -> int:
        """In stock minus allocated on our partner's stock record (never below 0)."""
        return _sellable(self._stock_record(sku_code)[1])

    def adjust_stock(self, sku_code: str, delta: int, *, change_id: str) -> int:
        """Add ``delta`` to what Oscar may sell of ``sku_code``, once per ``change_id``;
        refused (nothing changed) below zero. Returns the sellable stock after.

        Units given to a stock record Oscar has oversold first cover its oversold orders;
        that oversell is noted (see :meth:`noted_oversells`) before they do."""
        key = f"change:{change_id}"
        _, record = self._stock_record(sku_code)
        in_stock, allocated = int(record.get("num_in_stock") or 0), _allocated(record)
        known = self.state.get(key)
        if known is not None and (known["state"] == "applied" or known["after"] == in_stock):
            self.state.put(key, {**known, "state": "applied"})
            return _sellable(record)
        if delta < 0 and in_stock - allocated + delta < 0:
            raise ChannelRefused(
                f"{sku_code}: Oscar may sell {max(in_stock - allocated, 0)}, cannot take {-delta}"
            )
        if delta > 0 and allocated > in_stock:
            self._note_oversells(sku_code)
        after = in_stock + delta
        change = {"state": "pending", "sku_code": sku_code, "before": in_stock, "after": after}
        self.state.put(key, change)
        written = self._write_in_stock(sku_code, after)
        self.state.put(key, {**change, "state": "applied"})
        return _sellable(written)

    def orders_since(self, cursor: str) -> ChannelOrders:
        """Lines of our partner's SKUs in the orders after order id ``cursor``, oldest first."""
        after = int(cursor) if cursor else 0
        orders = sorted(
            (order for order in self.api.read_all("admin/orders/") if _order_id(order) > after),
            key=_order_id,
        )[: self.orders_per_page]
        lines: list[ChannelOrderLine] = []
        for order in orders:
            lines.extend(self._order_lines(order))
        return ChannelOrders(lines=lines, cursor=str(_order_id(orders[-1])) if orders else cursor)

    # -- oversells ----------------------------------------------------------------------

    def stock_levels(self) -> list[StockLevel]:
        """Each of our SKUs' ``num_in_stock`` and ``num_allocated`` as Oscar keeps them."""
        levels = []
        for product in self._products():
            record = self._our_record(product)
            if record is not None:
                levels.append(
                    StockLevel(
                        sku_code=str(record["partner_sku"]),
                        in_stock=int(record.get("num_in_stock") or 0),
                        allocated=_allocated(record),
                    )
                )
        return levels

    def oversells(self, lines: Iterable[ChannelOrderLine] | None = None) -> list[Oversell]:
        """SKUs Oscar allocated beyond stock, naming the orders (all orders unless given)."""
        if lines is None:
            lines = self._all_order_lines()
        return find_oversells(self.stock_levels(), lines)

    def noted_oversells(self) -> list[Oversell]:
        """Oversells seen before units given here covered them (newest note per SKU)."""
        found = self.state.get("oversells") or {}
        return [
            Oversell(
                sku_code=sku_code,
                in_stock=int(note["in_stock"]),
                promised=int(note["promised"]),
                order_ids=tuple(note["order_ids"]),
            )
            for sku_code, note in sorted(found.items())
        ]

    def _note_oversells(self, sku_code: str) -> None:
        noted = dict(self.state.get("oversells") or {})
        for oversell in self.oversells():
            if oversell.sku_code == sku_code:
                noted[sku_code] = {
                    "in_stock": oversell.in_stock,
                    "promised": oversell.promised,
                    "order_ids": list(oversell.order_ids),
                }
        self.state.put("oversells", noted)

    # -- helpers ------------------------------------------------------------------------

    def _products(self) -> list[dict[str, Any]]:
        products = self.api.read_all("admin/products/")
        self._records = {}
        for product in products:
            if self._our_record(product) is not None:
                self._remember(product)
        return products

    def _our_record(self, product: dict[str, Any]) -> dict[str, Any] | None:
        for record in product.get("stockrecords") or []:
            if trailing_id(str(record.get("partner", ""))) == self.partner_id:
                return dict(record)
        return None

    def _remember(self, product: dict[str, Any]) -> _Record:
        record = self._our_record(product)
        if record is None:
            raise ChannelRefused(f"Oscar product {product.get('id')} has no stock record of ours")
        remembered = _Record(
            product_id=int(product["id"]),
            stockrecord_id=trailing_id(record["url"]),
            upc=str(product.get("upc") or ""),
        )
        self._records[str(record["partner_sku"])] = remembered
        return remembered

    def _record(self, sku_code: str) -> _Record:
        if sku_code not in self._records:
            self._products()
        try:
            return self._records[sku_code]
        except KeyError:
            raise ChannelRefused(f"Oscar has no product with SKU code {sku_code!r}") from None

    def _upc(self, sku_code: str) -> str:
        """The UPC of the product holding ``sku_code`` (Oscar's PATCH finds products by it)."""
        return self._record(sku_code).upc or sku_code

    def _stock_record(self, sku_code: str) -> tuple[int, dict[str, Any]]:
        """Our stock record of ``sku_code``, fresh; the map is read again if it moved."""
        record_id = self._record(sku_code).stockrecord_id
        response = self.api.call("GET", f"admin/stockrecords/{record_id}/")
        if response.status_code == 404:  # deleted or replaced in Oscar since we mapped it
            self._records.pop(sku_code, None)
            record_id = self._record(sku_code).stockrecord_id
            response = self.api.call("GET", f"admin/stockrecords/{record_id}/")
            if response.status_code == 404:
                raise ChannelRefused(f"Oscar has no stock record for {sku_code!r}")
        return record_id, dict(response.json())

    def _write_in_stock(self, sku_code: str, in_stock: int) -> dict[str, Any]:
        """Set ``num_in_stock`` through the product (one transaction in Oscar); the record."""
        response = self.api.call(
            "PATCH",
            "admin/products/",
            json={
                "upc": self._upc(sku_code),
                "stockrecords": [
                    {
                        "partner": self.partner_url,
                        "partner_sku": sku_code,
                        "num_in_stock": in_stock,
                    }
                ],
            },
        )
        if response.status_code == 404:
            raise ChannelRefused(f"Oscar has no product with UPC {sku_code!r}")
        record = self._our_record(response.json())
        if record is None:
            raise ChannelRefused(f"Oscar product {sku_code!r} has no stock record of ours")
        return record

    def _sku_of_stockrecord(self, stockrecord_id: int) -> str | None:
        for attempt in range(2):
            for sku_code, record in self._records.items():
                if record.stockrecord_id == stockrecord_id:
                    return sku_code
            if attempt == 0:
                self._products()
        return None

    def _order_lines(self, order: dict[str, Any]) -> Iterator[ChannelOrderLine]:
        placed_at = _datetime(order.get("date_placed"))
        for line in self.api.read_all(f"admin/orders/{_order_id(order)}/lines/"):
            sku_code = self._sku_of_stockrecord(trailing_id(str(line.get("stockrecord", ""))))
            if sku_code is None:
                continue  # another partner's stock: not ours to sync
            yield ChannelOrderLine(
                external_order_id=str(order["number"]),
                sku_code=sku_code,
                quantity=int(line["quantity"]),
                placed_at=placed_at,
            )

    def _all_order_lines(self) -> list[ChannelOrderLine]:
        lines: list[ChannelOrderLine] = []
        cursor = ""
        while True:
            page = self.orders_since(cursor)
            if page.cursor == cursor:
                return lines
            lines.extend(page.lines)
            cursor = page.cursor


def _item(product: dict[str, Any], record: dict[str, Any]) -> ChannelItem:
    return ChannelItem(
        sku_code=str(record["partner_sku"]),
        external_id=str(product["id"]),
        title=str(product.get("title") or ""),
        description=str(product.get("description") or ""),
        price=Decimal(str(record.get("price") or "0")),
        stock=_sellable(record),
        updated_at=_datetime(product.get("date_updated")),
    )


def _allocated(record: dict[str, Any]) -> int:
    return int(record.get("num_allocated") or 0)


def _sellable(record: dict[str, Any]) -> int:
    return max(int(record.get("num_in_stock") or 0) - _allocated(record), 0)


def _order_id(order: dict[str, Any]) -> int:
    return trailing_id(str(order["url"]))


def _datetime(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _slug(sku_code: str) -> str:
    """Oscar's product slug (required, ASCII) made from the SKU code."""
    return re.sub(r"[^a-z0-9]+", "-", sku_code.lower()).strip("-") or "item"
