"""The demo world loads once, and loading it again changes nothing."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from core.db import session_scope
from core.demo import DEMO_PEOPLE, load_demo
from core.models import Account, Order, OrderStatus, Product, ProductStatus, Shop, ShopStatus
from core.settings import Settings


def _counts(engine: Engine) -> tuple[int, int, int, int]:
    with Session(engine) as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Account, Shop, Product, Order)
        )


def test_demo_is_populated_and_idempotent(engine: Engine, settings: Settings) -> None:
    with session_scope(engine) as session:
        sign_ins = load_demo(session, settings=settings)
    assert [email for _, email, _ in sign_ins] == [email for _, email, _ in DEMO_PEOPLE]
    first = _counts(engine)
    assert first == (4, 1, 3, 3)
    with Session(engine) as session:
        assert session.exec(select(Shop)).one().status == ShopStatus.open
        statuses = sorted(o.status for o in session.exec(select(Order)))
        assert statuses.count(OrderStatus.paid) == 2
        assert all(p.status == ProductStatus.listed for p in session.exec(select(Product)))
    with session_scope(engine) as session:
        load_demo(session, settings=settings)
    assert _counts(engine) == first


def test_demo_sign_in_works_over_the_api(client, engine: Engine, settings: Settings) -> None:
    with session_scope(engine) as session:
        load_demo(session, settings=settings)
    _, email, password = DEMO_PEOPLE[1]
    token = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert token.status_code in (200, 201), token.text
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    shops = client.get("/api/v1/shops", headers=headers).json()["items"]
    assert [s["name"] for s in shops] == ["摊子好物 Tanzi Goods"]


def test_demo_shop_has_shipping_insurance_and_its_policies_arrive(
    engine: Engine, settings: Settings
) -> None:
    from core.models import Installation, PluginRecord
    from core.plugins.dispatch import deliver, dispatch_outbox
    from core.plugins.manager import create_plugin_host

    with session_scope(engine) as session:
        load_demo(session, settings=settings)
    with Session(engine) as session:
        installation = session.exec(select(Installation)).one()
    assert installation.plugin_id == "shipping_insurance"
    host = create_plugin_host(settings)
    for delivery_id in dispatch_outbox(engine, host):
        deliver(engine, host, delivery_id)
    with Session(engine) as session:
        policies = session.exec(
            select(PluginRecord).where(PluginRecord.collection == "policies")
        ).all()
    assert len(policies) == 2  # the two paid demo orders
