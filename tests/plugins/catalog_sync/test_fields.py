"""Each field rule does what it says, both ways, between two real Tanzi shops: the price
markup on publish and back, the title's winner at the reconciliation (whose report names
the field, the side and why), stock that does not follow, and a channel that brings its
products here."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, col, func, select

import core.models as m
from plugins.catalog_sync import catch_up
from plugins.catalog_sync.fields import FieldRules, Markup
from plugins.catalog_sync.mapping import all_mapped
from plugins.catalog_sync.reconcile import reconcile
from plugins.catalog_sync.status import read_status
from sdk.channels import ChannelRefused
from tests.plugins.catalog_sync.conftest import CHANNEL, CODE, TwoShops


def _edit(t: TwoShops, sku_id: int, *, title: str | None = None, price: int | None = None) -> None:
    """Change a SKU's product title or its price by hand, as a merchant on that side."""
    with Session(t.engine) as session:
        sku = session.get(m.Sku, sku_id)
        assert sku is not None
        if price is not None:
            sku.price_fen = price
            session.add(sku)
        if title is not None:
            product = session.get(m.Product, sku.product_id)
            assert product is not None
            product.title = title
            session.add(product)
        session.commit()


def _sku(t: TwoShops, sku_id: int) -> tuple[str, int]:
    """The SKU's product title and price (fen)."""
    with Session(t.engine) as session:
        sku = session.get(m.Sku, sku_id)
        assert sku is not None
        product = session.get(m.Product, sku.product_id)
        assert product is not None
        return product.title, sku.price_fen


def test_a_percent_markup_goes_there_on_publish_and_back_here_when_the_channel_wins(
    two_shops: TwoShops,
) -> None:
    t = two_shops
    sku = t.product_a(CODE, 20)  # 10.00 here
    rules = FieldRules(markup=Markup(kind="percent", value=Decimal("12.5")))
    sync = t.connect(rules=rules)
    sync.publish([sku.product_id])
    assert _sku(t, t.sku_b(CODE).id or 0)[1] == 1125  # +12.5%, to the fen
    assert reconcile(sync).changes == []  # 11.25 there is what 10.00 here should be
    _edit(t, t.sku_b(CODE).id or 0, price=1351)
    report = reconcile(sync)  # this shop wins the price: written back there
    [change] = [c for c in report.changes if c.action == "field"]
    assert (change.field, change.side, change.before, change.after) == (
        "price",
        "there",
        "13.51",
        "11.25",
    )
    assert "this shop wins" in change.why and "+12.5%" in change.why
    assert _sku(t, t.sku_b(CODE).id or 0)[1] == 1125 and _sku(t, sku.id or 0)[1] == 1000
    sync.config = sync.config.model_copy(
        update={"rules": rules.model_copy(update={"winners": {"price": "there"}})}
    )
    _edit(t, t.sku_b(CODE).id or 0, price=1350)
    report = reconcile(sync)  # now the channel wins: 13.50 / 1.125 = 12.00 here
    [change] = [c for c in report.changes if c.action == "field"]
    assert (change.side, change.before, change.after) == ("here", "10.00", "12.00")
    assert _sku(t, sku.id or 0)[1] == 1200 and _sku(t, t.sku_b(CODE).id or 0)[1] == 1350
    assert reconcile(sync).changes == []  # settled: nothing to write twice


def test_a_fixed_markup_and_the_title_winner_each_way(two_shops: TwoShops) -> None:
    t = two_shops
    sku = t.product_a(CODE, 10)
    rules = FieldRules(markup=Markup(kind="fixed", value=Decimal(250)))  # +2.50
    sync = t.connect(rules=rules)
    sync.publish([sku.product_id])
    b_id = t.sku_b(CODE).id or 0
    title_here = _sku(t, sku.id or 0)[0]
    assert _sku(t, b_id) == (title_here, 1250)
    _edit(t, b_id, title="改过的标题 Renamed there")
    report = reconcile(sync)  # this shop wins the title: its own goes back there
    [change] = [c for c in report.changes if c.action == "field"]
    assert (change.field, change.side, change.after) == ("title", "there", title_here)
    assert _sku(t, b_id)[0] == title_here
    sync.config = sync.config.model_copy(
        update={"rules": rules.model_copy(update={"winners": {"title": "there"}})}
    )
    _edit(t, b_id, title="龙井 Longjing (there)")
    report = reconcile(sync)  # the channel wins: its title comes here
    [change] = [c for c in report.changes if c.action == "field"]
    assert (change.field, change.side, change.before) == ("title", "here", title_here)
    assert _sku(t, sku.id or 0)[0] == "龙井 Longjing (there)"
    assert _sku(t, sku.id or 0)[1] == 1000  # the price followed already: untouched


def test_a_field_that_does_not_follow_and_stock_that_does_not_follow_stay_apart(
    two_shops: TwoShops,
) -> None:
    t = two_shops
    sku = t.product_a(CODE, 20)
    sync = t.connect(rules=FieldRules(follow=["price"]))
    sync.publish([sku.product_id])
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (20, 0)  # no stock moved
    _edit(t, t.sku_b(CODE).id or 0, title="Their own title")
    report = reconcile(sync)
    assert report.changes == [] and report.conflicts == 0
    assert _sku(t, t.sku_b(CODE).id or 0)[0] == "Their own title"


def test_bring_here_creates_each_product_once_and_shares_the_adopted_stock(
    two_shops: TwoShops,
) -> None:
    t = two_shops
    codes = [f"IMP-{n:02d}" for n in range(12)]
    for code in codes:
        t.product_b(code, stock=6, price_fen=2200)
    t.product_a("IMP-00", 4)  # one code this shop has already: matched, not created
    category_here = t.factory.category(name="导入 Imported")
    rules = FieldRules(
        direction="here",
        markup=Markup(kind="percent", value=Decimal(10)),
        import_category_id=category_here.id,
    )
    sync = t.connect(rules=rules)
    before = _products_of(t, t.shop_a)
    assert catch_up(sync)
    assert _products_of(t, t.shop_a) == before + 11  # exactly the eleven new codes
    mapped = {i.sku_code: i for i in all_mapped(t.client, CHANNEL)}
    assert sorted(mapped) == codes and all(i.channel_code == i.sku_code for i in mapped.values())
    assert read_status(t.client, CHANNEL).conflicts == 0
    for code in codes[1:]:
        title_b, _ = _sku(t, t.sku_b(code).id or 0)
        here_id = mapped[code].sku_id
        assert _sku(t, here_id) == (title_b, 2000)  # 22.00 there is 20.00 here
        # the 6 units there are adopted, then shared half and half
        assert (t.stock(t.shop_a, code), t.stock(t.shop_b, code)) == (3, 3)
    assert (t.stock(t.shop_a, "IMP-00"), t.stock(t.shop_b, "IMP-00")) == (5, 5)
    assert catch_up(sync)  # a second run creates nothing
    assert _products_of(t, t.shop_a) == before + 11
    report = reconcile(sync)
    assert [c for c in report.changes if c.action != "rebalanced"] == []
    assert sum(t.stock(t.shop_a, c) + t.stock(t.shop_b, c) for c in codes) == 11 * 6 + 10


def test_a_channel_that_brings_products_here_publishes_none(two_shops: TwoShops) -> None:
    t = two_shops
    sku = t.product_a(CODE, 20)
    sync = t.connect(rules=FieldRules(direction="here"))
    with pytest.raises(ChannelRefused, match="brings products here"):
        sync.publish([sku.product_id])
    assert list(all_mapped(t.client, CHANNEL)) == []


def _products_of(t: TwoShops, shop: m.Shop) -> int:
    with Session(t.engine) as session:
        return int(
            session.exec(
                select(func.count()).select_from(m.Product).where(col(m.Product.shop_id) == shop.id)
            ).one()
        )
