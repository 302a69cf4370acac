"""The console's carrier accounts page (物流账号绑定): bound accounts as cards, a form to
bind one (verified with the carrier first) and a button to unbind.

It goes through the same service as the REST API (:mod:`core.services.carrier_accounts`)
and the same guard: seeing the page needs ``logistics:read``, binding and unbinding
``shop:write``. The secret is a password field that is never filled back in, and the
accounts show only their masked number.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from core.api.deps import ReadSessionDep, SessionDep
from core.auth import ShopAccess
from core.errors import TanziError
from core.services import carrier_accounts as service
from marketplace.web.console_access import console_context, field_errors, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope
from sdk.waybills import Address

router = web_router(tags=["merchant console"])


def _page(
    request: Request,
    session: Session,
    access: ShopAccess,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows = service.list_accounts(session, shop_id=access.shop_id, include_unbound=True)
    views = [service.account_view(r) for r in rows]
    offered = service.directory.offered(session, access.shop_id)
    session.commit()
    return render(
        request,
        "console/carriers.html",
        console_context(
            access,
            "carriers",
            accounts=[a for a in views if a.status == "active"],
            unbound=[a for a in views if a.status != "active"],
            carriers=sorted(
                (code, named)
                for code, named in service.directory.patterns.items()
                if code in offered
            ),
            can_bind=access.can(Scope.shop_write),
            errors=errors or {},
            typed=typed or {},
        ),
        status_code=status_code,
    )


@router.get("/console/shops/{shop_id}/carriers")
def carriers_page(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The shop's carrier accounts, masked, and the form to bind one."""
    access = member_access(session, account, shop_id, Scope.logistics_read)
    return _page(request, session, access)


@router.post("/console/shops/{shop_id}/carriers")
def bind_account(
    shop_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    carrier_code: Annotated[str, Form()] = "",
    account_no: Annotated[str, Form()] = "",
    secret: Annotated[str, Form()] = "",
    branch: Annotated[str, Form()] = "",
    sender_name: Annotated[str, Form()] = "",
    sender_phone: Annotated[str, Form()] = "",
    sender_address: Annotated[str, Form()] = "",
) -> Response:
    """Verify the account with the carrier, then bind it (the secret is not shown again)."""
    access = member_access(session, account, shop_id, Scope.shop_write)
    _ = gettext_for(request)
    typed = {
        "carrier_code": carrier_code,
        "account_no": account_no,
        "branch": branch,
        "sender_name": sender_name,
        "sender_phone": sender_phone,
        "sender_address": sender_address,
    }
    errors: dict[str, str] = {}
    if not sender_name.strip() or len(sender_name) > 60:
        errors["sender_name"] = _("Give the sender's name (at most 60 characters).")
    if len(sender_phone) > 20 or len(sender_address) > 200:
        errors["sender_address"] = _("The sender's phone or address is too long.")
    if not errors:
        try:
            service.bind_account(
                session,
                shop_id=access.shop_id,
                carrier_code=carrier_code,
                account_no=account_no,
                secret=secret,
                branch=branch,
                sender=Address(
                    name=sender_name.strip(),
                    phone=sender_phone.strip(),
                    street=sender_address.strip(),
                ),
            )
        except TanziError as exc:
            errors = field_errors(
                exc,
                {
                    "account_no": _("The carrier refused this account number or secret.")
                    if exc.code == "carrier_refused"
                    else "",
                    "carrier_code": _("Choose a carrier that offers e-waybills."),
                },
            )
            if exc.code == "carrier_unavailable":
                errors = {"form": _("The carrier could not be reached; try again later.")}
            errors = {k: v or exc.detail for k, v in errors.items()}
    if errors:
        session.rollback()
        return _page(request, session, access, errors=errors, typed=typed, status_code=400)
    session.commit()
    flash(request, _("Carrier account bound."), "success")
    return RedirectResponse(f"/console/shops/{shop_id}/carriers", status_code=303)


@router.post("/console/shops/{shop_id}/carriers/{account_id}/unbind")
def unbind_account(
    shop_id: int, account_id: int, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Unbind an account; it and its waybills stay readable."""
    access = member_access(session, account, shop_id, Scope.shop_write)
    _ = gettext_for(request)
    service.unbind_account(session, shop_id=access.shop_id, account_id=account_id)
    session.commit()
    flash(request, _("Carrier account unbound."), "success")
    return RedirectResponse(f"/console/shops/{shop_id}/carriers", status_code=303)
