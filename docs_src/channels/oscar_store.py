"""A channel to a django-oscar shop, small: the contract of sdk.channels, one call each."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx

from sdk.channels import (
    ChannelItem,
    ChannelOrderLine,
    ChannelOrders,
    ChannelRefused,
    ChannelUnavailable,
)


class OscarStore:
    """Our SKU code is the product's UPC and its stock record's ``partner_sku``."""

    def __init__(self, base_url: str, token: str, partner_id: int) -> None:
        self.api = base_url.rstrip("/") + "/api/"
        self.partner = f"{self.api}admin/partners/{partner_id}/"
        self.http = httpx.Client(
            base_url=self.api, headers={"Authorization": f"Token {token}"}, timeout=10
        )

    def _call(self, method: str, path: str, body: dict | None = None) -> httpx.Response:
        try:
            answer = self.http.request(method, path, json=body)
        except httpx.HTTPError as exc:  # refused, timed out: pause the channel
            raise ChannelUnavailable(str(exc)) from None
        if answer.status_code >= 500 or answer.status_code in (401, 403):
            raise ChannelUnavailable(f"Oscar answered {answer.status_code}")
        if answer.status_code >= 400 and answer.status_code != 404:
            raise ChannelRefused(answer.text[:200])  # this item only; the others go on
        return answer

    def _ours(self, product: dict) -> dict | None:
        records = [r for r in product["stockrecords"] if r["partner"] == self.partner]
        return records[0] if records else None

    def _record(self, sku_code: str) -> dict:
        for product in self._call("GET", "admin/products/").json():
            record = self._ours(product)
            if record and record["partner_sku"] == sku_code:
                return record
        raise ChannelRefused(f"no {sku_code} on Oscar")

    def check(self) -> None:
        if self._call("GET", self.partner).status_code == 404:
            raise ChannelUnavailable("admin API off or partner missing")

    def list_items(self) -> Iterator[ChannelItem]:
        for product in self._call("GET", "admin/products/").json():
            record = self._ours(product)
            if record:
                yield ChannelItem(
                    sku_code=record["partner_sku"],
                    external_id=str(product["id"]),
                    title=product["title"],
                    price=Decimal(record["price"]),
                    # Oscar allocates at checkout: what it may still sell is the difference
                    stock=record["num_in_stock"] - (record["num_allocated"] or 0),
                )

    def upsert_item(self, item: ChannelItem) -> str:
        record = {"partner": self.partner, "partner_sku": item.sku_code, "price": str(item.price)}
        product = {"upc": item.sku_code, "title": item.title, "slug": item.sku_code.lower()}
        answer = self._call("PATCH", "admin/products/", {**product, "stockrecords": [record]})
        if answer.status_code == 404:  # no product with that UPC yet
            record["num_in_stock"] = item.stock
            new = {**product, "product_class": "goods", "stockrecords": [record]}
            return str(self._call("POST", "admin/products/", new).json()["id"])
        self.set_stock(item.sku_code, item.stock)
        return str(answer.json()["id"])

    def set_stock(self, sku_code: str, sellable: int) -> None:
        record = self._record(sku_code)
        in_stock = sellable + (record["num_allocated"] or 0)
        self._call("PATCH", record["url"], {"num_in_stock": in_stock})

    def read_stock(self, sku_code: str) -> int:
        record = self._record(sku_code)
        return record["num_in_stock"] - (record["num_allocated"] or 0)

    def orders_since(self, cursor: str) -> ChannelOrders:
        skus = {}  # our stock records' ids -> SKU codes; order lines name the stock record
        for product in self._call("GET", "admin/products/").json():
            record = self._ours(product)
            if record:
                skus[_id(record["url"])] = record["partner_sku"]
        lines, last = [], int(cursor or 0)
        orders = self._call("GET", "admin/orders/").json()  # all of them: not paginated
        for order in sorted(orders, key=lambda order: _id(order["url"])):
            if _id(order["url"]) <= last:
                continue
            for line in self._call("GET", order["lines"]).json():
                if _id(line["stockrecord"]) in skus:
                    lines.append(
                        ChannelOrderLine(
                            external_order_id=order["number"],
                            sku_code=skus[_id(line["stockrecord"])],
                            quantity=line["quantity"],
                        )
                    )
            last = _id(order["url"])
        return ChannelOrders(lines=lines, cursor=str(last) if last else cursor)


def _id(url: str) -> int:
    """The id an Oscar API URL ends with: ``.../stockrecords/7/`` -> 7."""
    return int(url.rstrip("/").rsplit("/", 1)[1])
