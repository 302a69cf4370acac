"""Event sequence numbers are distinct and consecutive per resource, whatever locks the
callers of ``record_event`` hold (none here). Meaningful on PostgreSQL, where transactions
run side by side; on SQLite writers are serialized anyway.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.outbox import record_event
from tests.conftest import Factory


def test_concurrent_events_of_one_resource_get_consecutive_sequences(
    engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    writers = 8
    start = threading.Barrier(writers, timeout=30)

    def write(n: int) -> str:
        with Session(engine) as session:
            start.wait()
            event_id = record_event(
                session,
                name="product_updated",
                shop_id=shop.id,
                resource_type="product",
                resource_id=4242,
                data={"n": n},
            )
            time.sleep(0.2)  # keep the transaction open while the others try
            session.commit()
            return event_id

    with ThreadPoolExecutor(max_workers=writers) as pool:
        event_ids = list(pool.map(write, range(writers)))

    events = factory.events("product", 4242)
    assert sorted(e.event_id for e in events) == sorted(event_ids)
    assert [e.sequence for e in events] == list(range(1, writers + 1))
    # another resource numbers from 1, and the next event of this one follows on
    with Session(engine) as session:
        record_event(
            session, name="x", shop_id=shop.id, resource_type="sku", resource_id=4242, data={}
        )
        record_event(
            session, name="x", shop_id=shop.id, resource_type="product", resource_id=4242, data={}
        )
        session.commit()
    assert [e.sequence for e in factory.events("sku", 4242)] == [1]
    assert factory.events("product", 4242)[-1].sequence == writers + 1
