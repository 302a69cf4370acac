"""REST routes: carrier accounts a shop binds (物流账号绑定) and the e-waybills issued on them.

Accounts are shown masked; the secret is accepted on bind and never returned. Issuing
answers one result per order (a waybill, or a problem naming the order).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from core.api.deps import Access, ReadSessionDep, SessionDep
from core.auth import ShopAccess
from core.services import carrier_accounts as svc
from sdk.scopes import Scope
from sdk.waybills import Address, CarrierAccount, Waybill, WaybillResult

router = APIRouter(tags=["carriers"])

ReadAccess = Annotated[ShopAccess, Access(Scope.logistics_read)]
WriteAccess = Annotated[ShopAccess, Access(Scope.logistics_write)]
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ACCOUNTS = "/shops/{shop_id}/carrier-accounts"


class AccountBind(BaseModel):
    """An account to bind: verified with the carrier first; the secret is never shown again."""

    model_config = ConfigDict(extra="forbid")

    carrier_code: str = Field(min_length=2, max_length=32)
    account_no: str = Field(min_length=1, max_length=svc.MAX_ACCOUNT_NO)
    secret: str = Field(min_length=1, max_length=svc.MAX_SECRET, repr=False)
    branch: str = Field(default="", max_length=svc.MAX_BRANCH)
    sender: Address | None = None


class WaybillIssue(BaseModel):
    """Orders to issue waybills for (at most 100), optionally from another sender."""

    model_config = ConfigDict(extra="forbid")

    order_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=1, max_length=svc.MAX_ISSUE
    )
    sender: Address | None = None


@router.get(ACCOUNTS, summary="The shop's carrier accounts (masked)")
def list_accounts(
    access: ReadAccess,
    session: ReadSessionDep,
    carrier_code: Annotated[str | None, Query(max_length=32)] = None,
    include_unbound: bool = False,
) -> list[CarrierAccount]:
    """Bound accounts by id (unbound ones too with ``include_unbound``); never a secret."""
    rows = svc.list_accounts(
        session,
        shop_id=access.shop_id,
        carrier_code=carrier_code,
        include_unbound=include_unbound,
    )
    return [svc.account_view(r) for r in rows]


@router.post(ACCOUNTS, status_code=status.HTTP_201_CREATED, summary="Bind a carrier account")
def bind_account(
    body: AccountBind,
    access: Annotated[ShopAccess, Access(Scope.shop_write)],
    session: SessionDep,
) -> CarrierAccount:
    """Verify the account with the carrier and store it sealed; answers it masked."""
    row = svc.bind_account(
        session,
        shop_id=access.shop_id,
        carrier_code=body.carrier_code,
        account_no=body.account_no,
        secret=body.secret,
        branch=body.branch,
        sender=body.sender,
    )
    out = svc.account_view(row)
    session.commit()
    return out


@router.delete(ACCOUNTS + "/{account_id}", summary="Unbind a carrier account")
def unbind_account(
    account_id: PathId,
    access: Annotated[ShopAccess, Access(Scope.shop_write)],
    session: SessionDep,
) -> CarrierAccount:
    """Unbind: no more waybills on it; it and its waybills stay readable."""
    row = svc.unbind_account(session, shop_id=access.shop_id, account_id=account_id)
    out = svc.account_view(row)
    session.commit()
    return out


@router.post(ACCOUNTS + "/{account_id}/waybills", summary="Issue waybills for orders")
def issue_waybills(
    account_id: PathId, body: WaybillIssue, access: WriteAccess, session: SessionDep
) -> list[WaybillResult]:
    """One waybill per order, once: asking again answers the same number (``reused``)."""
    items = svc.issue_waybills(
        session,
        shop_id=access.shop_id,
        account_id=account_id,
        order_ids=body.order_ids,
        sender=body.sender,
    )
    session.flush()
    out = [
        WaybillResult(
            order_id=i.order_id,
            waybill=svc.waybill_view(i.waybill) if i.waybill else None,
            reused=i.reused,
            problem=i.problem,
        )
        for i in items
    ]
    session.commit()
    return out


@router.get("/shops/{shop_id}/orders/{order_id}/waybills", summary="An order's waybills")
def order_waybills(order_id: PathId, access: ReadAccess, session: ReadSessionDep) -> list[Waybill]:
    """Every waybill issued for the order, cancelled ones too."""
    rows = svc.waybills_of(session, shop_id=access.shop_id, order_id=order_id)
    return [svc.waybill_view(r) for r in rows]


@router.post("/shops/{shop_id}/waybills/{waybill_id}/cancel", summary="Cancel a waybill")
def cancel_waybill(waybill_id: PathId, access: WriteAccess, session: SessionDep) -> Waybill:
    """Recycle an issued waybill no shipment uses."""
    row = svc.cancel_waybill(session, shop_id=access.shop_id, waybill_id=waybill_id)
    out = svc.waybill_view(row)
    session.commit()
    return out
