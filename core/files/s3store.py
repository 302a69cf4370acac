"""The S3-compatible file store (AWS S3, MinIO, Ceph, OSS/COS in S3 mode), through boto3.

Staging is the same as the local store's: an upload is written in chunks to a temporary
file on local disk with its size and sha256 counted, and only ``commit`` sends it to the
bucket. An S3 object appears whole or not at all (a single PUT, or a multipart upload that
boto3 aborts when it fails), so nothing half-written is ever readable under a key; the
sweep also aborts multipart uploads that a killed process left open.

boto3 is an optional dependency (the ``s3`` extra); it is imported only when this store is
selected (``TANZI_FILE_STORE=s3://bucket/prefix``).
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from core.files.store import CHUNK_SIZE, StagedFile

#: Parts of a multipart upload (boto3 switches to multipart above this size).
MULTIPART_CHUNK = 8 * 1024 * 1024


class S3Object(io.RawIOBase):
    """A stored object's body, read in chunks as it streams from the bucket."""

    def __init__(self, body: Any) -> None:
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data: bytes = self._body.read(None if size is None or size < 0 else size)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3FileStore:
    """Files in an S3 bucket under ``prefix``; temporaries on local disk in ``staging_dir``."""

    def __init__(self, client: Any, bucket: str, *, prefix: str = "", staging_dir: Path) -> None:
        from boto3.s3.transfer import TransferConfig

        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.tmp = staging_dir
        self._transfer = TransferConfig(
            multipart_threshold=MULTIPART_CHUNK, multipart_chunksize=MULTIPART_CHUNK
        )

    def _object(self, key: str) -> str:
        parts = key.split("/")
        if not key or any(p in ("", ".", "..") or "\\" in p for p in parts):
            raise ValueError(f"not a file key: {key!r}")
        return self.prefix + key

    def stage(self, limit: int) -> StagedFile:
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        os.close(fd)
        return StagedFile(Path(name), limit)

    def commit(self, staged: StagedFile, key: str) -> None:
        staged.close()
        try:
            self.client.upload_file(
                str(staged.path), self.bucket, self._object(key), Config=self._transfer
            )
        finally:
            staged.discard()  # the bytes are in the bucket (or the commit failed): not here

    def open(self, key: str) -> IO[bytes]:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as exc:
            if _missing(exc):
                raise FileNotFoundError(key) from None
            raise
        return io.BufferedReader(S3Object(response["Body"]), buffer_size=CHUNK_SIZE)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as exc:
            if _missing(exc):
                return False
            raise
        return True

    def keys(self) -> list[str]:
        """Every stored key under the prefix (for tests and clean-up jobs)."""
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            found.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
        return sorted(found)

    def sweep_staged(self, older_than_s: float) -> int:
        removed = 0
        if self.tmp.exists():
            cutoff = time.time() - older_than_s
            for path in self.tmp.iterdir():
                try:
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:  # removed meanwhile by its own upload
                    continue
        return removed + self._abort_stale_uploads(older_than_s)

    def _abort_stale_uploads(self, older_than_s: float) -> int:
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
        listing = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix)
        aborted = 0
        for upload in listing.get("Uploads", []):
            if upload["Initiated"] < cutoff:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
                aborted += 1
        return aborted

    def staged_count(self) -> int:
        """How many local temporaries exist right now (0 when no upload is under way)."""
        return sum(1 for _ in self.tmp.iterdir()) if self.tmp.exists() else 0


def _missing(exc: Any) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")
