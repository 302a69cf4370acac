"""A remote installation sets its own webhook subscription with its token: the secret is
answered once and kept encrypted, topics are limited to what its scopes may read, the URL
follows the review's rule, and the host's worker delivers to it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.crypto import decrypt_secret
from core.settings import Settings
from sdk.errors import InvalidRequest
from sdk.http import HttpShopClient
from tests.conftest import Factory
from tests.contract.conftest import LiveServer, live_server  # noqa: F401
from tests.webhooks.conftest import remote_app, service_headers

URL = "/api/v1/installation/webhook"


def _row(engine: Engine, installation: m.Installation) -> m.Installation:
    with Session(engine) as session:
        row = session.get(m.Installation, installation.id)
        assert row is not None
        return row


def test_put_answers_the_secret_once_and_keeps_it_encrypted(
    client: TestClient, factory: Factory, settings: Settings, engine: Engine
) -> None:
    shop = factory.shop()
    inst, _ = remote_app(factory, settings, shop, url="", topics=[])
    headers = service_headers(factory, inst)
    answer = client.put(
        URL,
        json={"url": "https://app.example/hooks", "topics": ["order.paid", "order_created"]},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["url"] == "https://app.example/hooks"
    assert body["topics"] == ["order.paid", "order.created"]
    assert body["secret"].startswith("whsec_")
    row = _row(engine, inst)
    assert row.webhook_secret != body["secret"]
    assert decrypt_secret(settings.ensure_secret_key(), row.webhook_secret) == body["secret"]
    assert row.webhook_topics == ["order.paid", "order.created"]
    # never shown again: the health route shows the URL and topics only
    health = client.get(
        f"/api/v1/shops/{shop.id}/installations/{inst.plugin_id}/webhooks", headers=headers
    )
    assert health.status_code == 200
    assert body["secret"] not in health.text
    # a new PUT replaces the secret; DELETE stops the webhooks
    again = client.put(
        URL, json={"url": "https://app.example/h2", "topics": ["order.paid"]}, headers=headers
    )
    assert again.json()["secret"] != body["secret"]
    assert client.delete(URL, headers=headers).status_code == 204
    row = _row(engine, inst)
    assert (row.webhook_url, row.webhook_topics, row.webhook_secret) == ("", [], "")


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        (
            {"url": "https://a.example/h", "topics": ["inventory.changed"]},
            "body.topics[0]",
            "topic_not_granted",
        ),
        (
            {"url": "https://a.example/h", "topics": ["order.paid", "nope.nope"]},
            "body.topics[1]",
            "unknown_topic",
        ),
        ({"url": "http://a.example/h", "topics": ["order.paid"]}, "body.url", "insecure_url"),
        ({"url": "not a url", "topics": ["order.paid"]}, "body.url", "invalid_input"),
    ],
)
def test_topics_beyond_the_scopes_and_bad_urls_are_refused_with_the_field(
    client: TestClient,
    factory: Factory,
    settings: Settings,
    engine: Engine,
    payload: dict,
    field: str,
    code: str,
) -> None:
    shop = factory.shop()
    inst, _ = remote_app(factory, settings, shop, url="", topics=[])  # shop:read, orders:read
    answer = client.put(URL, json=payload, headers=service_headers(factory, inst))
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == code
    assert problem["errors"][0]["field"] == field
    assert _row(engine, inst).webhook_url == ""


def test_people_and_in_process_plugins_cannot_subscribe(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    payload = {"url": "https://a.example/h", "topics": ["order.paid"]}
    person = client.put(URL, json=payload, headers=factory.headers(owner))
    assert person.status_code == 403
    assert person.json()["code"] == "installation_token_required"
    plugin = m.Installation(
        shop_id=shop.id, plugin_id="in_process", version="1", granted_scopes=["orders:read"]
    )
    factory._save(plugin)
    answer = client.put(URL, json=payload, headers=service_headers(factory, plugin))
    assert answer.status_code == 409
    assert answer.json()["code"] == "not_remote"


def test_the_http_client_subscribes_and_unsubscribes(
    live_server: LiveServer,  # noqa: F811
    factory: Factory,
    settings: Settings,
    engine: Engine,
) -> None:
    shop = factory.shop()
    inst, _ = remote_app(factory, settings, shop, url="", topics=[])
    token = service_headers(factory, inst)["Authorization"].removeprefix("Bearer ")
    with HttpShopClient(live_server.url, shop.id or 0, token=token) as api:
        made = api.webhooks.subscribe("http://127.0.0.1:9/hooks", ["order.paid"])
        assert made.topics == ("order.paid",)
        assert _row(engine, inst).webhook_url == "http://127.0.0.1:9/hooks"
        with pytest.raises(InvalidRequest) as refused:
            api.webhooks.subscribe("https://a.example/h", ["inventory.changed"])
        assert refused.value.problem is not None
        assert refused.value.problem["errors"][0]["field"] == "body.topics[0]"
        api.webhooks.unsubscribe()
    assert _row(engine, inst).webhook_topics == []
