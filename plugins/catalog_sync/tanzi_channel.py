"""Another Tanzi shop as a channel: its open API through an SDK :class:`ShopClient`.

For a shop on another host (or another shop of this one) the client is an
:class:`~sdk.http.HttpShopClient` holding the OAuth token that shop's owner granted this
service (scopes ``products:read``, ``products:write``, ``orders:read``). Stock moves with
``products.add_stock`` (one locked step on the other side, refused below zero), so a
concurrent sale there is never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from plugins.catalog_sync.fields import price_fen
from sdk.batch import ProductInput, SkuInput
from sdk.channels import (
    ChannelItem,
    ChannelOrderLine,
    ChannelOrders,
    ChannelRefused,
    ChannelUnavailable,
)
from sdk.client import ShopClient
from sdk.errors import InvalidRequest, ResourceNotFound, ServerError
from sdk.http import HttpShopClient
from sdk.models import Product

T = TypeVar("T")

#: Products read per page while looking up SKU codes.
PAGE = 100


class TanziChannel:
    """A :class:`~sdk.channels.StockLedger` on another Tanzi shop."""

    def __init__(
        self, client: ShopClient | HttpShopClient, *, category_id: int | None = None
    ) -> None:
        self.client = client
        self.category_id = category_id
        self._skus: dict[str, tuple[int, int]] = {}
        self._codes: dict[int, str] = {}

    def _guard(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return call(*args, **kwargs)
        except (httpx.TransportError, ServerError) as exc:
            raise ChannelUnavailable(f"The other shop did not answer: {exc}") from exc

    def _products(self) -> Iterator[Product]:
        after: int | None = None
        while True:
            page = self._guard(self.client.products.list, limit=PAGE, after_id=after)
            yield from page
            if len(page) < PAGE:
                return
            after = page[-1].id

    def _learn(self, product: Product) -> None:
        for sku in product.skus:
            if sku.code:
                self._skus[sku.code] = (product.id, sku.id)
                self._codes[sku.id] = sku.code

    def _sku(self, sku_code: str) -> tuple[int, int]:
        if sku_code not in self._skus:
            for product in self._products():
                self._learn(product)
        if sku_code not in self._skus:
            raise ChannelRefused(f"The other shop has no SKU {sku_code}.")
        return self._skus[sku_code]

    def check(self) -> None:
        """Raise :class:`ChannelUnavailable` unless the other shop answers."""
        self._guard(self.client.shop.get)

    def list_items(self) -> Iterator[ChannelItem]:
        """Every SKU of the other shop as an item."""
        for product in self._products():
            self._learn(product)
            for sku in product.skus:
                yield ChannelItem(
                    sku_code=sku.code or "",
                    external_id=str(sku.id),
                    title=product.title,
                    description=product.description or "",
                    price=Decimal(sku.price_fen or 0) / 100,
                    stock=sku.stock or 0,
                    updated_at=product.updated_at,
                )

    def upsert_item(self, item: ChannelItem) -> str:
        """Create or change (and list) the product whose ``external_ref`` is the SKU code;
        its stock is left to the stock moves."""
        product = ProductInput(
            external_ref=item.sku_code,
            title=item.title,
            description=item.description,
            category_id=self.category_id,
            status="listed",
            skus=[SkuInput(code=item.sku_code, price_fen=price_fen(item.price))],
        )
        result = self._guard(self.client.products.upsert_many, [product])
        outcome = result.items[0]
        if outcome.status == "failed":
            reason = "; ".join(p.message for p in outcome.problems)
            raise ChannelRefused(f"{item.sku_code}: {reason}")
        self._skus.pop(item.sku_code, None)
        return str(self._sku(item.sku_code)[1])

    def update_fields(
        self,
        sku_code: str,
        *,
        title: str | None = None,
        description: str | None = None,
        price: Decimal | None = None,
    ) -> None:
        """Change the given fields of the product holding ``sku_code`` (found by its id,
        whatever its ``external_ref``); its stock is left alone."""
        product_id = self._sku(sku_code)[0]
        product = ProductInput(
            id=product_id,
            title=title,
            description=description,
            skus=[] if price is None else [SkuInput(code=sku_code, price_fen=price_fen(price))],
        )
        outcome = self._guard(self.client.products.upsert_many, [product]).items[0]
        if outcome.status == "failed":
            reason = "; ".join(p.message for p in outcome.problems)
            raise ChannelRefused(f"{sku_code}: {reason}")

    def set_stock(self, sku_code: str, sellable: int) -> None:
        """Set the other shop's stock of ``sku_code``."""
        sku_id = self._sku(sku_code)[1]
        self._guard(self.client.products.set_stock, sku_id, sellable)

    def read_stock(self, sku_code: str) -> int:
        """The other shop's stock of ``sku_code``."""
        product_id, sku_id = self._sku(sku_code)
        product = self._guard(self.client.products.get, product_id)
        return next(s.stock or 0 for s in product.skus if s.id == sku_id)

    def adjust_stock(self, sku_code: str, delta: int, *, change_id: str) -> int:
        """Add ``delta`` to the other shop's stock, never below zero, once per
        ``change_id``; the new stock."""
        sku_id = self._sku(sku_code)[1]
        try:
            sku = self._guard(
                self.client.products.add_stock,
                sku_id,
                delta,
                note="catalog_sync",
                change_id=change_id,
            )
        except InvalidRequest as exc:
            raise ChannelRefused(f"{sku_code}: {exc}") from exc
        except ResourceNotFound as exc:
            self._skus.pop(sku_code, None)
            raise ChannelRefused(f"{sku_code}: {exc}") from exc
        return sku.stock or 0

    def orders_since(self, cursor: str) -> ChannelOrders:
        """Order lines of orders with an id above ``cursor``, oldest first."""
        after = int(cursor) if cursor else None
        orders = self._guard(self.client.orders.list, limit=100, after_id=after)
        if any(line.sku_id not in self._codes for order in orders for line in order.lines):
            for product in self._products():
                self._learn(product)
        lines = [
            ChannelOrderLine(
                external_order_id=str(order.id),
                sku_code=self._codes.get(line.sku_id or 0, ""),
                quantity=line.quantity,
                placed_at=order.created_at,
            )
            for order in orders
            for line in order.lines
        ]
        return ChannelOrders(lines=lines, cursor=str(orders[-1].id) if orders else cursor)
