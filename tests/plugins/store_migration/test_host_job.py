"""The migrate job through the real host (SQLite and PostgreSQL): the file stored through
the client, the job run by the host's runner with its chunk checkpoints, a second run all
"unchanged", and a worker killed mid-import resuming without duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

import core.models as m
from core.jobs.plugin_jobs import installation_client
from core.jobs.runner import execute_job
from core.settings import Settings
from plugins.store_migration.migrate import choose_category
from plugins.store_migration.routes import start_import
from tests.conftest import Factory
from tests.plugins.store_migration.shopify_sample import HEADER, ROWS, shopify_csv
from tests.plugins_host.conftest import enable

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml, whatever directory pytest runs from."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


class Shop:
    """A shop with store migration enabled (no image downloads) and its scoped client."""

    def __init__(self, app: FastAPI, engine: Engine, factory: Factory) -> None:
        self.engine = engine
        self.runtime = app.state.runtime
        self.shop = factory.shop()
        self.clothing = factory.category(name="服饰 Clothing")
        self.kitchen = factory.category(name="Kitchen")
        installation_id = enable(
            engine, app.state.plugins, self.shop, "store_migration",
            settings={"fetch_images": False},
        )  # fmt: skip
        self.client, _ = installation_client(engine, installation_id, self.runtime)

    def start(self, data: bytes, **params: Any) -> int:
        upload = self.client.files.write("products.csv", [data], content_type="text/csv")
        job = self.client.jobs.start(
            "migrate", {"file_id": upload.id, "format": "shopify_csv", **params}
        )
        return job.id

    def count(self, model: Any) -> int:
        with Session(self.engine) as session:
            return int(
                session.exec(
                    select(func.count()).select_from(model).where(model.shop_id == self.shop.id)
                ).one()
            )


@pytest.fixture
def shop(app: FastAPI, engine: Engine, factory: Factory) -> Shop:
    return Shop(app, engine, factory)


def test_import_through_the_host_then_again_unchanged(shop: Shop) -> None:
    choose_category(shop.client, "Home & Garden > Kitchen", shop.kitchen.id)
    first = shop.start(shopify_csv().encode())
    assert execute_job(shop.engine, first, runtime=shop.runtime) == "succeeded"
    info = shop.client.jobs.get(first)
    assert info.counts.get("created") == 2 and not info.counts.get("failed")
    assert (shop.count(m.Product), shop.count(m.Sku)) == (2, 4)

    again = shop.start(shopify_csv().encode())
    assert execute_job(shop.engine, again, runtime=shop.runtime) == "succeeded"
    counts = shop.client.jobs.get(again).counts
    assert counts.get("unchanged") == 2 and not counts.get("created") and not counts.get("updated")
    assert (shop.count(m.Product), shop.count(m.Sku)) == (2, 4)


@pytest.mark.parametrize("n", [2_000, pytest.param(20_000, marks=pytest.mark.slow)])
def test_a_killed_worker_resumes_from_its_checkpoint(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    lines = [HEADER] + [
        f"p{i},Product {i},,,Clothing,,,TRUE,Size,M,,,,,P{i}-M,100,,3,,,{i}.50,,,,,,,,,,,,g,active,,"
        for i in range(n)
    ]
    job_id = shop.start(("\r\n".join(lines) + "\r\n").encode(), chunk=250)

    import plugins.store_migration.migrate as migrate

    real = migrate._import_chunk
    chunks = 0
    dies_in = n // 500 + 1  # the chunk after half the file

    class Killed(BaseException):
        """The worker process dying (not an error the job could catch)."""

    def dying(*args: Any, **kwargs: Any) -> None:
        nonlocal chunks
        chunks += 1
        if chunks == dies_in:
            raise Killed
        real(*args, **kwargs)

    monkeypatch.setattr(migrate, "_import_chunk", dying)
    with pytest.raises(Killed):
        execute_job(shop.engine, job_id, runtime=shop.runtime)
    assert shop.count(m.Product) == n // 2  # the chunks before committed, that one not

    monkeypatch.setattr(migrate, "_import_chunk", real)
    assert execute_job(shop.engine, job_id, runtime=shop.runtime) == "succeeded"
    assert (shop.count(m.Product), shop.count(m.Sku)) == (n, n)
    with Session(shop.engine) as session:
        refs = session.exec(
            select(func.count(func.distinct(m.Product.external_ref))).where(
                m.Product.shop_id == shop.shop.id
            )
        ).one()
    assert refs == n
    assert shop.client.jobs.get(job_id).counts.get("created") == n


@pytest.mark.parametrize(
    ("language", "header", "reason"),
    [
        ("zh-CN", "行,列,值,原因", "价格不能为负数"),
        ("en", "Row,Column,Value,Reason", "The price is negative"),
    ],
)
def test_the_report_is_in_the_language_the_job_was_started_in(
    shop: Shop, language: str, header: str, reason: str
) -> None:
    choose_category(shop.client, "Home & Garden > Kitchen", shop.kitchen.id)
    negative = (
        "neg,Negative,,,,Clothing,,TRUE,Title,Default Title,,,,,NEG-1,0,,1,,,-5.00,"
        ",,,,,,,,,,,g,active,,"
    )
    data = shopify_csv(rows=(*ROWS, negative)).encode()
    upload = shop.client.files.write("products.csv", [data], content_type="text/csv")
    # the route a page calls, with the language the host hands the page
    started = start_import(
        shop.client, {"file_id": upload.id, "format": "shopify_csv"}, language=language
    )
    assert execute_job(shop.engine, started["id"], runtime=shop.runtime) == "succeeded"
    info = shop.client.jobs.get(started["id"])
    assert info.counts.get("failed") == 1 and info.report_file_id is not None
    with shop.client.files.open(info.report_file_id) as stream:
        report = stream.read().decode("utf-8-sig").splitlines()
    assert report[0] == header
    [row] = [line for line in report[1:] if "Variant Price" in line]
    assert row.endswith(reason)
