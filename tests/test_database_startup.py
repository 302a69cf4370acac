"""An unmigrated database: development migrates at start; elsewhere the app refuses to
start and says to run ``tanzi db upgrade``; a request that still meets a missing table is
a 503 saying the same, not a 500 "no such table".

These run on SQLite files of their own (an empty database is what they are about).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from fastapi.testclient import TestClient

from core.db import DatabaseNotReady, create_db_engine, schema_problem
from core.migrate import current_revision, head_revision
from core.settings import Settings
from marketplace.app import create_app


def empty_database(tmp_path: Path, env: Literal["development", "test", "production"]) -> Settings:
    return Settings(
        env=env,
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'empty.db'}",
        secret_key="test-secret-key-that-is-long-enough",
    )


def test_outside_development_the_app_refuses_to_start_and_says_what_to_run(
    tmp_path: Path,
) -> None:
    app = create_app(empty_database(tmp_path, "test"))
    with pytest.raises(DatabaseNotReady, match=r"Run `tanzi db upgrade`"), TestClient(app):
        pass


def test_in_development_the_app_migrates_at_start(tmp_path: Path) -> None:
    settings = empty_database(tmp_path, "development")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/categories").status_code == 200
    engine = create_db_engine(settings)
    assert current_revision(engine) == head_revision()
    assert schema_problem(engine) is None
    engine.dispose()


def test_a_request_that_meets_a_missing_table_is_a_503_naming_the_command(
    tmp_path: Path,
) -> None:
    # Without ``with``, the test client skips the lifespan, as a server might.
    client = TestClient(create_app(empty_database(tmp_path, "test")))
    response = client.get("/api/v1/categories")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "database_not_migrated"
    assert "tanzi db upgrade" in response.json()["detail"]


def test_a_database_behind_the_newest_migration_is_reported(tmp_path: Path) -> None:
    from core.migrate import upgrade

    engine = create_db_engine(empty_database(tmp_path, "test"))
    assert "tables are missing" in (schema_problem(engine) or "")
    upgrade(engine)
    assert schema_problem(engine) is None
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'older'")
    assert "this code needs" in (schema_problem(engine) or "")
    engine.dispose()
