"""Two requests enabling the same plugin in the same shop at once: one installation, no 500."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
import core.plugins.installations as installations
from core.plugins.installations import enable_plugin
from tests.conftest import Factory


def test_two_concurrent_enables_make_one_installation(
    app: FastAPI, engine: Engine, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = app.state.plugins
    plugin_id = next(iter(host.active))
    shop = factory.shop()
    both_looked = threading.Barrier(2)
    original = installations.get_installation

    def look_then_wait(session: Session, **kwargs: Any) -> m.Installation | None:
        found = original(session, **kwargs)
        # both requests find no row before either inserts (where writes may overlap; SQLite
        # serializes writers, so there the second only starts after the first commits)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_looked.wait(timeout=3)
        return found

    monkeypatch.setattr(installations, "get_installation", look_then_wait)
    errors: list[BaseException] = []

    def enable() -> None:
        try:
            with Session(engine) as session:
                enable_plugin(session, host=host, shop_id=shop.id, plugin_id=plugin_id)
                session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=enable) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with Session(engine) as session:
        rows = session.exec(
            select(m.Installation).where(
                m.Installation.shop_id == shop.id, m.Installation.plugin_id == plugin_id
            )
        ).all()
    assert [row.status for row in rows] == [m.InstallationStatus.enabled]
