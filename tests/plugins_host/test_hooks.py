"""One ``test_hook_<name>`` per hook spec: fire it for a shop with the recorder enabled."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.plugins.decisions import DecisionRunner
from core.plugins.installations import enable_plugin, remove_installation
from core.plugins.manager import PluginHost
from sdk.models import OrderDraft, ProductDraft, QuoteRequest
from tests.conftest import Factory
from tests.plugins_host.conftest import emit, enable, run_all
from tests.plugins_host.sample_plugins import recorder


def _fires(engine: Engine, host: PluginHost, factory: Factory, name: str, data: dict) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "recorder")
    event_id = emit(engine, name, shop.id, data)
    results = run_all(engine, host)
    assert {r.status for r in results} == {"delivered"}
    got = [e for n, e in recorder.CALLS if n == name]
    assert [e.event_id for e in got] == [event_id]
    assert got[0].shop_id == shop.id


def test_hook_product_created(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(engine, host, factory, "product_created", {"product": {"id": 1, "title": "Tea"}})


def test_hook_product_updated(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(engine, host, factory, "product_updated", {"product": {"id": 1, "title": "Tea"}})


def test_hook_product_deleted(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(engine, host, factory, "product_deleted", {"product": {"id": 1}})


def test_hook_inventory_changed(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(engine, host, factory, "inventory_changed", {"sku": {"id": 1}, "delta": -1, "stock": 3})


def test_hook_order_created(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(
        engine, host, factory, "order_created", {"order": {"id": 1, "status": "pending_payment"}}
    )


def test_hook_order_paid(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(engine, host, factory, "order_paid", {"order": {"id": 1, "status": "paid"}})


def test_hook_order_cancelled(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(engine, host, factory, "order_cancelled", {"order": {"id": 1, "status": "cancelled"}})


def test_hook_order_shipped(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(engine, host, factory, "order_shipped", {"order": {"id": 1, "status": "shipped"}})


def test_hook_order_delivered(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(engine, host, factory, "order_delivered", {"order": {"id": 1, "status": "delivered"}})


def test_hook_order_completed(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(engine, host, factory, "order_completed", {"order": {"id": 1, "status": "completed"}})


def test_hook_aftersale_requested(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(
        engine,
        host,
        factory,
        "aftersale_requested",
        {"aftersale": {"id": 1, "kind": "refund_only"}},
    )


def test_hook_aftersale_resolved(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(
        engine, host, factory, "aftersale_resolved", {"aftersale": {"id": 1, "status": "accepted"}}
    )


def test_hook_shipment_created(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(engine, host, factory, "shipment_created", {"shipment": {"id": 1, "waybill_no": "SF1"}})


def test_hook_tracking_updated(engine: Engine, host: PluginHost, factory: Factory) -> None:
    _fires(
        engine,
        host,
        factory,
        "tracking_updated",
        {"shipment": {"id": 1}, "tracking_event": {"status": "in_transit"}},
    )


def test_hook_installation_created(engine: Engine, host: PluginHost, factory: Factory) -> None:
    shop = factory.shop()
    installation_id = enable(engine, host, shop, "recorder")
    run_all(engine, host)
    (event,) = [e for n, e in recorder.CALLS if n == "installation_created"]
    assert event.installation.id == installation_id
    assert event.installation.granted_scopes == ["products:read"]


def test_hook_installation_removed(engine: Engine, host: PluginHost, factory: Factory) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "recorder")
    with Session(engine) as session:
        remove_installation(session, shop_id=shop.id, plugin_id="recorder")
        session.commit()
    run_all(engine, host)
    assert [n for n, _ in recorder.CALLS if n.startswith("installation")] == [
        "installation_created",
        "installation_removed",
    ]


def test_hook_product_validate(
    engine: Engine, host: PluginHost, decisions: DecisionRunner, factory: Factory
) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "recorder")
    with Session(engine) as session:
        out = decisions.call(session, shop.id, "product_validate", product=ProductDraft(title="xx"))
    assert [p.field for p in out.result] == ["title"]


def test_hook_logistics_quote(
    engine: Engine, host: PluginHost, decisions: DecisionRunner, factory: Factory
) -> None:
    shop, other = factory.shop(), factory.shop()
    enable(engine, host, shop, "recorder")
    request = QuoteRequest(province_code="31")
    with Session(engine) as session:
        assert (
            decisions.call(session, shop.id, "logistics_quote", request=request).result.carrier_code
            == "recorder"
        )
        kernel = decisions.call(session, other.id, "logistics_quote", request=request)
    assert kernel.result.carrier_code == "standard"


def test_hook_order_adjustments(
    engine: Engine, host: PluginHost, decisions: DecisionRunner, factory: Factory
) -> None:
    shop = factory.shop()
    enable(engine, host, shop, "recorder")
    with Session(engine) as session:
        out = decisions.call(
            session, shop.id, "order_adjustments", order=OrderDraft(subtotal_fen=500)
        )
    assert [a.amount_fen for a in out.result] == [-100]


def _registered(engine: Engine, host: PluginHost, factory: Factory, hook: str) -> tuple[list, list]:
    shop, other = factory.shop(), factory.shop()
    enable(engine, host, shop, "recorder")
    with Session(engine) as session:
        mine = getattr(host.hooks_for(session, shop.id), hook)()
        theirs = getattr(host.hooks_for(session, other.id), hook)()
    return [x for group in mine for x in group], [x for group in theirs for x in group]


def test_hook_register_routes(engine: Engine, host: PluginHost, factory: Factory) -> None:
    mine, theirs = _registered(engine, host, factory, "register_routes")
    assert [r.path for r in mine] == ["/hello"] and theirs == []


def test_hook_register_carriers(engine: Engine, host: PluginHost, factory: Factory) -> None:
    mine, theirs = _registered(engine, host, factory, "register_carriers")
    assert [c.code for c in mine] == ["recorder_express"] and theirs == []


def test_hook_register_importers(app_with_recorder: FastAPI, factory: Factory) -> None:
    app = app_with_recorder
    client = TestClient(app)
    shop, other = (
        factory.shop(owner := factory.account()),
        factory.shop(stranger := factory.account()),
    )
    with Session(app.state.engine) as session:
        enable_plugin(session, host=app.state.runtime.host, shop_id=shop.id, plugin_id="recorder")
        session.commit()
    mine = client.get(f"/api/v1/shops/{shop.id}/import-formats", headers=factory.headers(owner))
    assert mine.status_code == 200, mine.text
    assert mine.json() == [
        {
            "plugin_id": "recorder",
            "code": "recorder_csv",
            "name": "Recorder CSV",
            "content_types": [],
        }
    ]
    theirs = client.get(
        f"/api/v1/shops/{other.id}/import-formats", headers=factory.headers(stranger)
    )
    assert theirs.json() == []


def test_hook_register_job_kinds(engine: Engine, host: PluginHost, factory: Factory) -> None:
    mine, theirs = _registered(engine, host, factory, "register_job_kinds")
    assert [k.code for k in mine] == ["noop"] and theirs == []


def test_hook_register_merchant_actions(engine: Engine, host: PluginHost, factory: Factory) -> None:
    mine, theirs = _registered(engine, host, factory, "register_merchant_actions")
    assert [a.code for a in mine] == ["ping"] and theirs == []
