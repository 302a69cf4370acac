"""The console's "批量打单" action: it starts label printing's resumable job (not a per-row
run), and its carrier account field takes only one of the shop's own bound accounts."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.jobs.plugin_jobs import PLUGIN_JOB
from core.plugins.installations import enable_plugin
from core.services import carrier_accounts
from core.settings import Settings
from tests.conftest import Factory
from tests.webtools import HTML, csrf_from, sign_in

ROOT = Path(__file__).resolve().parents[2]
KEY = "label_printing:print"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


def _account(engine: Engine, shop_id: int) -> int:
    """A bound account written straight in the database (no carrier to ask here)."""
    box = carrier_accounts.directory.sealer()
    with Session(engine) as session:
        row = m.CarrierAccount(
            shop_id=shop_id,
            carrier_code="SANDBOX",
            account_no_masked="****0001",
            account_no_sealed=box.seal("SBX-0001"),
            secret_sealed=box.seal("s3cret"),
        )
        session.add(row)
        session.commit()
        return row.id or 0


def _post(client: TestClient, shop_id: int, order_id: int, account_id: int) -> object:
    page = client.get(f"/console/shops/{shop_id}/orders", headers=HTML).text
    return client.post(
        f"/console/shops/{shop_id}/actions",
        data={
            "action": KEY,
            "area": "orders",
            "ids": [str(order_id)],
            f"p.{KEY}.account_id": str(account_id),
            f"p.{KEY}.format": "zpl",
            "csrf_token": csrf_from(page),
        },
        headers={**HTML, "accept": "application/json"},
    )


def test_the_action_starts_the_job_on_the_shops_own_account_only(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    owner = factory.account()
    mine, other = factory.shop(owner), factory.shop(factory.account())
    with Session(engine) as session:
        enable_plugin(
            session, host=client.app.state.plugins, shop_id=mine.id, plugin_id="label_printing"
        )
        session.commit()
    order, _ = factory.order(mine)
    own, foreign = _account(engine, mine.id or 0), _account(engine, other.id or 0)
    sign_in(client, owner.email, "secret-pass")
    page = client.get(f"/console/shops/{mine.id}/orders", headers=HTML).text
    assert f'<option value="{own}">SANDBOX ****0001</option>' in page
    assert f'<option value="{foreign}">' not in page

    refused = _post(client, mine.id or 0, order.id or 0, foreign)
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "Carrier account" in refused.json()["errors"]["action"]  # type: ignore[attr-defined]
    with Session(engine) as session:
        assert session.exec(select(m.Job)).all() == []

    started = _post(client, mine.id or 0, order.id or 0, own)
    assert started.status_code == 202  # type: ignore[attr-defined]
    with Session(engine) as session:
        job = session.exec(select(m.Job)).one()
    assert job.kind == PLUGIN_JOB and job.params["code"] == "print_labels"
    assert job.params["params"] == {
        "account_id": str(own),
        "format": "zpl",
        "item_ids": [order.id],
    }
    progress = client.get(f"/console/shops/{mine.id}/jobs/{job.id}/progress").json()
    assert progress["label"] == "Print shipping labels" and progress["status"] == "queued"
