"""Publishing is a resumable job: a worker killed mid-way resumes at the next product, and
every product is published on the channel once."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import Session, func, select

import core.models as m
from core.jobs import plugin_jobs  # noqa: F401  (registers the plugin_job kind)
from core.jobs.runner import execute_job
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.plugins.manager import PluginHost
from plugins.catalog_sync.jobs import PUBLISH
from plugins.catalog_sync.mapping import all_mapped
from plugins.catalog_sync.sync import ChannelSync
from tests.plugins.catalog_sync.conftest import CHANNEL, TwoShops


class Killed(BaseException):
    """The worker dies (not an error the job could catch)."""


def _products_b(t: TwoShops) -> int:
    with Session(t.engine) as session:
        return session.exec(
            select(func.count()).select_from(m.Product).where(m.Product.shop_id == t.shop_b.id)
        ).one()


def test_a_killed_publish_resumes_and_publishes_each_product_once(
    two_shops: TwoShops, sync_host: PluginHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = two_shops
    t.connect()
    codes = [f"PJ-{n:02d}" for n in range(1, 7)]
    ids = [t.product_a(code, 10).product_id for code in codes]
    runtime = SimpleNamespace(settings=t.settings, host=sync_host, read_engine=None, huey=None)
    client = ScopedClient(t.engine, t.client.installation, host=ClientHost.of_runtime(runtime))
    job_id = client.jobs.start(PUBLISH, {"channel": CHANNEL, "product_ids": ids}).id
    real, calls = ChannelSync.publish, {"n": 0}

    def dies_at_the_fourth(self: ChannelSync, product_ids: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 4:
            raise Killed
        return real(self, product_ids)

    monkeypatch.setattr(ChannelSync, "publish", dies_at_the_fourth)
    with pytest.raises(Killed):
        execute_job(t.engine, job_id, runtime=runtime)
    with Session(t.engine) as session:
        killed = session.get(m.Job, job_id)
        assert killed is not None
        assert (killed.status, killed.checkpoint["position"]) == (m.JobStatus.running, 3)
        assert killed.counts == {"published": 3}
    assert _products_b(t) == 3
    monkeypatch.setattr(ChannelSync, "publish", real)
    assert execute_job(t.engine, job_id, runtime=runtime) == "succeeded"
    info = client.jobs.get(job_id)
    assert (info.counts, info.progress, info.total) == ({"published": 6}, 6, 6)
    assert _products_b(t) == 6  # once each
    assert sorted(i.sku_code for i in all_mapped(t.client, CHANNEL)) == codes
    assert all((t.stock(t.shop_a, c), t.stock(t.shop_b, c)) == (5, 5) for c in codes)
