"""REST routes for buyers: browse a shop's listed products, place and follow orders.

These live outside ``/shops/{shop_id}`` on purpose: buyers are not shop members. Browsing
needs no token; ordering needs any person's token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from core.api.deps import DecisionsDep, PageParams, PersonIdDep, ReadSessionDep, SessionDep
from core.api.pagination import Page, paginate
from core.auth import shop_suspended
from core.errors import InvalidInput, NotFound
from core.models import Order, OrderStatus, Product, Shop, ShopStatus, Sku
from core.plugins.decisions import DecisionRunner
from core.schemas.orders import OrderCancel, OrderCreate, OrderPublic
from core.schemas.products import StorefrontProduct
from core.schemas.shipments import ShipmentPublic
from core.schemas.storefront import StorefrontCategory, StorefrontShop
from core.services import order_views as views
from core.services import orders as svc
from core.services import products as product_svc
from core.services.payments import provider_for
from core.services.regions import ensure_province
from core.services.storefront import (
    order_shipments,
    search_products_query,
    shop_categories,
    shop_profile,
)
from sdk.models import OrderLine as SdkOrderLine
from sdk.models import QuoteRequest

router = APIRouter(tags=["storefront"])

PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="Any unique string per order attempt; a retry with the same key and "
        "body returns the first order (200) instead of placing another.",
    ),
]
MY_ORDER = "/me/orders/{order_id}"
JSON = "application/json"


SearchText = Annotated[
    str | None,
    Query(
        max_length=100,
        description="Words that must all appear in the title or description (any case)",
    ),
]
CategoryFilter = Annotated[
    int | None,
    Query(ge=1, le=2**31 - 1, description="Only this category and the categories under it"),
]


def visible_shop(session: Session, shop_id: int) -> Shop:
    """An open shop, suspended or not (its profile still shows), or :class:`NotFound`."""
    shop = session.get(Shop, shop_id)
    if shop is None or shop.status != ShopStatus.open:
        raise NotFound(f"Shop {shop_id} was not found.", code="shop_not_found")
    return shop


def selling_shop(session: Session, shop_id: int) -> Shop:
    """An open shop that is not suspended (403 ``shop_suspended`` if it is)."""
    shop = visible_shop(session, shop_id)
    if shop.suspended_at is not None:
        raise shop_suspended(shop)
    return shop


def order_adjuster(
    decisions: DecisionRunner, read_session: Session, shop_id: int
) -> Callable[[Any], int]:
    """The ``order_adjustments`` decision as the amount it adds to a draft order's total."""
    return lambda draft: sum(
        a.amount_fen
        for a in decisions.call(read_session, shop_id, "order_adjustments", order=draft).result
    )


@router.get("/storefront/shops/{shop_id}", response_model=StorefrontShop)
def storefront_shop(session: ReadSessionDep, shop_id: PathId) -> StorefrontShop:
    """An open shop's profile: name, description, icon, type, and whether it sells now
    (no token needed)."""
    return shop_profile(session, visible_shop(session, shop_id))


@router.get("/storefront/shops/{shop_id}/categories", response_model=list[StorefrontCategory])
def storefront_categories(session: ReadSessionDep, shop_id: PathId) -> list[StorefrontCategory]:
    """The categories the shop has listed products in, for a filter (no token needed)."""
    selling_shop(session, shop_id)
    return shop_categories(session, shop_id)


@router.get("/storefront/shops/{shop_id}/products", response_model=Page[StorefrontProduct])
def storefront_products(
    session: ReadSessionDep,
    shop_id: PathId,
    page: PageParams,
    q: SearchText = None,
    category_id: CategoryFilter = None,
) -> Page[StorefrontProduct]:
    """The listed products of an open shop, optionally searched and filtered by category
    (no token needed). Each carries its main image URL and all its images."""
    selling_shop(session, shop_id)
    rows, next_cursor = paginate(
        session,
        search_products_query(session, shop_id, text=q, category_id=category_id),
        Product.id,
        cursor=page[0],
        limit=page[1],
    )
    return Page(items=product_svc.storefront_products(session, rows), next_cursor=next_cursor)


@router.get("/storefront/shops/{shop_id}/products/{product_id}", response_model=StorefrontProduct)
def storefront_product(
    session: ReadSessionDep, shop_id: PathId, product_id: PathId
) -> StorefrontProduct:
    """One listed product of an open shop (no token needed)."""
    selling_shop(session, shop_id)
    product = session.exec(
        product_svc.listed_products_query(shop_id).where(Product.id == product_id)
    ).first()
    if product is None:
        raise NotFound(f"Product {product_id} was not found.", code="product_not_found")
    return product_svc.storefront_products(session, [product])[0]


@router.post(
    "/storefront/shops/{shop_id}/orders",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderPublic,
    responses={200: {"model": OrderPublic, "description": "A replay of an earlier request"}},
)
def place_order(
    buyer_id: PersonIdDep,
    session: SessionDep,
    read_session: ReadSessionDep,
    shop_id: PathId,
    idempotency_key: IdempotencyKey,
    body: OrderCreate,
    decisions: DecisionsDep,
) -> Response:
    """Place an order (201), or get back the order an identical earlier request placed (200).

    The hot path: the body is serialized once here (``OrderPublic`` is already validated)
    instead of being validated again by the response model.
    """
    placed = svc.place_order_with_lines(
        session,
        shop_id=shop_id,
        buyer_id=buyer_id,
        idempotency_key=idempotency_key,
        data=body,
        adjust=order_adjuster(decisions, read_session, shop_id),
        read_session=read_session,
    )
    out = views.order_public(session, placed.order, lines=placed.lines)
    session.commit()
    if placed.created:
        return Response(out.model_dump_json(), status.HTTP_201_CREATED, media_type=JSON)
    return Response(
        out.model_dump_json(),
        status.HTTP_200_OK,
        headers={"Idempotent-Replayed": "true"},
        media_type=JSON,
    )


@router.get("/me/orders", response_model=Page[OrderPublic])
def my_orders(
    buyer_id: PersonIdDep,
    session: ReadSessionDep,
    page: PageParams,
    status: Annotated[OrderStatus | None, Query(description="Only this status")] = None,
) -> Page[OrderPublic]:
    """The caller's own orders, newest last."""
    rows, next_cursor = paginate(
        session,
        views.orders_query(buyer_id=buyer_id, status=status),
        Order.id,
        cursor=page[0],
        limit=page[1],
    )
    return Page(items=views.orders_public(session, rows), next_cursor=next_cursor)


@router.get(MY_ORDER, response_model=OrderPublic)
def my_order(buyer_id: PersonIdDep, session: ReadSessionDep, order_id: PathId) -> OrderPublic:
    """One of the caller's orders."""
    order = views.get_order(session, order_id=order_id, buyer_id=buyer_id)
    return views.order_public(session, order)


@router.get(MY_ORDER + "/shipments", response_model=list[ShipmentPublic])
def my_order_shipments(
    request: Request, buyer_id: PersonIdDep, session: ReadSessionDep, order_id: PathId
) -> list[ShipmentPublic]:
    """The parcels of one of the caller's orders, with their tracking."""
    order = views.get_order(session, order_id=order_id, buyer_id=buyer_id)
    return order_shipments(session, order, carriers=getattr(request.app.state, "carriers", None))


@router.post(MY_ORDER + "/pay", response_model=OrderPublic)
def pay_my_order(
    request: Request, buyer_id: PersonIdDep, session: SessionDep, order_id: PathId
) -> OrderPublic:
    """Pay a pending order (the sandbox provider unless the host configured another)."""
    order = views.get_order(session, order_id=order_id, buyer_id=buyer_id)  # pay_order locks
    svc.pay_order(session, order=order, provider=provider_for(request.app.state))
    out = views.order_public(session, order)
    session.commit()
    return out


@router.post(MY_ORDER + "/cancel", response_model=OrderPublic)
def cancel_my_order(
    request: Request,
    buyer_id: PersonIdDep,
    session: SessionDep,
    order_id: PathId,
    body: Annotated[OrderCancel | None, Body()] = None,
) -> OrderPublic:
    """Cancel an order still pending payment; its stock goes back."""
    order = views.get_order(session, order_id=order_id, buyer_id=buyer_id, lock=True)
    svc.cancel_order(
        session,
        order=order,
        by="buyer",
        reason=body.reason if body else "",
        provider=provider_for(request.app.state),
    )
    out = views.order_public(session, order)
    session.commit()
    return out


@router.post(MY_ORDER + "/confirm-receipt", response_model=OrderPublic)
def confirm_receipt(buyer_id: PersonIdDep, session: SessionDep, order_id: PathId) -> OrderPublic:
    """Confirm a delivered order arrived; it becomes completed."""
    order = views.get_order(session, order_id=order_id, buyer_id=buyer_id, lock=True)
    svc.confirm_receipt(session, order=order)
    out = views.order_public(session, order)
    session.commit()
    return out


class QuoteLine(BaseModel):
    sku_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    quantity: Annotated[int, Field(ge=1, le=999)]


class ShippingQuoteRequest(BaseModel):
    """Where the parcel goes and what is in it."""

    model_config = ConfigDict(extra="forbid")

    province_code: Annotated[str, Field(min_length=2, max_length=2)]
    lines: Annotated[list[QuoteLine], Field(min_length=1, max_length=100)]


class ShippingQuote(BaseModel):
    carrier_code: str
    amount_fen: int
    currency: str
    days: int | None = None


@router.post("/storefront/shops/{shop_id}/shipping-quote", response_model=ShippingQuote)
def shipping_quote(
    session: SessionDep, shop_id: PathId, body: ShippingQuoteRequest, decisions: DecisionsDep
) -> ShippingQuote:
    """What shipping to the province costs: the shop's logistics service quotes, or the
    kernel's flat rate when none does (or one fails its time budget). No token needed."""
    selling_shop(session, shop_id)
    ensure_province(body.province_code, field="body.province_code")
    skus = {
        sku.id: sku
        for sku in session.exec(
            select(Sku).where(
                Sku.shop_id == shop_id, col(Sku.id).in_([line.sku_id for line in body.lines])
            )
        )
    }
    lines = []
    for i, line in enumerate(body.lines):
        sku = skus.get(line.sku_id)
        if sku is None:
            raise InvalidInput(
                f"SKU {line.sku_id} is not sold in this shop.",
                code="unknown_sku",
                field=f"body.lines[{i}].sku_id",
            )
        lines.append(
            SdkOrderLine(
                product_id=sku.product_id,
                sku_id=sku.id,
                quantity=line.quantity,
                unit_price_fen=sku.price_fen,
            )
        )
    request = QuoteRequest(
        province_code=body.province_code,
        lines=lines,
        subtotal_fen=sum((ln.unit_price_fen or 0) * ln.quantity for ln in lines),
    )
    quote = decisions.call(session, shop_id, "logistics_quote", request=request).result
    return ShippingQuote(
        carrier_code=quote.carrier_code,
        amount_fen=quote.amount_fen,
        currency=quote.currency,
        days=quote.days,
    )
