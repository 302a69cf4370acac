"""Coalesced dispatch and batched delivery keep each delivery's own outcome."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.engine import Engine

import core.models as m
from core.jobs.queue import build_runtime, create_huey
from core.jobs.runtime import binding_of
from core.jobs.tasks import request_dispatch
from core.plugins import delivery, fanout
from core.plugins.manager import PluginHost
from core.settings import Settings
from tests.conftest import Factory
from tests.plugins_host.conftest import deliveries, emit, enable


def test_dispatch_requests_coalesce_until_the_task_starts(settings: Settings) -> None:
    huey = create_huey(settings)
    huey.flush()
    assert request_dispatch(huey) is True
    assert request_dispatch(huey) is False  # one is pending: no second task
    assert huey.pending_count() == 1
    huey.storage.pop_data("tanzi.dispatch.pending")  # what the task does before draining
    assert request_dispatch(huey) is True
    assert huey.pending_count() == 2


def test_batch_per_installation_isolates_and_orders(
    engine: Engine, host: PluginHost, factory: Factory
) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "recorder")
    enable(engine, host, shop, "broken")
    fanout.dispatch_outbox(engine, host)  # lifecycle events
    for i in range(4):
        emit(engine, "order_paid", shop.id, {"order": {"id": i + 1}}, rid=i + 1)
    batches = fanout.dispatch_outbox_batches(engine, host)
    assert len(batches) == 2 and all(len(ids) == 4 for ids in batches.values())
    results = {}
    for ids in batches.values():
        assert ids == sorted(ids)
        results.update({r.delivery_id: r for r in delivery.deliver_batch(engine, host, ids)})
    rows = {d.id: d for d in deliveries(engine) if d.hook == "order_paid"}
    statuses = sorted(
        (rows[i].plugin_id, r.status) for i, r in results.items() if rows[i].plugin_id
    )
    # recorder: all delivered; broken: three failures open its circuit, the fourth waits
    assert statuses == [
        ("broken", "deferred"),
        ("broken", "failed"),
        ("broken", "failed"),
        ("broken", "failed"),
        *[("recorder", "delivered")] * 4,
    ]
    assert all(
        d.status == m.DeliveryStatus.delivered and d.attempts == 1
        for d in rows.values()
        if d.plugin_id == "recorder"
    )


def test_the_worker_logs_one_line_per_delivery(
    settings: Settings,
    engine: Engine,
    host: PluginHost,
    factory: Factory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "recorder")
    enable(engine, host, shop, "broken")
    huey = create_huey(settings)
    huey.flush()
    build_runtime(settings, engine=engine, host=host, huey=huey)
    emit(engine, "order_paid", shop.id, {"order": {"id": 1}})
    batches = fanout.dispatch_outbox_batches(engine, host)
    with caplog.at_level(logging.INFO, logger="tanzi.worker"):
        for ids in batches.values():
            binding_of(huey).tasks["deliver_batch"].call_local(ids)
    lines = [r.getMessage() for r in caplog.records if r.name == "tanzi.worker"]
    ids = sorted(i for group in batches.values() for i in group)
    assert len(lines) == len(ids)
    assert sum("delivered" in line for line in lines) == 2  # the recorder's two events
    assert any(
        line.startswith(f"delivery {i} failed, retry in 10s: ") for i in ids for line in lines
    )
