"""The S3-compatible file store against a real S3 API: moto's server, started by the tests as
its own process on a free port. Same staging semantics as the folder store (nothing
half-written stays, in the bucket or on local disk), and the whole upload, serve and
retention path through the app with ``TANZI_FILE_STORE=s3://bucket/prefix``.
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.engine import Engine

from core.files.backends import file_store_for
from core.files.s3store import MULTIPART_CHUNK, S3FileStore
from core.files.store import FileTooLarge
from core.jobs import schedules
from core.models.base import utcnow
from core.settings import Settings, SettingsError
from tests.conftest import Factory

boto3 = pytest.importorskip("boto3", reason="boto3 (the s3 extra) is not installed")
pytest.importorskip("moto.server", reason="moto[server] (a dev dependency) is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in a process of its own; its URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("moto's S3 server did not start") from None
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, s3_endpoint: str) -> Settings:
    """The test settings with a fresh bucket of moto's as the file store."""
    bucket = f"tanzi-{uuid.uuid4().hex[:12]}"
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret-key",
        file_store=f"s3://{bucket}/files",
        s3_endpoint_url=s3_endpoint,
        s3_region="us-east-1",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )
    _client(settings).create_bucket(Bucket=bucket)
    return settings


def _client(settings: Settings) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
    )


@pytest.fixture
def store(settings: Settings) -> S3FileStore:
    store = file_store_for(settings)
    assert isinstance(store, S3FileStore)
    return store


def _objects(store: S3FileStore) -> list[str]:
    """Every object in the bucket, prefix and all (nothing may hide outside the prefix)."""
    listing = store.client.list_objects_v2(Bucket=store.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_a_committed_file_reads_back_and_is_deleted(store: S3FileStore) -> None:
    staged = store.stage(1000)
    staged.write(b"hello ")
    staged.write(b"bucket")
    assert store.keys() == []  # staged bytes are not in the bucket
    store.commit(staged, "shops/1/abc.txt")
    assert store.staged_count() == 0  # nor left on local disk once committed
    assert _objects(store) == ["files/shops/1/abc.txt"]
    assert store.exists("shops/1/abc.txt")
    with store.open("shops/1/abc.txt") as handle:
        assert handle.read(5) == b"hello"
        assert handle.read() == b" bucket"
    assert staged.size == 12 and len(staged.sha256) == 64

    store.delete("shops/1/abc.txt")
    store.delete("shops/1/abc.txt")  # a missing key is not an error
    assert not store.exists("shops/1/abc.txt")
    with pytest.raises(FileNotFoundError):
        store.open("shops/1/abc.txt")
    with pytest.raises(ValueError):
        store.open("../secret_key")


def test_nothing_half_written_stays(store: S3FileStore, settings: Settings) -> None:
    staged = store.stage(10)
    staged.write(b"12345")
    with pytest.raises(FileTooLarge):
        staged.write(b"123456")
    staged.discard()
    assert store.staged_count() == 0 and _objects(store) == []

    # a commit the bucket refuses: the temporary is gone and no object appears
    broken = S3FileStore(_client(settings), "no-such-bucket", staging_dir=store.tmp)
    staged = broken.stage(100)
    staged.write(b"data")
    with pytest.raises(Exception, match=r"NoSuchBucket|Not Found|404"):
        broken.commit(staged, "shops/1/x.bin")
    assert store.staged_count() == 0 and _objects(store) == []


def test_a_multipart_upload_appears_whole_and_a_dead_one_is_aborted(store: S3FileStore) -> None:
    big = bytes(range(256)) * ((2 * MULTIPART_CHUNK + 1000) // 256)
    staged = store.stage(len(big))
    for start in range(0, len(big), 64 * 1024):
        staged.write(big[start : start + 64 * 1024])
    store.commit(staged, "shops/2/big.bin")
    with store.open("shops/2/big.bin") as handle:
        assert handle.read() == big

    # a process killed mid-upload leaves an open multipart upload: never readable, then swept
    dead = store.client.create_multipart_upload(Bucket=store.bucket, Key="files/shops/2/dead.bin")
    store.client.upload_part(
        Bucket=store.bucket,
        Key="files/shops/2/dead.bin",
        UploadId=dead["UploadId"],
        PartNumber=1,
        Body=big[:MULTIPART_CHUNK],
    )
    assert not store.exists("shops/2/dead.bin")
    # (moto dates every multipart upload 2010, so the age cut-off is not exercised here)
    assert store.sweep_staged(0) == 1
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    assert uploads == []
    assert store.keys() == ["shops/2/big.bin"]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (6, 127, 63)).save(out, format="PNG")
    return out.getvalue()


def test_uploads_are_served_from_the_bucket_and_purged_from_it(
    client: TestClient, engine: Engine, factory: Factory, store: S3FileStore
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    product, _ = factory.product(shop)
    headers = factory.headers(owner)
    url = f"/api/v1/shops/{shop.id}/products/{product.id}/images"

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = client.post(url, content=svg, headers=headers)
    assert refused.status_code == 415
    assert _objects(store) == [] and store.staged_count() == 0

    created = client.post(url, content=_png(), headers=headers)
    assert created.status_code == 201, created.text
    image = created.json()
    assert len(store.keys()) == 2  # the cleaned image and its thumbnail
    assert all(key.startswith("files/shops/") for key in _objects(store))
    served = client.get(image["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(served.content)).size == (120, 80)

    assert client.delete(f"{url}/{image['id']}", headers=headers).status_code == 204
    assert schedules.purge_expired_files(engine, store, now=utcnow() + timedelta(seconds=1)) == 2
    assert _objects(store) == []
    assert client.get(image["url"]).status_code == 404


def test_a_file_store_setting_that_names_no_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="s3://bucket"):
        file_store_for(Settings(env="test", data_dir=tmp_path, file_store="ftp://host/x"))
