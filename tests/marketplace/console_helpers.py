"""Fixtures and helpers for the merchant console's tests: an app whose plugin host loads the
console's sample plugin, signing members in, enabling the plugin, and running queued jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

import core.models as m
from core.plugins.installations import enable_plugin
from core.settings import Settings
from tests.webtools import sign_in

PLUGIN = "label_printer"
PLUGIN_MODULE = "tests.marketplace.sample_plugins.label_printer"
ALL_SCOPES = ["orders:read", "orders:pii", "products:read", "members:read"]


def plugins_toml(directory: Path) -> Path:
    path = directory / "plugins.toml"
    path.write_text(f'[plugins]\nload = ["{PLUGIN_MODULE}"]\nentry_points = false\n')
    return path


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The suite's settings, with a plugins file that loads the sample plugin."""
    return Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret-key",
        plugins_file=plugins_toml(tmp_path),
    )


def signed_in(client: TestClient, account: m.Account) -> TestClient:
    sign_in(client, account.email, "secret-pass")
    return client


def enable(app: FastAPI, shop: m.Shop, scopes: list[str] | None = None) -> int:
    """Install the sample plugin in ``shop`` with ``scopes`` (all it asks for by default)."""
    with Session(app.state.engine) as session:
        row = enable_plugin(
            session,
            host=app.state.plugins,
            shop_id=shop.id,
            plugin_id=PLUGIN,
            granted_scopes=ALL_SCOPES if scopes is None else scopes,
        )
        session.commit()
        assert row.id is not None
        return row.id


def run_queued(app: FastAPI) -> list[Any]:
    """Run every task the app enqueued, in this process, as the worker would."""
    huey = app.state.runtime.huey
    ran = []
    while (task := huey.dequeue()) is not None:
        ran.append(huey.execute(task))
    return ran
