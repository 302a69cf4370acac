"""A small key-value store an adapter is given for what its platform cannot keep.

django-oscar has no idempotency key: the Oscar adapter keeps each applied ``change_id``
(and the oversells it saw) here. The sync hands every adapter a :class:`RecordsState`
over this installation's records, so what is kept survives the adapter's process.
"""

from __future__ import annotations

from typing import Any, Protocol

from plugins.catalog_sync import records as rec
from sdk.client import ShopClient


class AdapterState(Protocol):
    """Where an adapter keeps small JSON documents by key."""

    def get(self, key: str) -> dict[str, Any] | None:
        """The document kept under ``key``, or ``None``."""

    def put(self, key: str, data: dict[str, Any]) -> None:
        """Keep ``data`` under ``key`` (replacing what was there)."""


class MemoryState:
    """An :class:`AdapterState` in memory: it lasts as long as the object does."""

    def __init__(self) -> None:
        self._data: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        """The document kept under ``key``, or ``None``."""
        found = self._data.get(key)
        return None if found is None else dict(found)

    def put(self, key: str, data: dict[str, Any]) -> None:
        """Keep ``data`` under ``key``."""
        self._data[key] = dict(data)


class RecordsState:
    """An :class:`AdapterState` in the installation's records, one channel's keys apart."""

    def __init__(self, client: ShopClient, channel: str) -> None:
        self.client = client
        self.channel = channel

    def get(self, key: str) -> dict[str, Any] | None:
        """The document kept under ``key``, or ``None``."""
        found = self.client.records.get(rec.ADAPTER_STATE, rec.key(self.channel, key))
        return None if found is None else dict(found.data)

    def put(self, key: str, data: dict[str, Any]) -> None:
        """Keep ``data`` under ``key``."""
        self.client.records.put(rec.ADAPTER_STATE, rec.key(self.channel, key), data)
