"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from core.db import create_db_engine
from core.migrate import current_revision, upgrade
from core.settings import Settings


def test_upgrade_from_empty_matches_the_models(tmp_path, database_url: str) -> None:
    settings = Settings(env="test", data_dir=tmp_path, database_url=database_url, secret_key="k")
    engine = create_db_engine(settings)
    with engine.begin() as conn:  # start from nothing, even on a shared server database
        SQLModel.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade(engine)
    assert current_revision(engine) is not None
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    upgrade(engine)  # a second upgrade is a no-op
    engine.dispose()
