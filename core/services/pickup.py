"""Self pickup: a shop's pickup stores, and picking an order up with its code.

A self-pickup order is refused (``no_pickup_store``) while its shop has no pickup store;
otherwise it is bound to one store when placed (:func:`bind_order_to_store`). Payment
issues a random code (:func:`issue_pickup_code`) that only the buyer sees; the merchant
completes the order by entering it (:func:`complete_pickup`). Wrong codes are counted per
order: :data:`MAX_FAILED_ATTEMPTS` in a row lock the order for :data:`LOCKOUT`. Services
never commit.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, func, select

from core.errors import InvalidInput, InvalidState, NotFound, RateLimited
from core.models import Order, OrderPickup, OrderStatus, PickupStore
from core.models.base import utcnow
from core.outbox import record_event
from core.schemas.pickup import OrderPickupPublic, PickupStoreIn, PickupStorePublic
from core.services.order_state import move_order
from core.services.order_views import order_snapshot
from core.services.regions import ensure_province

#: Digits in a pickup code: 10**8 possibilities against a handful of tries per lockout.
CODE_DIGITS = 8
#: Wrong codes in a row before the order's code is locked.
MAX_FAILED_ATTEMPTS = 5
#: How long the code stays locked after too many wrong tries.
LOCKOUT = timedelta(minutes=15)
#: Pickup stores per shop.
MAX_STORES = 50


# -- stores --------------------------------------------------------------------------------


def list_stores(session: Session, *, shop_id: int) -> list[PickupStore]:
    """The shop's pickup stores, oldest first."""
    return list(
        session.exec(
            select(PickupStore).where(PickupStore.shop_id == shop_id).order_by(col(PickupStore.id))
        ).all()
    )


def get_store(session: Session, *, shop_id: int, store_id: int) -> PickupStore:
    """A pickup store of this shop; another shop's is reported as not found."""
    store = session.get(PickupStore, store_id)
    if store is None or store.shop_id != shop_id:
        raise NotFound(f"Pickup store {store_id} was not found.", code="pickup_store_not_found")
    return store


def _apply(store: PickupStore, data: PickupStoreIn) -> None:
    store.name = data.name
    store.province_code = ensure_province(data.province_code, field="body.province_code")
    store.address = data.address
    store.hours = data.hours
    store.phone = data.phone
    store.updated_at = utcnow()


def create_store(session: Session, *, shop_id: int, data: PickupStoreIn) -> PickupStore:
    """Add a pickup store; at most :data:`MAX_STORES` per shop."""
    count = session.exec(
        select(func.count()).select_from(PickupStore).where(PickupStore.shop_id == shop_id)
    ).one()
    if count >= MAX_STORES:
        raise InvalidState(
            f"A shop may have at most {MAX_STORES} pickup stores.", code="too_many_pickup_stores"
        )
    store = PickupStore(shop_id=shop_id, name="", province_code="", address="", hours="", phone="")
    _apply(store, data)
    session.add(store)
    session.flush()
    return store


def update_store(session: Session, *, store: PickupStore, data: PickupStoreIn) -> PickupStore:
    """Replace a store's details; orders bound to it follow it."""
    _apply(store, data)
    session.add(store)
    session.flush()
    return store


def delete_store(session: Session, *, store: PickupStore) -> None:
    """Remove a store no open order waits at (409 ``pickup_store_in_use`` otherwise)."""
    waiting = session.exec(
        select(OrderPickup.order_id)
        .join(Order, col(Order.id) == col(OrderPickup.order_id))
        .where(
            OrderPickup.store_id == store.id,
            col(Order.status).in_([OrderStatus.pending_payment, OrderStatus.paid]),
        )
    ).first()
    if waiting is not None:
        raise InvalidState(
            "Orders still wait to be picked up at this store.",
            code="pickup_store_in_use",
            extra={"order_id": waiting},
        )
    for done in session.exec(select(OrderPickup).where(OrderPickup.store_id == store.id)).all():
        session.delete(done)
    session.flush()
    session.delete(store)
    session.flush()


def store_public(store: PickupStore) -> PickupStorePublic:
    """The API view of a store."""
    return PickupStorePublic.model_validate(store)


# -- orders --------------------------------------------------------------------------------


def choose_store(session: Session, *, shop_id: int, store_id: int | None) -> PickupStore:
    """The store a new self-pickup order goes to: ``store_id``, or the shop's first.

    Raises :class:`InvalidState` ``no_pickup_store`` when the shop has none, and
    :class:`InvalidInput` (``body.pickup_store_id``) for another shop's or an unknown store.
    """
    if store_id is not None:
        store = session.get(PickupStore, store_id)
        if store is None or store.shop_id != shop_id:
            raise InvalidInput(
                f"Pickup store {store_id} is not a store of this shop.",
                code="unknown_pickup_store",
                field="body.pickup_store_id",
            )
        return store
    first = session.exec(
        select(PickupStore).where(PickupStore.shop_id == shop_id).order_by(col(PickupStore.id))
    ).first()
    if first is None:
        raise InvalidState(
            "This shop has no pickup store; the order must be delivered.",
            code="no_pickup_store",
        )
    return first


def bind_order_to_store(session: Session, *, order: Order, store_id: int) -> OrderPickup:
    """Record where a newly placed self-pickup order will be collected."""
    assert order.id is not None
    pickup = OrderPickup(order_id=order.id, shop_id=order.shop_id, store_id=store_id)
    session.add(pickup)
    session.flush()
    return pickup


def new_code() -> str:
    """A fresh pickup code: :data:`CODE_DIGITS` digits from the system's CSPRNG."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def issue_pickup_code(session: Session, *, order: Order) -> OrderPickup | None:
    """Give a paid self-pickup order its code (once); ``None`` for a delivered order."""
    if not order.self_pickup:
        return None
    pickup = session.get(OrderPickup, order.id)
    if pickup is None or pickup.code is not None:
        return pickup
    pickup.code = new_code()
    session.add(pickup)
    session.flush()
    return pickup


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def complete_pickup(
    session: Session, *, order: Order, code: str, now: datetime | None = None
) -> Order:
    """The buyer collected a paid self-pickup order: check ``code`` and complete it.

    Publishes ``order_picked_up`` then ``order_completed``. A wrong code is counted on the
    order before :class:`WrongPickupCode` (422, ``body.code``, with the tries left) is
    raised: the caller commits that count (nothing else has changed). After
    :data:`MAX_FAILED_ATTEMPTS` wrong codes in a row the order's code is locked for
    :data:`LOCKOUT` and every try raises :class:`RateLimited` (429).
    """
    now = now or utcnow()
    if not order.self_pickup:
        raise InvalidState("This order is delivered, not picked up.", code="not_self_pickup")
    pickup = session.exec(
        select(OrderPickup).where(OrderPickup.order_id == order.id).with_for_update()
    ).first()
    if pickup is None:
        raise InvalidState("This order has no pickup store.", code="no_pickup_store")
    if order.status != OrderStatus.paid or pickup.code is None:
        raise InvalidState(
            f"Only a paid self-pickup order can be picked up; this one is {order.status.value}.",
            code="order_not_ready_for_pickup",
            extra={"order_status": order.status.value},
        )
    locked_until = _aware(pickup.locked_until)
    if locked_until is not None and locked_until > now:
        raise RateLimited(
            "Too many wrong pickup codes for this order; try again later.",
            retry_after_s=(locked_until - now).total_seconds(),
        )
    if not hmac.compare_digest(code.strip().encode(), pickup.code.encode()):
        pickup.failed_attempts += 1
        left = MAX_FAILED_ATTEMPTS - pickup.failed_attempts
        if left <= 0:
            pickup.failed_attempts = 0
            pickup.locked_until = now + LOCKOUT
        session.add(pickup)
        session.flush()
        raise WrongPickupCode(attempts_left=max(left, 0))
    pickup.failed_attempts = 0
    pickup.locked_until = None
    pickup.picked_up_at = now
    session.add(pickup)
    assert order.id is not None
    record_event(
        session,
        name="order_picked_up",
        shop_id=order.shop_id,
        resource_type="order",
        resource_id=order.id,
        data={
            **order_snapshot(session, order),
            "pickup": {"store_id": pickup.store_id, "picked_up_at": now.isoformat()},
        },
    )
    return move_order(session, order, OrderStatus.completed)


class WrongPickupCode(InvalidInput):
    """The code entered is not the order's pickup code (the try was counted)."""

    code = "wrong_pickup_code"

    def __init__(self, *, attempts_left: int) -> None:
        super().__init__(
            "This is not the order's pickup code.",
            field="body.code",
            extra={"attempts_left": attempts_left},
        )


def order_pickup_public(
    session: Session, *, order: Order, include_code: bool
) -> OrderPickupPublic | None:
    """The pickup view of a self-pickup order (``None`` otherwise); the code only with
    ``include_code`` (the buyer's view)."""
    pickup = session.get(OrderPickup, order.id) if order.self_pickup else None
    if pickup is None:
        return None
    store = session.get(PickupStore, pickup.store_id)
    assert store is not None and order.id is not None
    return OrderPickupPublic(
        order_id=order.id,
        store=store_public(store),
        code=pickup.code if include_code else None,
        picked_up_at=pickup.picked_up_at,
    )
