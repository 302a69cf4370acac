"""The in-process :class:`~sdk.client.ShopClient`: a shop as one installation may use it.

Every call first asks the one guard, :func:`core.auth.authorize_shop`, with a service
principal carrying the installation's granted scopes; a missing scope raises
:class:`sdk.errors.ScopeDenied` before anything is read or written. Each call runs in a
session of its own; a write commits once. Reads use ``read_engine`` (on SQLite a plain,
non-locking engine) so a decision hook reading the shop never waits on the request's lock.

Reads and writes go through the kernel's services (``core.services.*``), so a plugin sees
what the open API shows and changes the shop under the same rules. ``records`` is the
installation's own data store (:class:`~core.models.PluginRecord`): no scope, but only
ever the calling installation's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.auth import Principal, authorize_shop
from core.errors import NotFound, PermissionDenied, TanziError
from core.models import AfterSale, Order, OrderStatus, PluginRecord, Product, Shipment, Shop
from core.plugins.client_catalog import ClientCatalog, ClientCategories, product_views
from core.plugins.client_files import ClientFiles, ClientJobs
from core.plugins.client_host import ClientHost
from core.plugins.client_secrets import ClientSecrets
from core.plugins.manager import InstallationRef
from core.schemas.aftersales import AfterSalePublic, as_utc
from core.schemas.shipments import TrackingStatus
from core.services import carrier_accounts, plugin_records
from core.services.aftersales import accept_aftersale, get_shop_aftersale, reject_aftersale
from core.services.order_notes import annotate_order
from core.services.order_views import get_order, orders_public, orders_query
from core.services.orders import cancel_order
from core.services.products import change_inventory, get_product, get_sku, products_query
from core.services.shipments import (
    add_tracking_event,
    create_shipment,
    get_shop_order,
    get_shop_shipment,
)
from sdk import models as sdk_models
from sdk.errors import InvalidRequest, ResourceNotFound, ScopeDenied
from sdk.scopes import Scope
from sdk.waybills import Address, CarrierAccount, Waybill, WaybillResult

#: The most rows one list call returns.
MAX_LIST = 200


class ScopedClient:
    """The shop client bound to one installation and its granted scopes."""

    def __init__(
        self,
        engine: Engine,
        installation: InstallationRef,
        *,
        read_engine: Engine | None = None,
        host: ClientHost | None = None,
    ) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine
        self.host = host
        #: set by :meth:`bound`: every call then runs in this one transaction (a job chunk)
        self.shared_session: Session | None = None
        self.installation = installation
        self.shop_id = installation.shop_id
        self.installation_id: int | None = installation.id
        self.principal = Principal(
            account_id=None,
            kind="installation",
            scopes=installation.granted_scopes,
            shop_id=installation.shop_id,
            installation_id=installation.id,
        )
        self.products = _Products(self)
        self.orders = _Orders(self)
        self.aftersales = _AfterSales(self)
        self.logistics = _Logistics(self)
        self.shop = _Shop(self)
        self.records = _Records(self)
        self.carriers = _Carriers(self)
        self.categories = ClientCategories(self)
        self.files = ClientFiles(self)
        self.jobs = ClientJobs(self)
        self.secrets = ClientSecrets(self)

    def bound(self, session: Session) -> ScopedClient:
        """The same client with every call inside ``session``'s transaction (each write in
        a savepoint, so a refused call undoes only itself); the owner of ``session``
        commits. Used for a job's chunk: its writes commit with the checkpoint."""
        twin = ScopedClient(
            self.engine, self.installation, read_engine=self.read_engine, host=self.host
        )
        twin.shared_session = session
        return twin

    def has(self, scope: Scope) -> bool:
        """Whether the installation was granted ``scope``."""
        return scope.value in self.installation.granted_scopes

    @contextmanager
    def reading(self, scope: Scope | None) -> Iterator[Session]:
        """A read-only session, after the guard cleared ``scope`` (``None``: own records)."""
        if self.shared_session is not None:
            self._authorize(self.shared_session, scope)
            with _client_errors():
                yield self.shared_session
            return
        with Session(self.read_engine, expire_on_commit=False) as session:
            self._authorize(session, scope)
            with _client_errors():
                yield session

    @contextmanager
    def writing(self, scope: Scope | None) -> Iterator[Session]:
        """A session that commits once at the end, after the guard cleared ``scope``.

        The guard runs before anything else: a denied call writes nothing. Any error
        rolls the whole call back; kernel errors reach the plugin as SDK errors.
        """
        if self.shared_session is not None:
            shared = self.shared_session
            self._authorize(shared, scope)
            with shared.begin_nested(), _client_errors():
                yield shared
                shared.flush()
            return
        with Session(self.engine, expire_on_commit=False) as session:
            self._authorize(session, scope)
            try:
                with _client_errors():
                    yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def _authorize(self, session: Session, scope: Scope | None) -> None:
        if scope is None:  # the installation's own records: it only has to belong here
            if self.principal.shop_id != self.shop_id or session.get(Shop, self.shop_id) is None:
                raise ResourceNotFound(f"Shop {self.shop_id} was not found.")
            return
        try:
            authorize_shop(session, self.principal, self.shop_id, scope)
        except PermissionDenied as exc:
            raise ScopeDenied(scope.value, exc.detail) from exc
        except NotFound as exc:
            raise ResourceNotFound(exc.detail) from exc


@contextmanager
def _client_errors() -> Iterator[None]:
    """Turn the kernel's errors into the SDK's: not found, or an invalid request."""
    try:
        yield
    except NotFound as exc:
        raise ResourceNotFound(exc.detail) from exc
    except TanziError as exc:
        raise InvalidRequest(exc.detail, code=exc.code) from exc


def _dump(row: Any) -> dict[str, Any]:
    return row.model_dump(mode="json")


def _limit(limit: int) -> int:
    """A list call's page size, kept within 1..MAX_LIST."""
    return max(1, min(int(limit), MAX_LIST))


class _Products(ClientCatalog):
    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def _view(self, session: Session, products: list[Product]) -> list[sdk_models.Product]:
        return product_views(session, products)

    def get(self, product_id: int) -> sdk_models.Product:
        """One product of this shop (not a deleted one). Scope: ``products:read``."""
        with self._c.reading(Scope.products_read) as session:
            product = get_product(session, shop_id=self._c.shop_id, product_id=product_id)
            return self._view(session, [product])[0]

    def list(self, *, limit: int = 50, after_id: int | None = None) -> list[sdk_models.Product]:
        """Products by id, deleted ones left out as in the open API. Scope: ``products:read``."""
        with self._c.reading(Scope.products_read) as session:
            query = products_query(self._c.shop_id)
            if after_id is not None:
                query = query.where(col(Product.id) > after_id)
            rows = list(session.exec(query.order_by(col(Product.id)).limit(_limit(limit))))
            return self._view(session, rows)

    def set_stock(self, sku_id: int, stock: int) -> sdk_models.Sku:
        with self._c.writing(Scope.products_write) as session:
            sku = get_sku(session, shop_id=self._c.shop_id, sku_id=sku_id, lock=True)
            change_inventory(session, sku=sku, set_to=stock)
            session.flush()
            return sdk_models.Sku.model_validate(_dump(sku))

    def add_stock(
        self, sku_id: int, delta: int, *, note: str | None = None, change_id: str | None = None
    ) -> sdk_models.Sku:
        with self._c.writing(Scope.products_write) as session:
            sku = get_sku(session, shop_id=self._c.shop_id, sku_id=sku_id, lock=True)
            change_inventory(
                session, sku=sku, delta=delta, reason="other", note=note, change_id=change_id
            )
            session.flush()
            return sdk_models.Sku.model_validate(_dump(sku))


class _Orders:
    """``client.orders``: reads through the order services; buyer details need
    ``orders:pii``."""

    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def _view(self, session: Session, orders: list[Any]) -> list[sdk_models.Order]:
        views = orders_public(
            session, orders, include_pii=self._c.has(Scope.orders_pii), for_merchant=True
        )
        return [sdk_models.Order.model_validate(v.model_dump(mode="json")) for v in views]

    def get(self, order_id: int) -> sdk_models.Order:
        """One order of this shop. Scope: ``orders:read`` (``orders:pii`` for the buyer)."""
        with self._c.reading(Scope.orders_read) as session:
            order = get_order(session, order_id=order_id, shop_id=self._c.shop_id)
            return self._view(session, [order])[0]

    def list(
        self, *, status: str | None = None, limit: int = 50, after_id: int | None = None
    ) -> list[sdk_models.Order]:
        """Orders by id, optionally of one status. Scope: ``orders:read``."""
        try:
            wanted = OrderStatus(status) if status is not None else None
        except ValueError:
            raise InvalidRequest(f"'{status}' is not an order status.") from None
        with self._c.reading(Scope.orders_read) as session:
            query = orders_query(shop_id=self._c.shop_id, status=wanted)
            if after_id is not None:
                query = query.where(col(Order.id) > after_id)
            rows = list(session.exec(query.order_by(col(Order.id)).limit(_limit(limit))))
            return self._view(session, rows)

    def cancel(self, order_id: int, *, reason: str) -> sdk_models.Order:
        """Cancel a pending or paid order with a reason. Scope: ``orders:write``."""
        reason = _reason(reason)
        with self._c.writing(Scope.orders_write) as session:
            order = get_shop_order(session, shop_id=self._c.shop_id, order_id=order_id)
            cancel_order(session, order=order, by="merchant", reason=reason)
            session.flush()
            return self._view(session, [order])[0]

    def annotate(
        self, order_id: int, *, note: str | None = None, flag: str | None = None
    ) -> sdk_models.Order:
        """Set the merchant's note and flag on an order. Scope: ``orders:write``."""
        with self._c.writing(Scope.orders_write) as session:
            order = get_shop_order(session, shop_id=self._c.shop_id, order_id=order_id)
            annotate_order(session, order=order, note=note, flag=flag)
            session.flush()
            return self._view(session, [order])[0]


#: The longest cancellation reason, in characters.
MAX_CANCEL_REASON = 200


def _reason(reason: str) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > MAX_CANCEL_REASON:
        raise InvalidRequest(
            f"A cancellation needs a reason of 1 to {MAX_CANCEL_REASON} characters.",
            code="invalid_input",
        )
    return text


def _aftersale_view(row: AfterSale) -> sdk_models.AfterSale:
    public = AfterSalePublic.model_validate(row)
    return sdk_models.AfterSale.model_validate(public.model_dump(mode="json"))


class _AfterSales:
    """``client.aftersales``: reads and merchant decisions through the after-sales
    services."""

    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def get(self, aftersale_id: int) -> sdk_models.AfterSale:
        """One after-sale request of this shop. Scope: ``aftersales:read``."""
        with self._c.reading(Scope.aftersales_read) as session:
            row = get_shop_aftersale(session, shop_id=self._c.shop_id, aftersale_id=aftersale_id)
            return _aftersale_view(row)

    def list(self, *, order_id: int | None = None, limit: int = 50) -> list[sdk_models.AfterSale]:
        """After-sale requests by id, optionally of one order. Scope: ``aftersales:read``."""
        with self._c.reading(Scope.aftersales_read) as session:
            query = select(AfterSale).where(AfterSale.shop_id == self._c.shop_id)
            if order_id is not None:
                query = query.where(AfterSale.order_id == order_id)
            rows = session.exec(query.order_by(col(AfterSale.id)).limit(_limit(limit)))
            return [_aftersale_view(r) for r in rows]

    def accept(self, aftersale_id: int) -> sdk_models.AfterSale:
        """Accept a pending request; a refund-only one is refunded at once.
        Scope: ``aftersales:write``."""
        with self._c.writing(Scope.aftersales_write) as session:
            row = get_shop_aftersale(
                session, shop_id=self._c.shop_id, aftersale_id=aftersale_id, for_update=True
            )
            accept_aftersale(session, aftersale=row)
            session.flush()
            return _aftersale_view(row)

    def reject(self, aftersale_id: int, *, reason: str) -> sdk_models.AfterSale:
        """Reject a pending request with a reason the buyer sees. Scope: ``aftersales:write``."""
        with self._c.writing(Scope.aftersales_write) as session:
            row = get_shop_aftersale(
                session, shop_id=self._c.shop_id, aftersale_id=aftersale_id, for_update=True
            )
            reject_aftersale(session, aftersale=row, reason=reason)
            session.flush()
            return _aftersale_view(row)


class _Logistics:
    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def shipments(
        self, *, order_id: int | None = None, limit: int = 50
    ) -> list[sdk_models.Shipment]:
        with self._c.reading(Scope.logistics_read) as session:
            query = select(Shipment).where(Shipment.shop_id == self._c.shop_id)
            if order_id is not None:
                query = query.where(Shipment.order_id == order_id)
            rows = session.exec(query.order_by(col(Shipment.id)).limit(_limit(limit)))
            return [sdk_models.Shipment.model_validate(_dump(r)) for r in rows]

    def add_tracking(
        self, shipment_id: int, *, status: str, description: str = "", location: str = ""
    ) -> sdk_models.TrackingEvent:
        with self._c.writing(Scope.logistics_write) as session:
            shipment = get_shop_shipment(session, shop_id=self._c.shop_id, shipment_id=shipment_id)
            try:
                scan = TrackingStatus(status)
            except ValueError:
                raise InvalidRequest(
                    f"'{status}' is not a tracking status.", code="invalid_input"
                ) from None
            event = add_tracking_event(
                session,
                shipment=shipment,
                status=scan,
                description=description,
                location=location,
            )
            session.flush()
            return sdk_models.TrackingEvent.model_validate(_dump(event))

    def create_shipment(
        self,
        order_id: int,
        *,
        carrier_code: str,
        waybill_no: str,
        line_ids: list[int] | None = None,
    ) -> sdk_models.Shipment:
        """Ship an order with a waybill. Scope: ``logistics:write``."""
        with self._c.writing(Scope.logistics_write) as session:
            order = get_shop_order(session, shop_id=self._c.shop_id, order_id=order_id)
            shipment = create_shipment(
                session,
                order=order,
                carrier_code=carrier_code,
                waybill_no=waybill_no,
                line_ids=line_ids or (),
                carriers=carrier_accounts.directory.registry(),
            )
            session.flush()
            return sdk_models.Shipment.model_validate(_dump(shipment))


class _Carriers:
    """``client.carriers``: bound accounts (masked) and their e-waybills; the secret goes
    to the carrier's operations only, never to the calling plugin."""

    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def accounts(self, *, carrier_code: str | None = None) -> list[CarrierAccount]:
        """Bound accounts, masked. Scope: ``logistics:read``."""
        with self._c.reading(Scope.logistics_read) as session:
            rows = carrier_accounts.list_accounts(
                session, shop_id=self._c.shop_id, carrier_code=carrier_code
            )
            return [carrier_accounts.account_view(r) for r in rows]

    def issue_waybills(
        self, account_id: int, order_ids: list[int], *, sender: Address | None = None
    ) -> list[WaybillResult]:
        """One waybill per order, once. Scope: ``logistics:write``."""
        with self._c.writing(Scope.logistics_write) as session:
            items = carrier_accounts.issue_waybills(
                session,
                shop_id=self._c.shop_id,
                account_id=account_id,
                order_ids=list(order_ids),
                sender=sender,
            )
            session.flush()
            return [
                WaybillResult(
                    order_id=i.order_id,
                    waybill=carrier_accounts.waybill_view(i.waybill) if i.waybill else None,
                    reused=i.reused,
                    problem=i.problem,
                )
                for i in items
            ]

    def waybills(self, *, order_id: int) -> list[Waybill]:
        """The waybills issued for an order. Scope: ``logistics:read``."""
        with self._c.reading(Scope.logistics_read) as session:
            rows = carrier_accounts.waybills_of(session, shop_id=self._c.shop_id, order_id=order_id)
            return [carrier_accounts.waybill_view(r) for r in rows]

    def cancel_waybill(self, waybill_id: int) -> Waybill:
        """Cancel an issued waybill no shipment uses. Scope: ``logistics:write``."""
        with self._c.writing(Scope.logistics_write) as session:
            row = carrier_accounts.cancel_waybill(
                session, shop_id=self._c.shop_id, waybill_id=waybill_id
            )
            return carrier_accounts.waybill_view(row)


class _Shop:
    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def get(self) -> sdk_models.ShopInfo:
        with self._c.reading(Scope.shop_read) as session:
            shop = session.get(Shop, self._c.shop_id)
            if shop is None:
                raise ResourceNotFound(f"Shop {self._c.shop_id} was not found.")
            return sdk_models.ShopInfo.model_validate(_dump(shop))


class _Records:
    """``client.records``: the installation's own JSON documents. No scope needed; every
    query is pinned to this installation, so one plugin never reads another's records.
    The rules live in :mod:`core.services.plugin_records`, shared with the open API's routes."""

    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    @property
    def _installation_id(self) -> int:
        return self._c.installation_id or 0

    def put(
        self, collection: str, key: str, data: dict[str, Any], *, if_absent: bool = False
    ) -> sdk_models.Record:
        """Create or replace the record at ``(collection, key)``.

        With ``if_absent`` an existing record is returned unchanged (create once).
        """
        with _client_errors():
            plugin_records.check_address(collection, key)
            plugin_records.check_document(data)
        with self._c.writing(None) as session:
            row, _ = plugin_records.put_record(
                session,
                installation_id=self._installation_id,
                shop_id=self._c.shop_id,
                collection=collection,
                key=key,
                data=data,
                if_absent=if_absent,
            )
            return record_view(row)

    def get(self, collection: str, key: str) -> sdk_models.Record | None:
        """The record at ``(collection, key)``, or ``None``."""
        with _client_errors():
            plugin_records.check_address(collection, key)
        with self._c.reading(None) as session:
            row = plugin_records.get_record(
                session, installation_id=self._installation_id, collection=collection, key=key
            )
            return record_view(row) if row is not None else None

    def list(
        self, collection: str, *, limit: int = 50, after_key: str | None = None
    ) -> list[sdk_models.Record]:
        """Records of ``collection`` ordered by key, at most ``limit`` after ``after_key``."""
        with _client_errors():
            plugin_records.check_address(collection, None)
        with self._c.reading(None) as session:
            rows = plugin_records.list_records(
                session,
                installation_id=self._installation_id,
                collection=collection,
                limit=limit,
                after_key=after_key,
            )
            return [record_view(r) for r in rows]

    def delete(self, collection: str, key: str) -> bool:
        """Delete the record at ``(collection, key)``; ``False`` when there was none."""
        with _client_errors():
            plugin_records.check_address(collection, key)
        with self._c.writing(None) as session:
            return plugin_records.delete_record(
                session, installation_id=self._installation_id, collection=collection, key=key
            )

    def increment(
        self, collection: str, key: str, field: str, *, by: int = 1, ceiling: int | None = None
    ) -> int | None:
        """Add ``by`` to the counter ``data[field]`` unless it would leave ``0..ceiling``."""
        with _client_errors():
            plugin_records.check_address(collection, key)
            plugin_records.check_counter(field, by, ceiling)
        with self._c.writing(None) as session:
            return plugin_records.increment_counter(
                session,
                installation_id=self._installation_id,
                shop_id=self._c.shop_id,
                collection=collection,
                key=key,
                field=field,
                by=by,
                ceiling=ceiling,
            )


def record_view(row: PluginRecord) -> sdk_models.Record:
    """The SDK view of a stored record (also what the merchant's API returns); times are
    UTC-aware even where the database hands them back naive (SQLite)."""
    return sdk_models.Record(
        collection=row.collection,
        key=row.key,
        data=dict(row.data),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )
