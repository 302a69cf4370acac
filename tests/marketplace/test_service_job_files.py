"""A service job's result file through the host: a member with the job kind's scope gets
a short-lived signed link; another shop's member and a foreign job get nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

import core.models as m
from core.jobs.plugin_jobs import PLUGIN_JOB
from core.jobs.runner import create_job
from core.models.files import FilePurpose
from core.settings import Settings
from marketplace.app import create_app
from tests.conftest import Factory
from tests.webtools import sign_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(settings: Settings, engine: object) -> FastAPI:
    settings = settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})
    return create_app(settings, engine=engine)  # type: ignore[arg-type]


def _export_job(app: FastAPI, shop_id: int) -> int:
    with Session(app.state.engine) as session:
        file = m.StoredFile(
            shop_id=shop_id, purpose=FilePurpose.result, storage_key=f"shops/{shop_id}/x.csv",
            content_type="text/csv", size=3, sha256="0" * 64, filename="products.csv",
        )  # fmt: skip
        session.add(file)
        session.flush()
        job = create_job(
            session,
            kind=PLUGIN_JOB,
            shop_id=shop_id,
            params={"plugin_id": "batch_products", "code": "export", "params": {}},
        )
        job.checkpoint = {"result_file_id": file.id}
        session.commit()
        assert job.id is not None
        return job.id


def test_the_result_is_served_only_to_the_shops_members(app: FastAPI, factory: Factory) -> None:
    owner = factory.account(password="secret-pass")
    shop = factory.shop(owner)
    job_id = _export_job(app, shop.id)
    browser = TestClient(app)
    sign_in(browser, owner.email, "secret-pass")
    url = f"/console/shops/{shop.id}/service-jobs/{job_id}"
    answer = browser.get(f"{url}/result", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/api/v1/files/signed/")
    assert browser.get(f"{url}/report", follow_redirects=False).status_code == 404  # none
    assert browser.get(f"{url}/anything", follow_redirects=False).status_code == 404

    stranger = factory.account(password="secret-pass")
    other = factory.shop(stranger)
    outsider = TestClient(app)
    sign_in(outsider, stranger.email, "secret-pass")
    refused = outsider.get(f"{url}/result", follow_redirects=False)
    assert refused.status_code in (403, 404)
    foreign = outsider.get(
        f"/console/shops/{other.id}/service-jobs/{job_id}/result", follow_redirects=False
    )
    assert foreign.status_code == 404  # the job is not of that shop
