"""Shared fixtures: a fresh database per test (SQLite, or PostgreSQL when asked), the app,
a client, and a factory that makes rows directly so tests of one area need no other's service.

Set ``TANZI_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test`` to run on PostgreSQL.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

import core.models as m
from core.db import create_db_engine
from core.models.base import utcnow
from core.security import hash_password, new_token, token_hash
from core.settings import Settings
from marketplace.app import create_app


def _redis_database_per_xdist_worker() -> None:
    """Under pytest-xdist (``make test`` runs ``-n 2``) each worker process gets a Redis
    database of its own (15, 14, 12, ...; 13 is the rate-limit tests'), so one worker's
    Huey queue or ``flushdb`` never touches the other's. Runs before any test module reads
    ``TANZI_TEST_REDIS_URL``."""
    url = os.environ.get("TANZI_TEST_REDIS_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ...
    if not url or not worker.startswith("gw"):
        return
    base, first = url.rsplit("/", 1)
    free = [db for db in range(int(first), -1, -1) if db != 13]
    os.environ["TANZI_TEST_REDIS_URL"] = f"{base}/{free[int(worker[2:])]}"


_redis_database_per_xdist_worker()
TEST_DATABASE_URL = os.environ.get("TANZI_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
_pg_schema_ready = False


def pytest_report_header() -> str:
    return f"tanzi database: {'PostgreSQL ' + TEST_DATABASE_URL if ON_POSTGRES else 'SQLite'}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test process's own on the PostgreSQL server, dropped at the end.

    Each pytest process gets its own, so parallel runs on one server never truncate each
    other's tables.
    """
    import psycopg

    name = f"tanzi_test_{os.getpid()}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if ON_POSTGRES:
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'tanzi.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret-key",
        # two test workers, and engines of their own in some tests (a second host, the
        # app's): a smaller pool keeps the whole run under PostgreSQL's connection limit
        **({"db_pool_size": 8} if ON_POSTGRES else {}),
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    global _pg_schema_ready
    engine = create_db_engine(settings)
    if ON_POSTGRES:
        if not _pg_schema_ready:
            SQLModel.metadata.drop_all(engine)
            SQLModel.metadata.create_all(engine)
            _pg_schema_ready = True
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    else:
        SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


class Factory:
    """Makes rows straight in the database; each method commits and returns fresh objects."""

    _seq = itertools.count(1)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _save(self, *rows: Any) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            for row in rows:
                session.add(row)
            session.commit()
            for row in rows:
                session.refresh(row)

    def account(
        self, *, email: str | None = None, password: str = "secret-pass", **kw: Any
    ) -> m.Account:
        n = next(self._seq)
        account = m.Account(
            email=email or f"person{n}@example.com",
            name=kw.pop("name", f"Person {n}"),
            password_hash=hash_password(password),
            **kw,
        )
        self._save(account)
        return account

    def token(self, account: m.Account, **kw: Any) -> str:
        raw = new_token("tz_pat")
        self._save(m.AccessToken(account_id=account.id, token_hash=token_hash(raw), **kw))
        return raw

    def headers(self, account: m.Account) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(account)}"}

    def shop(
        self,
        owner: m.Account | None = None,
        *,
        type: m.ShopType = m.ShopType.enterprise,
        open: bool = True,
        **kw: Any,
    ) -> m.Shop:
        owner = owner or self.account()
        shop = m.Shop(
            owner_id=owner.id,
            type=type,
            status=m.ShopStatus.open if open else m.ShopStatus.draft,
            name=kw.pop("name", f"Shop {next(self._seq)}"),
            licence_number="91310000MA1FL0000N" if type != m.ShopType.personal else None,
            operator_name="Operator" if type != m.ShopType.personal else None,
            settlement_account="6222000000000000" if type != m.ShopType.personal else None,
            id_card_name="Owner" if type == m.ShopType.personal else None,
            id_card_number="110101199003070003" if type == m.ShopType.personal else None,
            **kw,
        )
        self._save(shop)
        self._save(m.Member(shop_id=shop.id, account_id=owner.id, is_owner=True))
        return shop

    def member(
        self, shop: m.Shop, account: m.Account | None = None, *, areas: list[str]
    ) -> m.Account:
        account = account or self.account()
        role = m.Role(shop_id=shop.id, name=f"role-{next(self._seq)}", areas=areas)
        self._save(role)
        self._save(m.Member(shop_id=shop.id, account_id=account.id, role_id=role.id))
        return account

    def category(
        self,
        *,
        name: str = "General",
        shop_types: list[str] | None = None,
        qualifications: list[str] | None = None,
        parent_id: int | None = None,
    ) -> m.Category:
        category = m.Category(
            name=name,
            parent_id=parent_id,
            shop_types=shop_types or [t.value for t in m.ShopType],
            qualifications=qualifications or [],
        )
        self._save(category)
        return category

    def product(
        self,
        shop: m.Shop,
        *,
        stock: int = 10,
        price_fen: int = 1000,
        category: m.Category | None = None,
        listed: bool = True,
        provinces: list[str] | None = None,
    ) -> tuple[m.Product, m.Sku]:
        category = category or self.category()
        product = m.Product(
            shop_id=shop.id,
            category_id=category.id,
            title=f"Product {next(self._seq)}",
            status=m.ProductStatus.listed if listed else m.ProductStatus.draft,
            sellable_provinces=provinces or [],
        )
        self._save(product)
        sku = m.Sku(
            product_id=product.id, shop_id=shop.id, code="default", price_fen=price_fen, stock=stock
        )
        self._save(sku)
        return product, sku

    def order(
        self,
        shop: m.Shop,
        buyer: m.Account | None = None,
        *,
        status: m.OrderStatus = m.OrderStatus.paid,
        lines: tuple[tuple[int, int], ...] = ((2, 1500), (1, 2000)),
        self_pickup: bool = False,
    ) -> tuple[m.Order, list[m.OrderLine]]:
        """An order made straight in the database: ``lines`` are (quantity, unit price)."""
        buyer = buyer or self.account()
        total = sum(q * p for q, p in lines)
        n = next(self._seq)
        order = m.Order(
            shop_id=shop.id,
            buyer_id=buyer.id,
            idempotency_key=f"key-{n}",
            request_hash="0" * 64,
            status=status,
            subtotal_fen=total,
            total_fen=total,
            self_pickup=self_pickup,
            recipient_name="Buyer",
            recipient_phone="13800000000",
            province_code="31",
            address="1 Nanjing Road",
            paid_at=utcnow() if status != m.OrderStatus.pending_payment else None,
        )
        self._save(order)
        rows = []
        for quantity, price in lines:
            product, sku = self.product(shop, price_fen=price)
            rows.append(
                m.OrderLine(
                    order_id=order.id,
                    product_id=product.id,
                    sku_id=sku.id,
                    title=product.title,
                    quantity=quantity,
                    unit_price_fen=price,
                )
            )
        self._save(*rows)
        return order, rows

    def fetch(self, model: type[Any], row_id: int) -> Any:
        """A fresh copy of one row, which must exist."""
        with Session(self.engine) as session:
            row = session.get(model, row_id)
            assert row is not None, f"{model.__name__} {row_id} is missing"
            return row

    def events(self, resource_type: str, resource_id: int) -> list[m.OutboxEvent]:
        """The outbox events of one resource, in sequence order."""
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(m.OutboxEvent)
                    .where(
                        m.OutboxEvent.resource_type == resource_type,
                        m.OutboxEvent.resource_id == resource_id,
                    )
                    .order_by(col(m.OutboxEvent.sequence))
                ).all()
            )


@pytest.fixture
def factory(engine: Engine) -> Factory:
    return Factory(engine)
