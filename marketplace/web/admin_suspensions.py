"""The admin console's accounts and shops: find one, suspend it with a reason, reinstate it.

Each decision is one form post through ``core.services.suspensions`` (audit-logged there);
a suspension without a reason comes back with the message beside the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, or_, select

from core.api.deps import ReadSessionDep, SessionDep
from core.errors import InvalidInput, InvalidState, NotFound
from core.models import Account, Shop
from core.services import suspensions
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAdmin
from marketplace.web.templating import flash, gettext_for, render

router = web_router(tags=["admin"])
#: The most rows one search shows.
ROWS = 50
Search = Annotated[str, Query(max_length=100)]
Reason = Annotated[str, Form(max_length=1000)]


def _like(q: str) -> str:
    return f"%{q.strip().replace('%', '').replace('_', '')}%"


def _accounts_page(
    request: Request,
    session: Session,
    *,
    q: str = "",
    errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    query = select(Account)
    if q.strip():
        query = query.where(
            or_(col(Account.email).ilike(_like(q)), col(Account.name).ilike(_like(q)))
        )
    rows = session.exec(query.order_by(col(Account.id).desc()).limit(ROWS)).all()
    session.commit()
    context: dict[str, Any] = {"accounts": rows, "q": q, "errors": errors or {}}
    return render(request, "admin/accounts.html", context, status_code=status_code)


def _shops_page(
    request: Request,
    session: Session,
    *,
    q: str = "",
    errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    query = select(Shop, Account).outerjoin(Account, col(Account.id) == col(Shop.owner_id))
    if q.strip():
        query = query.where(col(Shop.name).ilike(_like(q)))
    rows = session.exec(query.order_by(col(Shop.id).desc()).limit(ROWS)).all()
    session.commit()
    context: dict[str, Any] = {"shops": rows, "q": q, "errors": errors or {}}
    return render(request, "admin/shops.html", context, status_code=status_code)


def _account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("No such account.")
    return account


def _shop(session: Session, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound("No such shop.")
    return shop


def _decided(request: Request, session: Session, *, done: str, back: str) -> Response:
    """Commit an admin's decision, flash ``done`` (translated), and go back to the list."""
    session.commit()
    flash(request, done, "success")
    return RedirectResponse(back, status_code=303)


def _suspend(
    request: Request,
    session: Session,
    *,
    suspend: Callable[[], object],
    target_id: int,
    done: str,
    why_hint: str,
    page: Callable[..., Response],
    back: str,
) -> Response:
    """Run ``suspend``; a refusal comes back on ``page`` with its message beside the row
    (``why_hint`` when the reason is missing). Messages come translated."""
    try:
        suspend()
    except (InvalidInput, InvalidState) as error:
        session.rollback()
        message = why_hint if isinstance(error, InvalidInput) else error.detail
        return page(request, session, errors={target_id: message}, status_code=400)
    return _decided(request, session, done=done, back=back)


@router.get("/admin/accounts")
def accounts_page(
    request: Request, session: ReadSessionDep, admin: RequireAdmin, q: Search = ""
) -> Response:
    """Accounts, newest first (or those whose e-mail or name contains ``q``)."""
    return _accounts_page(request, session, q=q)


@router.post("/admin/accounts/{account_id}/suspend")
def suspend_account(
    account_id: int,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    reason: Reason = "",
) -> Response:
    account = _account(session, account_id)
    assert admin.id is not None
    admin_id = admin.id
    _ = gettext_for(request)
    return _suspend(
        request,
        session,
        suspend=lambda: suspensions.suspend_account(
            session, admin_id=admin_id, account=account, reason=reason
        ),
        target_id=account_id,
        done=_("Suspended %(name)s.") % {"name": account.email},
        why_hint=_("Say why: the person reads this reason."),
        page=_accounts_page,
        back="/admin/accounts",
    )


@router.post("/admin/accounts/{account_id}/reinstate")
def reinstate_account(
    account_id: int,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    reason: Reason = "",
) -> Response:
    account = _account(session, account_id)
    assert admin.id is not None
    suspensions.reinstate_account(session, admin_id=admin.id, account=account, reason=reason)
    _ = gettext_for(request)
    done = _("Reinstated %(name)s.") % {"name": account.email}
    return _decided(request, session, done=done, back="/admin/accounts")


@router.get("/admin/shops")
def shops_page(
    request: Request, session: ReadSessionDep, admin: RequireAdmin, q: Search = ""
) -> Response:
    """Shops, newest first (or those whose name contains ``q``), with their owners."""
    return _shops_page(request, session, q=q)


@router.post("/admin/shops/{shop_id}/suspend")
def suspend_shop(
    shop_id: int,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    reason: Reason = "",
) -> Response:
    shop = _shop(session, shop_id)
    assert admin.id is not None
    admin_id = admin.id
    _ = gettext_for(request)
    return _suspend(
        request,
        session,
        suspend=lambda: suspensions.suspend_shop(
            session, admin_id=admin_id, shop=shop, reason=reason
        ),
        target_id=shop_id,
        done=_("Suspended %(name)s.") % {"name": shop.name},
        why_hint=_("Say why: the shop's owner reads this reason."),
        page=_shops_page,
        back="/admin/shops",
    )


@router.post("/admin/shops/{shop_id}/reinstate")
def reinstate_shop(
    shop_id: int,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    reason: Reason = "",
) -> Response:
    shop = _shop(session, shop_id)
    assert admin.id is not None
    suspensions.reinstate_shop(session, admin_id=admin.id, shop=shop, reason=reason)
    _ = gettext_for(request)
    done = _("Reinstated %(name)s.") % {"name": shop.name}
    return _decided(request, session, done=done, back="/admin/shops")
