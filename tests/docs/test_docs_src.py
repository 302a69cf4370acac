"""The SDK guide's code: every block is a file under docs_src/, and every file runs.

Like SQLModel's docs: the guide shows ``docs_src`` files (a ``<!-- docs_src/... -->`` marker
above each block), these tests check the blocks still equal the files, and then run the
files for real: the first plugin's own tests in a project of its own, the plugin in the
host and in the local host ``tanzi-sdk dev`` prepares, the decision in the decision
runner, and the webhook examples against deliveries signed as the host signs them.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

import core.models as m
from core.plugins.decisions import DecisionRunner
from core.plugins.delivery import deliver
from core.plugins.fanout import dispatch_all
from core.plugins.loading import PluginConfig, PluginStatus, load_all
from core.plugins.manager import PluginHost
from core.plugins.webhooks import webhook_body
from core.schemas.orders import OrderCreate, OrderLineCreate
from core.security import new_token, token_hash
from core.services.orders import pay_order, place_order
from sdk.cli import app as sdk_cli
from sdk.models import QuoteRequest
from sdk.remote import TIMESTAMP_HEADER, new_secret, signature_headers
from tests.conftest import Factory
from tests.plugins_host.conftest import enable
from tests.webtools import HTML, sign_in

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "sdk" / "guide.md"
DOCS_SRC = ROOT / "docs_src"
FIRST_PLUGIN = DOCS_SRC / "first_plugin"
#: A block the guide shows from a file: the marker, then the fenced block.
SHOWN = re.compile(r"<!-- (docs_src/\S+) -->\n```(\w+)\n(.*?)^```$", re.S | re.M)
FENCE_OPENING = re.compile(r"^```\w*$", re.M)
#: What ``tanzi-sdk dev`` sets in the environment.
DEV_KEYS = (
    "TANZI_ENV",
    "TANZI_DATA_DIR",
    "TANZI_DATABASE_URL",
    "TANZI_QUEUE_URL",
    "TANZI_PLUGINS_FILE",
    "PYTHONPATH",
)


def docs_src_files() -> list[str]:
    return sorted(
        str(p.relative_to(ROOT))
        for p in DOCS_SRC.rglob("*")
        if p.is_file() and not {"__pycache__", ".pytest_cache"} & set(p.parts)
    )


@contextmanager
def importable(directory: Path) -> Iterator[None]:
    """Modules under ``directory`` importable by their plain names, forgotten afterwards."""
    path = list(sys.path)
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        sys.path[:] = path
        for name, module in list(sys.modules.items()):
            if (getattr(module, "__file__", None) or "").startswith(str(directory)):
                del sys.modules[name]


def admitted(module_name: str) -> PluginHost:
    """A plugin host with the one plugin loaded, which it must have admitted."""
    config = PluginConfig(load=(module_name,), entry_points=False)
    loaded = load_all(config)
    assert [(p.module_name, p.status, p.reason) for p in loaded] == [
        (module_name, PluginStatus.active, "")
    ]
    return PluginHost(loaded, config)


# --- the guide shows the files ---------------------------------------------------------


def test_every_block_of_the_guide_is_a_docs_src_file() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    shown = SHOWN.findall(guide)
    assert len(shown) == len(FENCE_OPENING.findall(guide)) // 2, (
        "every ``` block of docs/sdk/guide.md needs a <!-- docs_src/... --> marker above it"
    )
    for path, _language, block in shown:
        assert (ROOT / path).is_file(), f"the guide shows {path}, which does not exist"
        assert block == (ROOT / path).read_text(encoding="utf-8"), (
            f"the block under <!-- {path} --> differs from the file: paste the file again"
        )


def test_every_docs_src_file_is_shown_in_the_guide() -> None:
    shown = {path for path, _, _ in SHOWN.findall(GUIDE.read_text(encoding="utf-8"))}
    assert docs_src_files() == sorted(shown)


# --- the first plugin --------------------------------------------------------------------


@pytest.mark.slow
def test_the_first_plugin_passes_its_own_tests_as_a_project(pytester: pytest.Pytester) -> None:
    """Its FakeShop tests and sandbox tests, run as a provider runs them: `pytest` in the
    project, whose pyproject.toml names the plugin under test."""
    for relative in ("pyproject.toml", "acme_thanks/__init__.py", "tests"):
        source = FIRST_PLUGIN / relative
        target = pytester.path / relative
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_the_first_plugin_is_valid_and_admitted() -> None:
    validated = CliRunner().invoke(sdk_cli, ["validate", str(FIRST_PLUGIN), "--strict"])
    assert validated.exit_code == 0, validated.output
    with importable(FIRST_PLUGIN):
        host = admitted("acme_thanks")
    assert list(host.active) == ["acme_thanks"]


@pytest.fixture
def dev_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``tanzi-sdk dev`` sets TANZI_* for its host: put them back afterwards."""
    for key in DEV_KEYS:
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    with importable(FIRST_PLUGIN):
        yield tmp_path / ".tanzi-dev"


def test_try_it_pays_an_order_in_the_dev_host_and_reads_the_note(dev_environment: Path) -> None:
    from core.settings import get_settings
    from marketplace.app import create_app
    from sdk.cli.devhost import prepare
    from sdk.cli.project import locate

    prepared = prepare(locate(str(FIRST_PLUGIN)), dev_environment)  # what `tanzi-sdk dev` does
    assert prepared.shop_id == 1  # dev.sh runs `python try_it.py 1`
    import try_it

    app = create_app(get_settings())
    with TestClient(app) as http:
        order_id = try_it.buy_and_pay(http, prepared.shop_id)
        assert try_it.notes(http, prepared.shop_id) == {}  # the worker has not run yet
        engine = app.state.engine
        for delivery_id in dispatch_all(engine, app.state.plugins):  # the worker
            deliver(engine, app.state.plugins, delivery_id)
        notes = try_it.notes(http, prepared.shop_id)
        sign_in(http, "merchant@demo.tanzi", "demo-merchant")  # the console, as the guide says
        page = http.get(f"/console/shops/{prepared.shop_id}/apps/acme_thanks", headers=HTML)
    assert page.status_code == 200, page.text
    assert "Minimum total (fen)" in page.text and "Smaller orders get no note" in page.text
    total = _order_total(app.state.engine, order_id)
    # the demo's own paid orders, made before the worker first ran, get notes too
    assert notes[str(order_id)] == {"message": "Thank you for your order!", "total_fen": total}


def _order_total(engine: Engine, order_id: int) -> int:
    with Session(engine) as session:
        order = session.get(m.Order, order_id)
        assert order is not None
        return order.total_fen


# --- the command line ----------------------------------------------------------------------


def test_every_tanzi_sdk_line_names_a_real_command_and_options() -> None:
    lines = [
        line
        for path in docs_src_files()
        if path.endswith(".sh")
        for line in (ROOT / path).read_text().splitlines()
        if line.startswith("tanzi-sdk ")
    ]
    assert {shlex.split(line)[1] for line in lines} >= {"new", "validate", "fire", "dev", "submit"}
    for line in lines:
        words = shlex.split(line, comments=True)
        shown = CliRunner().invoke(sdk_cli, [words[1], "--help"], terminal_width=200)
        assert shown.exit_code == 0, f"{line}: {shown.output}"
        for option in (w for w in words[2:] if w.startswith("--")):
            assert option in shown.output, f"{line}: `tanzi-sdk {words[1]}` has no {option}"


# --- decisions -----------------------------------------------------------------------------


def test_free_shipping_answers_quotes_in_the_real_host(engine: Engine, factory: Factory) -> None:
    with importable(DOCS_SRC / "decisions"):
        host = admitted("free_shipping")
        shop = factory.shop()
        enable(engine, host, shop, "acme_free_shipping", settings={"threshold_fen": 5000})
        runner = DecisionRunner(host, engine)
        with Session(engine) as session:
            free = runner.call(
                session,
                shop.id,
                "logistics_quote",
                request=QuoteRequest(province_code="33", subtotal_fen=5000),
            )
            paid = runner.call(
                session,
                shop.id,
                "logistics_quote",
                request=QuoteRequest(province_code="33", subtotal_fen=4999),
            )
    assert (free.result.carrier_code, free.result.amount_fen) == ("SF", 0)
    assert paid.result.carrier_code == "standard"  # the kernel's flat rate answered


# --- storefront buyer pages ---------------------------------------------------------------


def test_free_gift_gives_50_gifts_once_per_buyer() -> None:
    from sdk.testing import FakeShop

    with importable(DOCS_SRC / "storefront"):
        host = admitted("free_gift")
        routes = [
            r for group in host.plugin_caller("acme_free_gift", "register_routes")() for r in group
        ]
        assert {(r.path, r.audience) for r in routes} == {("/", "buyer"), ("/ask", "buyer")}
        ask = next(r.endpoint for r in routes if r.path == "/ask")
        shop = FakeShop()
        answers = [ask(client=shop, buyer_id=b).html for b in range(1, 52)]
        assert sum("comes with your next order" in a for a in answers) == 50
        assert "all gifts are gone" in answers[-1]
        assert "already asked" in ask(client=shop, buyer_id=1).html
        assert shop.records.get("gifts", "all").data == {"given": 50}  # type: ignore[union-attr]


# --- webhooks ------------------------------------------------------------------------------


def _paid_order_event(engine: Engine, factory: Factory) -> tuple[m.Shop, m.OutboxEvent]:
    """A real order placed and paid by the kernel's services, and its ``order_paid``."""
    shop = factory.shop()
    _, sku = factory.product(shop, price_fen=2500)
    with Session(engine) as session:
        order, _ = place_order(
            session,
            shop_id=shop.id,
            buyer_id=factory.account().id,
            idempotency_key="docs",
            data=OrderCreate(
                lines=[OrderLineCreate(sku_id=sku.id, quantity=2)],
                recipient_name="Li",
                recipient_phone="13800138000",
                province_code="33",
                address="1 Road",
            ),
        )
        pay_order(session, order=order)
        session.commit()
        event = session.exec(
            select(m.OutboxEvent).where(
                m.OutboxEvent.name == "order_paid", m.OutboxEvent.resource_id == order.id
            )
        ).one()
    return shop, event


def _signed(event: m.OutboxEvent, secret: str, installation_id: int) -> tuple[dict, bytes]:
    """The headers and body the host sends for ``event`` (core.plugins.webhooks)."""
    body = webhook_body(event, installation_id=installation_id)
    headers = signature_headers(
        secret, body, event_id=event.event_id, topic="order.paid", timestamp=int(time.time())
    )
    return headers, body


def _load(path: Path, name: str) -> ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_receiver_verifies_and_deduplicates_a_real_delivery(
    engine: Engine, factory: Factory
) -> None:
    receiver_module = _load(DOCS_SRC / "webhooks" / "receiver.py", "docs_receiver")
    _, event = _paid_order_event(engine, factory)
    headers, body = _signed(event, "whsec_docs", installation_id=7)
    receiver = receiver_module.Receiver("whsec_docs")

    assert receiver.handle(headers, body) == 200
    assert receiver.handle(headers, body) == 200  # delivered again: handled once
    assert receiver.paid_orders == [event.resource_id]
    assert receiver.handle(headers, body.replace(b"order.paid", b"order.lost")) == 401
    assert receiver_module.Receiver("another secret").handle(headers, body) == 401
    stale = {**headers, TIMESTAMP_HEADER: str(int(time.time()) - 3600)}
    assert receiver.handle(stale, body) == 401
    assert receiver.paid_orders == [event.resource_id]


def test_stock_watch_subscribes_the_other_shop_and_keeps_the_newest_stock(
    engine: Engine, factory: Factory, settings: Any, app: FastAPI
) -> None:
    from core.plugins.client import ScopedClient
    from core.plugins.client_host import ClientHost
    from core.services.inventory import adjust_stock
    from tests.contract.conftest import LiveServer, installation_ref, mint_token

    here, there = factory.shop(), factory.shop()
    _, sku = factory.product(there, stock=5)
    rows = []
    for shop, plugin_id, kind in ((here, "acme_stock_watch", "plugin"), (there, "watch", "remote")):
        row = m.Installation(
            shop_id=shop.id,
            plugin_id=plugin_id,
            version="1",
            kind=kind,
            granted_scopes=["products:read"],
        )
        factory._save(row)
        rows.append(row)
    token = mint_token(engine, rows[1], frozenset({"products:read"}))
    client = ScopedClient(
        engine,
        installation_ref(rows[0], frozenset({"products:read"})),
        host=ClientHost.of(settings),
    )
    with importable(DOCS_SRC / "webhooks"), LiveServer(app) as live:
        host = admitted("stock_watch")
        routes = {
            r.path: r
            for group in host.plugin_caller("acme_stock_watch", "register_routes")()
            for r in group
        }
        assert routes["/stock"].audience == "webhook"
        hooks = f"{live.url}/hooks/shops/{here.id}/apps/acme_stock_watch"
        params = {"base_url": live.url, "shop_id": str(there.id), "token": token}
        assert "Connected" in routes["/connect"].endpoint(client, params, hooks)
        with Session(engine) as session:
            subscribed = session.get(m.Installation, rows[1].id)
            assert subscribed is not None
            assert (subscribed.webhook_url, subscribed.webhook_topics) == (
                f"{hooks}/stock",
                ["inventory.changed"],
            )
            locked = session.get(m.Sku, sku.id)
            assert locked is not None
            adjust_stock(session, sku=locked, delta=-2, reason="other")
            session.commit()
            event = session.exec(
                select(m.OutboxEvent).where(m.OutboxEvent.shop_id == there.id)
            ).all()[-1]
    on_stock = routes["/stock"].endpoint
    body = webhook_body(event, installation_id=rows[1].id or 0)
    secret = client.secrets.get("other-shop-hook") or ""

    def signed() -> dict[str, str]:
        return signature_headers(
            secret,
            body,
            event_id=event.event_id,
            topic="inventory.changed",
            timestamp=int(time.time()),
        )

    assert on_stock(client, body, signed()) == {"outcome": "kept"}
    assert client.records.get("other_stock", sku.code).data["stock"] == 3  # type: ignore[union-attr]
    assert on_stock(client, body, signed()) == {"outcome": "already known"}
    from sdk.remote import InvalidSignature

    with pytest.raises(InvalidSignature):
        on_stock(client, body, {**signed(), "webhook-signature": "v1,AAAA"})


def test_a_standard_webhooks_library_verifies_a_real_delivery(
    engine: Engine, factory: Factory
) -> None:
    module = _load(DOCS_SRC / "webhooks" / "any_library.py", "docs_any_library")
    _, event = _paid_order_event(engine, factory)
    secret = new_secret()
    headers, body = _signed(event, secret, installation_id=7)

    parsed = module.verified_event(secret, headers, body)
    assert parsed is not None and parsed["event_id"] == event.event_id
    assert module.verified_event(new_secret(), headers, body) is None
    assert module.verified_event(secret, headers, body.replace(b"order.paid", b"order.x")) is None
    stale = {**headers, TIMESTAMP_HEADER: str(int(time.time()) - 3600)}
    assert module.verified_event(secret, stale, body) is None


def test_the_remote_app_installs_with_pkce_and_records_a_paid_order(
    app: FastAPI, engine: Engine, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.contract.conftest import LiveServer

    shop, event = _paid_order_event(engine, factory)
    installation = m.Installation(
        shop_id=shop.id,
        plugin_id="docs_ledger",
        version="1.0.0",
        kind="remote",
        granted_scopes=["orders:read"],
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(installation)
        session.commit()
        access = new_token("tz_oat")
        session.add(
            m.AccessToken(
                token_hash=token_hash(access),
                kind="oauth",
                scopes=["orders:read"],
                shop_id=shop.id,
                installation_id=installation.id,
            )
        )
        session.commit()
    with LiveServer(app) as tanzi:
        monkeypatch.setenv("TANZI_URL", tanzi.url)
        monkeypatch.setenv("APP_URL", "http://app.example")
        monkeypatch.setenv("APP_CLIENT_ID", "tzc_docs")
        monkeypatch.setenv("APP_WEBHOOK_SECRET", "whsec_docs")
        remote = _load(DOCS_SRC / "remote_app" / "app.py", "docs_remote_app")
        with TestClient(remote.app) as app_client:
            started = app_client.get("/install", follow_redirects=False)
            assert started.status_code == 302
            url = urlsplit(started.headers["location"])
            query = parse_qs(url.query)
            assert f"{url.scheme}://{url.netloc}{url.path}" == f"{tanzi.url}/oauth/authorize"
            assert query["code_challenge_method"] == ["S256"]
            assert query["redirect_uri"] == ["http://app.example/callback"]
            assert query["scope"] == ["orders:read"]

            from sdk.http import TokenSet
            from sdk.remote.fastapi import Installed

            remote.store(  # what /callback does with Tanzi's token answer
                Installed(
                    shop_id=shop.id,
                    installation_id=installation.id or 0,
                    tokens=TokenSet(access_token=access),
                    response={},
                )
            )
            headers, body = _signed(event, "whsec_docs", installation.id or 0)
            first = app_client.post("/webhooks", content=body, headers=headers)
            again = app_client.post("/webhooks", content=body, headers=headers)
            forged = app_client.post("/webhooks", content=body + b" ", headers=headers)
    assert (first.status_code, first.json()["duplicate"]) == (200, False)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    assert forged.status_code == 401
    with Session(engine) as session:
        records = session.exec(
            select(m.PluginRecord).where(col(m.PluginRecord.installation_id) == installation.id)
        ).all()
        order = session.get(m.Order, event.resource_id)
        assert order is not None
        assert [(r.collection, r.key, r.data) for r in records] == [
            ("paid_orders", str(order.id), {"total_fen": order.total_fen})
        ]
    assert json.loads(body)["data"]["order"]["id"] == order.id


def test_the_guides_scope_table_uses_the_consent_screens_words() -> None:
    from sdk.scopes import SCOPES

    guide = GUIDE.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z]+:[a-z]+)` \| (.+) \|$", guide, flags=re.M)
    assert sorted(rows) == sorted((scope.value, words) for scope, words in SCOPES.items())


# --- the importer ------------------------------------------------------------------------


def test_the_importer_example_passes_its_own_test() -> None:
    with importable(DOCS_SRC / "importer"):
        import test_tea_importer  # type: ignore[import-not-found]

        test_tea_importer.test_detect_and_parse_then_upsert()


def test_the_order_marks_example_passes_its_own_test() -> None:
    with importable(DOCS_SRC / "order_marks"):
        import test_flag_big_orders  # type: ignore[import-not-found]

        test_flag_big_orders.test_big_orders_are_flagged()


# --- the channel adapter -----------------------------------------------------------------


def test_the_channel_example_passes_its_own_test() -> None:
    with importable(DOCS_SRC / "channels"):
        import test_tea_platform  # type: ignore[import-not-found]

        test_tea_platform.test_the_adapter_keeps_the_channel_contract()
