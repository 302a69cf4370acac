"""REST routes for buyers: browse a shop's listed products, place and follow orders.

These live outside ``/shops/{shop_id}`` on purpose: buyers are not shop members. Browsing
needs no token; ordering needs any person's token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from core.api.deps import DecisionsDep, PageParams, PersonIdDep, SessionDep
from core.api.pagination import Page, paginate
from core.auth import shop_suspended
from core.errors import InvalidInput, NotFound
from core.models import Order, OrderStatus, Product, Shop, ShopStatus, Sku
from core.schemas.orders import OrderCancel, OrderCreate, OrderPublic
from core.schemas.products import StorefrontProduct
from core.services import order_views as views
from core.services import orders as svc
from core.services import products as product_svc
from core.services.payments import provider_for
from core.services.regions import ensure_province
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


def _open_shop(session: SessionDep, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None or shop.status != ShopStatus.open:
        raise NotFound(f"Shop {shop_id} was not found.")
    if shop.suspended_at is not None:
        raise shop_suspended(shop)
    return shop


@router.get("/storefront/shops/{shop_id}/products", response_model=Page[StorefrontProduct])
def storefront_products(
    session: SessionDep, shop_id: PathId, page: PageParams
) -> Page[StorefrontProduct]:
    """The listed products of an open shop (no token needed)."""
    _open_shop(session, shop_id)
    rows, next_cursor = paginate(
        session,
        product_svc.listed_products_query(shop_id),
        Product.id,
        cursor=page[0],
        limit=page[1],
    )
    return Page(items=product_svc.storefront_products(session, rows), next_cursor=next_cursor)


@router.get("/storefront/shops/{shop_id}/products/{product_id}", response_model=StorefrontProduct)
def storefront_product(
    session: SessionDep, shop_id: PathId, product_id: PathId
) -> StorefrontProduct:
    """One listed product of an open shop (no token needed)."""
    _open_shop(session, shop_id)
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
        adjust=lambda draft: sum(
            a.amount_fen
            for a in decisions.call(session, shop_id, "order_adjustments", order=draft).result
        ),
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
    session: SessionDep,
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
def my_order(buyer_id: PersonIdDep, session: SessionDep, order_id: PathId) -> OrderPublic:
    """One of the caller's orders."""
    order = views.get_order(session, order_id=order_id, buyer_id=buyer_id)
    return views.order_public(session, order)


@router.post(MY_ORDER + "/pay", response_model=OrderPublic)
def pay_my_order(
    request: Request, buyer_id: PersonIdDep, session: SessionDep, order_id: PathId
) -> OrderPublic:
    """Pay a pending order (the sandbox provider unless the host configured another)."""
    order = views.get_order(session, order_id=order_id, buyer_id=buyer_id, lock=True)
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
    _open_shop(session, shop_id)
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
