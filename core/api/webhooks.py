"""REST routes: an installation's event deliveries (signed webhooks for remote apps), their
health, and replaying the backlog.

The shop's people and the installation itself (its OAuth token, scope ``shop:read``) may
read them; a service token reaches only its own installation. Replaying sends the app its
own events again: the app itself may, and so may people with the marketplace permission.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request

from core.api.deps import Access, ReadSessionDep, SessionDep
from core.api.installations import (
    INSTALLATION,
    PluginId,
    _installation,
    require_marketplace_permission,
)
from core.api.pagination import Page, decode_cursor, encode_cursor
from core.auth import ShopAccess
from core.jobs.runtime import Runtime
from core.jobs.tasks import enqueue_deliveries
from core.models import CircuitState, DeliveryStatus
from core.plugins.webhooks import topic_of
from core.schemas.webhooks import (
    DeliveryAttemptPublic,
    ReplayRequest,
    ReplayResult,
    WebhookHealth,
)
from core.services import webhooks as svc
from sdk.scopes import Scope

router = APIRouter(tags=["webhooks"])

WEBHOOKS = INSTALLATION + "/webhooks"


@router.get(WEBHOOKS, summary="The installation's delivery health and backlog")
def webhook_health(
    plugin_id: PluginId,
    access: Annotated[ShopAccess, Access(Scope.shop_read)],
    session: ReadSessionDep,
) -> WebhookHealth:
    """Whether deliveries are paused (``circuit_state`` ``open``), why, until when, and how
    many deliveries wait by status."""
    row = _installation(session, access, plugin_id)
    assert row.id is not None
    return WebhookHealth(
        kind=row.kind,
        paused=row.circuit_state == CircuitState.open,
        webhook_url=row.webhook_url,
        webhook_topics=list(row.webhook_topics),
        circuit_state=row.circuit_state.value,
        circuit_reason=row.circuit_reason,
        circuit_retry_at=row.circuit_retry_at,
        consecutive_failures=row.consecutive_failures,
        backlog=svc.backlog_counts(session, installation_id=row.id),
    )


@router.get(WEBHOOKS + "/deliveries", summary="The installation's recent deliveries")
def list_deliveries(
    plugin_id: PluginId,
    access: Annotated[ShopAccess, Access(Scope.shop_read)],
    session: ReadSessionDep,
    status: Annotated[DeliveryStatus | None, Query(description="Only this status")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[DeliveryAttemptPublic]:
    """Newest first, with each delivery's status, attempts, last error and next attempt."""
    row = _installation(session, access, plugin_id)
    assert row.id is not None
    rows = svc.recent_deliveries(
        session,
        installation_id=row.id,
        status=status,
        before_id=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    next_cursor = encode_cursor(rows[limit - 1].id or 0) if len(rows) > limit else None
    items = [
        DeliveryAttemptPublic(
            id=d.id or 0,
            event_id=d.event_id,
            topic=topic_of(d.hook),
            status=d.status.value,
            attempts=d.attempts,
            last_error=d.last_error,
            next_attempt_at=d.next_attempt_at,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
            duration_ms=d.duration_ms,
        )
        for d in rows[:limit]
    ]
    return Page(items=items, next_cursor=next_cursor)


@router.post(WEBHOOKS + "/replay", summary="Send the installation's backlog again")
def replay_webhooks(
    plugin_id: PluginId,
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.shop_read)],
    session: SessionDep,
    body: Annotated[ReplayRequest | None, Body()] = None,
) -> ReplayResult:
    """Resume paused deliveries and queue every one not delivered yet (or the listed ones),
    in event order, with fresh attempts. Use it once the app answers again. People need the
    shop's marketplace permission."""
    if access.principal.scopes is None:
        require_marketplace_permission(access)
    row = _installation(session, access, plugin_id)
    ids = svc.replay_backlog(
        session, installation=row, delivery_ids=body.delivery_ids if body else None
    )
    session.commit()
    runtime: Runtime = request.app.state.runtime
    enqueue_deliveries(runtime.huey, ids)
    return ReplayResult(replayed=len(ids), delivery_ids=ids)
