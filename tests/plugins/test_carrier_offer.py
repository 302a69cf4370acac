"""A plugin's carrier is offered only to shops that enabled the plugin: the console's bind
form lists it there only, binding and issuing elsewhere are refused, and the ship form's
carriers follow the same rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.errors import InvalidInput
from core.plugins.installations import enable_plugin
from core.services import carrier_accounts
from core.settings import Settings
from tests.conftest import Factory
from tests.plugins.test_sandbox_express import ACCOUNT, SECRET, SENDER, start_simulator
from tests.webtools import HTML, sign_in

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


def _bind(engine: Engine, shop_id: int) -> int:
    with Session(engine) as session:
        row = carrier_accounts.bind_account(
            session,
            shop_id=shop_id,
            carrier_code="SANDBOX",
            account_no=ACCOUNT,
            secret=SECRET,
            sender=carrier_accounts.Address.model_validate(SENDER),
        )
        session.commit()
        return row.id or 0


def test_only_shops_with_the_carrier_plugin_are_offered_it(
    client: TestClient, engine: Engine, factory: Factory, simulator: str
) -> None:
    assert carrier_accounts.directory.owners["SANDBOX"] == "sandbox_express"
    owner = factory.account()
    with_it, without = factory.shop(owner), factory.shop(owner)
    with Session(engine) as session:
        host = client.app.state.plugins  # type: ignore[attr-defined]
        enable_plugin(session, host=host, shop_id=with_it.id, plugin_id="sandbox_express")
        session.commit()
        assert "SANDBOX" in carrier_accounts.directory.offered(session, with_it.id or 0)
        assert "SANDBOX" not in carrier_accounts.directory.offered(session, without.id or 0)
    with pytest.raises(InvalidInput) as refused:
        _bind(engine, without.id or 0)
    assert refused.value.code == "no_ewaybill"
    account_id = _bind(engine, with_it.id or 0)

    sign_in(client, owner.email, "secret-pass")
    offered = client.get(f"/console/shops/{with_it.id}/carriers", headers=HTML).text
    assert '<option value="SANDBOX"' in offered
    hidden = client.get(f"/console/shops/{without.id}/carriers", headers=HTML).text
    assert '<option value="SANDBOX"' not in hidden
    api = "/api/v1/shops/{}/carriers"
    headers = factory.headers(owner)
    codes = {c["code"] for c in client.get(api.format(with_it.id), headers=headers).json()}
    assert "SANDBOX" in codes
    codes = {c["code"] for c in client.get(api.format(without.id), headers=headers).json()}
    assert "SANDBOX" not in codes

    order, _ = factory.order(with_it)
    with Session(engine) as session:  # the plugin paused: its account issues nothing more
        row = session.exec(select(m.Installation).where(m.Installation.shop_id == with_it.id)).one()
        row.status = m.InstallationStatus.paused
        session.add(row)
        session.commit()
        with pytest.raises(InvalidInput):
            carrier_accounts.issue_waybills(
                session, shop_id=with_it.id or 0, account_id=account_id, order_ids=[order.id or 0]
            )
