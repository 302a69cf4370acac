"""Label printing's batch on the fake shop: once-per-order waybills, a carrier refusing some
orders, shipping only what has a waybill, and the rendered file's barcodes."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from plugins.label_printing import batch
from sdk.errors import ResourceNotFound
from sdk.testing import FakeShop


def _orders(shop: FakeShop, n: int) -> list[int]:
    sku = next(iter(shop.sku_rows))
    return [shop.add_order([(sku, 1 + i % 2)]).id for i in range(n)]


def test_a_refused_order_is_named_the_rest_print_and_only_those_ship() -> None:
    shop = FakeShop()
    ids = _orders(shop, 5)
    shop.fail_waybills_for([ids[1], ids[3]])
    seen: list[tuple[int, int]] = []
    outcome = batch.print_batch(
        shop, ids, account_id=1, mark_shipped=True, progress=lambda d, t: seen.append((d, t))
    )
    assert [r.order_id for r in outcome.refused] == [ids[1], ids[3]]
    assert all(r.message for r in outcome.refused)
    assert [int(label.order_no) for label in outcome.labels] == [ids[0], ids[2], ids[4]]
    assert outcome.shipped == [ids[0], ids[2], ids[4]]
    assert seen == [(5, 5)]
    statuses = {i: shop.orders.get(i).status for i in ids}
    assert statuses[ids[1]] == statuses[ids[3]] == "paid"
    assert statuses[ids[0]] == "shipped"
    for label in outcome.labels:
        assert re.fullmatch(r"SBX\d{10}", label.waybill_no)
        assert label.recipient.name == "李买家"


def test_printing_again_reuses_every_waybill_number() -> None:
    shop = FakeShop()
    ids = _orders(shop, 3)
    first = batch.print_batch(shop, ids, account_id=1)
    again = batch.print_batch(shop, [*ids, ids[0]], account_id=1)
    assert [lb.waybill_no for lb in again.labels] == [lb.waybill_no for lb in first.labels]
    assert len(shop.waybill_rows) == 3


def test_one_file_for_the_selection_with_each_waybill() -> None:
    shop = FakeShop()
    outcome = batch.print_batch(shop, _orders(shop, 3), account_id=1)
    document = PdfReader(io.BytesIO(batch.render(outcome.labels, "pdf")))
    assert len(document.pages) == 3
    for label, page in zip(outcome.labels, document.pages, strict=True):
        assert label.waybill_no in page.extract_text()
    text = batch.render(outcome.labels, "zpl").decode()
    assert text.count("^XA") == 3
    picks = PdfReader(io.BytesIO(batch.render(outcome.labels, "pick_list")))
    quantity = sum(item.quantity for label in outcome.labels for item in label.items)
    assert f"件数 {quantity}" in picks.pages[0].extract_text()
    slips = PdfReader(io.BytesIO(batch.render(outcome.labels, "packing_slips")))
    assert len(slips.pages) == 3
    with pytest.raises(ValueError):
        batch.render(outcome.labels, "png")


def test_an_unknown_account_is_not_found() -> None:
    shop = FakeShop()
    with pytest.raises(ResourceNotFound):
        batch.print_batch(shop, _orders(shop, 1), account_id=99)


def test_without_the_buyers_address_no_label_is_printed() -> None:
    shop = FakeShop()
    ids = _orders(shop, 2)
    shop.order_rows[ids[0]]["address"] = None
    outcome = batch.print_batch(shop, ids, account_id=1, mark_shipped=True)
    assert [(r.order_id, r.message) for r in outcome.refused] == [(ids[0], batch.NO_RECIPIENT)]
    assert outcome.shipped == [ids[1]]
    assert shop.orders.get(ids[0]).status == "paid"


class Killed(Exception):
    """Stands for the worker being killed after a chunk."""


def test_a_run_killed_after_a_chunk_runs_again_without_a_second_waybill() -> None:
    shop = FakeShop()
    ids = _orders(shop, batch.CHUNK + 20)

    def kill(done: int, total: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        batch.print_batch(shop, ids, account_id=1, mark_shipped=True, progress=kill)
    issued = {row["order_id"]: row["waybill_no"] for row in shop.waybill_rows.values()}
    assert len(issued) == batch.CHUNK
    outcome = batch.print_batch(shop, ids, account_id=1, mark_shipped=True)
    assert [int(label.order_no) for label in outcome.labels] == ids  # every label once
    assert len(shop.waybill_rows) == len(ids)  # no order got a second number
    for label in outcome.labels[: batch.CHUNK]:
        assert issued[int(label.order_no)] == label.waybill_no
    assert outcome.shipped == ids[batch.CHUNK :]  # the first chunk shipped before the kill
    assert all(shop.orders.get(i).status == "shipped" for i in ids)
    shipments = [row["order_id"] for row in shop.shipment_rows.values()]
    assert sorted(o for o in shipments if o in set(ids)) == ids  # one shipment per order
