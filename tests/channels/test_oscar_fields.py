"""Field rules, bringing products here and mapping by hand with the session's real Oscar:
the markup goes to Oscar's stock record price and comes back through the inverse, the
channel's title wins here, every Oscar item of the partner is brought here once, and an
Oscar product whose UPC is not its SKU code is mapped by hand and moves stock."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from plugins.catalog_sync import catch_up
from plugins.catalog_sync import records as rec
from plugins.catalog_sync.channels import ChannelConfig
from plugins.catalog_sync.mapping import all_mapped, mapped
from plugins.catalog_sync.mapping_page import code_token
from plugins.catalog_sync.oscar import OscarChannel
from plugins.catalog_sync.pages import connect_page, map_page
from plugins.catalog_sync.reconcile import reconcile
from plugins.catalog_sync.review import listed_by_code
from plugins.catalog_sync.sync import ChannelSync
from sdk.channels import ChannelItem, ItemEditor
from tests.channels import test_oscar_sync
from tests.channels.conftest import OscarSite
from tests.channels.test_oscar_sync import NAME, OscarShop

pytestmark = pytest.mark.slow

#: a Tanzi shop with catalog_sync and the session's Oscar (the sync tests' own fixture)
oscar_shop = test_oscar_sync.oscar_shop


def _code(prefix: str = "FLD") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def _connect(t: OscarShop, **rules: str) -> ChannelSync:
    """The connect form with the rule fields, as the merchant sends it."""
    page = connect_page(
        t.client,
        {
            "name": NAME,
            "kind": "oscar",
            "base_url": t.oscar.base_url,
            "partner_id": str(t.oscar.partner_id),
            "product_class": t.oscar.product_class,
            "token": t.oscar.token,
            "mode": "share",
            "value": "50",
            **rules,
        },
    )
    assert "Done." in page.html, page.html
    found = t.client.records.get(rec.CHANNELS, NAME)
    assert found is not None
    return ChannelSync(t.client, ChannelConfig.model_validate(found.data))


def _oscar_product(oscar: OscarSite, upc: str) -> dict[str, Any]:
    products = httpx.get(
        f"{oscar.base_url}/api/admin/products/",
        headers={"Authorization": f"Token {oscar.token}"},
        timeout=30,
    ).json()
    [product] = [p for p in products if p["upc"] == upc]
    return dict(product)


def _patch(oscar: OscarSite, upc: str, body: dict[str, Any]) -> None:
    answer = httpx.patch(
        f"{oscar.base_url}/api/admin/products/",
        json={"upc": upc, **body},
        headers={"Authorization": f"Token {oscar.token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


def test_update_fields_changes_title_and_price_and_never_the_stock(oscar: OscarSite) -> None:
    code = _code()
    with oscar.channel() as channel:
        assert isinstance(channel, ItemEditor)
        channel.upsert_item(ChannelItem(sku_code=code, title="Keemun", price=Decimal(9), stock=7))
        channel.update_fields(code, title="祁门红茶 Keemun", price=Decimal("12.30"))
        item = {i.sku_code: i for i in channel.list_items()}[code]
        assert (item.title, item.price, item.stock) == ("祁门红茶 Keemun", Decimal("12.30"), 7)


def test_a_percent_markup_goes_to_oscar_and_the_channels_title_and_price_come_back(
    oscar_shop: OscarShop,
) -> None:
    t = oscar_shop
    code = _code()
    sku = t.product(code, 10)  # 10.00 here
    sync = _connect(t, markup_kind="percent", markup_value="10", f_title="there", f_price="there")
    sync.publish([sku.product_id])
    record = _oscar_product(t.oscar, code)["stockrecords"][0]
    assert Decimal(record["price"]) == Decimal("11.00")
    _patch(t.oscar, code, {"title": "Oscar's own title"})
    _patch(
        t.oscar,
        code,
        {
            "stockrecords": [
                {"partner": sync.store.partner_url, "partner_sku": code, "price": "16.50"}
            ]
        },  # type: ignore[attr-defined]
    )
    report = reconcile(sync)
    changes = {(c.field, c.side) for c in report.changes if c.sku_code == code and c.field}
    assert changes == {("title", "here"), ("price", "here")}
    product = t.client.products.get(sku.product_id)
    assert product.title == "Oscar's own title"
    assert product.skus[0].price_fen == 1500  # 16.50 / 1.1
    assert sync.store.read_stock(code) == 5  # the stock record's units were left alone


def test_every_oscar_item_of_the_partner_is_brought_here_once(oscar_shop: OscarShop) -> None:
    t = oscar_shop
    with t.oscar.channel() as setup:
        codes = [_code("IMP") for _ in range(3)]
        for code in codes:
            setup.upsert_item(ChannelItem(sku_code=code, title=code, price=Decimal(30), stock=4))
        listed, _ = listed_by_code(list(setup.list_items()))
    category = t.factory.category(name="Oscar 导入")
    sync = _connect(t, direction="here", import_category_id=str(category.id))
    assert catch_up(sync)
    brought = list(all_mapped(t.client, NAME))
    assert sorted(m.channel_code for m in brought) == sorted(listed)  # each one, once
    assert len({m.product_id for m in brought}) == len(listed)
    assert catch_up(sync)
    assert len(list(all_mapped(t.client, NAME))) == len(listed)
    for code in codes:
        item = mapped(t.client, NAME, code)
        assert item is not None
        assert t.client.products.get(item.product_id).skus[0].price_fen == 3000
        # its 4 units in Oscar were adopted and shared
        assert t.stock(item.sku_id) + sync.store.read_stock(code) == 4


def test_an_oscar_product_mapped_by_hand_moves_stock_under_its_own_upc(
    oscar_shop: OscarShop,
) -> None:
    t = oscar_shop
    here_code, partner_sku, upc = _code("HERE"), _code("OSC"), _code("UPC")
    sku = t.product(here_code, 10)
    sync = _connect(t)
    created = httpx.post(
        f"{t.oscar.base_url}/api/admin/products/",
        json={
            "upc": upc,
            "title": "Oscar's own oolong",
            "slug": upc.lower(),
            "structure": "standalone",
            "product_class": t.oscar.product_class,
            "stockrecords": [
                {
                    "partner": sync.store.partner_url,  # type: ignore[attr-defined]
                    "partner_sku": partner_sku,
                    "price": "10.00",
                    "num_in_stock": 3,
                }
            ],
        },
        headers={"Authorization": f"Token {t.oscar.token}"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    page = map_page(
        t.client,
        path_params={"name": NAME, "code": code_token(partner_sku)},
        params={"choice": f"sku:{here_code}"},
    )
    assert f"{partner_sku} is now mapped to {here_code}" in page.html
    # it only publishes: Oscar's own 3 units went, then it got half of this shop's 10
    assert isinstance(sync.store, OscarChannel)
    assert (t.stock(sku.id or 0), sync.store.read_stock(partner_sku)) == (5, 5)
    assert _oscar_product(t.oscar, upc)["stockrecords"][0]["num_in_stock"] == 5
