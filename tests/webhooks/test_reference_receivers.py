"""Deliveries made by Tanzi's real delivery path (outbox, fan-out, signed POST) verify with
the Standard Webhooks reference libraries for Python and JavaScript, each a receiver
process on a loopback port; a tampered, stale or wrongly keyed request is refused; during a
secret rotation both signatures travel and either secret verifies; secrets stored before
the standard keep working."""

from __future__ import annotations

import time
import types
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.models.base import utcnow
from core.outbox import record_event
from core.plugins.delivery import deliver_batch
from core.plugins.fanout import dispatch_outbox
from core.plugins.manager import PluginHost
from core.plugins.retries import due_delivery_batches
from core.settings import Settings
from marketplace.services.oauth_clients import register_oauth_client, rotate_webhook_secret
from sdk.remote import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    new_secret,
    standard_secret,
)
from tests.conftest import Factory
from tests.webhooks.conftest import remote_app
from tests.webhooks.reference import LANGUAGES, reference_receiver

#: how Tanzi spelled webhook secrets before Standard Webhooks: ``whsec_`` + a URL-safe token
LEGACY_SECRET = "whsec_Qm9-tZ_8rLk2vW1xYp0aN4cD6eF7gH9iJ3kL5mN_oPq"


def _emit(engine: Engine, shop_id: int, order_id: int, name: str = "order_paid") -> str:
    with Session(engine) as session:
        event_id = record_event(
            session,
            name=name,
            shop_id=shop_id,
            resource_type="order",
            resource_id=order_id,
            data={"order": {"id": order_id, "shop_id": shop_id, "status": "paid"}},
        )
        session.commit()
    return event_id


def _deliver(engine: Engine, app: FastAPI, settings: Settings) -> list[str]:
    """What the worker does on a sweep: fan out new events, send every due delivery."""
    host: PluginHost = app.state.runtime.host
    dispatch_outbox(engine, host)
    results = []
    for ids in due_delivery_batches(engine, stale_after_s=0).values():
        results += deliver_batch(engine, host, ids, secret_key=settings.secret_key)
    return [r.status for r in results]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reference_library_verifies_a_real_delivery_and_refuses_tampering(
    language: str, app: FastAPI, factory: Factory, settings: Settings, engine: Engine
) -> None:
    secret = new_secret()
    shop = factory.shop()
    with reference_receiver(language, [secret]) as receiver:
        remote_app(factory, settings, shop, url=receiver.url, topics=["order.paid"], secret=secret)
        event_id = _emit(engine, shop.id, factory.order(shop)[0].id)

        assert _deliver(engine, app, settings) == ["delivered"]

        [got] = receiver.received()
        assert got["results"] == ["ok"]
        headers = got["headers"]
        lowered = {k.lower(): v for k, v in headers.items()}
        assert lowered[EVENT_ID_HEADER] == event_id  # the event's id: receivers dedupe on it
        assert f'"event_id":"{event_id}"' in got["body"]
        assert lowered[SIGNATURE_HEADER].startswith("v1,")
        assert " " not in lowered[SIGNATURE_HEADER]  # one secret, one signature

        sent = {k: lowered[k] for k in (EVENT_ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)}
        assert receiver.post(got["body"], sent).status_code == 200  # the copy itself holds
        tampered_body = got["body"].replace('"status":"paid"', '"status":"refunded"')
        assert tampered_body != got["body"]
        assert receiver.post(tampered_body, sent).status_code == 401
        assert receiver.post(got["body"], {**sent, EVENT_ID_HEADER: "another"}).status_code == 401
        re_dated = {**sent, TIMESTAMP_HEADER: str(int(sent[TIMESTAMP_HEADER]) + 1)}
        assert receiver.post(got["body"], re_dated).status_code == 401
        assert [r["results"][0] == "ok" for r in receiver.received()] == [
            True,
            True,
            False,
            False,
            False,
        ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reference_library_refuses_a_stale_delivery(
    language: str,
    app: FastAPI,
    factory: Factory,
    settings: Settings,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = new_secret()
    shop = factory.shop()
    with reference_receiver(language, [secret]) as receiver:
        remote_app(factory, settings, shop, url=receiver.url, topics=["order.paid"], secret=secret)
        _emit(engine, shop.id, factory.order(shop)[0].id)
        behind = time.time() - 600  # the sender's clock ten minutes behind the receiver's
        monkeypatch.setattr(
            "core.plugins.webhooks.time", types.SimpleNamespace(time=lambda: behind)
        )

        assert _deliver(engine, app, settings) == ["failed"]

        [got] = receiver.received()
        assert "too old" in got["results"][0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reference_library_refuses_another_secret(
    language: str, app: FastAPI, factory: Factory, settings: Settings, engine: Engine
) -> None:
    shop = factory.shop()
    with reference_receiver(language, [new_secret()]) as receiver:
        remote_app(
            factory, settings, shop, url=receiver.url, topics=["order.paid"], secret=new_secret()
        )
        _emit(engine, shop.id, factory.order(shop)[0].id)

        assert _deliver(engine, app, settings) == ["failed"]

        [got] = receiver.received()
        assert "No matching signature" in got["results"][0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_during_a_rotation_both_secrets_verify_and_afterwards_only_the_new_one(
    language: str, app: FastAPI, factory: Factory, settings: Settings, engine: Engine
) -> None:
    shop = factory.shop()
    order_id = factory.order(shop)[0].id
    with Session(engine) as session:
        listing = m.Listing(
            slug="rotating_app",
            provider_id=factory.account(name="Provider").id,
            name="Rotating App",
            status=m.ListingStatus.live,
        )
        session.add(listing)
        session.flush()
        _, _, old_secret = register_oauth_client(
            session,
            settings=settings,
            listing=listing,
            redirect_uris=["https://app.example/callback"],
        )
        session.commit()
        listing_id = listing.id
    with Session(engine) as session:
        client = session.exec(select(m.OAuthClient)).one()
    factory._save(
        m.Installation(
            shop_id=shop.id,
            plugin_id="rotating_app",
            version="1.0.0",
            kind="remote",
            listing_id=listing_id,
            granted_scopes=["orders:read"],
            webhook_url="http://127.0.0.1:1/unused",
            webhook_topics=["order.paid", "order.shipped", "order.delivered"],
            webhook_secret=client.webhook_secret,
        )
    )
    with Session(engine) as session:
        listing = session.get(m.Listing, listing_id)
        assert listing is not None
        new, until = rotate_webhook_secret(session, settings=settings, listing=listing)
        session.commit()
    assert new != old_secret
    assert timedelta(hours=23) < until - utcnow() <= timedelta(hours=24)

    # the app still holds the old secret, then switches to the new one
    with (
        reference_receiver(language, [old_secret, new]) as still_old,
        reference_receiver(language, [new, old_secret]) as switched,
    ):
        with Session(engine) as session:
            row = session.exec(select(m.Installation)).one()
            row.webhook_url = still_old.url
            session.add(row)
            session.commit()
        _emit(engine, shop.id, order_id)
        assert _deliver(engine, app, settings) == ["delivered"]
        [during] = still_old.received()
        assert during["results"] == ["ok", "ok"]
        signature = {k.lower(): v for k, v in during["headers"].items()}[SIGNATURE_HEADER]
        assert len(signature.split(" ")) == 2

        with Session(engine) as session:  # the overlap ends
            client = session.exec(select(m.OAuthClient)).one()
            client.previous_webhook_secret_until = utcnow() - timedelta(seconds=1)
            session.add(client)
            row = session.exec(select(m.Installation)).one()
            row.webhook_url = switched.url
            session.add(row)
            session.commit()
        _emit(engine, shop.id, order_id, "order_shipped")
        assert _deliver(engine, app, settings) == ["delivered"]
        [after] = switched.received()
        assert after["results"][0] == "ok"
        assert "No matching signature" in after["results"][1]  # the old secret no longer does
        signature = {k.lower(): v for k, v in after["headers"].items()}[SIGNATURE_HEADER]
        assert len(signature.split(" ")) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_secret_stored_before_the_standard_keeps_working(
    language: str, app: FastAPI, factory: Factory, settings: Settings, engine: Engine
) -> None:
    """The stored secret is untouched; the provider gives the library its standard
    spelling (what the provider console now shows), and the key is the same."""
    shop = factory.shop()
    with reference_receiver(language, [standard_secret(LEGACY_SECRET)]) as receiver:
        remote_app(
            factory, settings, shop, url=receiver.url, topics=["order.paid"], secret=LEGACY_SECRET
        )
        _emit(engine, shop.id, factory.order(shop)[0].id)
        assert _deliver(engine, app, settings) == ["delivered"]
        [got] = receiver.received()
        assert got["results"] == ["ok"]
