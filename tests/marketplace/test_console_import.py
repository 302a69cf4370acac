"""The import page, with a tiny test importer: upload, detected format and encoding,
the first rows, a dry run that changes nothing, the import with counts, the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

import core.models as m
from core.jobs.runner import execute_job
from core.plugins.installations import enable_plugin
from core.settings import Settings
from marketplace.app import create_app
from tests.conftest import Factory
from tests.webtools import sign_in


def _gbk(category_id: int) -> bytes:
    rows = ["ref;title;price;category", "A1;龙井茶;12.50;{c}", "A2;白茶;x;{c}", "A3;红茶;30;{c}"]
    return "\n".join(rows).format(c=category_id).encode("gb18030")


@pytest.fixture
def app(settings: Settings, engine: object, tmp_path: Path) -> FastAPI:
    settings = settings.model_copy(update={"plugins_file": _plugins_toml(tmp_path)})
    return create_app(settings, engine=engine)  # type: ignore[arg-type]


def _plugins_toml(tmp_path: Path) -> Path:
    path = tmp_path / "plugins.toml"
    path.write_text('[plugins]\nload = ["tests.plugins_host.sample_plugins.tiny_import"]\n')
    return path


def _count(app: FastAPI, shop_id: int) -> int:
    with Session(app.state.engine) as session:
        return session.exec(
            select(func.count()).select_from(m.Product).where(m.Product.shop_id == shop_id)
        ).one()


def test_import_flow(app: FastAPI, factory: Factory) -> None:
    owner = factory.account(password="secret-pass")
    shop = factory.shop(owner)
    category = factory.category()
    with Session(app.state.engine) as session:
        enable_plugin(session, host=app.state.plugins, shop_id=shop.id, plugin_id="tiny_import")
        session.commit()
    browser = TestClient(app)
    sign_in(browser, owner.email, "secret-pass")
    base = f"/console/shops/{shop.id}/import"
    page = browser.get(base, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "Tiny ref;title;price" in page.text
    token = page.text.split('data-csrf="', 1)[1].split('"', 1)[0]
    refused = browser.post(
        f"{base}/upload?filename=x.csv", content=b"%PDF-1.7 nope", headers={"X-CSRF-Token": token}
    )
    assert refused.status_code == 415
    uploaded = browser.post(
        f"{base}/upload?filename=茶.csv",
        content=_gbk(category.id or 0),
        headers={"X-CSRF-Token": token},
    )
    assert uploaded.status_code == 201, uploaded.text
    preview_url = uploaded.json()["url"]
    preview = browser.get(preview_url, headers={"Accept-Language": "en"})
    assert preview.status_code == 200
    assert "GBK / GB18030" in preview.text and "龙井茶" in preview.text
    assert "The price is not a number." in preview.text
    file_id = int(preview_url.rsplit("/", 1)[1])
    run = f"{base}/files/{file_id}/run"
    form = {"csrf_token": token, "format": "tiny_import:tiny", "encoding": "gb18030"}
    dry = browser.post(run, data={**form, "dry_run": "1"}, follow_redirects=False)
    assert dry.status_code == 303
    dry_id = int(dry.headers["location"].rsplit("/", 1)[1])
    assert execute_job(app.state.engine, dry_id, runtime=app.state.runtime) == "succeeded"
    assert _count(app, shop.id) == 0
    progress = browser.get(f"{base}/jobs/{dry_id}/progress").json()
    assert progress["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "failed": 1}
    real = browser.post(
        run,
        data={**form, "dry_run": "0"},
        headers={"Accept-Language": "zh-CN"},  # the report is in the merchant's language
        follow_redirects=False,
    )
    real_id = int(real.headers["location"].rsplit("/", 1)[1])
    assert execute_job(app.state.engine, real_id, runtime=app.state.runtime) == "succeeded"
    assert _count(app, shop.id) == 2
    page = browser.get(f"{base}/jobs/{real_id}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and 'data-count="created">2<' in page.text
    report = browser.get(f"{base}/jobs/{real_id}/report", follow_redirects=True)
    assert report.status_code == 200
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines == ["行,列,值,原因", "2,price,x,价格不是数字"]
