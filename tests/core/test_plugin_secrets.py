"""``client.secrets``: sealed at rest, opened only for its installation, never a record."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.settings import Settings
from sdk.errors import InvalidRequest
from tests.conftest import Factory
from tests.contract.conftest import ALL_SCOPES, build_db_world, installation_ref, mint_token

TOKEN = "tz_oat_remote-shop-token-0123456789"


def _client(engine: Engine, settings: Settings, installation: m.Installation) -> ScopedClient:
    ref = installation_ref(installation, ALL_SCOPES)
    return ScopedClient(engine, ref, host=ClientHost.of(settings))


def test_a_secret_is_sealed_at_rest_and_opened_for_its_installation(
    engine: Engine, settings: Settings, factory: Factory, client: TestClient
) -> None:
    _, installation = build_db_world(engine, factory)
    secrets = _client(engine, settings, installation).secrets
    secrets.put("channel:second-shop", TOKEN)
    assert secrets.get("channel:second-shop") == TOKEN
    with Session(engine) as session:
        rows = session.exec(select(m.PluginRecord)).all()
    assert len(rows) == 1 and TOKEN not in str(rows[0].data)
    # the installation's own records never show it, in-process or over the open API
    scoped = _client(engine, settings, installation)
    with pytest.raises(InvalidRequest):
        scoped.records.list(rows[0].collection)
    token = mint_token(engine, installation, ALL_SCOPES)
    listed = client.get(
        f"/api/v1/installation/records/{rows[0].collection}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert listed.status_code == 422 and TOKEN not in listed.text
    secrets.put("channel:second-shop", TOKEN + "-rotated")
    assert secrets.get("channel:second-shop") == TOKEN + "-rotated"
    assert secrets.delete("channel:second-shop") is True
    assert secrets.get("channel:second-shop") is None
    assert secrets.delete("channel:second-shop") is False


def test_another_installation_cannot_open_it(
    engine: Engine, settings: Settings, factory: Factory
) -> None:
    _, installation = build_db_world(engine, factory)
    _client(engine, settings, installation).secrets.put("token", TOKEN)
    other = m.Installation(
        shop_id=installation.shop_id, plugin_id="other_app", version="1.0.0", status="enabled"
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(other)
        session.commit()
    assert _client(engine, settings, other).secrets.get("token") is None


def test_an_empty_secret_is_refused(engine: Engine, settings: Settings, factory: Factory) -> None:
    _, installation = build_db_world(engine, factory)
    with pytest.raises(InvalidRequest) as refused:
        _client(engine, settings, installation).secrets.put("token", "")
    assert refused.value.code == "invalid_secret"
