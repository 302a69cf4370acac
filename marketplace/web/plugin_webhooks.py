"""Signed webhooks plugins receive: ``PluginRoute(audience="webhook")`` served at
``POST /hooks/shops/{shop_id}/apps/{plugin_id}{path}``.

These are for other servers (another Tanzi host delivering a subscribed event, another
platform's notifications), so there is no login and no CSRF check: the plugin's handler
checks the request's signature itself, against a secret it keeps in ``client.secrets``,
with :func:`sdk.remote.verify_webhook`. The host only lets in what may reach a plugin at
all: the plugin is enabled in the shop and runs in-process there (404 otherwise, the same
answer for a shop that does not exist), holds the route's scope (403), and the body is at most
:data:`MAX_BODY_BYTES` (413). The handler runs like a page's (the plugin's threads, its
time limit, the installation's scoped client) and is handed ``body`` (raw bytes) and
``headers`` (lower-case names). What it raises or returns becomes the answer:
``InvalidSignature`` 401, ``RetryLater`` 503 with ``Retry-After``, ``None`` 204, a
dict/list/model 200 JSON, text 200.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from sqlmodel import Session

from core.api.deps import ReadSessionDep
from core.errors import NotFound, TanziError
from core.plugins.client_host import ClientHost
from core.plugins.installations import get_installation
from core.plugins.manager import PluginHost
from marketplace.web.plugin_pages import (
    Resolved,
    call_handler,
    granted_scope,
    match_route,
    plugin_routes,
    resolved,
)
from sdk.remote import InvalidSignature, RetryLater

router = APIRouter(tags=["plugin webhooks"], include_in_schema=False)

#: The largest webhook body a plugin route takes.
MAX_BODY_BYTES = 256 * 1024


class WebhookRefused(TanziError):
    """The plugin found the request's signature wrong (or missing, or stale)."""

    status, code, title = 401, "invalid_signature", "The webhook's signature does not hold"


class WebhookRetry(TanziError):
    """The plugin cannot take the delivery now; the sender should retry later."""

    status, code, title = 503, "retry_later", "Try this delivery again later"


class BodyTooLarge(TanziError):
    status, code, title = 413, "body_too_large", "The request body is too large"


def resolve_webhook(
    session: Session, *, host: PluginHost, plugin_id: str, shop_id: int, path: str
) -> Resolved:
    """The webhook route of a plugin enabled in the shop that answers ``POST`` at ``path``."""
    inst = host.shop_view(session, shop_id).installations.get(plugin_id)
    row = get_installation(session, shop_id=shop_id, plugin_id=plugin_id)
    in_process = row is not None and row.kind == "plugin"
    if inst is None or not in_process or not host.implements(plugin_id, "register_routes"):
        raise NotFound(f"The service '{plugin_id}' takes no webhooks in this shop.")
    matched = match_route(plugin_routes(host, plugin_id), "/" + path.strip("/"), "POST", "webhook")
    if matched is None:
        raise NotFound(f"The service '{plugin_id}' takes no webhooks here.")
    granted_scope(matched[0], inst, "route")
    return resolved(host, plugin_id, matched, inst)


def _answers(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` with its refusals turned into the host's problems (call_handler would
    report any other exception as a failed page)."""

    @functools.wraps(endpoint)
    def run(**kwargs: Any) -> Any:
        try:
            return endpoint(**kwargs)
        except InvalidSignature as exc:
            raise WebhookRefused(str(exc), extra={"reason": exc.reason}) from exc
        except RetryLater as exc:
            retry = WebhookRetry(str(exc))
            retry.headers["Retry-After"] = str(exc.retry_after_s)
            raise retry from exc

    return run


def _serve(
    request: Request,
    session: Session,
    shop_id: int,
    plugin_id: str,
    path: str,
    body: bytes,
) -> Response:
    runtime = request.app.state.runtime
    found = resolve_webhook(
        session, host=runtime.host, plugin_id=plugin_id, shop_id=shop_id, path=path
    )
    session.commit()
    guarded = found.route.model_copy(update={"endpoint": _answers(found.route.endpoint)})
    out = call_handler(
        runtime.host,
        runtime.engine,
        runtime.read_engine,
        Resolved(guarded, found.path_params, found.installation, found.plugin_name),
        {
            "params": dict(request.query_params.items()),
            "method": "POST",
            "language": "en",
            "body": body,
            "headers": {k.lower(): v for k, v in request.headers.items()},
        },
        ClientHost.of_runtime(runtime),
    )
    if out is None:
        return Response(status_code=204)
    if isinstance(out, BaseModel):
        return JSONResponse(out.model_dump(mode="json"))
    if isinstance(out, dict | list):
        return JSONResponse(out)
    return PlainTextResponse(str(out))


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"A webhook body is at most {MAX_BODY_BYTES} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge(f"A webhook body is at most {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/hooks/shops/{shop_id}/apps/{plugin_id}")
@router.post("/hooks/shops/{shop_id}/apps/{plugin_id}/{path:path}")
async def plugin_webhook(
    shop_id: int, plugin_id: str, request: Request, session: ReadSessionDep, path: str = ""
) -> Response:
    """A signed webhook for a plugin's route (see the module's docstring)."""
    body = await _read_body(request)
    return await run_in_threadpool(_serve, request, session, shop_id, plugin_id, path, body)
