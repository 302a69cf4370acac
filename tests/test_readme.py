"""The README's plugin example is a plugin the host admits, and it works in a real shop."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.plugins.loading import PluginConfig, PluginStatus, load_all
from core.plugins.manager import PluginHost
from tests.conftest import Factory
from tests.plugins_host.conftest import enable, run_all

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def readme_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no Python example"
    (tmp_path / "readme_example.py").write_text(blocks[0])
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "readme_example"
    sys.modules.pop("readme_example", None)


def test_readme_plugin_is_admitted_and_runs(
    readme_plugin: str, engine: Engine, factory: Factory
) -> None:
    config = PluginConfig(load=(readme_plugin,), entry_points=False)
    loaded = load_all(config)
    assert [(p.id, p.status) for p in loaded] == [("thank_you", PluginStatus.active)]
    host = PluginHost(loaded, config)

    shop = factory.shop()
    _, sku = factory.product(shop, price_fen=2500)
    enable(engine, host, shop, "thank_you", granted_scopes=["orders:read"])
    from core.schemas.orders import OrderCreate
    from core.services.orders import pay_order, place_order

    with Session(engine) as session:
        order, _ = place_order(
            session,
            shop_id=shop.id,
            buyer_id=factory.account().id,
            idempotency_key="readme",
            data=OrderCreate(
                lines=[{"sku_id": sku.id, "quantity": 2}],
                recipient_name="Li",
                recipient_phone="13800138000",
                province_code="33",
                address="1 Road",
            ),
        )
        pay_order(session, order=order)
        session.commit()
        order_id = order.id
    results = run_all(engine, host)
    assert results, "no delivery was made"
    with Session(engine) as session:
        notes = session.exec(
            select(m.PluginRecord).where(m.PluginRecord.collection == "notes")
        ).all()
    assert [(n.key, n.data) for n in notes] == [(str(order_id), {"total_fen": 5000})]
