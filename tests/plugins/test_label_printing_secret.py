"""The account secret after a full label-printing flow: bound on the console page (verified
with the simulator), labels printed by a console action through the job, the file
downloaded; then every page, API response, log line, job record, plugin record, event and
stored file is searched for the secret (and the full account number)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.files.backends import file_store_for
from core.jobs.runner import execute_job
from core.plugins.installations import enable_plugin
from core.settings import Settings
from tests.carriers.orders import paid_orders
from tests.conftest import Factory
from tests.plugins.test_sandbox_express import ACCOUNT, SECRET, start_simulator
from tests.webtools import HTML, csrf_from, sign_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


@pytest.fixture
def simulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    proc, url = start_simulator()
    monkeypatch.setenv("SANDBOX_EXPRESS_URL", url)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_the_secret_is_nowhere_after_printing_labels(
    client: TestClient,
    engine: Engine,
    factory: Factory,
    simulator: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    owner = factory.account()
    shop = factory.shop(owner)
    with Session(engine) as session:
        for plugin_id in ("sandbox_express", "label_printing"):
            enable_plugin(
                session, host=client.app.state.plugins, shop_id=shop.id, plugin_id=plugin_id
            )  # type: ignore[attr-defined]
        session.commit()
    product, sku = factory.product(shop, price_fen=1500)
    ids = paid_orders(
        engine,
        shop_id=shop.id or 0,
        buyer_id=factory.account().id or 0,
        product_id=product.id or 0,
        sku_id=sku.id or 0,
        n=5,
    )
    sign_in(client, owner.email, "secret-pass")
    console = f"/console/shops/{shop.id}"
    texts: list[str] = []

    def keep(response: object) -> str:
        text = response.text  # type: ignore[attr-defined]
        texts.append(text)
        texts.append(repr(dict(response.headers)))  # type: ignore[attr-defined]
        return str(text)

    page = keep(client.get(f"{console}/carriers", headers=HTML))
    bound = client.post(
        f"{console}/carriers",
        data={
            "carrier_code": "SANDBOX",
            "account_no": ACCOUNT,
            "secret": SECRET,
            "sender_name": "摊子好物发货组",
            "sender_phone": "0571-88886666",
            "sender_address": "浙江省杭州市余杭区文一西路 969 号",
            "csrf_token": csrf_from(page),
        },
        headers=HTML,
        follow_redirects=False,
    )
    keep(bound)
    assert bound.status_code == 303, bound.text
    orders_page = keep(client.get(f"{console}/orders", headers=HTML))
    account_id = re.search(r'<option value="(\d+)">SANDBOX \*+1415', orders_page)
    assert account_id is not None
    key = "label_printing:print"
    started = client.post(
        f"{console}/actions",
        data={
            "action": key,
            "area": "orders",
            "ids": [str(i) for i in ids],
            f"p.{key}.account_id": account_id.group(1),
            f"p.{key}.format": "pdf",
            f"p.{key}.mark_shipped": "on",
            "csrf_token": csrf_from(orders_page),
        },
        headers={**HTML, "accept": "application/json"},
    )
    keep(started)
    assert started.status_code == 202, started.text
    job_id = started.json()["job"]["id"]
    assert execute_job(engine, job_id, runtime=client.app.state.runtime) == "succeeded"  # type: ignore[attr-defined]
    progress = client.get(f"{console}/jobs/{job_id}/progress")
    keep(progress)
    assert progress.json()["counts"] == {"printed": 5, "shipped": 5}
    keep(client.get(f"{console}/jobs/{job_id}", headers=HTML))
    download = client.get(f"{console}/jobs/{job_id}/result", follow_redirects=True)
    assert download.content.startswith(b"%PDF")
    texts.append(download.content.decode("latin-1"))
    for path in ("orders?status=shipped", f"orders/{ids[0]}", "shipments", "carriers"):
        keep(client.get(f"{console}/{path}", headers=HTML))
    headers = factory.headers(owner)
    api = f"/api/v1/shops/{shop.id}"
    for path in ("carrier-accounts", f"orders/{ids[0]}/waybills", f"orders/{ids[0]}"):
        assert client.get(f"{api}/{path}", headers=headers).status_code == 200
        keep(client.get(f"{api}/{path}", headers=headers))
    job = client.get(f"{api}/jobs/{job_id}", headers=headers)
    keep(job)
    texts.append(caplog.text)
    texts.extend(repr(r.__dict__) for r in caplog.records)
    store = file_store_for(client.app.state.settings)  # type: ignore[attr-defined]
    with Session(engine) as session:
        for model in (m.Job, m.PluginRecord, m.OutboxEvent, m.Waybill, m.Shipment, m.Delivery):
            texts.extend(repr(row.model_dump()) for row in session.exec(select(model)))
        for row in session.exec(select(m.StoredFile)):
            with store.open(row.storage_key) as stream:
                texts.append(stream.read().decode("latin-1"))
    assert len(texts) > 30
    assert any("SBX" in t for t in texts)  # the flow really ran: waybills are in there
    for text in texts:
        assert SECRET not in text
        assert ACCOUNT not in text
