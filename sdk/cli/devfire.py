"""``tanzi-sdk fire EVENT --dev``: send an event to the plugin installed in the local host.

Where plain ``fire`` calls the hook with a fake shop, this goes through the real kernel of
the host ``tanzi-sdk dev`` prepared (its data directory): the event is written to that
host's outbox for the demo shop, about one of the shop's own resources, and delivered the
way the host's worker delivers every event (its own delivery row, the installation's
scoped client, its time limit, retries on failure). The sample is the shop's latest event
of that name, re-sent with a fresh event id; with none yet, an order or product event is
made from the shop's latest order or product.

Like :mod:`sdk.cli.devhost`, it needs the Tanzi host; everything of it is imported inside
the functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdk.cli.devhost import DevError, prepare
from sdk.cli.project import PluginTarget


@dataclass(frozen=True)
class DevDelivery:
    """How the host delivered the event, and what the plugin keeps afterwards."""

    event: str
    event_id: str
    shop_id: int
    resource_type: str
    resource_id: int
    status: str
    attempts: int
    error: str
    records: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"


def fire_in_dev_host(target: PluginTarget, data_dir: Path, event: str) -> DevDelivery:
    """Write ``event`` to the local host's outbox and deliver it to the plugin.

    :raises HostMissing: without the Tanzi host.
    :raises DevError: when the host refuses the plugin, or the demo shop has nothing the
        event could be about.
    """
    prepared = prepare(target, data_dir)  # idempotent: the installation is there and enabled
    from sqlmodel import Session, col, select

    from core.db import create_db_engine, session_scope
    from core.models import Delivery, OutboxEvent, PluginRecord
    from core.outbox import record_event
    from core.plugins.dispatch import deliver_batch, dispatch_outbox_batches
    from core.plugins.manager import create_plugin_host
    from core.settings import get_settings

    settings = get_settings()
    host = create_plugin_host(settings)
    if not host.implements(prepared.plugin_id, event):
        raise DevError(f"{prepared.plugin_id} does not implement {event}")
    engine = create_db_engine(settings)
    try:
        with session_scope(engine) as session:
            resource_type, resource_id, data = _sample(session, prepared.shop_id, event)
            event_id = record_event(
                session,
                name=event,
                shop_id=prepared.shop_id,
                resource_type=resource_type,
                resource_id=resource_id,
                data=data,
            )
        for ids in dispatch_outbox_batches(engine, host).values():
            deliver_batch(engine, host, ids, secret_key=settings.ensure_secret_key())
        with Session(engine) as session:
            delivery = session.exec(
                select(Delivery).where(
                    Delivery.event_id == event_id,
                    Delivery.installation_id == prepared.installation_id,
                )
            ).first()
            records = session.exec(
                select(PluginRecord)
                .where(PluginRecord.installation_id == prepared.installation_id)
                .order_by(col(PluginRecord.updated_at).desc())
                .limit(20)
            ).all()
            outbox = session.exec(select(OutboxEvent).where(OutboxEvent.event_id == event_id)).one()
            return DevDelivery(
                event=event,
                event_id=event_id,
                shop_id=prepared.shop_id,
                resource_type=outbox.resource_type,
                resource_id=outbox.resource_id,
                status=delivery.status.value if delivery is not None else "not delivered",
                attempts=delivery.attempts if delivery is not None else 0,
                error=delivery.last_error if delivery is not None else "no delivery was made",
                records=[(r.collection, r.key, dict(r.data)) for r in records],
            )
    finally:
        engine.dispose()


def _sample(session: Any, shop_id: int, event: str) -> tuple[str, int, dict[str, Any]]:
    """``(resource type, resource id, event data)`` for ``event`` in the demo shop."""
    from sqlmodel import col, select

    from core.models import Order, OutboxEvent, Product
    from core.services.orders import order_snapshot
    from core.services.products import product_snapshot

    latest = session.exec(
        select(OutboxEvent)
        .where(OutboxEvent.shop_id == shop_id, OutboxEvent.name == event)
        .order_by(col(OutboxEvent.id).desc())
    ).first()
    if latest is not None:
        return latest.resource_type, latest.resource_id, dict(latest.payload)
    if event.startswith("order_"):
        order = session.exec(
            select(Order).where(Order.shop_id == shop_id).order_by(col(Order.id).desc())
        ).first()
        if order is not None:
            return "order", order.id or 0, order_snapshot(session, order)
    if event.startswith("product_"):
        product = session.exec(
            select(Product).where(Product.shop_id == shop_id).order_by(col(Product.id).desc())
        ).first()
        if product is not None:
            return "product", product.id or 0, product_snapshot(session, product)
    known = sorted(
        set(session.exec(select(OutboxEvent.name).where(OutboxEvent.shop_id == shop_id)).all())
    )
    raise DevError(
        f"the demo shop has nothing for {event} to be about yet; events it has: "
        f"{', '.join(known) or 'none'} (or make one in the local host's console)"
    )
