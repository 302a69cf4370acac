"""What ``tanzi-sdk dev`` and ``tanzi-sdk fire --dev`` run on: a local Tanzi whose demo
shop has the plugin under development installed, and events sent to it through the real
delivery path.

The SDK's CLI reaches these through the ``tanzi.host`` entry point (:mod:`core.devkit`). The
host runs from its own data directory (SQLite database, job queue, secret key) with a
``plugins.toml`` that loads the plugin under development and nothing else.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from core.cli import app
from core.db import create_db_engine, session_scope
from core.demo import DEMO_PEOPLE, load_demo
from core.devkit.sandbox import Sandbox
from core.migrate import upgrade
from core.models import Account, Order, OutboxEvent, PluginRecord, Product, Shop
from core.plugins.installations import enable_plugin
from core.plugins.manager import create_plugin_host
from core.services.order_views import order_snapshot
from core.services.products import product_snapshot
from core.settings import get_settings
from sdk.cli.devfire import DevDelivery
from sdk.cli.devhost import DevError, DevHost, dev_environment
from sdk.cli.project import PluginTarget


def prepare_dev_host(target: PluginTarget, data_dir: Path) -> DevHost:
    """Set the environment up, load the demo world and install the plugin in the demo shop.

    Idempotent: a second run keeps the database and re-enables the installation.

    :raises DevError: when the host does not admit the plugin.
    """
    env = dev_environment(target, data_dir.resolve())
    os.environ.update(env)
    if str(target.import_root) not in sys.path:
        sys.path.insert(0, str(target.import_root))
    settings = get_settings()
    settings.ensure_secret_key()
    host = create_plugin_host(settings)
    plugin = next((p for p in host.plugins.values() if p.module_name == target.module_name), None)
    if plugin is None or plugin.id not in host.active:
        reason = plugin.reason if plugin is not None else "not loaded"
        status = plugin.status.value if plugin is not None else "missing"
        raise DevError(f"the host did not admit {target.module_name} ({status}): {reason}")
    engine = create_db_engine(settings)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            load_demo(session, settings=settings)
            merchant = session.exec(select(Account).where(Account.email == DEMO_PEOPLE[1][1])).one()
            shop = session.exec(
                select(Shop).where(Shop.owner_id == merchant.id).order_by(col(Shop.id))
            ).first()
            if shop is None or shop.id is None:
                raise DevError("the demo world has no shop to install the plugin in")
            row = enable_plugin(session, host=host, shop_id=shop.id, plugin_id=plugin.id)
            session.flush()
            shop_id, installation_id = shop.id, row.id or 0
    finally:
        engine.dispose()
    return DevHost(
        env=env,
        data_dir=data_dir.resolve(),
        plugin_id=plugin.id,
        shop_id=shop_id,
        installation_id=installation_id,
    )


def serve_dev_host(*, host: str, port: int) -> None:
    """Run ``tanzi serve --demo`` in this process, with the environment :func:`prepare_dev_host` set."""
    app(["serve", "--demo", "--host", host, "--port", str(port)], standalone_mode=False)


def fire_in_dev_host(target: PluginTarget, data_dir: Path, event: str) -> DevDelivery:
    """Write ``event`` to the local host's outbox and deliver it to the plugin.

    :raises DevError: when the host refuses the plugin, or the demo shop has nothing the
        event could be about.
    """
    prepared = prepare_dev_host(target, data_dir)  # idempotent: installed and enabled
    settings = get_settings()
    host = create_plugin_host(settings)
    if not host.implements(prepared.plugin_id, event):
        raise DevError(f"{prepared.plugin_id} does not implement {event}")
    engine = create_db_engine(settings)
    try:
        with Session(engine) as session:
            resource_type, resource_id, data = _sample(session, prepared.shop_id, event)
        # the sandbox's own way of sending one event: record it, dispatch, deliver each
        sandbox = Sandbox(engine, settings, host, prepared.shop_id)
        # one event, not the demo's backlog: events nobody has dispatched yet (the demo's
        # own, when no server ran) would come first, and a failing hook on an earlier
        # event of the same order would hold this one back
        sandbox.absorb()
        deliveries = sandbox.emit(
            event, resource_type=resource_type, resource_id=resource_id, data=data
        )
        with Session(engine) as session:
            records = session.exec(
                select(PluginRecord)
                .where(PluginRecord.installation_id == prepared.installation_id)
                .order_by(col(PluginRecord.updated_at).desc())
                .limit(20)
            ).all()
    finally:
        engine.dispose()
    delivery = deliveries[0] if deliveries else None
    return DevDelivery(
        event=event,
        event_id=delivery.event_id if delivery is not None else "",
        shop_id=prepared.shop_id,
        resource_type=resource_type,
        resource_id=resource_id,
        status=delivery.status if delivery is not None else "not delivered",
        attempts=delivery.attempts if delivery is not None else 0,
        error=delivery.error if delivery is not None else "no delivery was made",
        records=[(r.collection, r.key, dict(r.data)) for r in records],
    )


def _sample(session: Any, shop_id: int, event: str) -> tuple[str, int, dict[str, Any]]:
    """``(resource type, resource id, event data)`` for ``event`` in the demo shop."""
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
