"""Sandbox Express end to end: the plugin talks HTTP to the carrier simulator, which runs
as its own process (accounts, balance, rate limits, failures, idempotent requests)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
import plugins.sandbox_express as plugin
from core.services import carrier_accounts
from plugins.sandbox_express.carrier import SandboxExpress
from sdk.waybills import AccountCredentials, CarrierRefused, EWaybillOperations
from tests.conftest import Factory

ACCOUNT, SECRET = "SBX-ACCT-31415", "sandbox-secret-Zq9-do-not-leak"
SENDER = {"name": "摊子好物", "phone": "0571-88886666", "province": "浙江省", "city": "杭州市"}


def start_simulator(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plugins.sandbox_express.simulator",
            "--account",
            f"{ACCOUNT}:{SECRET}",
            *args,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("listening "), line
    url = line.split(" ", 1)[1]
    for _ in range(100):
        try:
            httpx.get(url + "/v1/_stats", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    return proc, url


@pytest.fixture
def simulator(request: pytest.FixtureRequest) -> Iterator[str]:
    args = getattr(request, "param", ())
    proc, url = start_simulator(*args)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def sandbox(simulator: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The plugin's carrier offered to the kernel, as the host does on load."""
    monkeypatch.setenv("SANDBOX_EXPRESS_URL", simulator)
    directory = carrier_accounts.directory
    saved = (dict(directory.operations), dict(directory.patterns))
    for carrier in plugin.register_carriers():
        assert isinstance(carrier.ewaybill, EWaybillOperations)
        directory.register(carrier.code, carrier.name, carrier.waybill_pattern, carrier.ewaybill)
    yield simulator
    directory.operations, directory.patterns = saved


def _shop(factory: Factory) -> tuple[m.Shop, dict[str, str]]:
    owner = factory.account()
    return factory.shop(owner), factory.headers(owner)


def _bind(
    client: TestClient, shop_id: int, headers: dict[str, str], secret: str = SECRET
) -> httpx.Response:
    return client.post(
        f"/api/v1/shops/{shop_id}/carrier-accounts",
        json={"carrier_code": "SANDBOX", "account_no": ACCOUNT, "secret": secret, "sender": SENDER},
        headers=headers,
    )


def test_bind_is_verified_with_the_simulator(
    client: TestClient, factory: Factory, sandbox: str
) -> None:
    shop, headers = _shop(factory)
    wrong = _bind(client, shop.id or 0, headers, secret="not-the-secret")
    assert wrong.status_code == 422 and wrong.json()["code"] == "carrier_refused"
    right = _bind(client, shop.id or 0, headers)
    assert right.status_code == 201, right.text
    assert right.json()["account_no_masked"].endswith("1415")


@pytest.mark.parametrize(
    "simulator", [("--refuse-orders", "0", "--fail-every", "3")], indirect=True
)
def test_full_flow_idempotent_with_failures_named_per_order(
    client: TestClient, engine: Engine, factory: Factory, sandbox: str
) -> None:
    shop, headers = _shop(factory)
    account_id = _bind(client, shop.id or 0, headers).json()["id"]
    orders = [factory.order(shop)[0].id for _ in range(4)]
    base = f"/api/v1/shops/{shop.id}"
    first = client.post(
        f"{base}/carrier-accounts/{account_id}/waybills",
        json={"order_ids": orders},
        headers=headers,
    ).json()
    # every 3rd new number fails at the simulator: one order named, the rest issued
    failed = [r for r in first if r["problem"]]
    assert [r["problem"]["field"] for r in failed] == ["order_ids[2]"]
    assert "temporary failure" in failed[0]["problem"]["message"]
    issued = {r["order_id"]: r["waybill"]["waybill_no"] for r in first if r["waybill"]}
    assert len(issued) == 3 and all(n.startswith("SBX") for n in issued.values())
    second = client.post(
        f"{base}/carrier-accounts/{account_id}/waybills",
        json={"order_ids": orders},
        headers=headers,
    ).json()
    assert all(r["waybill"] for r in second)  # the failed one succeeds on retry
    assert {r["order_id"]: r["waybill"]["waybill_no"] for r in second if r["reused"]} == issued
    stats = httpx.get(sandbox + "/v1/_stats").json()
    assert stats["issued"] == 4  # never a second number for an order
    # ship with one, cancel another (recycled at the carrier)
    ship_order = orders[0]
    shipped = client.post(
        f"{base}/orders/{ship_order}/shipments",
        json={"carrier_code": "SANDBOX", "waybill_no": issued[ship_order]},
        headers=headers,
    )
    assert shipped.status_code == 201, shipped.text
    other = next(r["waybill"] for r in second if r["order_id"] == orders[1])
    cancelled = client.post(f"{base}/waybills/{other['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert httpx.get(sandbox + "/v1/_stats").json()["cancelled"] == [other["waybill_no"]]
    texts = [shipped.text, cancelled.text, str(first), str(second)]
    with Session(engine) as session:
        texts += [repr(r.model_dump()) for r in session.exec(select(m.CarrierAccount))]
        texts += [repr(r.model_dump()) for r in session.exec(select(m.OutboxEvent))]
    assert not any(SECRET in t for t in texts)


@pytest.mark.parametrize(
    "simulator",
    [
        (
            "--rate-limit",
            "1",
        )
    ],
    indirect=True,
)
def test_rate_limits_are_waited_out(sandbox: str) -> None:
    ops = SandboxExpress(sandbox, attempts=8, max_wait_s=0.3)
    creds = AccountCredentials(carrier_code="SANDBOX", account_no=ACCOUNT, secret=SECRET)
    for _ in range(3):
        ops.verify(creds)
    assert httpx.get(sandbox + "/v1/_stats").json()["throttled"] >= 1
    with pytest.raises(CarrierRefused):
        ops.verify(creds.model_copy(update={"secret": "nope"}))


@pytest.mark.parametrize(
    "simulator",
    [
        (
            "--balance",
            "1",
        )
    ],
    indirect=True,
)
def test_an_empty_balance_is_reported_per_order(
    engine: Engine, factory: Factory, sandbox: str
) -> None:
    shop = factory.shop()
    with Session(engine) as session:
        account = carrier_accounts.bind_account(
            session,
            shop_id=shop.id or 0,
            carrier_code="SANDBOX",
            account_no=ACCOUNT,
            secret=SECRET,
            sender=carrier_accounts.Address.model_validate(SENDER),
        )
        session.commit()
        account_id = account.id or 0
    orders = [factory.order(shop)[0].id or 0 for _ in range(2)]
    with Session(engine, expire_on_commit=False) as session:
        items = carrier_accounts.issue_waybills(
            session, shop_id=shop.id or 0, account_id=account_id, order_ids=orders
        )
        session.commit()
    assert items[0].waybill is not None
    assert items[1].waybill is None and items[1].problem is not None
    assert "no waybill numbers left" in items[1].problem.message
