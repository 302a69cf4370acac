"""Periodic kernel work: cancel orders left unpaid, accept after-sales the merchant ignored,
remove files past their retention, assess shops for the 交易保障 guarantee.

Each run works in short transactions of :data:`CHUNK` rows until nothing is due, and is
idempotent: the services lock what they change and skip what another run holds, so two
workers (or a repeated run) change nothing twice. ``now`` is a parameter so tests can move
the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from core.db import session_scope
from core.files.retention import STALE_UPLOAD_S, purge_due_files, remove_bytes
from core.files.store import FileStore
from core.models.base import utcnow
from core.services.aftersales import expire_overdue_aftersales
from core.services.guarantee import assess_current_cycle
from core.services.unpaid_orders import cancel_overdue_unpaid_orders

log = logging.getLogger("tanzi.worker")

#: Rows changed per transaction.
CHUNK = 200


def _in_chunks(engine: Engine, step: Callable[[Any, int], list[Any]]) -> int:
    total = 0
    while True:
        with session_scope(engine) as session:
            changed = len(step(session, CHUNK))
        total += changed
        if changed < CHUNK:
            return total


def cancel_unpaid_orders(engine: Engine, *, now: datetime | None = None) -> int:
    """Cancel every order past its shop's payment timeout; returns how many this run did."""
    at = now or utcnow()
    done = _in_chunks(
        engine, lambda session, n: cancel_overdue_unpaid_orders(session, now=at, limit=n)
    )
    if done:
        log.info("cancelled %d unpaid orders", done)
    return done


def auto_accept_aftersales(engine: Engine, *, now: datetime | None = None) -> int:
    """Accept every after-sales request past ``respond_by``; returns how many this run did."""
    at = now or utcnow()
    done = _in_chunks(
        engine, lambda session, n: expire_overdue_aftersales(session, now=at, limit=n)
    )
    if done:
        log.info("auto-accepted %d after-sales requests", done)
    return done


def purge_expired_files(engine: Engine, store: FileStore, *, now: datetime | None = None) -> int:
    """Remove files past their retention that nothing references (rows, then bytes after each
    chunk's commit) and temporaries of dead uploads; returns how many files this run removed.
    """
    at = now or utcnow()
    store.sweep_staged(STALE_UPLOAD_S)
    total = 0
    while True:
        with session_scope(engine) as session:
            seen, keys = purge_due_files(session, now=at, limit=CHUNK)
        remove_bytes(store, keys)
        total += len(keys)
        if seen < CHUNK:
            break
    if total:
        log.info("removed %d expired files", total)
    return total


def assess_guarantee(engine: Engine, *, now: datetime | None = None) -> int:
    """Assess every open shop not yet assessed in the cycle running at ``now`` (one
    transaction); returns how many assessments this run wrote, 0 once the cycle is done."""
    with session_scope(engine) as session:
        done = assess_current_cycle(session, now=now or utcnow())
    if done:
        log.info("assessed %d shops for the transaction guarantee", done)
    return done
