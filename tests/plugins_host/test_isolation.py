"""Per-shop enablement, failure isolation, scopes and dead letters."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.plugins import delivery, fanout, retries
from core.plugins.decisions import DecisionRunner
from core.plugins.installations import pause_installation, resume_installation
from core.plugins.manager import PluginHost
from sdk.models import ProductDraft, QuoteRequest
from tests.conftest import Factory
from tests.plugins_host.conftest import deliveries, emit, enable, run_all
from tests.plugins_host.sample_plugins import greedy, recorder


def test_shop_without_plugin_never_reaches_it(
    engine: Engine, host: PluginHost, factory: Factory
) -> None:
    shop, other = factory.shop(), factory.shop()
    enable(engine, host, shop, "recorder")
    emit(engine, "product_created", other.id, {"product": {"id": 1}})
    run_all(engine, host)
    assert [n for n, _ in recorder.CALLS if n == "product_created"] == []
    with Session(engine) as session:
        assert host.hooks_for(session, other.id).register_carriers() == []


def test_enable_disable_moves_the_view(engine: Engine, host: PluginHost, factory: Factory) -> None:
    shop = factory.shop()
    with Session(engine) as session:
        assert host.shop_view(session, shop.id).enabled == frozenset()
    enable(engine, host, shop, "recorder")
    with Session(engine) as session:
        assert host.shop_view(session, shop.id).enabled == {"recorder"}
        assert host.hooks_for(session, shop.id).register_carriers() != []
        pause_installation(session, shop_id=shop.id, plugin_id="recorder")
        session.commit()
    with Session(engine) as session:
        assert host.hooks_for(session, shop.id).register_carriers() == []
        resume_installation(session, shop_id=shop.id, plugin_id="recorder")
        session.commit()
    with Session(engine) as session:
        assert host.hooks_for(session, shop.id).register_carriers() != []
    assert host.relay(frozenset(host.active)) is host.pm.hook  # nothing removed: plain hook


def test_failing_plugin_changes_nothing_for_others(
    engine: Engine, host: PluginHost, factory: Factory
) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "recorder")
    enable(engine, host, shop, "broken")
    run_all(engine, host)
    emit(engine, "order_paid", shop.id, {"order": {"id": 1}})
    emit(engine, "product_created", shop.id, {"product": {"id": 1}})
    results = {(r.status, r.error[:9]) for r in run_all(engine, host)}
    assert ("delivered", "") in results
    assert ("failed", "RuntimeEr") in results
    assert ("failed", "timed out") in results
    rows = {(d.plugin_id, d.hook): d for d in deliveries(engine)}
    assert rows["recorder", "order_paid"].status == m.DeliveryStatus.delivered
    assert rows["recorder", "product_created"].status == m.DeliveryStatus.delivered
    failed = rows["broken", "order_paid"]
    assert failed.status == m.DeliveryStatus.failed and "boom" in failed.last_error
    assert failed.attempts == 1 and failed.next_attempt_at is not None
    assert "timed out" in rows["broken", "product_created"].last_error


def test_retries_then_dead_then_replay(engine: Engine, host: PluginHost, factory: Factory) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "broken")
    run_all(engine, host)
    emit(engine, "order_paid", shop.id, {"order": {"id": 1}})
    (delivery_id,) = fanout.dispatch_outbox(engine, host)
    for _ in range(len(delivery.BACKOFF_SCHEDULE_S) + 1):
        with Session(engine) as session:  # reset the circuit so the test exercises backoff
            inst = session.exec(select(m.Installation)).one()
            inst.circuit_state, inst.circuit_retry_at = m.CircuitState.closed, None
            session.add(inst)
            session.commit()
        result = delivery.deliver(engine, host, delivery_id)
    assert result.status == "dead"
    with Session(engine) as session:
        assert [d.id for d in retries.dead_letters(session, shop_id=shop.id)] == [delivery_id]
        assert retries.replay_deliveries(session, delivery_ids=[delivery_id]) == [delivery_id]
        session.commit()
        assert session.get(m.Delivery, delivery_id).status == m.DeliveryStatus.pending


def test_circuit_opens_and_defers(engine: Engine, host: PluginHost, factory: Factory) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "broken")
    run_all(engine, host)
    for i in range(4):
        emit(engine, "order_paid", shop.id, {"order": {"id": i + 1}}, rid=i + 1)
    results = run_all(engine, host)
    assert [r.status for r in results] == ["failed", "failed", "failed", "deferred"]
    with Session(engine) as session:
        inst = session.exec(select(m.Installation)).one()
        assert inst.circuit_state == m.CircuitState.open
        assert "3 consecutive failures" in inst.circuit_reason
        inst.circuit_retry_at = inst.circuit_opened_at - timedelta(seconds=1)  # cooldown over
        session.add(inst)
        session.commit()
    # the half-open trial fails again: the circuit re-opens at once
    assert delivery.deliver(engine, host, results[3].delivery_id).status == "failed"


def test_decision_failure_and_timeout_fall_back(
    engine: Engine, host: PluginHost, decisions: DecisionRunner, factory: Factory
) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "broken")
    with Session(engine) as session:
        quote = decisions.call(
            session, shop.id, "logistics_quote", request=QuoteRequest(province_code="31")
        )
        problems = decisions.call(
            session, shop.id, "product_validate", product=ProductDraft(title="ok")
        )
    assert quote.result.carrier_code == "standard"
    assert "timed out" in quote.failures[0].error
    assert problems.result == [] and "validator crashed" in problems.failures[0].error
    assert decisions.health()[quote.failures[0].installation_id]["total_failures"] == 2


def test_scope_denied_writes_nothing(engine: Engine, host: PluginHost, factory: Factory) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=7)
    enable(engine, host, shop, "greedy", granted_scopes=["products:read"])
    run_all(engine, host)
    emit(engine, "order_paid", shop.id, {"order": {"id": 1, "lines": [{"sku_id": sku.id}]}})
    (result,) = run_all(engine, host)
    assert result.status == "failed" and "ScopeDenied" in result.error
    assert greedy.DENIED[0].scope == "products:write"
    with Session(engine) as session:
        assert session.get(m.Sku, sku.id).stock == 7
        assert (
            session.exec(
                select(m.OutboxEvent).where(m.OutboxEvent.name == "inventory_changed")
            ).all()
            == []
        )
