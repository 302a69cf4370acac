"""Engine and session factories. SQLite runs in WAL mode with serialized writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from core.settings import Settings


def create_db_engine(settings: Settings) -> Engine:
    """Build the engine for ``settings.database_url``.

    On SQLite every transaction starts with ``BEGIN IMMEDIATE`` so writers queue on the
    database lock instead of failing mid-transaction; this is what keeps stock from being
    oversold there. PostgreSQL relies on row locks (``SELECT ... FOR UPDATE``).
    """
    url = settings.database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        pool: dict[str, Any] = {}
        if path and path != ":memory:":
            pool = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_pool_size}
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_s},
            **pool,
        )
        _make_sqlite_serializable(engine, settings.sqlite_busy_timeout_s)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        url, pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size, pool_pre_ping=True
    )


def _make_sqlite_serializable(engine: Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let us issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits once on success and rolls back on error (for jobs and CLIs)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class DatabaseNotReady(RuntimeError):
    """The database lacks tables or migrations this code needs; the message says what to run."""


def schema_problem(engine: Engine) -> str | None:
    """What keeps ``engine``'s database from serving this code, or ``None`` when it is ready.

    Every model's table must exist; a database that Alembic manages must also be at the
    newest migration. (A schema made by ``create_all``, as the tests do, has no Alembic
    version and is taken as it is.)
    """
    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    import core.models  # noqa: F401 - registers every table on the metadata
    from core.migrate import current_revision, head_revision

    present = set(inspect(engine).get_table_names())
    missing = sorted(name for name in SQLModel.metadata.tables if name not in present)
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        return f"{len(missing)} of its {len(SQLModel.metadata.tables)} tables are missing ({shown})"
    if "alembic_version" in present:
        current, head = current_revision(engine), head_revision()
        if current != head:
            return f"it is at migration {current}, and this code needs {head}"
    return None


def prepare_database(engine: Engine, settings: Settings) -> None:
    """The start-up check: migrate in development, otherwise refuse to start on a database
    that is not migrated, saying what to run (instead of a 500 "no such table" later)."""
    problem = schema_problem(engine)
    if problem is None:
        return
    if settings.env == "development":
        from core.migrate import upgrade

        upgrade(engine)
        return
    raise DatabaseNotReady(not_ready_message(engine, problem))


def not_ready_message(engine: Engine, problem: str) -> str:
    """The sentence shown at start-up and in a 503 when the database is not migrated."""
    return (
        f"The database {engine.url.render_as_string(hide_password=True)} is not migrated: "
        f"{problem}. Run `tanzi db upgrade` with the same TANZI_DATABASE_URL, then start "
        "Tanzi again (with TANZI_ENV=development it migrates at start)."
    )
