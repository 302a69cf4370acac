"""Fixtures for the plugin host: a host with the sample plugins, and helpers to enable
plugins, publish events and run deliveries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.outbox import record_event
from core.plugins import delivery, fanout
from core.plugins.decisions import DecisionRunner
from core.plugins.installations import enable_plugin
from core.plugins.loading import PluginConfig, PluginLimits, load_all
from core.plugins.manager import PluginHost
from core.settings import Settings
from tests.plugins_host.sample_plugins import greedy, recorder

SAMPLES = "tests.plugins_host.sample_plugins"
LIMITS = PluginLimits(timeout_s=0.5, decision_timeout_s=0.2, circuit_failures=3)


@pytest.fixture
def host() -> PluginHost:
    recorder.CALLS.clear()
    greedy.DENIED.clear()
    config = PluginConfig(
        load=(
            *tuple(
                f"{SAMPLES}.{n}" for n in ("recorder", "broken", "greedy", "future", "bad_manifest")
            ),
            "plugins.not_there",
        ),
        default_limits=LIMITS,
        entry_points=False,
    )
    return PluginHost(load_all(config), config)


@pytest.fixture
def decisions(host: PluginHost, engine: Engine) -> DecisionRunner:
    return DecisionRunner(host, engine)


def enable(engine: Engine, host: PluginHost, shop: m.Shop, plugin_id: str, **kw: Any) -> int:
    with Session(engine) as session:
        row = enable_plugin(session, host=host, shop_id=shop.id, plugin_id=plugin_id, **kw)
        session.commit()
        return row.id


def emit(engine: Engine, name: str, shop_id: int, data: dict[str, Any], rid: int = 1) -> str:
    """Publish an event the way kernel services do; returns its event id."""
    resource = next(iter(data))
    with Session(engine) as session:
        event_id = record_event(
            session,
            name=name,
            shop_id=shop_id,
            resource_type=resource,
            resource_id=rid,
            data=data,
        )
        session.commit()
        return event_id


def run_all(engine: Engine, host: PluginHost) -> list[delivery.DeliveryResult]:
    """Dispatch the outbox and run every new delivery once, in this process."""
    ids = fanout.dispatch_outbox(engine, host)
    return [delivery.deliver(engine, host, i) for i in ids]


def deliveries(engine: Engine) -> list[m.Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(m.Delivery).order_by(m.Delivery.id)))


@pytest.fixture
def app_with_recorder(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> FastAPI:
    toml = tmp_path / "plugins.toml"
    toml.write_text('[plugins]\nload = ["tests.plugins_host.sample_plugins.recorder"]\n')
    settings.plugins_file = toml
    recorder.CALLS.clear()
    return request.getfixturevalue("app")
