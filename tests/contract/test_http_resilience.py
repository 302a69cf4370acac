"""``HttpShopClient`` beyond the protocol, against the real app on a live server: retries on
5xx and lost connections, token refresh (a callable, and a standard token endpoint through
``RefreshTokenGrant``), ``iter_*`` pagination, problem details on errors, and the caller's
installation."""

from __future__ import annotations

import base64
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow
from sdk.errors import AccessDenied, InvalidRequest, ScopeDenied, ServerError
from sdk.http import HttpShopClient, RefreshTokenGrant, RetryPolicy, TokenSet
from sdk.scopes import Scope
from tests.conftest import Factory
from tests.contract.conftest import (
    ALL_SCOPES,
    PRODUCTS,
    LiveServer,
    World,
    build_db_world,
    mint_token,
)

FAST = RetryPolicy(attempts=4, backoff_s=0.01, max_backoff_s=0.05)


@dataclass
class Setup:
    engine: Engine
    server: LiveServer
    world: World
    installation: m.Installation
    waits: list[float] = field(default_factory=list)

    def token(self, scopes: frozenset[str] = ALL_SCOPES, **kw: Any) -> str:
        return mint_token(self.engine, self.installation, scopes, **kw)

    def client(self, **kw: Any) -> HttpShopClient:
        kw.setdefault("token", self.token())
        kw.setdefault("retry", FAST)
        kw.setdefault("sleep", self.waits.append)
        return HttpShopClient(self.server.url, self.world.shop_id, **kw)


@pytest.fixture
def setup(app: FastAPI, engine: Engine) -> Iterator[Setup]:
    world, installation = build_db_world(engine, Factory(engine))
    with LiveServer(app) as server:
        yield Setup(engine, server, world, installation)


class FlakyTransport(httpx.BaseTransport):
    """Answers the first ``failures`` requests itself with ``status`` (or drops the
    connection when ``status`` is 0), then passes requests on to the real server."""

    def __init__(self, failures: int, status: int) -> None:
        self.real = httpx.HTTPTransport()
        self.failures = failures
        self.status = status
        self.seen: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.method)
        if self.failures > 0:
            self.failures -= 1
            if self.status == 0:
                raise httpx.ConnectError("connection refused", request=request)
            problem = {"status": self.status, "code": "upstream", "detail": "flaky"}
            return httpx.Response(self.status, json=problem, request=request)
        return self.real.handle_request(request)

    def close(self) -> None:
        self.real.close()


# --- 5xx and lost connections ------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 0])
def test_reads_are_retried_with_growing_backoff(setup: Setup, status: int) -> None:
    flaky = FlakyTransport(failures=3, status=status)
    with setup.client(transport=flaky) as client:
        assert [p.id for p in client.products.list()] == setup.world.product_ids
    assert flaky.seen == ["GET"] * 4
    assert len(setup.waits) == 3
    assert all(
        0.5 * FAST.backoff_s * 2**n <= w <= FAST.backoff_s * 2**n
        for n, w in enumerate(setup.waits[:2])
    )
    assert setup.waits[2] <= FAST.max_backoff_s


def test_a_failing_server_raises_server_error_after_the_last_attempt(setup: Setup) -> None:
    flaky = FlakyTransport(failures=10, status=502)
    with setup.client(transport=flaky) as client, pytest.raises(ServerError) as raised:
        client.shop.get()
    assert raised.value.status == 502 and raised.value.problem == {
        "status": 502,
        "code": "upstream",
        "detail": "flaky",
    }
    assert len(flaky.seen) == FAST.attempts


def test_a_post_that_may_have_been_applied_is_not_repeated(setup: Setup) -> None:
    flaky = FlakyTransport(failures=1, status=500)
    aftersale_id = setup.world.aftersale_ids[0]
    with setup.client(transport=flaky) as client:
        with pytest.raises(ServerError):
            client.aftersales.accept(aftersale_id)
        assert flaky.seen == ["POST"]
        assert client.aftersales.get(aftersale_id).status == "requested"


@pytest.mark.parametrize("status", [503, 0])
def test_a_post_the_server_never_handled_is_retried(setup: Setup, status: int) -> None:
    flaky = FlakyTransport(failures=1, status=status)
    with setup.client(transport=flaky) as client:
        accepted = client.aftersales.accept(setup.world.aftersale_ids[0])
    assert accepted.outcome == "refunded"
    assert flaky.seen == ["POST", "POST"]


def test_setting_stock_is_idempotent_so_it_is_retried_after_a_500(setup: Setup) -> None:
    flaky = FlakyTransport(failures=1, status=500)
    with setup.client(transport=flaky) as client:
        assert client.products.set_stock(setup.world.sku_ids[0], 3).stock == 3
    assert flaky.seen == ["POST", "POST"]


def test_an_unreachable_server_is_a_server_error(setup: Setup) -> None:
    client = HttpShopClient(
        "http://127.0.0.1:9", 1, token="x", retry=RetryPolicy(attempts=2, backoff_s=0)
    )
    with client, pytest.raises(ServerError, match="could not be reached"):
        client.shop.get()


# --- tokens ------------------------------------------------------------------------------


def _expired(setup: Setup) -> str:
    return setup.token(expires_at=utcnow() - timedelta(minutes=1))


def test_an_expired_token_is_refreshed_once_and_the_call_repeated(setup: Setup) -> None:
    given: list[TokenSet] = []
    stored: list[TokenSet] = []

    def refresh(tokens: TokenSet) -> TokenSet:
        given.append(tokens)
        return TokenSet(access_token=setup.token(), refresh_token="rt-2")

    old = TokenSet(access_token=_expired(setup), refresh_token="rt-1")
    with setup.client(token=old, refresh=refresh, on_tokens=stored.append) as client:
        assert client.shop.get().id == setup.world.shop_id
        assert client.orders.list()  # the new token keeps working
        assert given == [old]
        assert stored == [client.tokens] and client.tokens.refresh_token == "rt-2"


def test_a_token_about_to_expire_is_refreshed_before_it_is_sent(setup: Setup) -> None:
    seen: list[str] = []
    http = httpx.Client(
        event_hooks={"request": [lambda r: seen.append(r.headers["Authorization"])]}
    )
    fresh = setup.token()
    soon = TokenSet(access_token=setup.token(), expires_at=utcnow().timestamp() + 5)
    with setup.client(token=soon, refresh=lambda t: TokenSet(access_token=fresh), http=http) as c:
        c.shop.get()
    assert seen == [f"Bearer {fresh}"]
    http.close()


def test_concurrent_calls_share_one_refresh(setup: Setup) -> None:
    calls: list[TokenSet] = []
    lock = threading.Lock()

    def refresh(tokens: TokenSet) -> TokenSet:
        with lock:
            calls.append(tokens)
        return TokenSet(access_token=setup.token())

    client = setup.client(token=_expired(setup), refresh=refresh)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                client.shop.get()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert errors == [] and len(calls) == 1


def test_without_a_refresher_an_expired_token_is_access_denied(setup: Setup) -> None:
    with setup.client(token=_expired(setup)) as client, pytest.raises(AccessDenied) as raised:
        client.shop.get()
    assert (raised.value.status, raised.value.code) == (401, "token_expired")


def test_a_refused_refresh_is_access_denied_and_not_retried(setup: Setup) -> None:
    attempts: list[int] = []

    def refresh(tokens: TokenSet) -> TokenSet:
        attempts.append(1)
        return TokenSet(access_token="revoked-as-well")

    client = setup.client(token=_expired(setup), refresh=refresh)
    with client, pytest.raises(AccessDenied) as raised:
        client.shop.get()
    assert raised.value.code == "invalid_token" and attempts == [1]


# --- a standard token endpoint -----------------------------------------------------------

CLIENT_ID, CLIENT_SECRET = "app_contract", "s3cret/+="


def _add_token_endpoint(app: FastAPI, setup_ref: list[Setup], issued: list[dict[str, Any]]) -> None:
    """An RFC 6749 token endpoint on the test app: client_secret_basic or _post, the
    refresh_token grant, rotating refresh tokens."""

    @app.post("/test-oauth/token")
    async def token(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") != "refresh_token":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        live = [i for i in issued if i["refresh_token"] == form.get("refresh_token")]
        if not live or live[0].get("used"):
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "refresh token is used"},
                status_code=400,
            )
        live[0]["used"] = True
        answer = {
            "access_token": setup_ref[0].token(),
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": f"rt-{len(issued) + 1}",
            "scope": " ".join(sorted(ALL_SCOPES)),
        }
        issued.append({"refresh_token": answer["refresh_token"], "form": form})
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})


@pytest.fixture
def token_endpoint(app: FastAPI, engine: Engine) -> Iterator[tuple[Setup, list[dict[str, Any]]]]:
    issued: list[dict[str, Any]] = [{"refresh_token": "rt-1"}]
    ref: list[Setup] = []
    _add_token_endpoint(app, ref, issued)
    world, installation = build_db_world(engine, Factory(engine))
    with LiveServer(app) as server:
        ref.append(Setup(engine, server, world, installation))
        yield ref[0], issued


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_refresh_token_grant_against_a_token_endpoint(
    token_endpoint: tuple[Setup, list[dict[str, Any]]], auth_method: Any
) -> None:
    setup, issued = token_endpoint
    grant = RefreshTokenGrant(
        setup.server.url + "/test-oauth/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        auth_method=auth_method,
    )
    stored: list[TokenSet] = []
    tokens = TokenSet(access_token=_expired(setup), refresh_token="rt-1")
    with setup.client(token=tokens, refresh=grant, on_tokens=stored.append) as client:
        assert client.shop.get().id == setup.world.shop_id
        assert client.tokens.refresh_token == "rt-2"  # rotated, and kept
        assert client.tokens.expires_at is not None
        assert stored == [client.tokens]
    assert issued[1]["form"]["grant_type"] == "refresh_token"
    assert issued[1]["form"]["refresh_token"] == "rt-1"
    # a rotated-away refresh token is refused: the app must ask the merchant again
    with pytest.raises(AccessDenied) as raised:
        grant(tokens)
    assert (raised.value.code, raised.value.status) == ("invalid_grant", 400)
    grant.close()


def test_refresh_token_grant_with_a_wrong_secret_is_access_denied(
    token_endpoint: tuple[Setup, list[dict[str, Any]]],
) -> None:
    setup, _ = token_endpoint
    grant = RefreshTokenGrant(
        setup.server.url + "/test-oauth/token", client_id=CLIENT_ID, client_secret="wrong"
    )
    with pytest.raises(AccessDenied) as raised:
        grant(TokenSet(access_token="a", refresh_token="rt-1"))
    assert raised.value.code == "invalid_client"
    with pytest.raises(AccessDenied):
        grant(TokenSet(access_token="a"))  # nothing to refresh with
    grant.close()


# --- pages, problems, the caller ---------------------------------------------------------


def _more_products(setup: Setup, n: int) -> list[int]:
    ids = []
    with Session(setup.engine) as session:
        for i in range(n):
            product = m.Product(
                shop_id=setup.world.shop_id, category_id=1, title=f"Extra {i}", status="draft"
            )
            session.add(product)
            session.flush()
            ids.append(product.id or 0)
        session.commit()
    return ids


def test_iterators_follow_next_cursor_to_the_end(setup: Setup) -> None:
    pages: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda r: pages.append(str(r.url))]})
    extra = _more_products(setup, 5)
    with setup.client(http=http) as client:
        everything = [p.id for p in client.iter_products(page_size=2)]
        assert everything == setup.world.product_ids + extra
        assert len(pages) == 4 and all("limit=2" in p for p in pages)
        assert [p.id for p in client.iter_products(status="draft", page_size=3)] == extra
        assert [o.id for o in client.iter_orders(page_size=1)] == setup.world.order_ids
        assert [o.id for o in client.iter_orders(status="pending_payment")] == (
            setup.world.order_ids[2:]
        )
        assert [a.id for a in client.iter_aftersales(page_size=1)] == setup.world.aftersale_ids
        assert [s.id for s in client.iter_shipments(order_id=setup.world.order_ids[1])] == (
            setup.world.shipment_ids
        )
        keys = [f"k{i:02d}" for i in range(7)]
        for key in reversed(keys):
            client.records.put("pages", key, {})
        pages.clear()
        assert [r.key for r in client.iter_records("pages", page_size=3)] == keys
        assert len(pages) == 3
    http.close()


def test_errors_carry_the_problem_document(setup: Setup) -> None:
    with setup.client(token=setup.token(frozenset({Scope.products_read.value}))) as client:
        with pytest.raises(ScopeDenied) as denied:
            client.orders.get(setup.world.order_ids[0])
        assert denied.value.scope == "orders:read"
        assert denied.value.problem is not None and denied.value.problem["status"] == 403
    with setup.client() as client, pytest.raises(InvalidRequest) as invalid:
        client.products.set_stock(setup.world.sku_ids[0], -5)
    assert invalid.value.code == "invalid_input"  # the API's schema refused it
    assert invalid.value.problem is not None
    assert invalid.value.problem["errors"][0]["field"].startswith("body.set")


def test_the_installation_of_the_token(setup: Setup) -> None:
    with setup.client() as client:
        assert client.installation_id == setup.installation.id
    with setup.client(installation_id=77) as client:
        assert client.installation_id == 77


def test_a_persons_token_reads_the_shop_but_has_no_records(setup: Setup) -> None:
    with Session(setup.engine) as session:
        owner = session.get(m.Shop, setup.world.shop_id).owner_id  # type: ignore[union-attr]
    person = Factory(setup.engine).token(Factory(setup.engine).fetch(m.Account, owner))
    with setup.client(token=person) as client:
        assert len(client.products.list()) == len(PRODUCTS)
        assert client.installation_id is None
        with pytest.raises(AccessDenied) as raised:
            client.records.get("notes", "a")
    assert (raised.value.status, raised.value.code) == (403, "installation_token_required")


def test_importing_sdk_does_not_import_the_http_stack() -> None:
    code = (
        "import sys, sdk, sdk.testing; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'httpx', 'authlib'})); "
        "sdk.HttpShopClient; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'httpx', 'authlib'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "['authlib', 'httpx']"]
