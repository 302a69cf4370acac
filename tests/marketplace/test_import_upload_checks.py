"""The host's checks on an import upload, before any importer sees it: an XLSX must be a
real workbook and not a zip bomb (judged from the zip directory alone), a file must be
what its name says, and a 2 GB CSV is cut off at the size limit while it streams in."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, func, select

import core.models as m
from core.files.errors import FileTooLargeError
from core.files.service import receive
from core.files.store import CHUNK_SIZE, LocalFileStore
from core.models.files import FilePurpose
from core.plugins.installations import enable_plugin
from core.settings import Settings
from marketplace.app import create_app
from tests.conftest import Factory
from tests.webtools import sign_in

T = TypeVar("T")


@pytest.fixture
def app(settings: Settings, engine: object, tmp_path: Path) -> FastAPI:
    plugins = tmp_path / "plugins.toml"
    plugins.write_text('[plugins]\nload = ["tests.plugins_host.sample_plugins.tiny_import"]\n')
    settings = settings.model_copy(update={"plugins_file": plugins})
    return create_app(settings, engine=engine)  # type: ignore[arg-type]


def _uploads(app: FastAPI, shop_id: int) -> int:
    with Session(app.state.engine) as session:
        return session.exec(
            select(func.count())
            .select_from(m.StoredFile)
            .where(m.StoredFile.shop_id == shop_id, m.StoredFile.purpose == FilePurpose.upload)
        ).one()


def _workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ref", "title", "price"])
    sheet.append(["A1", "Tea", 12.5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def upload(app: FastAPI, factory: Factory):  # type: ignore[no-untyped-def]
    owner = factory.account(password="secret-pass")
    shop = factory.shop(owner)
    with Session(app.state.engine) as session:
        enable_plugin(session, host=app.state.plugins, shop_id=shop.id, plugin_id="tiny_import")
        session.commit()
    browser = TestClient(app)
    sign_in(browser, owner.email, "secret-pass")
    base = f"/console/shops/{shop.id}/import"
    page = browser.get(base, headers={"Accept-Language": "zh-CN"})
    token = page.text.split('data-csrf="', 1)[1].split('"', 1)[0]

    def send(name: str, content: bytes, language: str = "en"):  # type: ignore[no-untyped-def]
        return browser.post(
            f"{base}/upload?filename={name}",
            content=content,
            headers={"X-CSRF-Token": token, "Accept-Language": language},
        )

    send.shop_id = shop.id  # type: ignore[attr-defined]
    return send


def test_a_real_workbook_is_kept(app: FastAPI, upload) -> None:  # type: ignore[no-untyped-def]
    answer = upload("products.xlsx", _workbook())
    assert answer.status_code == 201, answer.text
    assert _uploads(app, upload.shop_id) == 1


def test_a_zip_bomb_workbook_is_refused_from_its_directory(app: FastAPI, upload) -> None:  # type: ignore[no-untyped-def]
    bomb = _zip({
        "[Content_Types].xml": b"<Types/>",
        "xl/workbook.xml": b"<workbook/>",
        "xl/worksheets/sheet1.xml": b"\0" * (64 << 20),
    })  # fmt: skip
    assert len(bomb) < 200_000  # 64 MB of zeros packs into a few dozen KB
    answer = upload("products.xlsx", bomb)
    assert answer.status_code == 422
    body = answer.json()
    assert (body["code"], body["errors"][0]["field"]) == ("zip_bomb", "body")
    assert "zip bomb" in body["message"]
    zh = upload("products.xlsx", bomb, language="zh-CN")
    assert "压缩炸弹" in zh.json()["message"]
    assert _uploads(app, upload.shop_id) == 0


def test_a_zip_without_the_workbook_parts_is_not_an_xlsx(app: FastAPI, upload) -> None:  # type: ignore[no-untyped-def]
    for parts in (
        {"hello.txt": b"not a workbook"},
        {"xl/workbook.xml": b"<workbook/>"},  # no [Content_Types].xml
        {"[Content_Types].xml": b"<Types/>"},  # no xl/workbook.xml
    ):
        answer = upload("products.xlsx", _zip(parts))
        assert answer.status_code == 422, parts
        assert answer.json()["code"] == "not_xlsx"
        assert "not a real XLSX workbook" in answer.json()["message"]
    assert _uploads(app, upload.shop_id) == 0


def test_a_file_that_is_not_what_its_name_says_is_refused(app: FastAPI, upload) -> None:  # type: ignore[no-untyped-def]
    csv_named_xlsx = upload("products.xlsx", b"handle,title\ntee,Tee\n")
    assert csv_named_xlsx.status_code == 422
    assert csv_named_xlsx.json()["code"] == "file_name_mismatch"
    assert "CSV (text)" in csv_named_xlsx.json()["detail"]
    workbook_named_csv = upload("products.csv", _workbook(), language="zh-CN")
    assert workbook_named_csv.json()["code"] == "file_name_mismatch"
    assert "文件名与内容不符" in workbook_named_csv.json()["message"]
    assert upload("products.csv", b"handle,title\ntee,Tee\n").status_code == 201
    assert _uploads(app, upload.shop_id) == 1


def run_alone(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on a thread of its own: a browser test earlier in the same worker
    keeps Playwright's event loop running in this one, where ``asyncio.run`` refuses."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_2_gb_csv_is_cut_off_at_the_limit_while_streaming(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files")
    limit = 4 * 1024 * 1024
    pulled = 0

    async def two_gigabytes() -> AsyncIterator[bytes]:
        nonlocal pulled
        row = b"tee,Tee,<p>Soft</p>,Tanzi,,,,TRUE,Title,Default Title,T-1,0,,1,,,19.90\n"
        chunk = row * (CHUNK_SIZE // len(row))
        while pulled < 2 * 1024**3:
            pulled += len(chunk)
            yield chunk

    with pytest.raises(FileTooLargeError) as refused:
        run_alone(receive(two_gigabytes(), store, limit=limit, field="body"))
    assert refused.value.code == "file_too_large" and refused.value.field == "body"
    assert pulled <= limit + CHUNK_SIZE  # reading stopped at the limit
    assert list(store.tmp.iterdir()) == []  # and nothing of it stayed on disk
    declared = receive(two_gigabytes(), store, limit=limit, field="body", declared_length=2**31)
    before = pulled
    with pytest.raises(FileTooLargeError):
        run_alone(declared)
    assert pulled == before  # a declared 2 GB is refused before a byte is read
