"""Notifications: tell a person (a merchant, a provider) something happened; list and read them.

A notice of a kind in :data:`NOTICE_TEXTS` is stored as that key and its ``params``, not as
a sentence, so each reader gets it in their own language when reading (the pages translate
the same English texts; :func:`notice_text` renders the English one for the API). Older
kinds keep a written ``message``. Typed, keyword-only services that take a session and
never commit.
"""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from core.errors import NotFound
from core.models import Notification
from core.models.base import utcnow

#: The English text of each notice kind, with ``%(name)s`` placeholders from its params.
NOTICE_TEXTS: dict[str, str] = {
    "support_ticket": "New support ticket #%(ticket_id)s: %(subject)s",
    "support_replied": "The shop replied on ticket #%(ticket_id)s: %(subject)s",
    "support_answered": "The platform answered your ticket #%(ticket_id)s: %(subject)s",
    "support_assigned": "Support ticket #%(ticket_id)s is yours: %(subject)s",
    "webhooks_paused": (
        "Webhook deliveries of '%(app)s' to shop '%(shop)s' are paused after %(failures)s "
        "failed attempts in a row (last: %(reason)s). Events are kept and a trial delivery "
        "follows shortly; once the app answers again, send the backlog at once with "
        "POST %(replay)s."
    ),
}


def render_notice(row: Notification, template: str | None) -> str:
    """``row`` in the words of ``template`` (its kind's text, in some language) filled with
    its params; a row written before its kind had a text (no params to fill) keeps its
    written message."""
    if template is None:
        return row.message
    try:
        return template % row.params
    except (KeyError, TypeError, ValueError):
        return row.message or template


def notice_text(row: Notification) -> str:
    """The notice in English: its kind's text with its params, else its written message."""
    return render_notice(row, NOTICE_TEXTS.get(row.kind))


def notify(
    session: Session,
    *,
    account_id: int,
    kind: str,
    message: str = "",
    params: dict[str, str | int] | None = None,
    link: str = "",
    shop_id: int | None = None,
) -> Notification:
    """Add a notification for ``account_id`` (not committed).

    :param kind: a machine-readable word, e.g. ``webhooks_paused``; a key of
        :data:`NOTICE_TEXTS` says the text, filled with ``params`` when read.
    :param message: for a kind without a text: what happened and what to do, in plain
        words (cut to 2000 characters).
    :param link: the local page (``/console/...``, ``/admin/...``) the notice is about.
    """
    if kind not in NOTICE_TEXTS and not message:
        raise ValueError(f"A notice of kind {kind!r} needs a message.")
    row = Notification(
        account_id=account_id,
        shop_id=shop_id,
        kind=kind,
        message=message[:2000],
        params=dict(params or {}),
        link=link if link.startswith("/") and not link.startswith("//") else "",
    )
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


def unread_count(session: Session, *, account_id: int) -> int:
    """How many of the account's notifications are not read yet."""
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.account_id == account_id, col(Notification.read_at).is_(None))
    ).one()


def mark_read(session: Session, *, account_id: int, notification_id: int) -> Notification:
    """Mark one of the account's notifications read; another account's is not found."""
    row = session.get(Notification, notification_id)
    if row is None or row.account_id != account_id:
        raise NotFound(f"Notification {notification_id} was not found.")
    if row.read_at is None:
        row.read_at = utcnow()
        session.add(row)
    return row


def mark_all_read(session: Session, *, account_id: int) -> int:
    """Mark every unread notification of the account read; how many were."""
    result = session.exec(
        update(Notification)
        .where(col(Notification.account_id) == account_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    return int(result.rowcount or 0)
