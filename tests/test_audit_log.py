"""Every platform-admin action lands in the audit log with who did it, kernel and market alike."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import core.models as m
from core.outbox import record_event
from tests.conftest import Factory
from tests.webtools import HTML, sign_in


def _audit(engine: Engine) -> list[tuple[str, str, int, int | None]]:
    with Session(engine) as session:
        rows = session.exec(select(m.AuditLogEntry).order_by(col(m.AuditLogEntry.id))).all()
        return [(r.action, r.target_type, r.target_id, r.actor_id) for r in rows]


def _dead_delivery(engine: Engine, factory: Factory) -> int:
    shop = factory.shop()
    with Session(engine) as session:
        event_id = record_event(
            session,
            name="order_paid",
            shop_id=shop.id or 0,
            resource_type="order",
            resource_id=1,
            data={},
        )
        event = session.exec(select(m.OutboxEvent).where(m.OutboxEvent.event_id == event_id)).one()
        installation = m.Installation(shop_id=shop.id, plugin_id="recorder", version="1.0.0")
        session.add(installation)
        session.flush()
        delivery = m.Delivery(
            event_id=event.event_id,
            outbox_id=event.id or 0,
            installation_id=installation.id or 0,
            shop_id=shop.id or 0,
            plugin_id="recorder",
            hook="order_paid",
            status=m.DeliveryStatus.dead,
            attempts=6,
            last_error="boom",
        )
        session.add(delivery)
        session.commit()
        return delivery.id or 0


def test_kernel_admin_actions_are_audited(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    admin = factory.account(is_admin=True, name="Zhao Admin", email="zhao@example.com")
    headers = factory.headers(admin)
    shop = factory.shop()
    owner_headers = factory.headers(factory.fetch(m.Account, shop.owner_id))

    category = client.post(
        "/api/v1/admin/categories",
        headers=headers,
        json={"name": "Tea", "qualifications": ["food_licence", "tea_licence"]},
    )
    assert category.status_code == 201
    submitted = []
    for kind in ("food_licence", "tea_licence"):
        made = client.post(
            f"/api/v1/shops/{shop.id}/qualifications",
            headers=owner_headers,
            json={"kind": kind, "document_number": "JY1310101000000"},
        )
        assert made.status_code == 201, made.text
        submitted.append(made.json()["id"])
    approve = client.post(f"/api/v1/admin/qualifications/{submitted[0]}/approve", headers=headers)
    assert approve.status_code == 200
    reject = client.post(
        f"/api/v1/admin/qualifications/{submitted[1]}/reject",
        headers=headers,
        json={"reason": "Expired licence."},
    )
    assert reject.status_code == 200
    dead = _dead_delivery(engine, factory)
    replayed = client.post(
        "/api/v1/admin/deliveries/replay", headers=headers, json={"delivery_ids": [dead]}
    )
    assert replayed.json() == {"replayed": [dead]}

    assert _audit(engine) == [
        ("create_category", "category", category.json()["id"], admin.id),
        ("approve_qualification", "qualification", submitted[0], admin.id),
        ("reject_qualification", "qualification", submitted[1], admin.id),
        ("replay_delivery", "delivery", dead, admin.id),
    ]
    with Session(engine) as session:
        rejected = session.exec(
            select(m.AuditLogEntry).where(m.AuditLogEntry.action == "reject_qualification")
        ).one()
        assert rejected.reason == "Expired licence."

    sign_in(client, "zhao@example.com", "secret-pass")
    page = client.get("/admin/audit", headers=HTML).text
    for action in (
        "Created a category",
        "Approved a qualification",
        "Sent failed deliveries again",
    ):
        assert action in page
    assert "Expired licence." in page and "Zhao Admin" in page


def test_refused_admin_actions_write_nothing(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    stranger = factory.headers(factory.account())
    assert (
        client.post("/api/v1/admin/categories", headers=stranger, json={"name": "x"}).status_code
        == 403
    )
    admin = factory.headers(factory.account(is_admin=True))
    missing = client.post("/api/v1/admin/qualifications/999/approve", headers=admin)
    assert missing.status_code == 404
    assert _audit(engine) == []
