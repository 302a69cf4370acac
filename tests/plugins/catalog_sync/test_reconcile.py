"""Reconciliation names a deliberately drifted SKU, says what it changed and why, and
repairs it; with the other shop down it pauses the channel instead."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from sqlmodel import Session

import core.models as m
from core.jobs.plugin_schedules import start_due_plugin_jobs
from core.jobs.runner import execute_job
from core.models.base import utcnow
from core.plugins.manager import PluginHost
from plugins.catalog_sync import RECONCILE_EVERY_MIN
from plugins.catalog_sync import records as rec
from plugins.catalog_sync.reconcile import reconcile
from plugins.catalog_sync.status import read_status
from tests.plugins.catalog_sync.conftest import CHANNEL, CODE, PortServer, TwoShops

STEADY = "TEA-2"


def _set_stock_by_hand(t: TwoShops, code: str, stock: int) -> None:
    with Session(t.engine) as session:
        sku = session.get(m.Sku, t.sku_b(code).id)
        assert sku is not None
        sku.stock = stock
        session.add(sku)
        session.commit()


def test_a_drifted_sku_is_named_repaired_and_rebalanced(two_shops: TwoShops) -> None:
    t = two_shops
    drifted, steady = t.product_a(CODE, 20), t.product_a(STEADY, 8)
    sync = t.connect()
    sync.publish([drifted.product_id, steady.product_id])
    buyer = t.factory.headers(t.factory.account())
    with httpx.Client(base_url=t.live.url, timeout=30) as http:
        for n in range(2):
            answer = t.buy(http, t.shop_b, t.sku_b(CODE).id or 0, buyer, f"b-{n}")
            assert answer.status_code == 201
    assert t.stock(t.shop_b, CODE) == 8
    _set_stock_by_hand(t, CODE, 13)  # someone raised it on the other shop: 5 it never had
    report = reconcile(sync)
    assert report.checked == 2 and report.paused == ""
    assert {c.sku_code for c in report.changes} == {CODE}
    surplus = next(c for c in report.changes if c.action == "removed_surplus")
    assert (surplus.before, surplus.after) == (13, 8)
    assert "allotted 10, sold 2" in surplus.why and "showed 13" in surplus.why
    # 18 left: the channel's half is 9, so shop A gave it one more
    rebalanced = next(c for c in report.changes if c.action == "rebalanced")
    assert (rebalanced.before, rebalanced.after) == (8, 9)
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (9, 9)
    assert (t.stock(t.shop_a, STEADY), t.stock(t.shop_b, STEADY)) == (4, 4)
    kept = t.client.records.get(rec.REPORTS, CHANNEL)
    assert kept is not None and kept.data["changes"][0]["sku_code"] == CODE
    again = reconcile(sync)  # a repeated run changes nothing twice
    assert again.changes == [] and again.checked == 2


def test_reconciling_with_the_other_shop_down_pauses_the_channel(
    two_shops: TwoShops, app: FastAPI
) -> None:
    t = two_shops
    sku = t.product_a(CODE, 20)
    with PortServer(app, 0) as other:
        sync = t.connect(url=other.url)
        sync.publish([sku.product_id])
    report = reconcile(sync)
    assert "did not answer" in report.paused and report.changes == []
    assert read_status(t.client, CHANNEL).state == "paused"


def test_the_host_runs_the_reconciliation_on_its_schedule(
    two_shops: TwoShops, sync_host: PluginHost
) -> None:
    t = two_shops
    sku = t.product_a(CODE, 20)
    t.connect().publish([sku.product_id])
    _set_stock_by_hand(t, CODE, 12)  # 2 more than shop A ever gave it
    start = utcnow()
    due = start_due_plugin_jobs(t.engine, sync_host, now=start)
    assert len(due) == 1
    assert start_due_plugin_jobs(t.engine, sync_host, now=start + timedelta(minutes=1)) == []
    runtime = SimpleNamespace(settings=t.settings, host=sync_host, read_engine=None, huey=None)
    assert execute_job(t.engine, due[0], runtime=runtime) == "succeeded"
    kept = t.client.records.get(rec.REPORTS, CHANNEL)
    assert kept is not None
    assert [(c["sku_code"], c["action"]) for c in kept.data["changes"]] == [
        (CODE, "removed_surplus")
    ]
    assert t.stock(t.shop_b, CODE) == 10
    later = start + timedelta(minutes=RECONCILE_EVERY_MIN + 1)
    assert len(start_due_plugin_jobs(t.engine, sync_host, now=later)) == 1
