"""The SDK guide's channel example (docs_src/channels/oscar_store.py) against real Oscar."""

from __future__ import annotations

import importlib.util
import uuid
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from sdk.channels import ChannelItem, ChannelStore, ChannelUnavailable
from tests.channels.conftest import OscarSite, _free_port
from tests.channels.oscar_buyers import Buyer

EXAMPLE = Path(__file__).resolve().parents[2] / "docs_src" / "channels" / "oscar_store.py"

pytestmark = pytest.mark.slow


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
