"""A plugin written with pluggy wrappers (``wrapper=True``) does not break the kernel's
decisions, and its event wrapper runs like any event hook."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.plugins.decisions import DecisionRunner
from core.plugins.loading import PluginConfig, load_all
from core.plugins.manager import PluginHost
from sdk.models import OrderDraft, QuoteRequest
from tests.conftest import Factory
from tests.plugins_host.conftest import LIMITS, SAMPLES, emit, enable, run_all
from tests.plugins_host.sample_plugins import recorder, wrapping


def _host() -> PluginHost:
    recorder.CALLS.clear()
    wrapping.WRAPPED.clear()
    config = PluginConfig(
        load=(f"{SAMPLES}.recorder", f"{SAMPLES}.wrapping"),
        default_limits=LIMITS,
        entry_points=False,
    )
    return PluginHost(load_all(config), config)


def test_decisions_ignore_wrappers_and_keep_the_other_answers(
    engine: Engine, factory: Factory
) -> None:
    host = _host()
    assert set(host.active) == {"recorder", "wrapping"}
    decisions = DecisionRunner(host, engine)
    shop, wrapped_only = factory.shop(), factory.shop()
    enable(engine, host, shop, "recorder")
    enable(engine, host, shop, "wrapping")
    enable(engine, host, wrapped_only, "wrapping")
    draft, request = OrderDraft(subtotal_fen=500), QuoteRequest(province_code="31")
    with Session(engine) as session:
        adjustments = decisions.call(session, shop.id, "order_adjustments", order=draft)
        quote = decisions.call(session, shop.id, "logistics_quote", request=request)
        alone = decisions.call(session, wrapped_only.id, "logistics_quote", request=request)
        none = decisions.call(session, wrapped_only.id, "order_adjustments", order=draft)
    assert [a.amount_fen for a in adjustments.result] == [-100]
    assert adjustments.failures == [] and adjustments.answered_by == ["recorder"]
    assert quote.result.carrier_code == "recorder"
    assert alone.result.carrier_code == "standard"  # the kernel's default answers
    assert none.result == [] and none.failures == []


def test_an_event_wrapper_is_delivered(engine: Engine, factory: Factory) -> None:
    host = _host()
    shop = factory.shop()
    enable(engine, host, shop, "wrapping")
    event_id = emit(engine, "order_paid", shop.id, {"order": {"id": 1, "status": "paid"}})
    results = run_all(engine, host)
    assert {r.status for r in results} == {"delivered"}
    assert [("order_paid", event_id)] == wrapping.WRAPPED
