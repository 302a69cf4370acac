"""Where stored files' bytes live: a store protocol and the local folder store.

A write is staged: bytes go in chunks to a temporary file inside the store (never whole in
memory), with their size and sha256 counted on the way, and only a ``commit`` moves them
under their key with one atomic rename. A staged file that is not committed is removed, so
a refused or interrupted upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

#: How much is read or written at a time.
CHUNK_SIZE = 64 * 1024


class FileTooLarge(Exception):
    """More bytes were written to a staged file than its limit allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class StagedFile:
    """Bytes being written to a temporary file; committed under a key or discarded."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.size = 0
        self._digest = hashlib.sha256()
        self._handle: IO[bytes] | None = path.open("wb")
        self.head = b""  # the first bytes, for sniffing the type

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``; raise :class:`FileTooLarge` as soon as the limit is passed."""
        if self._handle is None:
            raise ValueError("the staged file is closed")
        if self.size + len(chunk) > self.limit:
            raise FileTooLarge(self.limit)
        if len(self.head) < 64:
            self.head = (self.head + chunk)[:64]
        self._handle.write(chunk)
        self._digest.update(chunk)
        self.size += len(chunk)

    def close(self) -> None:
        """Flush the bytes to disk; no more writes."""
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def discard(self) -> None:
        """Remove the temporary file (safe to call twice)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self.path.unlink(missing_ok=True)


class FileStore(Protocol):
    """A place for stored files' bytes, addressed by key (``shops/7/ab12...``)."""

    def stage(self, limit: int) -> StagedFile:
        """A new temporary file that accepts at most ``limit`` bytes."""
        ...

    def commit(self, staged: StagedFile, key: str) -> None:
        """Move a closed staged file under ``key`` in one atomic step."""
        ...

    def open(self, key: str) -> IO[bytes]:
        """The stored bytes under ``key`` for reading (``FileNotFoundError`` if absent)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the bytes under ``key``; a missing key is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """Whether bytes are stored under ``key``."""
        ...

    def sweep_staged(self, older_than_s: float) -> int:
        """Remove temporaries left by uploads that died before ``older_than_s`` ago."""
        ...


def new_key(shop_id: int, suffix: str) -> str:
    """A fresh, unguessable key for a file of ``shop_id`` (``suffix`` like ``.png``)."""
    return f"shops/{shop_id}/{secrets.token_hex(16)}{suffix}"


def iter_chunks(handle: IO[bytes], chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Read ``handle`` to its end in chunks, then close it."""
    with handle:
        while chunk := handle.read(chunk_size):
            yield chunk


class LocalFileStore:
    """Files in a folder (by default ``TANZI_DATA_DIR/files``); temporaries in ``.tmp``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / ".tmp"

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or any(p in ("", ".", "..") or "\\" in p for p in parts):
            raise ValueError(f"not a file key: {key!r}")
        return self.root.joinpath(*parts)

    def stage(self, limit: int) -> StagedFile:
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        os.close(fd)
        return StagedFile(Path(name), limit)

    def commit(self, staged: StagedFile, key: str) -> None:
        staged.close()
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, target)

    def open(self, key: str) -> IO[bytes]:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self) -> list[str]:
        """Every committed key (temporaries left out); for tests and clean-up jobs."""
        if not self.root.exists():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and self.tmp not in p.parents
        )

    def sweep_staged(self, older_than_s: float) -> int:
        if not self.tmp.exists():
            return 0
        cutoff = time.time() - older_than_s
        removed = 0
        for path in self.tmp.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # removed meanwhile by its own upload or another sweep
                continue
        return removed

    def staged_count(self) -> int:
        """How many temporary files exist right now (0 when no upload is under way)."""
        return sum(1 for p in self.tmp.iterdir()) if self.tmp.exists() else 0
