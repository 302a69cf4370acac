"""Carrier accounts (物流账号绑定) and e-waybills: bind, verify, unbind, issue, cancel.

Carrier plugins offer e-waybill operations (:class:`sdk.waybills.EWaybillOperations`) on
their ``register_carriers`` entries; :data:`directory` knows them by carrier code (and the
plugin that offers each) and holds the :class:`~core.crypto.SecretBox` that seals
credentials. A plugin's carrier is offered only to shops that have that plugin enabled:
binding and issuing on it elsewhere is refused (:meth:`CarrierDirectory.offered`). The secret is opened only to
build the :class:`~sdk.waybills.AccountCredentials` handed to the carrier's operations; no
view, log line or error carries it.

Issuing talks to the carrier outside any transaction: the kernel reads what it needs,
asks the carrier with an idempotency key per account, order and attempt (the number of
cancelled waybills before it), then records what came back. A crash between the two is
healed by asking again: the carrier answers the same key with the same number.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core.crypto import SecretBox, secret_box
from core.errors import InvalidInput, InvalidState, NotFound
from core.models import (
    CarrierAccount,
    Installation,
    InstallationStatus,
    Order,
    OrderStatus,
    Shipment,
    Waybill,
)
from core.models.base import utcnow
from core.schemas.aftersales import as_utc
from core.services.carriers import CarrierRegistry
from core.services.carriers import carriers as default_carriers
from core.services.regions import province_name
from sdk.models import Problem
from sdk.waybills import (
    AccountCredentials,
    Address,
    CarrierError,
    EWaybillOperations,
    IssueOutcome,
    Parcel,
    WaybillRequest,
    mask,
)
from sdk.waybills import CarrierAccount as AccountView
from sdk.waybills import Waybill as WaybillView

log = logging.getLogger(__name__)

#: The most orders one issuing call takes.
MAX_ISSUE = 100
#: Field limits of a binding.
MAX_ACCOUNT_NO, MAX_BRANCH, MAX_SECRET = 64, 80, 512


@dataclass
class CarrierDirectory:
    """Carriers with e-waybill operations, their waybill patterns, and the secret box."""

    box: SecretBox | None = None
    operations: dict[str, EWaybillOperations] = field(default_factory=dict)
    patterns: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: the plugin that offers each carrier ("" for one the host registered itself)
    owners: dict[str, str] = field(default_factory=dict)

    def register(
        self, code: str, name: str, pattern: str, ops: EWaybillOperations, plugin_id: str = ""
    ) -> None:
        """Offer ``ops`` for carrier ``code`` (from ``plugin_id``'s ``register_carriers``;
        without a plugin, to every shop)."""
        code = code.strip().upper()
        self.operations[code] = ops
        self.patterns[code] = (name, pattern)
        self.owners[code] = plugin_id

    def unregister(self, code: str) -> None:
        """Forget a carrier's operations."""
        self.operations.pop(code.upper(), None)
        self.patterns.pop(code.upper(), None)
        self.owners.pop(code.upper(), None)

    def offered(self, session: Session, shop_id: int) -> set[str]:
        """The e-waybill carriers shop ``shop_id`` may use: the host's own, and those of
        the plugins the shop has enabled."""
        plugins = {p for p in self.owners.values() if p}
        enabled = (
            set(
                session.exec(
                    select(Installation.plugin_id).where(
                        Installation.shop_id == shop_id,
                        Installation.status == InstallationStatus.enabled,
                        col(Installation.plugin_id).in_(sorted(plugins)),
                    )
                )
            )
            if plugins
            else set()
        )
        return {c for c in self.operations if not self.owners.get(c) or self.owners[c] in enabled}

    def ops_in_shop(self, session: Session, shop_id: int, code: str) -> EWaybillOperations:
        """The operations of ``code`` when the shop may use it; :class:`InvalidInput`
        (``no_ewaybill``) when the carrier offers none or its plugin is not enabled here."""
        code = code.strip().upper()
        if code in self.operations and code not in self.offered(session, shop_id):
            raise InvalidInput(
                f"Carrier {code!r} is not enabled in this shop; install its service first.",
                code="no_ewaybill",
                field="body.carrier_code",
            )
        return self.ops(code)

    def ops(self, code: str) -> EWaybillOperations:
        """The operations of ``code``; :class:`InvalidInput` when it offers none."""
        found = self.operations.get(code.strip().upper())
        if found is None:
            raise InvalidInput(
                f"Carrier {code!r} offers no e-waybill accounts.",
                code="no_ewaybill",
                field="body.carrier_code",
            )
        return found

    def sealer(self) -> SecretBox:
        """The secret box; :class:`InvalidState` before the host configured one."""
        if self.box is None:
            raise InvalidState("Carrier accounts are not configured on this host.")
        return self.box

    def registry(
        self, base: CarrierRegistry | None = None, *, plugins: bool = True
    ) -> CarrierRegistry:
        """``base`` (the built-in carriers) plus the e-waybill carriers (without
        ``plugins``, only those the host registered itself: a plugin's come with the
        shop's own ``register_carriers``)."""
        extra = [
            (code, name, pattern)
            for code, (name, pattern) in self.patterns.items()
            if plugins or not self.owners.get(code)
        ]
        return (base or default_carriers).extended(extra)


#: The process-wide directory; the host fills it when it loads plugins.
directory = CarrierDirectory()


def configure(settings: Any, host: Any = None, target: CarrierDirectory | None = None) -> None:
    """Set the secret box from ``settings`` and register ``host``'s e-waybill carriers."""
    target = target or directory
    target.box = secret_box(settings)
    if host is not None:
        load_carrier_plugins(host, target)


def load_carrier_plugins(host: Any, target: CarrierDirectory | None = None) -> None:
    """Register every loaded plugin's carriers that offer e-waybill operations."""
    target = target or directory
    for plugin_id in sorted(host.active):
        if not host.implements(plugin_id, "register_carriers"):
            continue
        for batch in host.plugin_caller(plugin_id, "register_carriers")():
            for carrier in batch or []:
                if getattr(carrier, "ewaybill", None) is not None:
                    target.register(
                        carrier.code,
                        carrier.name,
                        carrier.waybill_pattern,
                        carrier.ewaybill,
                        plugin_id=plugin_id,
                    )


# --- accounts ------------------------------------------------------------------------------


def account_view(row: CarrierAccount) -> AccountView:
    """The masked view every API and page shows."""
    sender = Address.model_validate(row.sender) if row.sender else None
    return AccountView(
        id=row.id or 0,
        carrier_code=row.carrier_code,
        account_no_masked=row.account_no_masked,
        branch=row.branch,
        sender=sender,
        status=row.status,
        created_at=as_utc(row.created_at),
        unbound_at=as_utc(row.unbound_at) if row.unbound_at else None,
    )


def _text(value: str, name: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"The {name.replace('_', ' ')} is required.", field=f"body.{name}")
    if len(value) > limit or not value.isprintable():
        raise InvalidInput(
            f"The {name.replace('_', ' ')} is at most {limit} printable characters.",
            field=f"body.{name}",
        )
    return value


def credentials(row: CarrierAccount, box: SecretBox) -> AccountCredentials:
    """The account as the carrier's operations see it (the only place with the secret)."""
    return AccountCredentials(
        carrier_code=row.carrier_code,
        account_no=box.open(row.account_no_sealed),
        branch=row.branch,
        secret=box.open(row.secret_sealed),
    )


def bind_account(
    session: Session,
    *,
    shop_id: int,
    carrier_code: str,
    account_no: str,
    secret: str,
    branch: str = "",
    sender: Address | None = None,
    target: CarrierDirectory | None = None,
) -> CarrierAccount:
    """Verify the account with the carrier, then store it sealed.

    Raises :class:`InvalidInput` (``carrier_refused`` on ``body.account_no``) when the
    carrier refuses it, :class:`InvalidState` (``carrier_unavailable``) when it could not
    be asked; nothing is stored then.
    """
    target = target or directory
    code = carrier_code.strip().upper()
    ops = target.ops_in_shop(session, shop_id, code)
    account_no = _text(account_no, "account_no", MAX_ACCOUNT_NO)
    secret = _text(secret, "secret", MAX_SECRET)
    branch = _text(branch, "branch", MAX_BRANCH, required=False)
    creds = AccountCredentials(
        carrier_code=code, account_no=account_no, branch=branch, secret=secret
    )
    try:
        ops.verify(creds)
    except CarrierError as exc:
        if exc.code == "carrier_unavailable" or type(exc).__name__ == "CarrierUnavailable":
            raise InvalidState(
                f"The carrier could not be asked to verify the account: {exc}",
                code="carrier_unavailable",
            ) from None
        raise InvalidInput(
            f"The carrier refused this account: {exc}",
            code="carrier_refused",
            field="body.account_no",
        ) from None
    box = target.sealer()
    row = CarrierAccount(
        shop_id=shop_id,
        carrier_code=code,
        account_no_masked=mask(account_no),
        account_no_sealed=box.seal(account_no),
        secret_sealed=box.seal(secret),
        branch=branch,
        sender=sender.model_dump(mode="json") if sender else {},
    )
    session.add(row)
    session.flush()
    log.info("carrier account %s bound for shop %s (%s)", row.id, shop_id, code)
    return row


def get_account(
    session: Session, *, shop_id: int, account_id: int, active: bool = True
) -> CarrierAccount:
    """One account of the shop (``active``: not unbound); :class:`NotFound` otherwise."""
    row = session.get(CarrierAccount, account_id)
    if row is None or row.shop_id != shop_id or (active and row.status != "active"):
        raise NotFound(f"Carrier account {account_id} was not found in this shop.")
    return row


def list_accounts(
    session: Session,
    *,
    shop_id: int,
    carrier_code: str | None = None,
    include_unbound: bool = False,
) -> list[CarrierAccount]:
    """The shop's accounts by id (bound ones unless ``include_unbound``)."""
    query = select(CarrierAccount).where(CarrierAccount.shop_id == shop_id)
    if not include_unbound:
        query = query.where(CarrierAccount.status == "active")
    if carrier_code:
        query = query.where(CarrierAccount.carrier_code == carrier_code.strip().upper())
    return list(session.exec(query.order_by(col(CarrierAccount.id))))


def unbind_account(session: Session, *, shop_id: int, account_id: int) -> CarrierAccount:
    """Unbind (soft delete): the row and its waybills stay readable; no more issuing."""
    row = get_account(session, shop_id=shop_id, account_id=account_id)
    row.status = "unbound"
    row.unbound_at = utcnow()
    session.add(row)
    session.flush()
    return row


def rotate_secrets(session: Session, box: SecretBox) -> int:
    """Re-seal every account's credentials under the current key; returns how many."""
    count = 0
    for row in session.exec(select(CarrierAccount)):
        row.account_no_sealed = box.rotate(row.account_no_sealed)
        row.secret_sealed = box.rotate(row.secret_sealed)
        session.add(row)
        count += 1
    session.flush()
    return count


# --- waybills ------------------------------------------------------------------------------


def waybill_view(row: Waybill) -> WaybillView:
    """The waybill as the APIs and the client show it."""
    data = row.model_dump(mode="json", exclude={"created_at", "cancelled_at"})
    return WaybillView.model_validate({**data, "created_at": as_utc(row.created_at)})


@dataclass
class IssueItem:
    """One order's result of :func:`issue_waybills`."""

    order_id: int
    waybill: Waybill | None = None
    reused: bool = False
    problem: Problem | None = None


def _recipient(order: Order) -> Address:
    return Address(
        name=order.recipient_name,
        phone=order.recipient_phone,
        province=province_name(order.province_code) or "",
        street=order.address,
        province_code=order.province_code,
    )


def _live(session: Session, account_id: int, order_ids: Sequence[int]) -> dict[int, Waybill]:
    rows = session.exec(
        select(Waybill).where(
            Waybill.account_id == account_id,
            col(Waybill.order_id).in_(list(order_ids)),
            Waybill.status == "issued",
        )
    )
    return {r.order_id: r for r in rows}


def _attempt(session: Session, account_id: int, order_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Waybill)
            .where(Waybill.account_id == account_id, Waybill.order_id == order_id)
        ).one()
    )


def issue_waybills(
    session: Session,
    *,
    shop_id: int,
    account_id: int,
    order_ids: Sequence[int],
    sender: Address | None = None,
    target: CarrierDirectory | None = None,
) -> list[IssueItem]:
    """One waybill per order, once: an order with a live waybill on the account gets it back.

    The carrier is asked after the reads and before any write, so no write lock is held
    while it answers; the caller commits. Orders the carrier refused or that cannot ship
    get a problem (``order_ids[i]``); the others are issued.
    """
    target = target or directory
    if not order_ids:
        raise InvalidInput("Name at least one order.", field="body.order_ids")
    if len(order_ids) > MAX_ISSUE:
        raise InvalidInput(f"At most {MAX_ISSUE} orders per call.", field="body.order_ids")
    items = [IssueItem(order_id=o) for o in order_ids]
    pending: list[tuple[int, WaybillRequest]] = []
    account = get_account(session, shop_id=shop_id, account_id=account_id)
    ops = target.ops_in_shop(session, shop_id, account.carrier_code)
    creds = credentials(account, target.sealer())
    from_ = sender or (Address.model_validate(account.sender) if account.sender else None)
    live = _live(session, account_id, order_ids)
    orders = {
        o.id: o
        for o in session.exec(
            select(Order).where(col(Order.id).in_(list(order_ids)), Order.shop_id == shop_id)
        )
    }
    seen: dict[int, int] = {}
    for index, order_id in enumerate(order_ids):
        item = items[index]
        field_path = f"order_ids[{index}]"
        if order_id in live:
            item.waybill, item.reused = live[order_id], True
            continue
        order = orders.get(order_id)
        if order is None:
            item.problem = Problem(field=field_path, message=f"Order {order_id} was not found.")
            continue
        if order.status != OrderStatus.paid or order.self_pickup:
            item.problem = Problem(
                field=field_path,
                message=f"Order {order_id} is {order.status.value}; only paid orders to ship get a waybill.",
            )
            continue
        if from_ is None:
            item.problem = Problem(
                field=field_path, message="The account has no sender address; give one."
            )
            continue
        if order_id in seen:  # named twice: the first asks, the second reuses
            continue
        seen[order_id] = index
        attempt = _attempt(session, account_id, order_id)
        key = f"tanzi-{shop_id}-{account_id}-{order_id}-{attempt}"
        pending.append(
            (
                index,
                WaybillRequest(
                    key=key,
                    order_id=order_id,
                    sender=from_,
                    recipient=_recipient(order),
                    parcels=[Parcel(weight_g=0, count=1)],
                ),
            )
        )
    code = account.carrier_code
    outcomes = _ask(ops, creds, [r for _i, r in pending])
    for (index, request), outcome in zip(pending, outcomes, strict=True):
        item = items[index]
        if outcome.number is None:
            message = outcome.problem.message if outcome.problem else "The carrier refused."
            item.problem = Problem(field=f"order_ids[{index}]", message=message)
            continue
        number = outcome.number
        row = Waybill(
            shop_id=shop_id,
            account_id=account_id,
            order_id=request.order_id,
            carrier_code=code,
            waybill_no=number.waybill_no,
            routing_code=number.routing_code,
            sort_code=number.sort_code,
            destination=number.destination,
            request_key=request.key,
            active_key=f"{account_id}:{request.order_id}",
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            item.waybill = row
        except IntegrityError:  # a concurrent call recorded it first
            found = _live(session, account_id, [request.order_id]).get(request.order_id)
            item.waybill, item.reused = found, True
    by_order = {i.order_id: i for i in items if i.waybill is not None}
    for item in items:  # an order named twice shares its first entry's waybill
        if item.waybill is None and item.problem is None and item.order_id in by_order:
            item.waybill, item.reused = by_order[item.order_id].waybill, True
    return items


def _ask(
    ops: EWaybillOperations, creds: AccountCredentials, requests: list[WaybillRequest]
) -> list[IssueOutcome]:
    """Ask the carrier; a whole-call failure becomes a problem for each request."""
    if not requests:
        return []
    try:
        outcomes = list(ops.issue(creds, requests))
    except CarrierError as exc:
        log.warning(
            "carrier %s failed to issue %d waybills: %s", creds.carrier_code, len(requests), exc
        )
        return [
            IssueOutcome(
                key=r.key, problem=Problem(field="order_ids", message=f"Carrier error: {exc}")
            )
            for r in requests
        ]
    by_key = {o.key: o for o in outcomes}
    return [
        by_key.get(r.key)
        or IssueOutcome(
            key=r.key, problem=Problem(field="order_ids", message="The carrier did not answer.")
        )
        for r in requests
    ]


def waybills_of(session: Session, *, shop_id: int, order_id: int) -> list[Waybill]:
    """Every waybill issued for an order of the shop, cancelled ones too."""
    return list(
        session.exec(
            select(Waybill)
            .where(Waybill.shop_id == shop_id, Waybill.order_id == order_id)
            .order_by(col(Waybill.id))
        )
    )


def cancel_waybill(
    session: Session, *, shop_id: int, waybill_id: int, target: CarrierDirectory | None = None
) -> Waybill:
    """Recycle an issued waybill no shipment uses; a cancelled one is returned unchanged."""
    target = target or directory
    row = session.get(Waybill, waybill_id)
    if row is None or row.shop_id != shop_id:
        raise NotFound(f"Waybill {waybill_id} was not found in this shop.")
    if row.status != "issued":
        return row
    used = session.exec(
        select(Shipment.id).where(
            Shipment.carrier_code == row.carrier_code, Shipment.waybill_no == row.waybill_no
        )
    ).first()
    if used is not None:
        raise InvalidState(
            "A shipment uses this waybill; it cannot be cancelled.", code="waybill_in_use"
        )
    account = get_account(session, shop_id=shop_id, account_id=row.account_id, active=False)
    try:
        target.ops(row.carrier_code).cancel(credentials(account, target.sealer()), row.waybill_no)
    except CarrierError as exc:
        raise InvalidState(
            f"The carrier refused to cancel: {exc}", code="carrier_refused"
        ) from None
    row.status = "cancelled"
    row.active_key = None
    row.cancelled_at = utcnow()
    session.add(row)
    session.flush()
    return row
