"""The in-process :class:`~sdk.client.ShopClient`: a shop as one installation may use it.

Every call first asks the one guard, :func:`core.auth.authorize_shop`, with a service
principal carrying the installation's granted scopes; a missing scope raises
:class:`sdk.errors.ScopeDenied` before anything is read or written. Each call runs in a
session of its own; a write commits once. Reads use ``read_engine`` (on SQLite a plain,
non-locking engine) so a decision hook reading the shop never waits on the request's lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.auth import Principal, authorize_shop
from core.errors import NotFound, PermissionDenied, TanziError
from core.models import AfterSale, Order, OrderLine, Product, Shipment, Shop, Sku
from core.plugins.manager import InstallationRef
from sdk import models as sdk_models
from sdk.errors import InvalidRequest, ResourceNotFound, ScopeDenied
from sdk.scopes import Scope

_PII = ("recipient_name", "recipient_phone", "address")


class ScopedClient:
    """The shop client bound to one installation and its granted scopes."""

    def __init__(
        self, engine: Engine, installation: InstallationRef, *, read_engine: Engine | None = None
    ) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine
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

    def has(self, scope: Scope) -> bool:
        return scope.value in self.installation.granted_scopes

    @contextmanager
    def reading(self, scope: Scope) -> Iterator[Session]:
        """A read-only session, after the guard cleared ``scope``."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            self._authorize(session, scope)
            yield session

    @contextmanager
    def writing(self, scope: Scope) -> Iterator[Session]:
        """A session that commits once at the end, after the guard cleared ``scope``."""
        with Session(self.engine, expire_on_commit=False) as session:
            self._authorize(session, scope)
            try:
                yield session
                session.commit()
            except TanziError as exc:
                session.rollback()
                if isinstance(exc, NotFound):
                    raise ResourceNotFound(exc.detail) from exc
                raise InvalidRequest(exc.detail, code=exc.code) from exc
            except BaseException:
                session.rollback()
                raise

    def _authorize(self, session: Session, scope: Scope) -> None:
        try:
            authorize_shop(session, self.principal, self.shop_id, scope)
        except PermissionDenied as exc:
            raise ScopeDenied(scope.value, exc.detail) from exc
        except NotFound as exc:
            raise ResourceNotFound(exc.detail) from exc


def _dump(row: Any) -> dict[str, Any]:
    return row.model_dump(mode="json")


def _one(session: Session, model: type, row_id: int, shop_id: int, what: str) -> Any:
    row = session.get(model, row_id)
    if row is None or getattr(row, "shop_id", None) != shop_id:
        raise ResourceNotFound(f"{what} {row_id} was not found in this shop.")
    return row


class _Products:
    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def _view(self, session: Session, products: list[Product]) -> list[sdk_models.Product]:
        ids = [p.id for p in products]
        skus: dict[int, list[dict[str, Any]]] = {}
        for sku in session.exec(select(Sku).where(col(Sku.product_id).in_(ids)).order_by(Sku.id)):
            skus.setdefault(sku.product_id, []).append(_dump(sku))
        return [
            sdk_models.Product.model_validate({**_dump(p), "skus": skus.get(p.id or 0, [])})
            for p in products
        ]

    def get(self, product_id: int) -> sdk_models.Product:
        with self._c.reading(Scope.products_read) as session:
            product = _one(session, Product, product_id, self._c.shop_id, "Product")
            return self._view(session, [product])[0]

    def list(self, *, limit: int = 50, after_id: int | None = None) -> list[sdk_models.Product]:
        with self._c.reading(Scope.products_read) as session:
            query = select(Product).where(Product.shop_id == self._c.shop_id)
            if after_id is not None:
                query = query.where(col(Product.id) > after_id)
            rows = list(session.exec(query.order_by(col(Product.id)).limit(min(limit, 200))))
            return self._view(session, rows)

    def set_stock(self, sku_id: int, stock: int) -> sdk_models.Sku:
        from core.services.products import change_inventory, get_sku

        with self._c.writing(Scope.products_write) as session:
            sku = get_sku(session, shop_id=self._c.shop_id, sku_id=sku_id, lock=True)
            change_inventory(session, sku=sku, set_to=stock)
            session.flush()
            return sdk_models.Sku.model_validate(_dump(sku))


class _Orders:
    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def _view(self, session: Session, orders: list[Order]) -> list[sdk_models.Order]:
        ids = [o.id for o in orders]
        lines: dict[int, list[dict[str, Any]]] = {}
        query = select(OrderLine).where(col(OrderLine.order_id).in_(ids)).order_by(OrderLine.id)
        for line in session.exec(query):
            lines.setdefault(line.order_id, []).append(_dump(line))
        pii = self._c.has(Scope.orders_pii)
        out = []
        for order in orders:
            data = _dump(order)
            if not pii:
                for key in _PII:
                    data.pop(key, None)
            data["lines"] = lines.get(order.id or 0, [])
            out.append(sdk_models.Order.model_validate(data))
        return out

    def get(self, order_id: int) -> sdk_models.Order:
        with self._c.reading(Scope.orders_read) as session:
            order = _one(session, Order, order_id, self._c.shop_id, "Order")
            return self._view(session, [order])[0]

    def list(
        self, *, status: str | None = None, limit: int = 50, after_id: int | None = None
    ) -> list[sdk_models.Order]:
        with self._c.reading(Scope.orders_read) as session:
            query = select(Order).where(Order.shop_id == self._c.shop_id)
            if status is not None:
                query = query.where(Order.status == status)
            if after_id is not None:
                query = query.where(col(Order.id) > after_id)
            rows = list(session.exec(query.order_by(col(Order.id)).limit(min(limit, 200))))
            return self._view(session, rows)


class _AfterSales:
    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def get(self, aftersale_id: int) -> sdk_models.AfterSale:
        with self._c.reading(Scope.aftersales_read) as session:
            row = _one(session, AfterSale, aftersale_id, self._c.shop_id, "After-sale")
            return sdk_models.AfterSale.model_validate(_dump(row))

    def list(self, *, order_id: int | None = None, limit: int = 50) -> list[sdk_models.AfterSale]:
        with self._c.reading(Scope.aftersales_read) as session:
            query = select(AfterSale).where(AfterSale.shop_id == self._c.shop_id)
            if order_id is not None:
                query = query.where(AfterSale.order_id == order_id)
            rows = session.exec(query.order_by(col(AfterSale.id)).limit(min(limit, 200)))
            return [sdk_models.AfterSale.model_validate(_dump(r)) for r in rows]


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
            rows = session.exec(query.order_by(col(Shipment.id)).limit(min(limit, 200)))
            return [sdk_models.Shipment.model_validate(_dump(r)) for r in rows]

    def add_tracking(
        self, shipment_id: int, *, status: str, description: str = "", location: str = ""
    ) -> sdk_models.TrackingEvent:
        from core.services.shipments import add_tracking_event, get_shop_shipment

        with self._c.writing(Scope.logistics_write) as session:
            shipment = get_shop_shipment(session, shop_id=self._c.shop_id, shipment_id=shipment_id)
            event = add_tracking_event(
                session,
                shipment=shipment,
                status=status,  # type: ignore[arg-type]
                description=description,
                location=location,
            )
            session.flush()
            return sdk_models.TrackingEvent.model_validate(_dump(event))


class _Shop:
    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def get(self) -> sdk_models.ShopInfo:
        with self._c.reading(Scope.shop_read) as session:
            shop = session.get(Shop, self._c.shop_id)
            if shop is None:
                raise ResourceNotFound(f"Shop {self._c.shop_id} was not found.")
            return sdk_models.ShopInfo.model_validate(_dump(shop))
