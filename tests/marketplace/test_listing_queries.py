"""The listings pages and API read a fixed number of queries however many listings there
are (counted with SQLAlchemy's ``before_cursor_execute``), and show them a page at a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.outbox import record_event
from tests.conftest import Factory
from tests.marketplace.marketdata import installation, listing
from tests.webtools import HTML, sign_in

PASSWORD = "listing-pass"


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """Every SQL statement any engine runs inside the block (the read engine included)."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _listings(engine: Engine, factory: Factory, provider: m.Account, start: int, n: int) -> None:
    """``n`` live listings of ``provider``, each installed in a shop, with a failing delivery."""
    for i in range(start, start + n):
        row = listing(engine, provider, slug=f"svc_{i:03d}")
        inst = installation(engine, factory.shop(), row)
        with Session(engine) as session:
            event_id = record_event(
                session,
                name="order_paid",
                shop_id=inst.shop_id,
                resource_type="order",
                resource_id=i,
                data={},
            )
            outbox = session.exec(
                select(m.OutboxEvent).where(m.OutboxEvent.event_id == event_id)
            ).one()
            session.add(
                m.Delivery(
                    event_id=event_id,
                    outbox_id=outbox.id,
                    installation_id=inst.id,
                    plugin_id=row.slug,
                    shop_id=inst.shop_id,
                    hook="order_paid",
                    status=m.DeliveryStatus.dead,
                )
            )
            session.commit()


def _count(client: TestClient, url: str, headers: dict[str, str]) -> tuple[int, Any]:
    with counted_queries() as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return len(statements), response


def test_queries_do_not_grow_with_listings(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    provider = factory.account(password=PASSWORD, is_provider=True)
    admin = factory.account(password=PASSWORD, is_admin=True)
    token = factory.headers(provider)
    admin_client = TestClient(client.app)
    sign_in(admin_client, admin.email, PASSWORD)
    sign_in(client, provider.email, PASSWORD)
    pages = [
        (client, "/provider", HTML),
        (admin_client, "/admin/listings", HTML),
        (client, "/api/v1/provider/listings?limit=50", token),
    ]

    _listings(engine, factory, provider, 0, 1)
    for who, url, headers in pages:
        who.get(url, headers=headers)  # warm up: first-request work is not the point
    one = [_count(who, url, headers)[0] for who, url, headers in pages]
    _listings(engine, factory, provider, 1, 49)
    fifty = [_count(who, url, headers)[0] for who, url, headers in pages]
    assert fifty == one

    _, api = _count(client, "/api/v1/provider/listings?limit=50", token)
    assert len(api.json()["items"]) == 50
    assert api.json()["next_cursor"] is None
    assert "svc_049" in _count(client, "/provider", HTML)[1].text


def test_listings_come_a_page_at_a_time(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    provider = factory.account(password=PASSWORD, is_provider=True)
    token = factory.headers(provider)
    _listings(engine, factory, provider, 0, 5)

    seen: list[str] = []
    url = "/api/v1/provider/listings?limit=2"
    while True:
        body = client.get(url, headers=token).json()
        seen += [item["slug"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        url = f"/api/v1/provider/listings?limit=2&cursor={body['next_cursor']}"
    assert sorted(seen) == [f"svc_{i:03d}" for i in range(5)]
    assert len(seen) == 5
    assert body["items"][0]["versions"] == ["1.0.0"]
