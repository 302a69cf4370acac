"""Batch products in the real console: the forms the host draws on the plugin's page, and
the bulk actions: their fields on the products list, the values checked by the host, the
job run by the worker through the plugin's scoped client, each row's result, and the
before-values kept for undo (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

import core.models as m
from core.files.service import local_store
from core.plugins.installations import enable_plugin
from core.settings import Settings
from tests.conftest import Factory
from tests.marketplace.console_helpers import run_queued
from tests.webtools import HTML, csrf_from, sign_in

PLUGIN = "batch_products"
JSON = {"accept": "application/json"}
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml, whatever directory pytest runs from."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


def _setup(app: FastAPI, client: TestClient, factory: Factory) -> tuple[m.Shop, list[m.Sku]]:
    owner = factory.account()
    shop = factory.shop(owner)
    skus = [factory.product(shop, price_fen=p, stock=5)[1] for p in (1000, 2550, 99)]
    with Session(app.state.engine) as session:
        enable_plugin(
            session,
            host=app.state.plugins,
            shop_id=shop.id,
            plugin_id=PLUGIN,
            granted_scopes=["shop:read", "products:read", "products:write"],
        )
        session.commit()
    sign_in(client, owner.email, "secret-pass")
    return shop, skus


def _post(client: TestClient, shop: m.Shop, action: str, ids: list[int], **fields: str):
    page = client.get(f"/console/shops/{shop.id}/products", headers=HTML).text
    data = {
        "action": f"{PLUGIN}:{action}",
        "area": "products",
        "ids": [str(i) for i in ids],
        **{f"p.{PLUGIN}:{action}.{k}": v for k, v in fields.items()},
    }
    return client.post(
        f"/console/shops/{shop.id}/actions",
        data=data,
        headers={**JSON, "x-csrf-token": csrf_from(page)},
    )


def _prices(app: FastAPI, skus: list[m.Sku]) -> list[int]:
    with Session(app.state.engine) as session:
        return [session.get(m.Sku, s.id).price_fen for s in skus]  # type: ignore[union-attr]


def test_the_products_list_shows_the_bulk_actions_with_their_fields(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop, _ = _setup(app, client, factory)
    page = client.get(
        f"/console/shops/{shop.id}/products", headers={**HTML, "accept-language": "zh-CN"}
    ).text
    assert "批量改价" in page and "批量下架" in page
    assert f'name="p.{PLUGIN}:price.mode" form="rows-form"' in page
    assert '<option value="percent">按百分比加减</option>' in page
    assert f'name="p.{PLUGIN}:price.round_9" form="rows-form"' in page


def test_price_rule_runs_as_a_job_per_row_and_keeps_the_before_values(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop, skus = _setup(app, client, factory)
    ids = [s.product_id for s in skus]
    response = _post(client, shop, "price", ids, mode="percent", value="-10", round_9="on")
    assert response.status_code == 202, response.text
    body = response.json()
    run_queued(app)
    progress = client.get(body["progress_url"], headers=JSON).json()
    assert progress["counts"] == {"succeeded": 3}, progress["rows"]
    assert _prices(app, skus) == [890, 2290, 90]
    rows = {r["row"]: r["message"] for r in progress["rows"]}
    assert rows[ids[0]] == f"SKU {skus[0].id} price: 10.00 -> 8.90"
    with Session(app.state.engine) as session:
        records = session.exec(
            select(m.PluginRecord).where(m.PluginRecord.shop_id == shop.id)
        ).all()
    keys = sorted((r.collection, r.key) for r in records)
    batch = f"a{body['job']['id']}"
    assert keys[0] == ("batch_changes", f"{batch}/{ids[0]:012d}")
    assert ("batches", batch) in keys
    kept = next(r for r in records if r.key == f"{batch}/{ids[1]:012d}").data["changes"]
    assert [(c["field"], c["before"], c["after"]) for c in kept] == [("price", 2550, 2290)]


def test_bad_values_are_refused_before_any_job_with_the_field_named(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop, skus = _setup(app, client, factory)
    ids = [skus[0].product_id]
    response = _post(client, shop, "price", ids, mode="percent", value="ten")
    assert response.status_code == 400
    assert response.json()["errors"]["action"] == "'Value' must be a number."
    response = _post(client, shop, "delete", ids)
    assert response.status_code == 400
    assert "Fill in 'Yes, delete them (this cannot be undone)' first." in response.text
    response = _post(client, shop, "price", ids, mode="double", value="1")
    assert response.status_code == 400
    with Session(app.state.engine) as session:
        assert session.exec(select(m.Job).where(col(m.Job.shop_id) == shop.id)).all() == []
    assert _prices(app, skus) == [1000, 2550, 99]


def test_a_row_the_rule_cannot_apply_to_fails_alone(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop, skus = _setup(app, client, factory)
    response = _post(client, shop, "price", [s.product_id for s in skus], mode="add", value="-5")
    body = response.json()
    run_queued(app)
    progress = client.get(body["progress_url"], headers=JSON).json()
    assert progress["counts"] == {"succeeded": 2, "failed": 1}
    assert _prices(app, skus) == [500, 2050, 99]
    failed = [r for r in progress["rows"] if not r["ok"]]
    assert failed[0]["row"] == skus[2].product_id
    assert "The rule would make the price negative." in failed[0]["message"]


def test_the_plugins_page_has_the_export_form_drawn_by_the_host(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop, _ = _setup(app, client, factory)
    page = client.get(
        f"/apps/{PLUGIN}/shops/{shop.id}", headers={**HTML, "accept-language": "zh-CN"}
    )
    assert page.status_code == 200
    html = page.text
    action = f'action="/apps/{PLUGIN}/shops/{shop.id}/export"'
    assert f'<form method="post" {action} class="card plugin-form row">' in html
    form = html.split(action, 1)[1].split("</form>", 1)[0]
    assert 'name="csrf_token"' in form
    assert '<option value="xlsx">Excel（.xlsx）</option>' in form  # noqa: RUF001
    assert 'name="title_contains"' in form and ">导出</button>" in form
    assert "还没有批次。" in html


def test_an_edited_sheet_uploaded_on_the_page_starts_its_preview(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop, _ = _setup(app, client, factory)
    page = client.get(f"/apps/{PLUGIN}/shops/{shop.id}", headers=HTML).text
    action = f'action="/apps/{PLUGIN}/shops/{shop.id}/reimport"'
    assert f'{action} class="card plugin-form row" enctype="multipart/form-data">' in page
    sheet = b"Product ID,SKU ID,Price (yuan)\n1,1,10.00\n"
    response = client.post(
        f"/apps/{PLUGIN}/shops/{shop.id}/reimport",
        data={"csrf_token": csrf_from(page)},
        files={"file_id": ("edited.csv", sheet, "text/csv")},
        headers=HTML,
    )
    assert response.status_code == 200, response.text
    assert "Started: job #" in response.text
    with Session(app.state.engine) as session:
        stored = session.exec(select(m.StoredFile).where(m.StoredFile.shop_id == shop.id)).all()
        jobs = session.exec(select(m.Job).where(m.Job.shop_id == shop.id)).all()
    assert [(f.filename, f.purpose.value, f.content_type) for f in stored] == [
        ("edited.csv", "upload", "text/csv")
    ]
    assert [j.params.get("params", j.params).get("file_id") for j in jobs] == [stored[0].id]
    refused = client.post(
        f"/apps/{PLUGIN}/shops/{shop.id}/reimport",
        data={"csrf_token": csrf_from(page)},
        files={"file_id": ("edited.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "text/csv")},
        headers=HTML,
    )
    assert refused.status_code == 415, refused.text


def _job_from(html: str) -> int:
    return int(html.split("/jobs/")[1].split('"')[0])


def test_export_edit_reimport_apply_and_undo_in_the_console(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop, skus = _setup(app, client, factory)
    base = f"/apps/{PLUGIN}/shops/{shop.id}"
    token = csrf_from(client.get(base, headers=HTML).text)
    started = client.post(
        f"{base}/export", data={"csrf_token": token, "format": "csv"}, headers=HTML
    )
    assert started.status_code == 200, started.text
    export_job = _job_from(started.text)
    run_queued(app)
    with Session(app.state.engine) as session:
        job = session.get(m.Job, export_job)
        assert job is not None and job.status == m.JobStatus.succeeded, job and job.message
        result = session.exec(
            select(m.StoredFile).where(m.StoredFile.purpose == m.FilePurpose.result)
        ).one()
    with local_store(app.state.settings.data_dir).open(result.storage_key) as stored:
        text = stored.read().decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) == 4 and lines[0].startswith("Product ID,External ref,Title")
    edited = lines[0] + "\n" + lines[2].replace(",25.50,", ",19.90,") + "\n"
    upload = client.post(
        f"{base}/reimport",
        data={"csrf_token": token},
        files={"file_id": ("edited.csv", edited.encode(), "text/csv")},
        headers=HTML,
    )
    preview_job = _job_from(upload.text)
    run_queued(app)
    batch = client.get(f"{base}/batches/s{preview_job}", headers=HTML).text
    assert "<td>¥25.50</td><td><strong>¥19.90</strong></td>" in batch
    assert batch.count("<tr>") == 2  # the header and the one change
    client.post(f"{base}/batches/s{preview_job}/apply", data={"csrf_token": token}, headers=HTML)
    run_queued(app)
    assert _prices(app, skus) == [1000, 1990, 99]
    client.post(f"{base}/batches/s{preview_job}/undo", data={"csrf_token": token}, headers=HTML)
    run_queued(app)
    assert _prices(app, skus) == [1000, 2550, 99]
    assert "undone" in client.get(f"{base}/batches/s{preview_job}", headers=HTML).text
