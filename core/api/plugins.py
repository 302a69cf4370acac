"""Admin routes for the plugin host: what is loaded, and the dead-letter backlog."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from pydantic import BaseModel

from core.api.deps import AdminDep, ReadSessionDep, SessionDep
from core.jobs.queue import build_runtime
from core.jobs.runtime import Runtime
from core.jobs.tasks import enqueue, request_dispatch
from core.plugins.manager import PluginHost
from core.plugins.outbox_watch import watch_outbox
from core.plugins.retries import dead_letters, replay_deliveries
from core.services.audit import record_action

router = APIRouter(tags=["plugins"])


class PluginPublic(BaseModel):
    id: str
    name: str
    version: str
    module: str
    source: str
    status: str
    reason: str
    hooks: list[str]


class DeliveryPublic(BaseModel):
    id: int
    event_id: str
    shop_id: int
    plugin_id: str
    installation_id: int
    hook: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime


class ReplayRequest(BaseModel):
    delivery_ids: list[int]


def describe_plugins(host: PluginHost) -> list[PluginPublic]:
    """Every plugin the host tried to load, in load order."""
    return [
        PluginPublic(
            id=p.id,
            name=p.manifest.name if p.manifest else p.id,
            version=p.version,
            module=p.module_name,
            source=p.source,
            status=p.status.value,
            reason=p.reason,
            hooks=list(p.hooks),
        )
        for p in host.plugins.values()
    ]


@router.get("/admin/plugins", response_model=list[PluginPublic])
def list_plugins(request: Request, _admin: AdminDep) -> list[PluginPublic]:
    """Loaded plugins with their version, status, reason and the hooks each implements."""
    return describe_plugins(request.app.state.plugins)


@router.get("/admin/deliveries/dead", response_model=list[DeliveryPublic])
def list_dead_letters(
    session: ReadSessionDep,
    _admin: AdminDep,
    shop_id: int | None = None,
    plugin_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[Any]:
    """Deliveries that ran out of retries, newest first."""
    rows = dead_letters(session, shop_id=shop_id, plugin_id=plugin_id, limit=limit)
    return [DeliveryPublic.model_validate(r, from_attributes=True) for r in rows]


@router.post("/admin/deliveries/replay")
def replay(
    body: ReplayRequest, request: Request, session: SessionDep, admin: AdminDep
) -> dict[str, list[int]]:
    """Put dead deliveries back in the queue with fresh attempts."""
    ids = replay_deliveries(session, delivery_ids=body.delivery_ids)
    for delivery_id in ids:
        record_action(
            session,
            actor_id=admin.account_id,
            action="replay_delivery",
            target_type="delivery",
            target_id=delivery_id,
        )
    session.commit()
    runtime: Runtime = request.app.state.runtime
    for delivery_id in ids:
        enqueue(runtime.huey, "deliver", delivery_id)
    return {"replayed": ids}


def attach_plugin_host(app: FastAPI) -> Runtime:
    """Load plugins for ``app`` and have outbox commits enqueue event dispatch (coalesced:
    no new task while one is pending, see :func:`~core.jobs.tasks.request_dispatch`).

    Sets ``app.state.runtime`` (settings, engine, plugin host, queue, decision runner) and
    ``app.state.plugins`` (the :class:`PluginHost`). Call after ``app.state.engine`` is set.
    """
    runtime = build_runtime(app.state.settings, engine=app.state.engine)
    app.state.runtime = runtime
    app.state.plugins = runtime.host
    watch_outbox(runtime.engine, lambda: request_dispatch(runtime.huey))
    return runtime
