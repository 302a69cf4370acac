"""The ``print_labels`` job through the real host and the carrier simulator (its own
process): a worker killed mid-way through 2,000 labels resumes without fetching any
waybill twice and prints every label once; orders the carrier refuses are named in the
report, the rest print, and nothing ships without a waybill."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, func, select

import core.models as m
import plugins.label_printing.printing_job as printing_job
from core.files.backends import file_store_for
from core.jobs.plugin_jobs import installation_client
from core.jobs.queue import create_huey
from core.jobs.runner import execute_job
from core.jobs.tasks import enqueue
from core.plugins.client import ScopedClient
from core.services import carrier_accounts
from core.settings import Settings
from tests.carriers.orders import paid_orders
from tests.conftest import Factory
from tests.plugins.test_sandbox_express import ACCOUNT, SECRET, SENDER, start_simulator
from tests.plugins_host.conftest import enable

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml (label printing and Sandbox Express loaded)."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


@pytest.fixture
def simulator(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    proc, url = start_simulator("--balance", "100000", *getattr(request, "param", ()))
    monkeypatch.setenv("SANDBOX_EXPRESS_URL", url)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


class PrintingShop:
    """A shop with label printing enabled, a bound Sandbox Express account, paid orders."""

    def __init__(self, app: FastAPI, engine: Engine, factory: Factory) -> None:
        self.engine = engine
        self.runtime = app.state.runtime
        self.shop = factory.shop()
        self.shop_id = self.shop.id or 0
        enable(engine, app.state.plugins, self.shop, "sandbox_express")
        installation_id = enable(engine, app.state.plugins, self.shop, "label_printing")
        self.client: ScopedClient = installation_client(engine, installation_id, self.runtime)[0]
        with Session(engine) as session:
            account = carrier_accounts.bind_account(
                session,
                shop_id=self.shop_id,
                carrier_code="SANDBOX",
                account_no=ACCOUNT,
                secret=SECRET,
                sender=carrier_accounts.Address.model_validate(SENDER),
            )
            session.commit()
            self.account_id = account.id or 0
        self.buyer = factory.account()
        self.product, self.sku = factory.product(self.shop, price_fen=1500)

    def paid_orders(self, n: int) -> list[int]:
        """``n`` paid orders to ship, made in one transaction."""
        return paid_orders(
            self.engine,
            shop_id=self.shop_id,
            buyer_id=self.buyer.id or 0,
            product_id=self.product.id or 0,
            sku_id=self.sku.id or 0,
            n=n,
        )

    def start(self, order_ids: list[int], **params: Any) -> int:
        params = {"item_ids": order_ids, "account_id": self.account_id, **params}
        return self.client.jobs.start(printing_job.CODE, params).id

    def file_bytes(self, file_id: int) -> bytes:
        """A stored file's bytes, as the merchant downloads them."""
        with Session(self.engine) as session:
            row = session.get(m.StoredFile, file_id)
            assert row is not None and row.shop_id == self.shop_id
        with file_store_for(self.runtime.settings).open(row.storage_key) as stream:
            return bytes(stream.read())

    def count(self, model: Any, *where: Any) -> int:
        with Session(self.engine) as session:
            query = select(func.count()).select_from(model).where(model.shop_id == self.shop_id)
            return int(session.exec(query.where(*where)).one())


@pytest.fixture
def shop(app: FastAPI, engine: Engine, factory: Factory, simulator: str) -> PrintingShop:
    return PrintingShop(app, engine, factory)


def _stats(simulator: str) -> dict[str, Any]:
    return httpx.get(simulator + "/v1/_stats").json()


class Killed(BaseException):
    """The worker process dying: not an error the job could catch or record."""


def test_a_worker_killed_mid_way_through_2000_labels_fetches_no_waybill_twice(
    shop: PrintingShop, simulator: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = shop.paid_orders(2_000)
    job_id = shop.start(ids, format="pdf", mark_shipped=True)
    real = printing_job.issue_chunk
    chunks = 0

    def dying(*args: Any, **kwargs: Any) -> None:
        nonlocal chunks
        chunks += 1
        real(*args, **kwargs)  # the carrier has answered, the chunk is not yet committed
        if chunks == 11:
            raise Killed

    monkeypatch.setattr(printing_job, "issue_chunk", dying)
    with pytest.raises(Killed):
        execute_job(shop.engine, job_id, runtime=shop.runtime)
    # ten chunks committed; the eleventh's numbers were issued at the carrier, not recorded
    assert _stats(simulator)["issued"] == 1_100
    assert shop.count(m.Waybill) == 1_000
    assert shop.count(m.Order, m.Order.status == m.OrderStatus.shipped) == 1_000

    monkeypatch.setattr(printing_job, "issue_chunk", real)
    assert execute_job(shop.engine, job_id, runtime=shop.runtime) == "succeeded"
    assert _stats(simulator)["issued"] == 2_000  # the carrier gave each order one number
    with Session(shop.engine) as session:
        waybills = {w.order_id: w.waybill_no for w in session.exec(select(m.Waybill))}
        shipments = list(session.exec(select(m.Shipment).where(col(m.Shipment.order_id).in_(ids))))
    assert len(waybills) == 2_000 and sorted(waybills) == sorted(ids)
    assert sorted(s.order_id for s in shipments) == sorted(ids)  # one shipment per order
    assert all(s.waybill_no == waybills[s.order_id] for s in shipments)

    info = shop.client.jobs.get(job_id)
    assert info.counts == {"printed": 2_000, "shipped": 2_000}
    assert info.progress == 2_000 and info.result_file_id is not None
    document = PdfReader(io.BytesIO(shop.file_bytes(info.result_file_id)))
    assert len(document.pages) == 2_000  # every label once
    for page_number in (0, 1_050, 1_999):
        order_id = ids[page_number]
        text = document.pages[page_number].extract_text()
        assert waybills[order_id] in text and f"王小明{page_number}" in text


def test_refused_orders_are_named_the_rest_print_and_only_they_ship(
    shop: PrintingShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = shop.paid_orders(250)
    refused = [ids[3], ids[140], ids[249]]
    proc, url = start_simulator("--refuse-orders", ",".join(map(str, refused)))  # balance 1000
    monkeypatch.setenv("SANDBOX_EXPRESS_URL", url)  # a carrier that does not serve them
    try:
        job_id = shop.start(ids, format="zpl", mark_shipped=True)
        assert execute_job(shop.engine, job_id, runtime=shop.runtime) == "succeeded"
        assert _stats(url)["issued"] == 247
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    info = shop.client.jobs.get(job_id)
    assert info.counts == {"printed": 247, "shipped": 247, "failed": 3}
    assert info.message == "247 张面单，3 单未打印"  # noqa: RUF001 (Chinese punctuation)
    assert info.report_file_id is not None
    report = shop.file_bytes(info.report_file_id).decode("utf-8-sig").splitlines()
    named = [line.split(",") for line in report[1:]]
    assert [int(cells[2]) for cells in named] == refused  # the value column is the order
    assert all("does not serve this address" in line for line in report[1:])
    zpl = shop.file_bytes(info.result_file_id or 0).decode()
    assert zpl.count("^XA") == 247
    with Session(shop.engine) as session:
        statuses = {o.id: o.status for o in session.exec(select(m.Order))}
        shipped_without = session.exec(
            select(m.Shipment).where(col(m.Shipment.order_id).in_(refused))
        ).all()
    assert all(statuses[o] == m.OrderStatus.paid for o in refused)
    assert not shipped_without  # nothing ships without a waybill
    assert sum(s == m.OrderStatus.shipped for s in statuses.values()) == 247


def test_printing_the_same_orders_again_reuses_every_number(
    shop: PrintingShop, simulator: str
) -> None:
    ids = shop.paid_orders(30)
    first = shop.start(ids, format="pdf")
    assert execute_job(shop.engine, first, runtime=shop.runtime) == "succeeded"
    again = shop.start(list(reversed(ids)), format="pdf")
    assert execute_job(shop.engine, again, runtime=shop.runtime) == "succeeded"
    assert _stats(simulator)["issued"] == 30
    assert shop.count(m.Waybill) == 30
    assert shop.count(m.Order, m.Order.status == m.OrderStatus.paid) == 30  # not asked to ship
    assert shop.client.jobs.get(again).counts == {"printed": 30}


def test_all_paid_orders_awaiting_shipment_are_printed_once(
    shop: PrintingShop, simulator: str, factory: Factory
) -> None:
    ids = shop.paid_orders(5)
    factory.order(shop.shop, status=m.OrderStatus.pending_payment)
    job_id = shop.start([], all_paid=True, mark_shipped=True)
    assert execute_job(shop.engine, job_id, runtime=shop.runtime) == "succeeded"
    info = shop.client.jobs.get(job_id)
    assert info.total == 5 and info.counts == {"printed": 5, "shipped": 5}
    with Session(shop.engine) as session:
        shipped = session.exec(select(m.Shipment.order_id)).all()
    assert sorted(shipped) == ids


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = "from core.cli import app; app()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _job_row(engine: Engine, job_id: int) -> m.Job:
    """The job's row; while the worker writes, SQLite may answer "locked": ask again."""
    for _ in range(100):
        try:
            with Session(engine) as session:
                job = session.get(m.Job, job_id)
                assert job is not None
                return job
        except OperationalError:
            time.sleep(0.1)
    raise AssertionError("the job's row stayed locked")


#: the restarted worker's ``job_stale_after_s``: the killed worker's job is re-queued this soon
STALE_AFTER_S = 2.0


@pytest.mark.slow
def test_a_real_worker_sigkilled_mid_print_resumes_without_a_second_number(
    shop: PrintingShop, simulator: str, settings: Settings
) -> None:
    ids = shop.paid_orders(2_000)
    job_id = shop.start(ids, format="zpl", mark_shipped=True)
    huey = create_huey(settings)
    env = {
        **os.environ,
        "TANZI_DATABASE_URL": settings.database_url,
        "TANZI_DATA_DIR": str(settings.data_dir),
        "TANZI_QUEUE_URL": settings.queue_url,
        "TANZI_PLUGINS_FILE": str(ROOT / "plugins.toml"),
        "TANZI_SECRET_KEY": settings.secret_key,
        "SANDBOX_EXPRESS_URL": simulator,
    }
    enqueue(huey, "run_job", job_id)
    worker = _worker(env)
    try:
        deadline = time.monotonic() + 120
        # killed right after its first chunk commits (100 orders), well before the last
        while _job_row(shop.engine, job_id).progress < 100 and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        killed = _job_row(shop.engine, job_id)
        # killed while running: mid-chunks, or (the kill lands late on a loaded machine)
        # while the last stage reads the waybills back and renders the file
        assert killed.status == m.JobStatus.running and 0 < killed.progress <= 2_000
        # nobody queues it again by hand: once its heartbeat is stale, the new worker's
        # startup sweep re-queues it
        time.sleep(STALE_AFTER_S + 0.5)
        worker = _worker({**env, "TANZI_JOB_STALE_AFTER_S": str(STALE_AFTER_S)})
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if _job_row(shop.engine, job_id).status not in (
                m.JobStatus.running,
                m.JobStatus.queued,
            ):
                break
            time.sleep(0.2)
    finally:
        worker.kill()
        worker.wait()
    done = _job_row(shop.engine, job_id)
    assert done.status == m.JobStatus.succeeded, done.message
    assert _stats(simulator)["issued"] == 2_000  # no order was given a second number
    assert shop.count(m.Waybill) == 2_000
    assert shop.count(m.Shipment) == 2_000
    info = shop.client.jobs.get(job_id)
    assert info.counts == {"printed": 2_000, "shipped": 2_000}
    labels = shop.file_bytes(info.result_file_id or 0).decode()
    numbers = re.findall(r"SBX\d{10}", labels)
    assert labels.count("^XA") == 2_000
    assert len(set(numbers)) == 2_000  # every label once
