"""The mapping page: an item on the channel that matched no SKU code here is mapped by
hand (its code there differs), and stock then moves on it both ways; items in conflict
(unmatched, codes held twice there) are counted at sync and reconcile and linked from the
channels page."""

from __future__ import annotations

import httpx
from sqlmodel import Session

import core.models as m
from core.plugins import delivery, fanout
from core.plugins.client_host import ClientHost
from core.plugins.manager import PluginHost
from plugins.catalog_sync import catch_up
from plugins.catalog_sync.conflicts import read_conflicts
from plugins.catalog_sync.fields import FieldRules
from plugins.catalog_sync.mapping import mapped
from plugins.catalog_sync.mapping_page import code_token
from plugins.catalog_sync.pages import home_page, map_page, mapping_page
from plugins.catalog_sync.reconcile import reconcile
from plugins.catalog_sync.status import read_status
from tests.plugins.catalog_sync.conftest import CHANNEL, CODE, TwoShops

THERE = "B-OOLONG-250"


def _choose(t: TwoShops, code: str, choice: str) -> str:
    page = map_page(
        t.client,
        path_params={"name": CHANNEL, "code": code_token(code)},
        params={"choice": choice},
    )
    return page.html


def test_an_unmatched_item_mapped_by_hand_then_moves_stock_both_ways(
    two_shops: TwoShops, sync_host: PluginHost
) -> None:
    t = two_shops
    here = t.product_a(CODE, 10)
    there = t.product_b(THERE, 3)  # the same tea, under its own code there
    sync = t.connect()
    assert catch_up(sync)
    assert read_status(t.client, CHANNEL).conflicts == 1
    assert [(c.channel_code, c.kind) for c in read_conflicts(t.client, CHANNEL)] == [
        (THERE, "unmatched")
    ]
    home = home_page(t.client).html
    assert f"/channels/{CHANNEL}/mapping" in home and "1 · map them" in home
    page = mapping_page(t.client, path_params={"name": CHANNEL})
    assert THERE in page.html
    [form] = page.forms
    [choice] = form.fields
    assert choice.options[0][0] == f"sku:{CODE}" and {"create", "ignore"} <= {
        o[0] for o in choice.options
    }

    answer = _choose(t, THERE, f"sku:{CODE}")
    assert f"{THERE} is now mapped to {CODE}" in answer
    item = mapped(t.client, CHANNEL, CODE)
    assert item is not None and (item.channel_code, item.sku_id) == (THERE, here.id)
    # it only publishes: the 3 units there were never this shop's, so they went; then half
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, THERE)) == (5, 5)
    assert mapping_page(t.client, path_params={"name": CHANNEL}).forms == ()

    buyer = t.factory.headers(t.factory.account())
    with httpx.Client(base_url=t.live.url, timeout=30) as http:
        for n in range(2):  # two sold there, under its own code
            assert t.buy(http, t.shop_b, there.id or 0, buyer, f"b-{n}").status_code == 201
        assert t.buy(http, t.shop_a, here.id or 0, buyer, "a-0").status_code == 201
    host = ClientHost.of(t.settings)
    for i in fanout.dispatch_outbox(t.engine, sync_host):  # the sale here moves the stock
        delivery.deliver(t.engine, sync_host, i, client_host=host)
    # 4 here + 3 there = 7 sellable: the channel's half (3) went back to it
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, THERE)) == (4, 3)
    report = reconcile(sync)  # the two sales there are read under its code: no drift
    # only the title (it follows, this shop wins) is settled on the item mapped by hand
    assert [(c.action, c.field, c.side) for c in report.changes] == [("field", "title", "there")]
    assert report.conflicts == 0
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, THERE)) == (4, 3)
    assert read_status(t.client, CHANNEL).conflicts == 0


def test_conflicts_count_unmatched_and_repeated_codes_until_settled(two_shops: TwoShops) -> None:
    t = two_shops
    t.product_b("DUP-1", 2)
    t.product_b("DUP-1", 2)  # two products there share one code
    t.product_b("STRAY-1", 4)
    sku = t.product_a(CODE, 8)
    sync = t.connect()
    sync.publish([sku.product_id])
    report = reconcile(sync)
    assert report.conflicts == 2
    assert sorted((c.channel_code, c.kind) for c in read_conflicts(t.client, CHANNEL)) == [
        ("DUP-1", "duplicate"),
        ("STRAY-1", "unmatched"),
    ]
    page = mapping_page(t.client, path_params={"name": CHANNEL})
    assert "code used twice there" in page.html and len(page.forms) == 1
    zh = mapping_page(t.client, path_params={"name": CHANNEL}, language="zh-CN")
    assert "商品关联" in zh.html and "对方编码重复" in zh.html
    assert zh.forms[0].fields[0].label_for("zh_CN") == "STRAY-1 对应"
    home = home_page(t.client, "zh-CN").html
    assert "同步规则" in home and "以本店为准" in home and "2 · 去关联" in home
    assert "STRAY-1 is ignored" in _choose(t, "STRAY-1", "ignore")
    assert reconcile(sync).conflicts == 1
    assert read_status(t.client, CHANNEL).conflicts == 1


def test_create_it_here_brings_the_item_and_adopts_its_units(two_shops: TwoShops) -> None:
    t = two_shops
    t.product_b("NEW-1", 6, price_fen=4500)
    category = t.factory.category(name="新品 New")
    sync = t.connect(rules=FieldRules(import_category_id=category.id))
    assert catch_up(sync)
    assert read_status(t.client, CHANNEL).conflicts == 1
    assert "NEW-1 was created here and mapped" in _choose(t, "NEW-1", "create")
    item = mapped(t.client, CHANNEL, "NEW-1")
    assert item is not None
    with Session(t.engine) as session:
        sku = session.get(m.Sku, item.sku_id)
        assert sku is not None and sku.shop_id == t.shop_a.id and sku.price_fen == 4500
    assert (t.stock(t.shop_a, "NEW-1"), t.stock(t.shop_b, "NEW-1")) == (3, 3)
    assert reconcile(sync).conflicts == 0
