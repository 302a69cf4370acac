"""Buyer pages plugins add to a shop's storefront: ``PluginRoute(audience="buyer")`` served at
``/s/{shop_id}/apps/{plugin_id}{path}``.

The merchant's plugin pages (:mod:`marketplace.web.plugin_pages`) check membership; these
are for the shop's buyers, so anyone may open one and a POST needs a signed-in person (the
handler gets ``buyer_id``). The plugin must be enabled in the shop (404 otherwise) and hold
the route's scope (403), and the shop must be open. The handler runs exactly as a merchant
page's does (its threads, its time limit, its scoped client); its HTML is sanitized and its
forms are drawn by the host with the CSRF check. A buyer GET route with a title and no path
parameters is linked from the shop's storefront (:func:`buyer_page_links`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlmodel import Session

from core.api.deps import ReadSessionDep
from core.api.storefront import selling_shop, visible_shop
from core.errors import NotFound
from core.plugins.client_host import ClientHost
from core.plugins.manager import PluginHost
from core.services.storefront import shop_profile
from marketplace.web.csrf import web_router
from marketplace.web.deps import CurrentAccount, RequireAccount
from marketplace.web.i18n import request_locale
from marketplace.web.plugin_pages import (
    PluginPageFailed,
    Resolved,
    call_handler,
    download,
    granted_scope,
    match_route,
    plugin_routes,
    resolved,
    sanitize,
)
from marketplace.web.templating import render
from sdk.models import ResultFile, SafeHtml

router = web_router(tags=["storefront pages"])


@dataclass(frozen=True)
class BuyerPageLink:
    """A storefront link to a plugin's buyer page."""

    plugin_id: str
    title: str
    url: str


def storefront_base(shop_id: int, plugin_id: str) -> str:
    """Where a plugin's buyer pages for one shop start."""
    return f"/s/{shop_id}/apps/{plugin_id}"


def buyer_page_links(
    session: Session, host: PluginHost, shop_id: int, locale: str
) -> list[BuyerPageLink]:
    """The titled buyer pages of the plugins enabled in the shop, in plugin order; a plugin
    whose registrations fail is left out rather than breaking the storefront."""
    links: list[BuyerPageLink] = []
    for plugin_id, inst in host.shop_view(session, shop_id).installations.items():
        try:
            routes = [r for r in plugin_routes(host, plugin_id) if r.audience == "buyer"]
        except PluginPageFailed:
            continue
        for route in routes:
            if not route.title or "{" in route.path or "GET" not in route.methods:
                continue
            if route.scope and route.scope not in inst.granted_scopes:
                continue
            path = "/" + route.path.strip("/") if route.path.strip("/") else ""
            links.append(
                BuyerPageLink(
                    plugin_id, route.title_for(locale), storefront_base(shop_id, plugin_id) + path
                )
            )
    return links


def resolve_buyer_page(
    session: Session, *, host: PluginHost, plugin_id: str, shop_id: int, path: str, method: str
) -> Resolved:
    """The buyer route of an enabled plugin that answers ``method`` at ``path``, or an error."""
    if method == "POST":
        selling_shop(session, shop_id)
    else:
        visible_shop(session, shop_id)
    inst = host.shop_view(session, shop_id).installations.get(plugin_id)
    if inst is None:
        raise NotFound(f"The service '{plugin_id}' is not offered in this shop.")
    matched = match_route(plugin_routes(host, plugin_id), "/" + path.strip("/"), method, "buyer")
    if matched is None:
        raise NotFound(f"The service '{plugin_id}' has no page here.")
    granted_scope(matched[0], inst)
    return resolved(host, plugin_id, matched, inst)


def _serve(
    request: Request,
    session: Session,
    shop_id: int,
    plugin_id: str,
    path: str,
    params: dict[str, str],
    buyer_id: int | None,
) -> Response:
    runtime = request.app.state.runtime
    found = resolve_buyer_page(
        session,
        host=runtime.host,
        plugin_id=plugin_id,
        shop_id=shop_id,
        path=path,
        method=request.method,
    )
    profile = shop_profile(session, visible_shop(session, shop_id))
    session.commit()
    locale = request_locale(request)
    out = call_handler(
        runtime.host,
        runtime.engine,
        runtime.read_engine,
        found,
        {
            "params": params,
            "method": request.method,
            "language": "zh-CN" if locale == "zh_CN" else "en",
            "buyer_id": buyer_id,
        },
        ClientHost.of_runtime(runtime),
    )
    if isinstance(out, ResultFile):
        return download(out)
    if isinstance(out, BaseModel) and not isinstance(out, SafeHtml):
        return JSONResponse(out.model_dump(mode="json"))
    if isinstance(out, dict | list):
        return JSONResponse(out)
    return render(
        request,
        "storefront/plugin_page.html",
        {
            "shop": profile,
            "plugin_id": plugin_id,
            "plugin_name": found.plugin_name,
            "title": found.route.title_for(locale) or found.plugin_name,
            "html": sanitize(out.html) if isinstance(out, SafeHtml) else None,
            "text": None if isinstance(out, SafeHtml) else ("" if out is None else str(out)),
            "forms": out.forms if isinstance(out, SafeHtml) else (),
            "base": storefront_base(shop_id, plugin_id),
        },
    )


@router.get("/s/{shop_id}/apps/{plugin_id}")
@router.get("/s/{shop_id}/apps/{plugin_id}/{path:path}")
async def buyer_plugin_page(
    shop_id: int,
    plugin_id: str,
    request: Request,
    session: ReadSessionDep,
    account: CurrentAccount,
    path: str = "",
) -> Response:
    """A plugin's buyer page in the shop's storefront (see the module's docstring)."""
    params = dict(request.query_params.items())
    buyer_id = account.id if account is not None else None
    return await run_in_threadpool(
        _serve, request, session, shop_id, plugin_id, path, params, buyer_id
    )


@router.post("/s/{shop_id}/apps/{plugin_id}")
@router.post("/s/{shop_id}/apps/{plugin_id}/{path:path}")
async def buyer_plugin_post(
    shop_id: int,
    plugin_id: str,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
    path: str = "",
) -> Response:
    """A form posted to a plugin's buyer page; the signed-in person is the buyer."""
    form = await request.form()
    params: dict[str, Any] = dict(request.query_params.items())
    params.update({k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"})
    return await run_in_threadpool(
        _serve, request, session, shop_id, plugin_id, path, params, account.id
    )
