"""CORS on the storefront: only the origins a shop registered get headers, per shop;
preflights answer for them alone; every other route is left as it was."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

import core.models as m
from core.errors import InvalidInput
from core.services.storefront_origins import normalize_origin
from tests.conftest import Factory

SITE = "https://tea.example.com"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
}


def _register(client: TestClient, factory: Factory, shop: m.Shop, origins: list[str]) -> None:
    owner = factory.fetch(m.Account, shop.owner_id)
    response = client.put(
        f"/api/v1/shops/{shop.id}/storefront/origins",
        json={"origins": origins},
        headers=factory.headers(owner),
    )
    assert response.status_code == 200, response.text


def test_a_registered_origin_gets_cors_headers_and_another_gets_none(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    factory.product(shop)
    _register(client, factory, shop, [SITE])
    url = f"/api/v1/storefront/shops/{shop.id}/products"
    allowed = client.get(url, headers={"Origin": SITE})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == SITE
    assert "Origin" in allowed.headers["vary"]
    assert "access-control-allow-credentials" not in allowed.headers
    other = client.get(url, headers={"Origin": "https://evil.example.com"})
    assert other.status_code == 200  # the browser, not the server, withholds the body
    assert "access-control-allow-origin" not in other.headers
    # the origins are the shop's own: another shop does not answer this site
    second = factory.shop()
    elsewhere = client.get(f"/api/v1/storefront/shops/{second.id}", headers={"Origin": SITE})
    assert "access-control-allow-origin" not in elsewhere.headers
    # errors of a storefront route carry the headers too, so the page can read them
    missing = client.get(f"{url}/999999", headers={"Origin": SITE})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == SITE


def test_preflight_answers_only_a_registered_origin(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    _register(client, factory, shop, [SITE, "http://localhost:5173"])
    url = f"/api/v1/storefront/shops/{shop.id}/orders"
    ok = client.options(url, headers={"Origin": "http://localhost:5173", **PREFLIGHT})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "POST" in ok.headers["access-control-allow-methods"]
    allowed_headers = ok.headers["access-control-allow-headers"].lower()
    for name in ("authorization", "content-type", "idempotency-key"):
        assert name in allowed_headers
    refused = client.options(url, headers={"Origin": "https://evil.example.com", **PREFLIGHT})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    assert refused.json()["code"] == "cors_origin_not_allowed"


def test_other_api_routes_are_unaffected(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    _register(client, factory, shop, [SITE])
    owner = factory.fetch(m.Account, shop.owner_id)
    mine = client.get(
        f"/api/v1/shops/{shop.id}", headers={"Origin": SITE, **factory.headers(owner)}
    )
    assert mine.status_code == 200
    assert "access-control-allow-origin" not in mine.headers
    preflight = client.options("/api/v1/me/orders", headers={"Origin": SITE, **PREFLIGHT})
    assert "access-control-allow-origin" not in preflight.headers


def test_a_change_of_origins_applies_at_once(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    url = f"/api/v1/storefront/shops/{shop.id}"
    assert "access-control-allow-origin" not in client.get(url, headers={"Origin": SITE}).headers
    _register(client, factory, shop, [SITE])
    assert client.get(url, headers={"Origin": SITE}).headers["access-control-allow-origin"] == SITE
    _register(client, factory, shop, [])
    assert "access-control-allow-origin" not in client.get(url, headers={"Origin": SITE}).headers


def test_origins_are_checked_normalized_and_need_the_data_permission(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    owner = factory.fetch(m.Account, shop.owner_id)
    url = f"/api/v1/shops/{shop.id}/storefront/origins"
    saved = client.put(
        url,
        json={"origins": ["HTTPS://Tea.Example.com:443/", "https://tea.example.com"]},
        headers=factory.headers(owner),
    )
    assert saved.json() == {"origins": [SITE]}
    bad = client.put(
        url, json={"origins": [SITE, "https://*.example.com"]}, headers=factory.headers(owner)
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.origins[1]"
    assert client.get(url, headers=factory.headers(owner)).json() == {"origins": [SITE]}
    clerk = factory.member(shop, areas=["products"])
    refused = client.put(url, json={"origins": []}, headers=factory.headers(clerk))
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "null",
        "https://*.example.com",
        "shop.example.com",
        "ftp://shop.example.com",
        "https://shop.example.com/path",
        "https://shop.example.com?x=1",
        "https://user@shop.example.com",
        "https://shop.example.com:70000",
        "https://bad_host.example.com",
        "https:// shop.example.com",
    ],
)
def test_malformed_origins_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        normalize_origin(value)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("https://Shop.Example.com", "https://shop.example.com"),
        ("http://shop.example.com:80", "http://shop.example.com"),
        ("https://shop.example.com:8443", "https://shop.example.com:8443"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("http://[::1]:3000", "http://[::1]:3000"),
        ("https://xn--fiq228c.example", "https://xn--fiq228c.example"),
    ],
)
def test_origins_are_stored_as_browsers_send_them(value: str, stored: str) -> None:
    assert normalize_origin(value) == stored


def test_the_console_page_edits_origins_through_the_same_checks(
    client: TestClient, factory: Factory
) -> None:
    from tests.webtools import HTML, csrf_from, sign_in

    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    page = client.get(f"/console/shops/{shop.id}/storefront", headers=HTML)
    assert page.status_code == 200
    assert f'href="/s/{shop.id}"' in page.text
    token = csrf_from(page.text)
    url = f"/console/shops/{shop.id}/storefront/origins"
    bad = client.post(
        url, data={"csrf_token": token, "origins": f"{SITE}\nhttps://*.example.com"}, headers=HTML
    )
    assert bad.status_code == 400
    assert "is not an origin" in bad.text
    saved = client.post(
        url,
        data={"csrf_token": token, "origins": f"{SITE.upper()}\n\nhttp://localhost:5173"},
        headers=HTML,
    )
    assert saved.status_code == 200
    assert "http://localhost:5173" in saved.text
    api = client.get(f"/api/v1/storefront/shops/{shop.id}", headers={"Origin": SITE})
    assert api.headers["access-control-allow-origin"] == SITE


def test_a_member_without_the_data_permission_sees_no_form_and_gets_403(
    client: TestClient, factory: Factory
) -> None:
    from tests.webtools import HTML, csrf_from, sign_in

    shop = factory.shop()
    clerk = factory.member(shop, areas=["orders"])
    sign_in(client, clerk.email, "secret-pass")
    page = client.get(f"/console/shops/{shop.id}/storefront", headers=HTML)
    assert page.status_code == 200
    assert "storefront/origins" not in page.text
    refused = client.post(
        f"/console/shops/{shop.id}/storefront/origins",
        data={"csrf_token": csrf_from(page.text), "origins": SITE},
        headers=HTML,
    )
    assert refused.status_code == 403


def test_the_origin_cache_reloads_after_its_time(engine: Any, factory: Factory) -> None:
    from sqlmodel import Session

    from core.api.storefront_cors import OriginCache
    from core.services.storefront_origins import set_shop_origins

    now = [0.0]
    shop = factory.shop()
    cache = OriginCache(engine, ttl=30, clock=lambda: now[0])
    assert cache.load(shop.id) == frozenset()
    with Session(engine) as session:
        set_shop_origins(session, shop_id=shop.id, origins=[SITE])
        session.commit()
    now[0] = 29.0
    assert cache.cached(shop.id) == frozenset()  # still the copy it had
    now[0] = 31.0
    assert cache.cached(shop.id) is None
    assert cache.load(shop.id) == frozenset({SITE})
