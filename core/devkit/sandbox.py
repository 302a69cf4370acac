"""The sandbox shop behind the SDK's pytest fixtures and the marketplace's review checks:
a fresh SQLite database with the demo world and a plugin host that loads one plugin, its
events dispatched and delivered synchronously, exactly as the worker would run them.

The SDK reaches this through the ``tanzi.host`` entry point (:mod:`core.devkit`), never by
importing it; providers see it as :class:`sdk.pytest_plugin.TanziSandbox`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

import core.models
from core.db import create_db_engine
from core.demo import DEMO_PEOPLE, load_demo
from core.models import Account, Delivery, Installation, Product, Shop, Sku
from core.outbox import record_event
from core.plugins.client import ScopedClient
from core.plugins.delivery import deliver
from core.plugins.fanout import dispatch_all
from core.plugins.installations import enable_plugin
from core.plugins.loading import PluginConfig, PluginLimits, PluginStatus, load_all
from core.plugins.manager import InstallationRef, PluginHost
from core.schemas.orders import OrderCreate, OrderLineCreate
from core.services import orders
from core.services.order_views import order_snapshot
from core.services.products import product_snapshot
from core.settings import Settings
from sdk.models import Record
from sdk.pytest_plugin import SandboxDelivery, SandboxError, SandboxShop

#: Events :meth:`Sandbox.fire` can make from a real order of the demo shop.
ORDER_EVENTS = frozenset(
    {
        "order_created",
        "order_paid",
        "order_cancelled",
        "order_shipped",
        "order_delivered",
        "order_completed",
    }
)
#: Events :meth:`Sandbox.fire` can make from a real product of the demo shop.
PRODUCT_EVENTS = frozenset({"product_created", "product_updated", "product_deleted"})
#: Events the kernel's own services record when the sandbox makes the order; with no
#: overrides these are delivered as the kernel wrote them.
_KERNEL_MADE = frozenset({"order_created", "order_paid", "order_cancelled"})


class Sandbox:
    """A sandbox shop kernel: a database with the demo world and a plugin host."""

    def __init__(self, engine: Engine, settings: Settings, host: PluginHost, shop_id: int) -> None:
        self.engine = engine
        self.settings = settings
        self.host = host
        self.shop_id = shop_id
        self.plugin_id: str | None = next(iter(host.active), None)
        self.shop: SandboxShop | None = None
        self._seq = 0

    # -- set-up ---------------------------------------------------------------------------

    def install(self, scopes: Iterable[str] | None = None) -> SandboxShop:
        """Install the plugin under test in the demo shop with exactly its manifest's scopes
        (or ``scopes``) and default settings, and deliver its ``installation_created``."""

        plugin_id = self._plugin_id()
        manifest = self.host.active[plugin_id].manifest
        assert manifest is not None
        with Session(self.engine, expire_on_commit=False) as session:
            row = enable_plugin(
                session,
                host=self.host,
                shop_id=self.shop_id,
                plugin_id=plugin_id,
                granted_scopes=sorted(manifest.scope_values if scopes is None else scopes),
                settings={},
            )
            session.commit()
            shop_name = self._shop_name(session)
            assert row.id is not None
            self.shop = SandboxShop(
                id=self.shop_id,
                name=shop_name,
                plugin_id=plugin_id,
                installation_id=row.id,
                granted_scopes=frozenset(row.granted_scopes),
                settings=dict(row.settings),
            )
        self.run()
        return self.shop

    # -- events ---------------------------------------------------------------------------

    def fire(self, event_name: str, **overrides: Any) -> list[SandboxDelivery]:
        """Make event ``event_name`` happen in the shop, deliver it, return its deliveries.

        Order events come from a real order the kernel's services place (and pay, and
        cancel) for the demo buyer; with no ``overrides``, ``order_created``,
        ``order_paid`` and ``order_cancelled`` are the very events the kernel recorded
        (and the others it recorded on the way, such as ``order_created`` before
        ``order_paid``, are delivered too). ``order_shipped`` / ``order_delivered`` /
        ``order_completed`` and any event with ``overrides`` are recorded directly with the
        real order's snapshot, the fields in ``overrides`` replacing its own (e.g.
        ``fire("order_paid", total_fen=99)``). Product events use a demo product's
        snapshot. Returns the deliveries of the fired event only; see :meth:`deliveries`
        for all of them.

        :raises ValueError: for an event the sandbox cannot make; use :meth:`emit`.
        """

        self._require_installed()
        with Session(self.engine, expire_on_commit=False) as session:
            if event_name in ORDER_EVENTS:
                resource_type = "order"
                resource_id, data = self._make_order(session, event_name)
            elif event_name in PRODUCT_EVENTS:
                resource_type = "product"
                resource_id, data = self._product_snapshot(session)
            else:
                raise ValueError(
                    f"the sandbox cannot make '{event_name}'; it makes "
                    f"{', '.join(sorted(ORDER_EVENTS | PRODUCT_EVENTS))}. Use emit() for others."
                )
            session.commit()
        if event_name in _KERNEL_MADE and not overrides:
            return self._run_for(event_name)
        self.absorb()  # what the services recorded on the way is not part of this event
        with Session(self.engine) as session:
            event_id = record_event(
                session,
                name=event_name,
                shop_id=self.shop_id,
                resource_type=resource_type,
                resource_id=resource_id,
                data={resource_type: {**data[resource_type], **overrides}},
            )
            session.commit()
        return [d for d in self.run() if d.event_id == event_id]

    def emit(
        self, event_name: str, *, resource_type: str, resource_id: int, data: dict[str, Any]
    ) -> list[SandboxDelivery]:
        """Record any event with the given kernel data (e.g. ``{"aftersale": {...}}``) in
        the shop's outbox, deliver it, and return its deliveries."""

        with Session(self.engine) as session:
            event_id = record_event(
                session,
                name=event_name,
                shop_id=self.shop_id,
                resource_type=resource_type,
                resource_id=resource_id,
                data=data,
            )
            session.commit()
        return [d for d in self.run() if d.event_id == event_id]

    def run(self) -> list[SandboxDelivery]:
        """Dispatch every undispatched event and deliver each new delivery once, now."""

        ids = dispatch_all(self.engine, self.host)
        for delivery_id in ids:
            deliver(self.engine, self.host, delivery_id)
        wanted = set(ids)
        return [d for d in self.deliveries() if d.id in wanted]

    # -- what the plugin did --------------------------------------------------------------

    def deliveries(self) -> list[SandboxDelivery]:
        """Every delivery made in the sandbox, oldest first."""

        with Session(self.engine) as session:
            rows = session.exec(select(Delivery).order_by(col(Delivery.id))).all()
            return [
                SandboxDelivery(
                    id=r.id or 0,
                    hook=r.hook,
                    event_id=r.event_id,
                    status=r.status.value if hasattr(r.status, "value") else str(r.status),
                    error=r.last_error,
                    attempts=r.attempts,
                )
                for r in rows
            ]

    def records(self, collection: str) -> list[Record]:
        """Every record the plugin stored in ``collection`` (``client.records``), by key."""
        found: list[Record] = []
        records = self.client().records
        while True:
            page = records.list(collection, limit=200, after_key=found[-1].key if found else None)
            found.extend(page)
            if len(page) < 200:
                return found

    def client(self) -> ScopedClient:
        """The installation's scoped client: what the plugin's hooks are given."""

        shop = self._require_installed()
        with Session(self.engine) as session:
            row = session.get(Installation, shop.installation_id)
            assert row is not None
            ref = InstallationRef.of(row)
        return ScopedClient(self.engine, ref)

    # -- internals ------------------------------------------------------------------------

    def _plugin_id(self) -> str:
        if self.plugin_id is None:
            raise SandboxError(
                "no plugin under test; set `tanzi_plugin = mypkg.module` in your "
                "pytest config or override the `tanzi_plugin_module` fixture"
            )
        return self.plugin_id

    def _require_installed(self) -> SandboxShop:
        if self.shop is None:
            raise RuntimeError("the plugin is not installed; request the sandbox_shop fixture")
        return self.shop

    def _shop_name(self, session: Any) -> str:

        shop = session.get(Shop, self.shop_id)
        return shop.name if shop is not None else ""

    def absorb(self) -> None:
        """Mark undispatched events dispatched without delivering them to anyone."""

        dispatch_all(self.engine, PluginHost([]))

    def _run_for(self, event_name: str) -> list[SandboxDelivery]:
        return [d for d in self.run() if d.hook == event_name]

    def _make_order(self, session: Any, event_name: str) -> tuple[int, dict[str, Any]]:

        buyer = session.exec(select(Account).where(Account.email == DEMO_PEOPLE[3][1])).one()
        sku = session.exec(
            select(Sku)
            .where(Sku.shop_id == self.shop_id, Sku.stock > 0)
            .order_by(col(Sku.stock).desc())
        ).first()
        assert sku is not None, "the demo shop has no SKU in stock"
        self._seq += 1
        order, _ = orders.place_order(
            session,
            shop_id=self.shop_id,
            buyer_id=buyer.id,
            idempotency_key=f"sandbox-{self._seq}",
            data=OrderCreate(
                lines=[OrderLineCreate(sku_id=sku.id, quantity=1)],
                recipient_name="李买家",
                recipient_phone="13800138000",
                province_code="33",
                address="浙江省杭州市西湖区文三路 1 号",
            ),
        )
        if event_name != "order_created":
            orders.pay_order(session, order=order)
        if event_name == "order_cancelled":
            orders.cancel_order(session, order=order, by="merchant", reason="sandbox")
        session.flush()
        data = order_snapshot(session, order)
        if event_name in ("order_shipped", "order_delivered", "order_completed"):
            data["order"]["status"] = event_name.removeprefix("order_")
        assert order.id is not None
        return order.id, data

    def _product_snapshot(self, session: Any) -> tuple[int, dict[str, Any]]:

        product = session.exec(
            select(Product).where(Product.shop_id == self.shop_id).order_by(col(Product.id))
        ).first()
        assert product is not None and product.id is not None
        return product.id, product_snapshot(session, product)


@contextmanager
def open_sandbox(
    root: Path, plugin_module: str | None, *, limits: PluginLimits | None = None
) -> Iterator[Sandbox]:
    """A fresh sandbox in directory ``root``: SQLite, the demo world, and a plugin host that
    loads ``plugin_module`` only (with ``limits``, e.g. a shorter hook timeout). The plugin is
    not installed yet; the demo's own events are already dispatched, to nobody. The
    marketplace's review checks run submitted plugins in one of these.

    :raises SandboxError: when the plugin cannot be imported or is not loadable.
    """

    root.mkdir(parents=True, exist_ok=True)
    plugins_toml = root / "plugins.toml"
    plugins_toml.write_text("[plugins]\nload = []\nentry_points = false\n")
    settings = Settings(
        env="test",
        data_dir=root,
        database_url=f"sqlite:///{root / 'sandbox.db'}",
        secret_key="tanzi-sandbox-secret-key",
        plugins_file=plugins_toml,
    )
    config = PluginConfig(
        load=(plugin_module,) if plugin_module else (),
        entry_points=False,
        default_limits=limits or PluginLimits(),
    )
    loaded = load_all(config)
    for plugin in loaded:
        if plugin.status is not PluginStatus.active:
            raise SandboxError(
                f"plugin {plugin.module_name} is {plugin.status.value}: {plugin.reason}"
            )
    host = PluginHost(loaded, config)
    engine = create_db_engine(settings)
    try:
        SQLModel.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as session:
            load_demo(session, settings=settings)
            session.commit()
            shop = session.exec(select(core.models.Shop).order_by(col(core.models.Shop.id))).first()
            assert shop is not None and shop.id is not None
            shop_id = shop.id
        sandbox = Sandbox(engine, settings, host, shop_id)
        sandbox.absorb()
        yield sandbox
    finally:
        engine.dispose()
