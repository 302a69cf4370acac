"""Resumable plugin jobs: chunks commit with their checkpoint, a killed worker resumes
without duplicates, cancellation stops between chunks, refused rows become a report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

import core.models as m
from core.files.documents import save_upload, stage_chunks
from core.files.service import local_store, written_files
from core.jobs import plugin_jobs  # noqa: F401  (registers the plugin_job kind)
from core.jobs.runner import execute_job
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.plugins.installations import enable_plugin
from core.plugins.loading import PluginConfig, load_all
from core.plugins.manager import InstallationRef, PluginHost
from core.settings import Settings
from tests.conftest import Factory
from tests.plugins_host.sample_plugins import tiny_import

ROWS = 1200
BAD = {5, 600, 1111}  # rows whose price is not a number


@pytest.fixture
def host() -> PluginHost:
    config = PluginConfig(
        load=("tests.plugins_host.sample_plugins.tiny_import",), entry_points=False
    )
    return PluginHost(load_all(config), config)


@pytest.fixture(autouse=True)
def _no_kill() -> Iterator[None]:
    yield
    tiny_import.KILL_AFTER.clear()


def _file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(tiny_import.HEADER)
    for n in range(1, rows + 1):
        writer.writerow([f"T{n:05d}", f"茶 Tea {n}", "x" if n in BAD else f"{n}.50"])
    return out.getvalue().encode()


def _setup(
    engine: Engine, settings: Settings, host: PluginHost, factory: Factory
) -> tuple[ScopedClient, int, int, SimpleNamespace]:
    shop = factory.shop()
    category = factory.category()
    store = local_store(settings.data_dir)
    with Session(engine) as session:
        row = enable_plugin(session, host=host, shop_id=shop.id, plugin_id="tiny_import")
        session.commit()
        inst = InstallationRef.of(row)
        with written_files(store) as keys:
            staged = stage_chunks(store, [_file(ROWS)], limit=10**7, field="file")
            upload = save_upload(
                session,
                store,
                keys,
                shop_id=shop.id,
                staged=staged,
                filename="t.csv",
                retention_days=1,
            )
            session.commit()
            upload_id = upload.id or 0
    runtime = SimpleNamespace(settings=settings, host=host, read_engine=None, huey=None)
    client = ScopedClient(engine, inst, host=ClientHost.of_runtime(runtime))
    return client, upload_id, category.id or 0, runtime


def _products(engine: Engine, shop_id: int) -> tuple[int, int]:
    with Session(engine) as session:
        total = session.exec(
            select(func.count()).select_from(m.Product).where(m.Product.shop_id == shop_id)
        ).one()
        distinct = session.exec(
            select(func.count(func.distinct(m.Product.external_ref))).where(
                m.Product.shop_id == shop_id
            )
        ).one()
    return total, distinct


def _job(engine: Engine, job_id: int) -> m.Job:
    with Session(engine) as session:
        job = session.get(m.Job, job_id)
        assert job is not None
        return job


def test_a_killed_job_resumes_from_its_checkpoint_without_duplicates(
    engine: Engine, settings: Settings, host: PluginHost, factory: Factory
) -> None:
    client, file_id, category_id, runtime = _setup(engine, settings, host, factory)
    params: dict[str, Any] = {"file_id": file_id, "category_id": category_id, "chunk": 100}
    job_id = client.jobs.start("import", params).id
    tiny_import.KILL_AFTER["chunks"] = 7
    with pytest.raises(tiny_import.Killed):
        execute_job(engine, job_id, runtime=runtime)
    killed = _job(engine, job_id)
    assert killed.status == m.JobStatus.running
    assert killed.checkpoint["position"] == 700
    assert _products(engine, client.shop_id) == (698, 698)  # rows 5 and 600 refused
    assert killed.counts == {"created": 698, "failed": 2}
    tiny_import.KILL_AFTER.clear()
    assert execute_job(engine, job_id, runtime=runtime) == "succeeded"
    done = _job(engine, job_id)
    good = ROWS - len(BAD)
    assert _products(engine, client.shop_id) == (good, good)
    assert done.counts == {"created": good, "failed": len(BAD)}
    assert done.progress == ROWS
    info = client.jobs.get(job_id)
    assert info.status == "succeeded" and info.report_file_id is not None
    assert client.files.info(info.report_file_id).filename == f"import-未处理的行-{job_id}.csv"
    with client.files.open(info.report_file_id) as stream:
        report = stream.read().decode("utf-8-sig").splitlines()
    assert report[0] == "行,列,值,原因"
    assert report[1:] == [f"{n},price,x,价格不是数字" for n in sorted(BAD)]
    again = client.jobs.start("import", params).id
    assert execute_job(engine, again, runtime=runtime) == "succeeded"
    assert _job(engine, again).counts == {"unchanged": good, "failed": len(BAD)}


def test_cancel_takes_effect_between_chunks(
    engine: Engine, settings: Settings, host: PluginHost, factory: Factory
) -> None:
    client, file_id, category_id, runtime = _setup(engine, settings, host, factory)
    job_id = client.jobs.start(
        "import", {"file_id": file_id, "category_id": category_id, "chunk": 300}
    ).id
    with Session(engine) as session:
        job = session.get(m.Job, job_id)
        assert job is not None
        job.cancel_requested = True
        session.add(job)
        session.commit()
    assert execute_job(engine, job_id, runtime=runtime) == "cancelled"
    assert _job(engine, job_id).checkpoint["position"] == 300
    assert _products(engine, client.shop_id) == (299, 299)


def test_unknown_kind_and_foreign_job(
    engine: Engine, settings: Settings, host: PluginHost, factory: Factory
) -> None:
    from sdk.errors import ResourceNotFound

    client, _file_id, _category_id, _runtime = _setup(engine, settings, host, factory)
    with pytest.raises(ResourceNotFound):
        client.jobs.start("nope")
    with pytest.raises(ResourceNotFound):
        client.jobs.get(987_654)


def test_files_past_their_retention_are_purged_by_the_periodic_task(
    engine: Engine, settings: Settings, host: PluginHost, factory: Factory
) -> None:
    from datetime import timedelta

    from core.jobs import schedules
    from core.models.base import utcnow

    client, file_id, _category_id, _runtime = _setup(engine, settings, host, factory)
    result = client.files.write("r.csv", [b"a,b\n"], content_type="text/csv", retention_days=3)
    store = local_store(settings.data_dir)
    assert (
        schedules.purge_expired_files(engine, store, now=utcnow() + timedelta(days=2)) == 1
    )  # upload
    assert client.files.info(result.id).size == 4
    assert schedules.purge_expired_files(engine, store, now=utcnow() + timedelta(days=4)) == 1
    assert schedules.purge_expired_files(engine, store, now=utcnow() + timedelta(days=4)) == 0
    assert store.keys() == []
    from sdk.errors import ResourceNotFound

    with pytest.raises(ResourceNotFound):
        client.files.info(file_id)
