"""File retention with a moved clock: files past ``expires_at`` that nothing references are
removed from the store and the database (thumbnails before their originals); two runs at
once remove each file once; the Huey periodic task is registered and idempotent. Runs on
SQLite and, with ``TANZI_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.files.backends import file_store_for
from core.files.service import save_document, save_image, written_files
from core.files.store import LocalFileStore
from core.jobs import schedules
from core.jobs.queue import build_runtime, create_huey
from core.jobs.runtime import binding_of
from core.models.base import utcnow
from core.services.product_images import add_image
from core.settings import Settings
from tests.conftest import Factory
from tests.core.test_schedules import _at_once


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(out, format="PNG")
    return out.getvalue()


def _store(settings: Settings) -> LocalFileStore:
    store = file_store_for(settings)
    assert isinstance(store, LocalFileStore)
    return store


def _document(engine: Engine, store: LocalFileStore, shop: m.Shop, expires_at: datetime) -> int:
    staged = store.stage(1000)
    staged.write(b"%PDF-1.4\n% a result\n%%EOF\n")
    with Session(engine) as session, written_files(store) as written:
        row = save_document(
            session,
            store,
            written,
            shop_id=shop.id,
            staged=staged,
            purpose=m.FilePurpose.result,
            filename="result.pdf",
            field="body",
            expires_at=expires_at,
        )
        session.commit()
        assert row.id is not None
        return row.id


def _image(engine: Engine, store: LocalFileStore, shop: m.Shop) -> tuple[int, int]:
    staged = store.stage(100_000)
    staged.write(_png())
    with Session(engine) as session, written_files(store) as written:
        image, thumb = save_image(
            session,
            store,
            written,
            shop_id=shop.id,
            staged=staged,
            purpose=m.FilePurpose.product_image,
            filename="p.png",
            max_pixels=10_000,
            field="body",
        )
        session.commit()
        assert image.id is not None and thumb.id is not None
        return image.id, thumb.id


def _expire(engine: Engine, ids: list[int], at: datetime) -> None:
    with Session(engine) as session:
        for file_id in ids:
            row = session.get(m.StoredFile, file_id)
            assert row is not None
            row.expires_at = at
            session.add(row)
        session.commit()


def _ids(engine: Engine) -> set[int]:
    with Session(engine) as session:
        return {row.id for row in session.exec(select(m.StoredFile)).all() if row.id}


def test_files_go_when_their_retention_passes_and_nothing_uses_them(
    engine: Engine, settings: Settings, factory: Factory
) -> None:
    store = _store(settings)
    shop = factory.shop()
    product, _ = factory.product(shop)
    start = utcnow()
    soon = _document(engine, store, shop, start + timedelta(hours=1))
    later = _document(engine, store, shop, start + timedelta(days=7))
    original, thumbnail = _image(engine, store, shop)
    used, used_thumb = _image(engine, store, shop)
    with Session(engine) as session:
        add_image(
            session,
            product=session.get(m.Product, product.id),  # type: ignore[arg-type]
            image=session.get(m.StoredFile, used),  # type: ignore[arg-type]
            thumbnail=session.get(m.StoredFile, used_thumb),
        )
        session.commit()
    # the image's original is due but its thumbnail is not: both stay until both are due
    _expire(engine, [original], start + timedelta(minutes=30))
    _expire(engine, [thumbnail], start + timedelta(days=2))
    # a product still shows this one: expired or not, it stays
    _expire(engine, [used, used_thumb], start)
    assert len(store.keys()) == 6

    assert schedules.purge_expired_files(engine, store, now=start + timedelta(minutes=59)) == 0
    assert _ids(engine) == {soon, later, original, thumbnail, used, used_thumb}

    assert schedules.purge_expired_files(engine, store, now=start + timedelta(hours=2)) == 1
    assert _ids(engine) == {later, original, thumbnail, used, used_thumb}
    assert len(store.keys()) == 5

    assert schedules.purge_expired_files(engine, store, now=start + timedelta(days=3)) == 2
    assert _ids(engine) == {later, used, used_thumb}

    assert schedules.purge_expired_files(engine, store, now=start + timedelta(days=8)) == 1
    assert _ids(engine) == {used, used_thumb}
    with Session(engine) as session:
        keys = sorted(row.storage_key for row in session.exec(select(m.StoredFile)).all())
    assert store.keys() == keys  # the bytes of what is left, and nothing else
    # a later run finds nothing more to do
    assert schedules.purge_expired_files(engine, store, now=start + timedelta(days=30)) == 0
    assert _ids(engine) == {used, used_thumb}


def test_every_foreign_key_to_a_file_keeps_it() -> None:
    """A table that points at files (now or added later) is found from the metadata."""
    from core.files.retention import referencing_columns

    found = {f"{c.table.name}.{c.name}" for c in referencing_columns()}
    assert {"product_image.file_id", "product_image.thumbnail_id"} <= found
    assert "stored_file.original_id" not in found  # thumbnails are handled on their own


def test_two_purges_at_once_remove_each_file_once(
    engine: Engine, settings: Settings, factory: Factory
) -> None:
    store = _store(settings)
    shop = factory.shop()
    now = utcnow()
    for _ in range(12):
        _document(engine, store, shop, now)
    pairs = [_image(engine, store, shop) for _ in range(6)]
    _expire(engine, [i for pair in pairs for i in pair], now)
    assert len(store.keys()) == 24

    counts = _at_once(
        lambda: schedules.purge_expired_files(engine, store, now=now + timedelta(seconds=1))
    )

    assert sum(counts) == 24, counts
    assert _ids(engine) == set()
    assert store.keys() == []
    assert store.staged_count() == 0


def test_the_periodic_purge_is_registered_and_idempotent(
    engine: Engine, settings: Settings, factory: Factory
) -> None:
    huey = create_huey(settings)
    huey.flush()
    build_runtime(settings, engine=engine, huey=huey)
    due = {task.name for task in huey.read_periodic(datetime(2026, 1, 1, 10, 0))}
    assert "tanzi.purge_expired_files_periodic" in due
    not_due = {task.name for task in huey.read_periodic(datetime(2026, 1, 1, 10, 5))}
    assert "tanzi.purge_expired_files_periodic" not in not_due

    store = _store(settings)
    shop = factory.shop()
    now = utcnow()
    kept = _document(engine, store, shop, now + timedelta(days=1))
    _document(engine, store, shop, now + timedelta(minutes=5))
    task = binding_of(huey).tasks["purge_expired_files"]
    assert task.call_local(now) == 0
    assert task.call_local(now + timedelta(minutes=6)) == 1
    assert task.call_local(now + timedelta(minutes=6)) == 0
    assert _ids(engine) == {kept}
    assert len(store.keys()) == 1
