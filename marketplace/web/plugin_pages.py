"""Pages plugins add with ``register_routes``, served at
``/apps/<plugin id>/shops/<shop id><route path>``.

Nothing is mounted at start: each request reads the plugin's registrations from the host,
so a plugin enabled later answers at once and a paused or removed one stops. A route
answers only when the person is a member of the shop (404 otherwise), the plugin is enabled
there (404 when not installed or removed, 403 while paused), and the member's role covers
the route's declared scope, which the installation must also hold (403). The handler gets
the installation's scoped client, never the kernel, and runs on the plugin's own threads
under its time limit. What it returns is shown escaped, or, when it is
:class:`sdk.models.SafeHtml`, sanitized by nh3 first (its ``forms`` are drawn by the host
with the CSRF token; a plugin's own HTML never keeps a form); dicts, lists and models are
JSON for scripts and a table inside the console for a browser; a
:class:`sdk.models.ResultFile` is answered as a download; a
:class:`sdk.models.ConnectRedirect` starts connecting to another Tanzi shop over OAuth
(:mod:`marketplace.oauth.plugin_connect`).
"""

from __future__ import annotations

import inspect
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import nh3
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup
from pydantic import BaseModel
from sqlmodel import Session
from starlette.datastructures import UploadFile
from starlette.routing import compile_path

from core.api.deps import ReadSessionDep
from core.api.files import get_file_store
from core.errors import NotFound, PermissionDenied, TanziError
from core.models import Account, InstallationStatus
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.plugins.eligibility import SUBSCRIPTION_EXPIRED, ineligible_reasons
from core.plugins.installations import get_installation
from core.plugins.manager import InstallationRef, PluginHost
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.i18n import request_locale
from marketplace.web.plugin_uploads import store_uploads
from marketplace.web.templating import render
from sdk.files import RESULT_TYPES
from sdk.models import ConnectRedirect, PluginRoute, ResultFile, SafeHtml
from sdk.scopes import Scope

router = web_router(tags=["plugin pages"])

#: What the handler may name among its parameters.
HANDLER_ARGS = frozenset(
    {
        "client",
        "settings",
        "params",
        "path_params",
        "method",
        "language",
        "buyer_id",
        "hooks_url",
        "body",
        "headers",
    }
)
#: Tags a plugin's own HTML may keep after sanitizing (no forms, scripts or frames).
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em",
        "h2", "h3", "h4", "hr", "i", "li", "ol", "p", "pre", "small", "span", "strong",
        "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip


class PluginPageFailed(TanziError):
    """The plugin's page handler raised or ran out of time."""

    status, code, title = 502, "plugin_page_failed", "The service's page failed"


def app_base(plugin_id: str, shop_id: int) -> str:
    """Where a plugin's pages for one shop start."""
    return f"/apps/{plugin_id}/shops/{shop_id}"


def hooks_base(plugin_id: str, shop_id: int) -> str:
    """Where a plugin's webhook routes for one shop start (``audience="webhook"``)."""
    return f"/hooks/shops/{shop_id}/apps/{plugin_id}"


def hooks_url(request: Request, plugin_id: str, shop_id: int) -> str:
    """:func:`hooks_base` as an absolute URL another server can post to: on the host's
    configured ``TANZI_BASE_URL`` when one is set, else on the address this request came
    in on (behind a proxy, set the base URL or the proxy headers)."""
    settings = request.app.state.settings
    configured = "base_url" in settings.model_fields_set
    root = settings.base_url if configured else str(request.base_url)
    return root.rstrip("/") + hooks_base(plugin_id, shop_id)


def sanitize(html: str) -> Markup:
    """A plugin's HTML made inert: allowed tags only, http(s)/mailto links, no attributes
    that run code."""
    return Markup(
        nh3.clean(
            html,
            tags=set(ALLOWED_TAGS),
            url_schemes={"http", "https", "mailto"},
            link_rel="nofollow noopener noreferrer",
        )
    )


@dataclass(frozen=True)
class Resolved:
    """A plugin route matched for one shop, with what its handler needs."""

    route: PluginRoute
    path_params: dict[str, Any]
    installation: InstallationRef
    plugin_name: str


def match_route(
    routes: list[PluginRoute], path: str, method: str, audience: str = "merchant"
) -> tuple[PluginRoute, dict] | None:
    """The first of ``routes`` for ``audience`` that answers ``method`` at ``path``, with
    its path parameters."""
    for route in routes:
        if not isinstance(route, PluginRoute) or route.audience != audience:
            continue
        pattern = "/" + route.path.strip("/")
        regex, _fmt, convertors = compile_path(pattern)
        found = regex.match(path)
        if found is None:
            continue
        if method not in {m.upper() for m in route.methods} and not (
            method == "HEAD" and "GET" in route.methods
        ):
            continue
        params = {k: convertors[k].convert(v) for k, v in found.groupdict().items()}
        return route, params
    return None


def plugin_routes(host: PluginHost, plugin_id: str) -> list[PluginRoute]:
    """Every route the plugin registers (its ``register_routes`` answers, flattened)."""
    try:
        groups = host.plugin_caller(plugin_id, "register_routes")()
    except Exception as exc:
        raise PluginPageFailed(f"The service's routes failed: {type(exc).__name__}") from exc
    return [r for group in groups or [] for r in group or [] if isinstance(r, PluginRoute)]


def granted_scope(route: PluginRoute, inst: InstallationRef, what: str = "page") -> Scope | None:
    """The scope ``route`` needs, which the installation must have been granted; ``None``
    when it needs none."""
    if not route.scope:
        return None
    try:
        scope = Scope(route.scope)
    except ValueError as exc:
        raise NotFound(f"The service declared an unknown scope for this {what}.") from exc
    if scope.value not in inst.granted_scopes:
        raise PermissionDenied(
            f"The service was not granted '{scope.value}', which this {what} needs.",
            code="scope_denied",
        )
    return scope


def resolved(
    host: PluginHost, plugin_id: str, matched: tuple[PluginRoute, dict], inst: InstallationRef
) -> Resolved:
    """The matched route with the installation and the plugin's name."""
    plugin = host.plugins[plugin_id]
    name = plugin.manifest.name if plugin.manifest else plugin_id
    return Resolved(matched[0], matched[1], inst, name)


def resolve(
    session: Session,
    *,
    host: PluginHost,
    account: Account,
    plugin_id: str,
    shop_id: int,
    path: str,
    method: str,
) -> tuple[Any, Resolved]:
    """Check who asks and whether the plugin may answer; the matched route, or an error."""
    member = member_access(session, account, shop_id, Scope.shop_read)
    inst = host.shop_view(session, shop_id).installations.get(plugin_id)
    if inst is None:
        row = get_installation(session, shop_id=shop_id, plugin_id=plugin_id)
        session.commit()
        if row is not None and row.status is InstallationStatus.paused:
            raise PermissionDenied(
                "This service is paused in the shop; resume it to use its pages.",
                code="installation_paused",
            )
        if row is not None and row.status is InstallationStatus.enabled:
            reasons, _ = ineligible_reasons(session, [row])
            why = reasons.get(row.id or 0, "")
            if why.startswith(SUBSCRIPTION_EXPIRED):
                raise PermissionDenied(
                    "This service's subscription has expired; renew it on the shop's "
                    "Services page to use its pages again.",
                    code=SUBSCRIPTION_EXPIRED,
                )
            if why:
                raise PermissionDenied(
                    "A platform admin suspended this service; its pages are closed until "
                    "it is reinstated.",
                    code="listing_suspended",
                )
        raise NotFound(f"The service '{plugin_id}' is not installed in this shop.")
    matched = match_route(plugin_routes(host, plugin_id), "/" + path.strip("/"), method)
    if matched is None:
        raise NotFound(f"The service '{plugin_id}' has no page here.")
    scope = granted_scope(matched[0], inst)
    if scope is not None:
        member = member_access(session, account, shop_id, scope)
    return member, resolved(host, plugin_id, matched, inst)


def call_handler(
    host: PluginHost,
    engine: Any,
    read_engine: Any,
    found: Resolved,
    extra: dict[str, Any],
    client_host: ClientHost | None = None,
) -> Any:
    """Run the handler on the plugin's threads with the arguments it names (``client_host``
    gives its client files and jobs)."""
    inst = found.installation
    plugin = host.plugins[inst.plugin_id]
    settings = (
        plugin.manifest.parse_settings(inst.settings) if plugin.manifest else dict(inst.settings)
    )
    offered = {
        "client": ScopedClient(engine, inst, read_engine=read_engine, host=client_host),
        "settings": settings,
        "path_params": found.path_params,
        **extra,
    }
    endpoint = found.route.endpoint
    try:
        names = set(inspect.signature(endpoint).parameters)
    except (TypeError, ValueError):
        names = set()
    kwargs = {k: v for k, v in offered.items() if k in names & HANDLER_ARGS}
    timeout_s = host.config.limits_for(inst.plugin_id).timeout_s
    future = host.hook_pool(inst.plugin_id).submit(lambda: endpoint(**kwargs))
    try:
        return future.result(timeout_s)
    except FutureTimeout as exc:
        future.cancel()
        raise PluginPageFailed(f"The service's page took longer than {timeout_s:g}s.") from exc
    except TanziError:
        raise
    except Exception as exc:
        raise PluginPageFailed(f"The service's page failed: {type(exc).__name__}") from exc


def _serve(
    request: Request,
    session: Session,
    account: Account,
    plugin_id: str,
    shop_id: int,
    path: str,
    params: dict[str, str],
    uploads: list[tuple[str, UploadFile]] | None = None,
) -> Response:
    runtime = request.app.state.runtime
    access, found = resolve(
        session,
        host=runtime.host,
        account=account,
        plugin_id=plugin_id,
        shop_id=shop_id,
        path=path,
        method=request.method,
    )
    if uploads:
        member_access(session, account, shop_id, upload_scope(found.route))
    session.commit()
    if uploads:
        with Session(runtime.engine) as writer:
            params.update(
                store_uploads(
                    writer,
                    get_file_store(request),
                    request.app.state.settings,
                    shop_id=shop_id,
                    uploads=uploads,
                )
            )
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
            "hooks_url": hooks_url(request, plugin_id, shop_id),
        },
        ClientHost.of_runtime(runtime),
    )
    if isinstance(out, ResultFile):
        return download(out)
    if isinstance(out, ConnectRedirect):
        from marketplace.oauth.plugin_connect import start_connect

        return start_connect(
            settings=request.app.state.settings,
            host=runtime.host,
            plugin_id=plugin_id,
            shop_id=shop_id,
            account_id=account.id or 0,
            redirect=out,
            app_base=app_base(plugin_id, shop_id),
        )
    data: Any = None
    if isinstance(out, BaseModel) and not isinstance(out, SafeHtml):
        data = out.model_dump(mode="json")
    elif isinstance(out, dict | list):
        data = out
    if data is not None and not wants_html(request):
        return JSONResponse(data)
    html = sanitize(out.html) if isinstance(out, SafeHtml) else None
    shown = html is not None or data is not None
    text = None if shown else ("" if out is None else str(out))
    return render(
        request,
        "console/plugin_page.html",
        console_context(
            access,
            "apps",
            plugin_id=plugin_id,
            plugin_name=found.plugin_name,
            title=found.route.title or found.plugin_name,
            html=html,
            text=text,
            data=data,
            forms=out.forms if isinstance(out, SafeHtml) else (),
            base=app_base(plugin_id, shop_id),
        ),
    )


def upload_scope(route: PluginRoute) -> Scope:
    """What a member needs to send files to ``route``: its own write scope (a ship sheet
    goes to a ``logistics:write`` page), else ``products:write`` (what imports change)."""
    if route.scope and route.scope.endswith(":write"):
        try:
            return Scope(route.scope)
        except ValueError:
            pass
    return Scope.products_write


def download(out: ResultFile) -> Response:
    """A plugin's file as an attachment: a result type only, never run by the browser."""
    if out.content_type not in RESULT_TYPES:
        raise PluginPageFailed(f"The service answered a file of type {out.content_type!r}.")
    name = "".join(ch for ch in out.filename if ch.isprintable() and ch not in '"\\/<>')
    return Response(
        out.data,
        media_type=out.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name or 'result')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
        },
    )


def wants_html(request: Request) -> bool:
    """Whether the caller is a browser asking for a page rather than a script asking for
    JSON: ``text/html`` in ``Accept`` (a browser's address bar and links send it)."""
    return "text/html" in request.headers.get("accept", "")


@router.api_route("/apps/{plugin_id}/shops/{shop_id}", methods=["GET", "POST"])
@router.api_route("/apps/{plugin_id}/shops/{shop_id}/{path:path}", methods=["GET", "POST"])
async def plugin_page(
    plugin_id: str,
    shop_id: int,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
    path: str = "",
) -> Response:
    """A plugin's page for one shop (see the module's docstring for the checks)."""
    params: dict[str, str] = {k: v for k, v in request.query_params.items()}
    uploads: list[tuple[str, UploadFile]] = []
    if request.method == "POST":
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"})
        uploads = [(k, v) for k, v in form.items() if isinstance(v, UploadFile) and v.filename]
    return await run_in_threadpool(
        _serve, request, session, account, plugin_id, shop_id, path, params, uploads
    )
