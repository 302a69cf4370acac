"""Notifications: tell a person (a merchant, a provider) something happened; list and read them.

Typed, keyword-only services that take a session and never commit.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.errors import NotFound
from core.models import Notification
from core.models.base import utcnow


def notify(
    session: Session, *, account_id: int, kind: str, message: str, shop_id: int | None = None
) -> Notification:
    """Add a notification for ``account_id`` (not committed).

    :param kind: a machine-readable word, e.g. ``webhooks_paused``.
    :param message: what happened and what to do, in plain words (cut to 2000 characters).
    """
    row = Notification(account_id=account_id, shop_id=shop_id, kind=kind, message=message[:2000])
    session.add(row)
    return row


def list_notifications(
    session: Session, *, account_id: int, unread_only: bool = False, limit: int = 50
) -> list[Notification]:
    """The account's notifications, newest first."""
    query = select(Notification).where(Notification.account_id == account_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return list(session.exec(query.order_by(col(Notification.id).desc()).limit(limit)))


def mark_read(session: Session, *, account_id: int, notification_id: int) -> Notification:
    """Mark one of the account's notifications read; another account's is not found."""
    row = session.get(Notification, notification_id)
    if row is None or row.account_id != account_id:
        raise NotFound(f"Notification {notification_id} was not found.")
    if row.read_at is None:
        row.read_at = utcnow()
        session.add(row)
    return row
