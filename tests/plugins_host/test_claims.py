"""Two sweepers claiming due deliveries at once take disjoint sets and lose none."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.models.base import utcnow
from core.plugins import fanout, retries
from core.plugins.manager import PluginHost
from tests.conftest import Factory
from tests.plugins_host.conftest import emit, enable

EVENTS = 20


def test_concurrent_claimers_take_disjoint_deliveries(
    engine: Engine, host: PluginHost, factory: Factory
) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "recorder")
    for n in range(EVENTS):
        emit(engine, "product_updated", shop.id, {"product": {"id": n}}, rid=n + 1)
    made = fanout.dispatch_outbox(engine, host)  # the events and installation_created
    assert len(made) > EVENTS
    half = -(-len(made) // 2)
    with Session(engine) as session:  # handed out long ago and never finished: due again
        session.execute(update(m.Delivery).values(enqueued_at=utcnow() - timedelta(hours=1)))
        session.commit()

    # Both claimers read their candidates before either writes its claim: the race.
    both_read = threading.Barrier(2)

    def after_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM delivery" in statement:
            # broken when the other claimer waits behind this one's lock (SQLite, fixed PG)
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait(timeout=1.0)

    event.listen(engine, "after_cursor_execute", after_execute)
    claimed: list[list[int]] = [[], []]

    def claim(slot: int) -> None:
        batches = retries.due_delivery_batches(engine, stale_after_s=60.0, limit=half)
        claimed[slot] = [i for ids in batches.values() for i in ids]

    try:
        threads = [threading.Thread(target=claim, args=(slot,)) for slot in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        event.remove(engine, "after_cursor_execute", after_execute)
    first, second = set(claimed[0]), set(claimed[1])
    assert not first & second, f"both claimed {sorted(first & second)}"
    assert first | second == set(made)


def test_concurrent_dispatchers_fan_each_event_out_once_without_a_failed_statement(
    engine: Engine, host: PluginHost, factory: Factory
) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "recorder")
    for n in range(EVENTS):
        emit(engine, "product_updated", shop.id, {"product": {"id": n}}, rid=n + 1)
    both_read = threading.Barrier(2)
    failed: list[str] = []

    def after_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM outbox_event" in statement:
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait(timeout=1.0)

    def on_error(context: Any) -> None:  # a unique violation used for dedupe, say
        failed.append(str(context.original_exception))

    event.listen(engine, "after_cursor_execute", after_execute)
    event.listen(engine, "handle_error", on_error)
    made: list[list[int]] = [[], []]

    def dispatch(slot: int) -> None:
        made[slot] = fanout.dispatch_outbox(engine, host)

    try:
        threads = [threading.Thread(target=dispatch, args=(slot,)) for slot in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        event.remove(engine, "after_cursor_execute", after_execute)
        event.remove(engine, "handle_error", on_error)
    assert failed == []
    assert not set(made[0]) & set(made[1])
    with Session(engine) as session:
        rows = session.exec(select(m.Delivery).where(m.Delivery.hook == "product_updated")).all()
    assert sorted(r.outbox_id for r in rows) == sorted({r.outbox_id for r in rows})
    assert len(rows) == EVENTS
    assert {r.id for r in rows} <= set(made[0]) | set(made[1])
