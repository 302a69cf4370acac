"""Schemathesis over the whole open API with a merchant's token: no operation answers 5xx.

Each operation gets about 30 generated requests (valid and invalid ones) against the ASGI
app, on a database holding what a demo merchant has: a shop, a category, products with
SKUs and a paid order. ``shop_id`` is always the merchant's shop, so shop routes get past
the tenant guard and reach their handlers; other ids are aimed at the rows that exist in
half of the cases (even generated values), and left as generated in the other half.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from sqlalchemy import text
from sqlmodel import SQLModel

from core.db import create_db_engine
from core.settings import Settings
from marketplace.app import create_app
from tests.conftest import ON_POSTGRES, Factory

EXAMPLES_PER_OPERATION = 30


@dataclass
class FuzzTarget:
    app: FastAPI
    headers: dict[str, str]
    ids: dict[str, int]


@pytest.fixture(scope="module")
def target(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[FuzzTarget]:
    """One app and database for the whole run (a fresh one per operation would spend
    most of the run building them). Rate limiting is off: thousands of requests come
    from one token on purpose."""
    data_dir = tmp_path_factory.mktemp("fuzz")
    if ON_POSTGRES:
        database_url = request.getfixturevalue("postgres_url")
    else:
        database_url = f"sqlite:///{data_dir / 'tanzi.db'}"
    settings = Settings(
        env="test",
        data_dir=data_dir,
        database_url=database_url,
        secret_key="test-secret-key",
        rate_limit_enabled=False,
    )
    engine = create_db_engine(settings)
    SQLModel.metadata.create_all(engine)
    if ON_POSTGRES:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    factory = Factory(engine)
    owner = factory.account()
    shop = factory.shop(owner)
    product, sku = factory.product(shop)
    order, _ = factory.order(shop)
    ids = {"shop_id": shop.id, "product_id": product.id, "sku_id": sku.id, "order_id": order.id}
    yield FuzzTarget(create_app(settings, engine=engine), factory.headers(owner), ids)
    engine.dispose()


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document; building it touches no database.

    The schema is loaded once at collection (``schemathesis.pytest.from_fixture`` does not
    work with this pytest), and each case is sent to the test's own app.
    """
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            env="test", data_dir=Path(data_dir), database_url="sqlite://", secret_key="x" * 32
        )
        return create_app(settings).openapi()


schema = schemathesis.openapi.from_dict(openapi_document())


def aim_at_existing_rows(case: Case, ids: dict[str, int]) -> None:
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        if name == "shop_id" or (name in ids and isinstance(value, int) and value % 2 == 0):
            params[name] = ids[name]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case: Case, target: FuzzTarget) -> None:
    aim_at_existing_rows(case, target.ids)
    response = case.call(app=target.app, headers=target.headers)
    case.validate_response(response, checks=[not_a_server_error])
