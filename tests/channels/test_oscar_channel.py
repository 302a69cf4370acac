"""The django-oscar channel against a real Oscar 4.2 shop (django-oscar-api 3.3).

Every test talks HTTP to the shop the session started (tests/channels/conftest.py); none
of Oscar is imitated. Each test uses SKU codes of its own. The SDK guide's small adapter
(docs_src/channels/oscar_store.py) runs here too, against the same shop: one Oscar per
test process, since migrating one takes a while.
"""

from __future__ import annotations

import importlib.util
import socket
import threading
import uuid
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from plugins.catalog_sync.oscar import OscarChannel
from sdk.channels import ChannelItem, ChannelRefused, ChannelStore, ChannelUnavailable
from tests.channels.conftest import OscarSite, _free_port
from tests.channels.oscar_buyers import Buyer

pytestmark = pytest.mark.slow


def _sku() -> str:
    return f"TEA-{uuid.uuid4().hex[:8].upper()}"


def _admin(oscar: OscarSite, path: str) -> httpx.Response:
    """Oscar's own answer, read past the adapter."""
    return httpx.get(
        f"{oscar.base_url}/api/admin/{path}",
        headers={"Authorization": f"Token {oscar.token}"},
        timeout=10,
    )


def test_the_adapter_is_a_channel_store(oscar: OscarSite) -> None:
    with oscar.channel() as channel:
        assert isinstance(channel, ChannelStore)
        channel.check()


def test_upsert_then_list_shows_price_and_stock(oscar: OscarSite) -> None:
    sku = _sku()
    with oscar.channel() as channel:
        external_id = channel.upsert_item(
            ChannelItem(sku_code=sku, title="龙井 Longjing", price=Decimal("88.50"), stock=7)
        )
        listed = {item.sku_code: item for item in channel.list_items()}
        assert listed[sku].external_id == external_id
        assert listed[sku].title == "龙井 Longjing"
        assert listed[sku].price == Decimal("88.50")
        assert listed[sku].stock == 7
        # an upsert of the same SKU code updates the product Oscar found by its UPC
        again = channel.upsert_item(
            ChannelItem(sku_code=sku, title="龙井 2026", price=Decimal("99.00"), stock=3)
        )
        assert again == external_id
        updated = {item.sku_code: item for item in channel.list_items()}[sku]
        assert (updated.title, updated.price, updated.stock) == ("龙井 2026", Decimal("99.00"), 3)
    product = _admin(oscar, f"products/{external_id}/").json()
    assert product["upc"] == sku
    assert [(r["partner_sku"], r["price"], r["num_in_stock"]) for r in product["stockrecords"]] == [
        (sku, "99.00", 3)
    ]


def test_set_stock_and_read_stock_round_trip(oscar: OscarSite) -> None:
    sku = _sku()
    with oscar.channel() as channel:
        channel.upsert_item(ChannelItem(sku_code=sku, title="Oolong", price=Decimal("10"), stock=1))
        channel.set_stock(sku, 12)
        assert channel.read_stock(sku) == 12
        channel.set_stock(sku, 0)
        assert channel.read_stock(sku) == 0
        with pytest.raises(ChannelRefused):
            channel.read_stock("NO-SUCH-SKU")


def test_a_product_recreated_in_oscar_is_found_again(oscar: OscarSite) -> None:
    sku = _sku()
    with oscar.channel() as ours, oscar.channel() as elsewhere:
        old_id = ours.upsert_item(ChannelItem(sku_code=sku, title="Jasmine", stock=2))
        assert ours.read_stock(sku) == 2
        # someone deletes the product in Oscar and another sync creates it anew
        deleted = httpx.delete(
            f"{oscar.base_url}/api/admin/products/{old_id}/",
            headers={"Authorization": f"Token {oscar.token}"},
        )
        assert deleted.status_code == 204
        new_id = elsewhere.upsert_item(ChannelItem(sku_code=sku, title="Jasmine", stock=6))
        assert new_id != old_id
        # our adapter still holds the old stock record; it maps the SKU again
        assert ours.read_stock(sku) == 6
        ours.set_stock(sku, 1)
        assert elsewhere.read_stock(sku) == 1


def test_a_buyers_order_arrives_through_orders_since(oscar: OscarSite) -> None:
    sku = _sku()
    with oscar.channel() as channel:
        start = channel.orders_since("").cursor
        product_id = channel.upsert_item(
            ChannelItem(sku_code=sku, title="Pu-erh", price=Decimal("25.00"), stock=5)
        )
        buyer = Buyer(oscar.base_url)
        try:
            assert buyer.add(product_id, 2).status_code == 200
            order = buyer.checkout()
        finally:
            buyer.close()
        page = channel.orders_since(start)
        assert [(line.external_order_id, line.sku_code, line.quantity) for line in page.lines] == [
            (order["number"], sku, 2)
        ]
        assert page.lines[0].placed_at is not None
        # Oscar allocated the two units: sellable is in stock minus allocated
        assert channel.read_stock(sku) == 3
        # setting the sellable stock keeps the allocation: in stock = sellable + allocated
        channel.set_stock(sku, 10)
        assert channel.read_stock(sku) == 10
        record = _admin(oscar, f"products/{product_id}/").json()["stockrecords"][0]
        assert (record["num_in_stock"], record["num_allocated"]) == (12, 2)
        # reading on from the cursor returns nothing new, and the cursor stays
        assert channel.orders_since(page.cursor) == page.model_copy(update={"lines": []})
        # two allocated of twelve in stock: no oversell
        assert sku not in {oversell.sku_code for oversell in channel.oversells()}


def test_concurrent_checkouts_oversell_and_the_detector_names_the_orders(
    oscar: OscarSite,
) -> None:
    sku = _sku()
    buyers_count, stock = 8, 3
    with oscar.channel() as channel:
        start = channel.orders_since("").cursor
        product_id = channel.upsert_item(
            ChannelItem(sku_code=sku, title="Tieguanyin", price=Decimal("30"), stock=stock)
        )
        buyers = [Buyer(oscar.base_url) for _ in range(buyers_count)]
        # each basket accepts the unit: nothing is allocated before checkout
        assert all(buyer.add(product_id).status_code == 200 for buyer in buyers)
        barrier = threading.Barrier(buyers_count)
        orders: list[dict[str, object]] = []
        failures: list[BaseException] = []

        def checkout(buyer: Buyer) -> None:
            barrier.wait()
            try:
                orders.append(buyer.checkout())
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=checkout, args=(buyer,)) for buyer in buyers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for buyer in buyers:
            buyer.close()
        assert failures == []
        assert len(orders) == buyers_count  # Oscar took every order: it oversold

        found = {oversell.sku_code: oversell for oversell in channel.oversells()}
        assert channel.read_stock(sku) == 0
        oversell = found[sku]
        assert (oversell.in_stock, oversell.promised, oversell.excess) == (3, 8, 5)
        # the named orders are the five placed after the three units were gone
        placed = sorted(
            (order["date_placed"], order["number"])
            for order in _admin(oscar, "orders/").json()
            if order["number"] in {o["number"] for o in orders}
        )
        assert oversell.order_ids == tuple(number for _, number in placed[stock:])
        # the same lines read through the cursor name the same orders
        lines = channel.orders_since(start).lines
        assert sum(line.quantity for line in lines if line.sku_code == sku) == buyers_count
        again = {o.sku_code: o for o in channel.oversells(lines)}[sku]
        assert again.order_ids == oversell.order_ids
    # read three orders at a time, the cursor walks all eight once, in order
    with oscar.channel() as paged:
        paged.orders_per_page = 3
        pages, cursor = [], start
        while (page := paged.orders_since(cursor)).cursor != cursor:
            pages.append([line.external_order_id for line in page.lines if line.sku_code == sku])
            cursor = page.cursor
    assert [len(numbers) for numbers in pages] == [3, 3, 2]
    assert sorted(n for numbers in pages for n in numbers) == sorted(
        str(order["number"]) for order in orders
    )


def test_credentials_refused_and_basic_auth(oscar: OscarSite) -> None:
    with (
        oscar.channel(token="not-a-token") as wrong,
        pytest.raises(ChannelUnavailable, match="credentials"),
    ):
        wrong.check()
    with oscar.channel(username=oscar.username, password=oscar.password) as basic:
        basic.check()
    with (
        OscarChannel(
            oscar.base_url, partner_id=9999, product_class="goods", token=oscar.token
        ) as elsewhere,
        pytest.raises(ChannelUnavailable, match="no partner 9999"),
    ):
        elsewhere.check()
    with (
        OscarChannel(
            oscar.base_url, partner_id=oscar.partner_id, product_class="nope", token=oscar.token
        ) as unclassed,
        pytest.raises(ChannelUnavailable, match="no product class 'nope'"),
    ):
        unclassed.check()


def test_oscar_down_is_unavailable_and_back_works(oscar: OscarSite) -> None:
    sku = _sku()
    with oscar.channel() as channel:
        channel.upsert_item(ChannelItem(sku_code=sku, title="Da Hong Pao", stock=4))
        oscar.stop()
        with pytest.raises(ChannelUnavailable, match="cannot be reached"):
            channel.check()
        with pytest.raises(ChannelUnavailable):
            channel.read_stock(sku)
        with pytest.raises(ChannelUnavailable):
            channel.orders_since("")
        oscar.start()
        channel.check()
        assert channel.read_stock(sku) == 4


def test_a_shop_that_never_answers_is_unavailable() -> None:
    # a listening socket that never accepts: the connection opens, no answer comes
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        channel = OscarChannel(
            f"http://127.0.0.1:{port}", partner_id=1, product_class="goods", timeout_s=0.5
        )
        with channel, pytest.raises(ChannelUnavailable, match="in time"):
            channel.check()


# --- the SDK guide's example ---------------------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[2] / "docs_src" / "channels" / "oscar_store.py"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("guide_oscar_store", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_guides_channel_syncs_with_a_real_oscar(oscar: OscarSite) -> None:
    store = _example().OscarStore(oscar.base_url, oscar.token, oscar.partner_id)
    assert isinstance(store, ChannelStore)
    store.check()
    sku = f"GUIDE-{uuid.uuid4().hex[:6].upper()}"
    start = store.orders_since("").cursor
    product_id = store.upsert_item(
        ChannelItem(sku_code=sku, title="白茶 White tea", price=Decimal("45.00"), stock=6)
    )
    assert (
        store.upsert_item(ChannelItem(sku_code=sku, title="白茶", price=Decimal("40.00"), stock=6))
        == product_id
    )
    listed = {item.sku_code: item for item in store.list_items()}[sku]
    assert (listed.title, listed.price, listed.stock) == ("白茶", Decimal("40.00"), 6)

    buyer = Buyer(oscar.base_url)
    try:
        assert buyer.add(product_id, 2).status_code == 200
        order = buyer.checkout()
    finally:
        buyer.close()
    page = store.orders_since(start)
    assert [(line.external_order_id, line.sku_code, line.quantity) for line in page.lines] == [
        (order["number"], sku, 2)
    ]
    assert store.read_stock(sku) == 4
    store.set_stock(sku, 9)
    assert store.read_stock(sku) == 9
    assert store.orders_since(page.cursor).lines == []


def test_the_guides_channel_is_unavailable_when_nothing_answers() -> None:
    store = _example().OscarStore(f"http://127.0.0.1:{_free_port()}", "token", 1)
    with pytest.raises(ChannelUnavailable):
        store.check()
