"""REST routes: the signed-in person's notifications (webhooks paused, ...), and reading them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from core.api.deps import PersonIdDep, ReadSessionDep, SessionDep
from core.models import Notification
from core.schemas.webhooks import NotificationPublic
from core.services.notifications import list_notifications, mark_read, notice_text

router = APIRouter(tags=["notifications"])


def _public(row: Notification) -> NotificationPublic:
    """The notice with its text rendered in English (its kind's text and params)."""
    return NotificationPublic(
        id=row.id or 0,
        shop_id=row.shop_id,
        kind=row.kind,
        message=notice_text(row),
        link=row.link,
        created_at=row.created_at,
        read_at=row.read_at,
    )


@router.get("/me/notifications", summary="My notifications, newest first")
def my_notifications(
    account_id: PersonIdDep,
    session: ReadSessionDep,
    unread: Annotated[bool, Query(description="Only those not read yet")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[NotificationPublic]:
    rows = list_notifications(session, account_id=account_id, unread_only=unread, limit=limit)
    return [_public(r) for r in rows]


@router.post("/me/notifications/{notification_id}/read", summary="Mark a notification read")
def read_notification(
    account_id: PersonIdDep,
    session: SessionDep,
    notification_id: Annotated[int, Path(ge=1)],
) -> NotificationPublic:
    row = mark_read(session, account_id=account_id, notification_id=notification_id)
    session.commit()
    return _public(row)
