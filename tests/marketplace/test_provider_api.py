"""The provider API: what ``tanzi-sdk submit`` posts, and who may post it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from sdk.cli.submission import version_payload
from tests.marketplace.providerdata import draft_listing, use_sample_host
from tests.marketplace.sample_plugins import good

URL = "/api/v1/provider/listings/{slug}/versions"


def _remote(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": "1.0.0",
        "kind": "remote",
        "redirect_uris": ["https://app.example.com/oauth/callback"],
        "webhook_url": "https://app.example.com/webhooks",
        "webhook_topics": ["order.paid"],
        "scopes": [{"scope": "orders:read", "reason": "to copy paid orders"}],
        "release_notes": "first",
        "submit": True,
    }
    body.update(overrides)
    return body


def test_the_sdk_payload_of_a_plugin_is_submitted_and_checked(
    app: FastAPI, client: TestClient, factory: Any, engine: Engine
) -> None:
    use_sample_host(app)
    provider = factory.account(is_provider=True)
    draft_listing(engine, provider, slug="sample_good")
    answer = client.post(
        URL.format(slug="sample_good"),
        json=version_payload(good.manifest, release_notes="hello"),
        headers=factory.headers(provider),
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "submitted"
    assert body["checks_passed"] is True
    assert {r["name"]: r["status"] for r in body["checks"]["results"]}["sandbox"] == "pass"
    with Session(engine) as session:
        row = session.get(m.ListingVersion, body["id"])
        assert row is not None
        assert row.plugin_id == "sample_good"
        assert row.checks == body["checks"]
        assert row.submitted_at is not None


def test_a_remote_version_is_created_listed_and_read_back(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = factory.account(is_provider=True)
    draft_listing(engine, provider, slug="order_copier")
    headers = factory.headers(provider)
    answer = client.post(URL.format(slug="order_copier"), json=_remote(), headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "submitted"
    assert answer.json()["checks"]["passed"] is True
    draft = client.post(
        URL.format(slug="order_copier"),
        json=_remote(version="1.1.0", submit=False),
        headers=headers,
    )
    assert draft.json()["status"] == "draft"
    assert draft.json()["checks"] == {}
    listings = client.get("/api/v1/provider/listings", headers=headers).json()["items"]
    assert [(x["slug"], x["versions"]) for x in listings] == [("order_copier", ["1.1.0", "1.0.0"])]
    one = client.get(URL.format(slug="order_copier") + "/1.0.0", headers=headers)
    assert one.status_code == 200
    assert one.json()["webhook_topics"] == ["order.paid"]
    assert one.json()["scopes"] == [{"scope": "orders:read", "reason": "to copy paid orders"}]


def test_bad_input_is_a_422_with_the_field_path(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = factory.account(is_provider=True)
    draft_listing(engine, provider, slug="order_copier")
    headers = factory.headers(provider)
    url = URL.format(slug="order_copier")
    bad_scope = client.post(
        url, json=_remote(scopes=[{"scope": "orders:all", "reason": "x"}]), headers=headers
    )
    assert bad_scope.status_code == 422
    fields = [e["field"] for e in bad_scope.json()["errors"]]
    assert "body.scopes[0].scope" in fields
    bad_manifest = client.post(
        url,
        json=_remote(manifest={"id": "Order Copier", "name": "x", "version": "one"}),
        headers=headers,
    )
    assert bad_manifest.status_code == 422
    assert bad_manifest.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in bad_manifest.json()["errors"]]
    assert fields == ["manifest.id", "manifest.version"]
    no_redirect = client.post(url, json=_remote(redirect_uris=[]), headers=headers)
    assert no_redirect.status_code == 422
    unknown_plugin = client.post(
        url,
        json={"version": "1.0.0", "kind": "plugin", "plugin_id": "order_copier"},
        headers=headers,
    )
    assert unknown_plugin.status_code == 422
    assert unknown_plugin.json()["errors"][0]["field"] == "plugin_id"
    with Session(engine) as session:
        assert session.exec(select(m.ListingVersion)).all() == []


def test_a_version_number_is_used_once(client: TestClient, factory: Any, engine: Engine) -> None:
    provider = factory.account(is_provider=True)
    draft_listing(engine, provider, slug="order_copier")
    headers = factory.headers(provider)
    url = URL.format(slug="order_copier")
    assert client.post(url, json=_remote(), headers=headers).status_code == 201
    again = client.post(url, json=_remote(), headers=headers)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "version"


def test_only_providers_and_only_their_own_listings(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    owner = factory.account(is_provider=True)
    draft_listing(engine, owner, slug="order_copier")
    merchant = factory.account()
    refused = client.post(
        URL.format(slug="order_copier"), json=_remote(), headers=factory.headers(merchant)
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "providers_only"
    assert (
        client.get("/api/v1/provider/listings", headers=factory.headers(merchant)).status_code
        == 403
    )
    other = factory.account(is_provider=True)
    hidden = client.post(
        URL.format(slug="order_copier"), json=_remote(), headers=factory.headers(other)
    )
    assert hidden.status_code == 404
    read = client.get(URL.format(slug="order_copier") + "/1.0.0", headers=factory.headers(other))
    assert read.status_code == 404
    assert client.post(URL.format(slug="order_copier"), json=_remote()).status_code == 401


def test_tanzi_sdk_submit_talks_to_this_api(
    app: FastAPI, client: TestClient, factory: Any, engine: Engine
) -> None:
    from sdk.cli.submission import submit_version

    provider = factory.account(is_provider=True)
    draft_listing(engine, provider, slug="order_copier")
    token = factory.token(provider)
    outcome = submit_version(
        marketplace="http://testserver",
        token=token,
        listing="order_copier",
        payload=_remote(),
        transport=client._transport,  # the app itself, in process
    )
    assert outcome.ok, outcome.text
    assert outcome.body is not None and outcome.body["status"] == "submitted"
    refused = submit_version(
        marketplace="http://testserver",
        token=token,
        listing="order_copier",
        payload=_remote(scopes=[{"scope": "orders:all", "reason": "x"}]),
        transport=client._transport,
    )
    assert refused.status_code == 422 and refused.is_problem
