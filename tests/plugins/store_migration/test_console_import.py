"""The console's import page with the store migration service: a Shopify export saved by
Excel in GBK lands in the shop's own categories (the importer's ``prepare`` hands ``parse``
the category tree and the merchant's mapping choices), through the preview and the job."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

import core.models as m
from core.jobs.runner import execute_job
from core.plugins.installations import enable_plugin
from core.settings import Settings
from marketplace.app import create_app
from tests.conftest import Factory
from tests.plugins.store_migration.shopify_sample import shopify_csv
from tests.webtools import sign_in


@pytest.fixture
def app(settings: Settings, engine: object, tmp_path: Path) -> FastAPI:
    plugins = tmp_path / "plugins.toml"
    plugins.write_text('[plugins]\nload = ["plugins.store_migration"]\n')
    settings = settings.model_copy(update={"plugins_file": plugins})
    return create_app(settings, engine=engine)  # type: ignore[arg-type]


def test_a_shopify_export_in_gbk_lands_in_the_shops_categories(
    app: FastAPI, factory: Factory
) -> None:
    owner = factory.account(password="secret-pass")
    shop = factory.shop(owner)
    clothing = factory.category(name="服饰 Clothing")
    kitchen = factory.category(name="Kitchen")
    with Session(app.state.engine) as session:
        enable_plugin(session, host=app.state.plugins, shop_id=shop.id, plugin_id="store_migration")
        session.commit()
    browser = TestClient(app)
    sign_in(browser, owner.email, "secret-pass")
    base = f"/console/shops/{shop.id}/import"
    page = browser.get(base)
    token = page.text.split('data-csrf="', 1)[1].split('"', 1)[0]
    uploaded = browser.post(
        f"{base}/upload?filename=products_export.csv",
        content=shopify_csv().encode("gb18030"),
        headers={"X-CSRF-Token": token},
    )
    assert uploaded.status_code == 201, uploaded.text
    preview_url = uploaded.json()["url"]
    preview = browser.get(preview_url, headers={"Accept-Language": "en"})
    assert preview.status_code == 200
    assert "经典T恤 Classic tee" in preview.text
    assert "missing_category" not in preview.text

    file_id = int(preview_url.rsplit("/", 1)[1])
    form = {"csrf_token": token, "format": "store_migration:shopify_csv", "dry_run": "0"}
    started = browser.post(f"{base}/files/{file_id}/run", data=form, follow_redirects=False)
    assert started.status_code == 303, started.text
    job_id = int(started.headers["location"].rsplit("/", 1)[1])
    assert execute_job(app.state.engine, job_id, runtime=app.state.runtime) == "succeeded"
    progress = browser.get(f"{base}/jobs/{job_id}/progress").json()
    assert progress["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    with Session(app.state.engine) as session:
        products = session.exec(select(m.Product).where(m.Product.shop_id == shop.id)).all()
    assert sorted((p.external_ref, p.category_id) for p in products) == [
        ("mug-blue", kitchen.id),
        ("tee-classic", clothing.id),
    ]
