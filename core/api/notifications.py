"""REST routes: the signed-in person's notifications (webhooks paused, ...), and reading them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from core.api.deps import PrincipalDep, SessionDep
from core.auth import Principal
from core.errors import PermissionDenied
from core.schemas.webhooks import NotificationPublic
from core.services.notifications import list_notifications, mark_read

router = APIRouter(tags=["notifications"])


def _person(principal: Principal) -> int:
    if principal.scopes is not None or principal.account_id is None:
        raise PermissionDenied("Notifications are for people, not services.", code="people_only")
    return principal.account_id


@router.get("/me/notifications", summary="My notifications, newest first")
def my_notifications(
    principal: PrincipalDep,
    session: SessionDep,
    unread: Annotated[bool, Query(description="Only those not read yet")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[NotificationPublic]:
    rows = list_notifications(
        session, account_id=_person(principal), unread_only=unread, limit=limit
    )
    return [NotificationPublic.model_validate(r, from_attributes=True) for r in rows]


@router.post("/me/notifications/{notification_id}/read", summary="Mark a notification read")
def read_notification(
    principal: PrincipalDep,
    session: SessionDep,
    notification_id: Annotated[int, Path(ge=1)],
) -> NotificationPublic:
    row = mark_read(session, account_id=_person(principal), notification_id=notification_id)
    session.commit()
    return NotificationPublic.model_validate(row, from_attributes=True)
