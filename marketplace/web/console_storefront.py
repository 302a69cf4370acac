"""The console's Storefront page: the shop's buyer page and the web origins allowed to call
its storefront API from a browser (through the same service and guard as the API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from core.api.deps import ReadSessionDep, SessionDep
from core.api.storefront_origins import forget_cached_origins
from core.errors import InvalidInput
from core.schemas.storefront import MAX_ORIGINS
from core.services import storefront_origins as service
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])


def _page(
    request: Request,
    session: Session,
    account: RequireAccount,
    shop_id: int,
    *,
    text: str | None = None,
    error: str | None = None,
) -> Response:
    access = member_access(session, account, shop_id, Scope.shop_read)
    origins = service.shop_origins(session, shop_id)
    session.commit()
    context = console_context(
        access,
        "storefront",
        origins_text=text if text is not None else "\n".join(origins),
        origins=origins,
        error=error,
        can_edit=access.can(Scope.shop_write),
        max_origins=MAX_ORIGINS,
        base_url=str(request.base_url).rstrip("/"),
    )
    return render(request, "console/storefront.html", context, status_code=400 if error else 200)


@router.get("/console/shops/{shop_id}/storefront")
def storefront_settings(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The buyer page's address and the registered origins."""
    return _page(request, session, account, shop_id)


@router.post("/console/shops/{shop_id}/storefront/origins")
def save_origins(
    shop_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    origins: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Replace the origins with the form's lines (members with the data permission)."""
    member_access(session, account, shop_id, Scope.shop_write)
    lines = [line.strip() for line in origins.splitlines() if line.strip()]
    _ = gettext_for(request)
    try:
        service.set_shop_origins(session, shop_id=shop_id, origins=lines, field="origins")
    except InvalidInput as exc:
        session.rollback()
        if exc.code == "too_many_origins":
            message = _("At most %(n)s origins.") % {"n": MAX_ORIGINS}
        else:
            message = _(
                "'%(value)s' is not an origin: write scheme://host[:port], for example "
                "https://shop.example.com, without a path or a wildcard."
            ) % {"value": exc.extra.get("value", "")}
        return _page(request, session, account, shop_id, text=origins, error=message)
    session.commit()
    forget_cached_origins(request, shop_id)
    flash(request, _("The storefront's origins are saved."), "success")
    return RedirectResponse(f"/console/shops/{shop_id}/storefront", status_code=303)
