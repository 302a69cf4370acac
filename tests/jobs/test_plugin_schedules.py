"""A plugin's scheduled job kind starts once per period, even when the periodic tick that
checks lands a little early."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.jobs.plugin_schedules import TICK_SLACK_S, start_due_plugin_jobs
from core.models.base import utcnow
from core.plugins.installations import enable_plugin
from core.plugins.loading import PluginConfig, load_all
from core.plugins.manager import PluginHost
from tests.conftest import Factory


def _host() -> PluginHost:
    config = PluginConfig(
        load=("tests.plugins_host.sample_plugins.every_minute",), entry_points=False
    )
    return PluginHost(load_all(config), config)


def test_a_one_minute_schedule_runs_on_every_tick_even_a_hair_early(
    engine: Engine, factory: Factory
) -> None:
    host = _host()
    shop = factory.shop()
    with Session(engine) as session:
        enable_plugin(
            session,
            host=host,
            shop_id=shop.id or 0,
            plugin_id="every_minute",
            granted_scopes=["shop:read"],
        )
        session.commit()
    start = utcnow()
    assert len(start_due_plugin_jobs(engine, host, now=start)) == 1
    # the same minute: nothing new, even a little after the first tick
    assert start_due_plugin_jobs(engine, host, now=start + timedelta(seconds=30)) == []
    # each next tick lands 50 ms early (the periodic task's clock and ours differ a little)
    at = start
    for _ in range(3):
        at += timedelta(minutes=1) - timedelta(milliseconds=50)
        assert len(start_due_plugin_jobs(engine, host, now=at)) == 1
    # but not a tick that comes well before the minute is up
    early = at + timedelta(minutes=1) - timedelta(seconds=TICK_SLACK_S + 1)
    assert start_due_plugin_jobs(engine, host, now=early) == []
