"""When the remote app is down: retries on the published schedule, the circuit pauses the
subscription and keeps the backlog, the provider and merchant are told, and every event
arrives once the app is back (at least once, deduplicable, in sequence per resource).

Time moves by the ``clock`` fixture (what the delivery machinery reads), never by sleeping.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC

from fastapi import FastAPI
from fastapi.testclient import TestClient
from huey import Huey
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import core.models as m
from core.outbox import record_event
from core.plugins import delivery, fanout, retries
from core.plugins.manager import PluginHost
from core.services.notifications import notice_text
from core.settings import Settings
from sdk.remote import EVENT_ID_HEADER
from tests.conftest import Factory
from tests.webhooks.conftest import (
    Clock,
    Receiver,
    notifications,
    remote_app,
    run_queue,
    service_headers,
)

TOPICS = ["order.paid", "order.shipped", "order.delivered"]


def _emit(engine: Engine, shop_id: int, name: str, order_id: int) -> str:
    with Session(engine) as session:
        event_id = record_event(
            session,
            name=name,
            shop_id=shop_id,
            resource_type="order",
            resource_id=order_id,
            data={"order": {"id": order_id, "shop_id": shop_id, "status": name[6:]}},
        )
        session.commit()
    return event_id


def _round(engine: Engine, host: PluginHost, settings: Settings) -> list[delivery.DeliveryResult]:
    """What the worker does on a sweep: fan out new events, run every due delivery batch."""
    fanout.dispatch_outbox(engine, host)
    results = []
    for ids in retries.due_delivery_batches(engine, stale_after_s=0).values():
        results += delivery.deliver_batch(engine, host, ids, secret_key=settings.secret_key)
    return results


def _deliveries(engine: Engine) -> list[m.Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(m.Delivery).order_by(col(m.Delivery.id))))


def _installation(engine: Engine, installation_id: int | None) -> m.Installation:
    with Session(engine) as session:
        row = session.get(m.Installation, installation_id)
        assert row is not None
        return row


def test_a_receiver_down_for_a_while_gets_every_event_once_it_is_back(
    app: FastAPI,
    factory: Factory,
    settings: Settings,
    engine: Engine,
    receiver: Receiver,
    clock: Clock,
) -> None:
    shop = factory.shop()
    installation, listing = remote_app(factory, settings, shop, url=receiver.url, topics=TOPICS)
    host: PluginHost = app.state.runtime.host
    limits = host.config.limits_for(installation.plugin_id)
    orders = [factory.order(shop)[0].id for _ in range(3)]
    receiver.stop()  # connections are refused from here on

    sent: list[str] = []
    for name in ("order_paid", "order_shipped"):
        sent += [_emit(engine, shop.id, name, order_id) for order_id in orders]
    results = _round(engine, host, settings)
    failed = [r for r in results if r.status == "failed"]
    assert len(failed) == limits.circuit_failures  # then the circuit opened
    assert all(r.retry_in_s == delivery.BACKOFF_SCHEDULE_S[0] for r in failed)
    assert {r.status for r in results[len(failed) :]} == {"deferred"}
    paused = _installation(engine, installation.id)
    assert paused.circuit_state == m.CircuitState.open

    # the provider and the shop's owner are told, once
    told = notifications(engine)
    assert sorted(n.account_id for n in told) == sorted([listing.provider_id, shop.owner_id])
    assert {n.kind for n in told} == {"webhooks_paused"}
    assert all(n.shop_id == shop.id and n.read_at is None for n in told)
    assert "/webhooks/replay" in notice_text(told[0])  # a text key + params, not a sentence
    assert "ConnectError" in str(told[0].params["reason"]) and told[0].message == ""

    # events keep coming while paused: kept in the backlog, not attempted
    sent += [_emit(engine, shop.id, "order_delivered", order_id) for order_id in orders]
    clock.advance(delivery.BACKOFF_SCHEDULE_S[0])
    assert {r.status for r in _round(engine, host, settings)} == {"deferred"}
    attempts = sum(d.attempts for d in _deliveries(engine))
    assert attempts == limits.circuit_failures
    assert len(_deliveries(engine)) == 9

    # back up; after the cooldown a trial goes through and the whole backlog follows
    receiver.start()
    clock.advance(limits.circuit_cooldown_s)
    results = _round(engine, host, settings)
    assert [r.status for r in results] == ["delivered"] * 9
    assert _round(engine, host, settings) == []

    got = receiver.received
    assert all(r.verified for r in got)
    assert sorted(r.event.event_id for r in got) == sorted(sent)  # each once, none lost
    by_order: dict[int, list[int]] = defaultdict(list)
    for r in got:
        by_order[r.event.resource_id].append(r.event.sequence)
    assert dict(by_order) == {order_id: [1, 2, 3] for order_id in orders}
    assert _installation(engine, installation.id).circuit_state == m.CircuitState.closed
    assert len(notifications(engine)) == 2


def test_deliveries_are_at_least_once_and_deduplicable_by_event_id(
    app: FastAPI,
    factory: Factory,
    settings: Settings,
    engine: Engine,
    receiver: Receiver,
    clock: Clock,
) -> None:
    """An app that took the event but answered 503 gets it again: same id, fresh signature."""
    shop = factory.shop()
    remote_app(factory, settings, shop, url=receiver.url, topics=TOPICS)
    host: PluginHost = app.state.runtime.host
    order_id = factory.order(shop)[0].id
    sent = [_emit(engine, shop.id, n, order_id) for n in ("order_paid", "order_shipped")]
    receiver.status = 503
    assert [r.status for r in _round(engine, host, settings)] == ["failed", "failed"]
    receiver.status = 200
    assert _round(engine, host, settings) == []  # not due before the first backoff step
    clock.advance(delivery.BACKOFF_SCHEDULE_S[0])
    assert [r.status for r in _round(engine, host, settings)] == ["delivered", "delivered"]

    ids = [r.event.event_id for r in receiver.received]
    assert ids == [*sent, *sent]
    assert all(r.verified for r in receiver.received)
    assert [r.headers[EVENT_ID_HEADER] for r in receiver.received] == ids
    assert list(dict.fromkeys(ids)) == sent  # deduplicated, in sequence order
    assert [d.attempts for d in _deliveries(engine)] == [2, 2]


def test_retries_follow_the_schedule_then_pause_dead_letters_and_replay(
    app: FastAPI,
    client: TestClient,
    factory: Factory,
    settings: Settings,
    engine: Engine,
    huey: Huey,
    receiver: Receiver,
    clock: Clock,
) -> None:
    shop = factory.shop()
    installation, _ = remote_app(factory, settings, shop, url=receiver.url, topics=TOPICS)
    host: PluginHost = app.state.runtime.host
    order_id = factory.order(shop)[0].id
    receiver.status = 500
    first = _emit(engine, shop.id, "order_paid", order_id)

    for attempt, wait_s in enumerate(delivery.BACKOFF_SCHEDULE_S, start=1):
        [result] = _round(engine, host, settings)
        assert (result.status, result.retry_in_s, result.error) == (
            "failed",
            wait_s,
            "HTTP 500: ok",
        )
        [row] = _deliveries(engine)
        assert row.attempts == attempt
        due = row.next_attempt_at
        assert due is not None
        assert round((due.replace(tzinfo=UTC) - clock.now()).total_seconds()) == wait_s
        clock.advance(wait_s)
    [result] = _round(engine, host, settings)
    assert result.status == "dead"
    assert len(notifications(engine)) == 2  # told when the circuit opened, not again

    # more events while paused wait in the backlog
    later = [_emit(engine, shop.id, n, order_id) for n in ("order_shipped", "order_delivered")]
    assert {r.status for r in _round(engine, host, settings)} == {"deferred"}

    token = service_headers(factory, installation)
    base = f"/api/v1/shops/{shop.id}/installations/{installation.plugin_id}/webhooks"
    health = client.get(base, headers=token).json()
    assert (health["paused"], health["circuit_state"]) == (True, "open")
    assert health["backlog"] == {"pending": 2, "failed": 0, "dead": 1}
    assert health["webhook_topics"] == TOPICS
    listed = client.get(base + "/deliveries", headers=token, params={"limit": 2}).json()
    assert [d["topic"] for d in listed["items"]] == ["order.delivered", "order.shipped"]
    assert listed["next_cursor"]
    rest = client.get(
        base + "/deliveries", headers=token, params={"cursor": listed["next_cursor"]}
    ).json()
    [dead] = rest["items"]
    assert (dead["event_id"], dead["status"], dead["attempts"]) == (first, "dead", 6)
    assert dead["last_error"] == "HTTP 500: ok"
    assert rest["next_cursor"] is None

    # the app is fixed; the provider replays with the installation's own token
    receiver.status = 200
    replayed = client.post(base + "/replay", headers=token)
    assert replayed.status_code == 200, replayed.text
    ids = [d.id for d in _deliveries(engine)]
    assert replayed.json() == {"replayed": 3, "delivery_ids": ids}
    assert _installation(engine, installation.id).circuit_state == m.CircuitState.closed
    run_queue(huey, lambda: len(receiver.received) >= 6 + 3)
    assert [r.event.event_id for r in receiver.received[6:]] == [first, *later]
    assert all(r.verified for r in receiver.received)
    run_queue(huey, lambda: {d.status for d in _deliveries(engine)} == {m.DeliveryStatus.delivered})
    health = client.get(base, headers=token).json()
    assert health["paused"] is False
    assert health["backlog"] == {"pending": 0, "failed": 0, "dead": 0}
    assert client.post(base + "/replay", headers=token).json() == {
        "replayed": 0,
        "delivery_ids": [],
    }


def test_who_may_see_and_replay_an_installations_deliveries(
    client: TestClient, factory: Factory, settings: Settings, receiver: Receiver
) -> None:
    shop = factory.shop()
    installation, _ = remote_app(factory, settings, shop, url=receiver.url, topics=TOPICS)
    other, _ = remote_app(
        factory, settings, shop, url=receiver.url, topics=TOPICS, slug="other_app"
    )
    base = f"/api/v1/shops/{shop.id}/installations/{installation.plugin_id}/webhooks"
    owner = factory.headers(factory.fetch(m.Account, shop.owner_id))
    member = factory.headers(factory.member(shop, areas=[]))
    manager = factory.headers(factory.member(shop, areas=["marketplace"]))
    stranger = factory.headers(factory.account())

    assert client.get(base, headers=owner).status_code == 200
    assert client.get(base + "/deliveries", headers=member).status_code == 200
    # any member may look; replaying takes the marketplace permission
    refused_member = client.post(base + "/replay", headers=member)
    assert refused_member.status_code == 403
    assert refused_member.json()["missing_permission"] == "marketplace"
    assert client.post(base + "/replay", headers=manager).json()["replayed"] == 0
    assert client.post(base + "/replay", headers=owner).json()["replayed"] == 0
    assert client.get(base, headers=service_headers(factory, installation)).status_code == 200
    # another app's token, even in the same shop, does not reach this installation
    assert client.get(base, headers=service_headers(factory, other)).status_code == 404
    assert client.post(base + "/replay", headers=service_headers(factory, other)).status_code == 404
    assert client.get(base, headers=stranger).status_code == 404
    installation.granted_scopes = ["orders:read"]
    refused = client.post(base + "/replay", headers=service_headers(factory, installation))
    assert refused.status_code == 403
    assert refused.json()["code"] == "scope_denied"
    bad = client.post(base + "/replay", headers=owner, json={"delivery_ids": "all"})
    assert bad.status_code == 422


def test_the_people_told_read_their_notifications(
    app: FastAPI,
    client: TestClient,
    factory: Factory,
    settings: Settings,
    engine: Engine,
    receiver: Receiver,
) -> None:
    shop = factory.shop()
    provider = factory.account(name="Provider")
    remote_app(factory, settings, shop, url=receiver.url, topics=TOPICS, provider=provider)
    host: PluginHost = app.state.runtime.host
    receiver.status = 502
    order_id = factory.order(shop)[0].id
    for name in ("order_paid", "order_shipped", "order_delivered"):
        _emit(engine, shop.id, name, order_id)
    for _ in range(host.config.limits_for("remote_app").circuit_failures):
        _emit(engine, shop.id, "order_paid", factory.order(shop)[0].id)
    _round(engine, host, settings)

    mine = factory.headers(provider)
    [note] = client.get("/api/v1/me/notifications", headers=mine).json()
    assert (note["kind"], note["shop_id"], note["read_at"]) == ("webhooks_paused", shop.id, None)
    assert "HTTP 502" in note["message"]  # stored as a text key + params, read in English
    assert note["message"].startswith("Webhook deliveries of ") and "%(" not in note["message"]
    assert note["link"].startswith("/provider/listings/")
    owner = factory.headers(factory.fetch(m.Account, shop.owner_id))
    [told_owner] = client.get("/api/v1/me/notifications", headers=owner).json()
    assert told_owner["message"] == note["message"]
    assert told_owner["link"].startswith(f"/console/shops/{shop.id}/apps/")
    # nobody else reads or marks it
    stranger = factory.headers(factory.account())
    assert client.get("/api/v1/me/notifications", headers=stranger).json() == []
    path = f"/api/v1/me/notifications/{note['id']}/read"
    assert client.post(path, headers=stranger).status_code == 404
    assert client.post(path, headers=mine).json()["read_at"] is not None
    assert client.get("/api/v1/me/notifications?unread=true", headers=mine).json() == []
