"""Periodic kernel work: cancel orders left unpaid, accept after-sales the merchant ignored.

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
from sqlmodel import Session

from core.db import session_scope
from core.files.service import purge_expired
from core.models.base import utcnow
from core.services.aftersales import expire_overdue_aftersales
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


def purge_files(engine: Engine, store: Any, *, now: datetime | None = None) -> int:
    """Remove stored files past their retention (uploads, results, reports); idempotent."""
    with Session(engine) as session:
        return purge_expired(session, store, now=now)
