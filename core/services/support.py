"""Platform customer service (平台客服): a shop opens a ticket, the platform answers it.

A ticket waits for the platform (``open``, ``in_progress``) with a response deadline
(:data:`RESPONSE_TIME` from the shop's last word), or for the shop (``answered``), until it
is ``closed``. Admins assign tickets, reply, and keep internal notes that the shop never
sees. Each side is notified (:mod:`core.services.notifications`) when the other acts.
Typed, keyword-only services that take a session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from core.errors import InvalidInput, InvalidState, NotFound
from core.models import Account, Order, Product, SupportTicket, TicketMessage, TicketStatus
from core.models.base import utcnow
from core.models.support import TicketCategory
from core.services.notifications import notify

#: How long the platform has to answer after the shop's last word.
RESPONSE_TIME = timedelta(hours=24)
#: States in which the platform owes the next answer.
WAITING_FOR_PLATFORM = (TicketStatus.open, TicketStatus.in_progress)
SUBJECT_MAX, BODY_MAX, PAGE_PATH_MAX = 120, 5000, 300


@dataclass(frozen=True)
class TicketDraft:
    """What a merchant fills in to open a ticket."""

    category: TicketCategory
    subject: str
    description: str
    page_path: str = ""
    order_id: int | None = None
    product_id: int | None = None


def aware(moment: datetime) -> datetime:
    """``moment`` as UTC-aware (SQLite hands back naive datetimes, all of them UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_overdue(ticket: SupportTicket, now: datetime | None = None) -> bool:
    """The platform owes an answer and its deadline has passed."""
    return (
        ticket.status in WAITING_FOR_PLATFORM
        and ticket.respond_by is not None
        and aware(ticket.respond_by) < (now or utcnow())
    )


def _text(value: str, *, field: str, maximum: int, what: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"Enter the {what}.", field=field)
    if len(text) > maximum:
        raise InvalidInput(f"The {what} is longer than {maximum} characters.", field=field)
    return text


def _console_path(path: str) -> str:
    """The console page a ticket came from, or nothing for anything else."""
    path = path.strip()
    if path.startswith("/console/") and len(path) <= PAGE_PATH_MAX and "\\" not in path:
        return path
    return ""


def _check_subject_of(session: Session, *, shop_id: int, draft: TicketDraft) -> None:
    if draft.order_id is not None:
        order = session.get(Order, draft.order_id)
        if order is None or order.shop_id != shop_id:
            raise InvalidInput("This shop has no such order.", field="body.order_id")
    if draft.product_id is not None:
        product = session.get(Product, draft.product_id)
        if product is None or product.shop_id != shop_id:
            raise InvalidInput("This shop has no such product.", field="body.product_id")


def _admins(session: Session) -> list[int]:
    rows = session.exec(select(Account.id).where(col(Account.is_admin).is_(True))).all()
    return [row for row in rows if row is not None]


def _about(ticket: SupportTicket) -> dict[str, str | int]:
    """A notice's params: which ticket, and its subject."""
    return {"ticket_id": ticket.id or 0, "subject": ticket.subject}


def _tell_platform(session: Session, ticket: SupportTicket, kind: str) -> None:
    """The assignee, or every admin while nobody has the ticket."""
    for admin_id in [ticket.assignee_id] if ticket.assignee_id else _admins(session):
        notify(
            session,
            account_id=admin_id,
            kind=kind,
            params=_about(ticket),
            link=f"/admin/support/{ticket.id}",
        )


def open_ticket(
    session: Session, *, shop_id: int, opened_by_id: int, draft: TicketDraft
) -> SupportTicket:
    """Open a ticket for ``shop_id``; the platform must answer within :data:`RESPONSE_TIME`.

    :raises InvalidInput: an empty or too long subject or description (``body.subject``,
        ``body.description``), or an order or product of another shop.
    """
    subject = _text(draft.subject, field="body.subject", maximum=SUBJECT_MAX, what="subject")
    description = _text(
        draft.description, field="body.description", maximum=BODY_MAX, what="description"
    )
    _check_subject_of(session, shop_id=shop_id, draft=draft)
    now = utcnow()
    ticket = SupportTicket(
        shop_id=shop_id,
        opened_by_id=opened_by_id,
        category=draft.category,
        subject=subject,
        description=description,
        page_path=_console_path(draft.page_path),
        order_id=draft.order_id,
        product_id=draft.product_id,
        respond_by=now + RESPONSE_TIME,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    _tell_platform(session, ticket, "support_ticket")
    return ticket


def shop_tickets(session: Session, *, shop_id: int) -> list[SupportTicket]:
    """The shop's tickets, newest first."""
    return list(
        session.exec(
            select(SupportTicket)
            .where(SupportTicket.shop_id == shop_id)
            .order_by(col(SupportTicket.id).desc())
        )
    )


def get_ticket(session: Session, *, ticket_id: int, shop_id: int | None = None) -> SupportTicket:
    """One ticket; with ``shop_id``, only that shop's (another shop's is not found)."""
    ticket = session.get(SupportTicket, ticket_id)
    if ticket is None or (shop_id is not None and ticket.shop_id != shop_id):
        raise NotFound(f"Ticket {ticket_id} was not found.", code="ticket_not_found")
    return ticket


def ticket_messages(
    session: Session, *, ticket_id: int, with_internal: bool
) -> list[TicketMessage]:
    """The ticket's messages, oldest first; internal notes only ``with_internal``."""
    query = select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
    if not with_internal:
        query = query.where(col(TicketMessage.internal).is_(False))
    return list(session.exec(query.order_by(col(TicketMessage.id))))


def _message(
    session: Session,
    ticket: SupportTicket,
    *,
    author_id: int,
    body: str,
    from_platform: bool,
    internal: bool = False,
) -> TicketMessage:
    if ticket.status == TicketStatus.closed:
        raise InvalidState("This ticket is closed; open a new one.", code="ticket_closed")
    text = _text(body, field="body.body", maximum=BODY_MAX, what="message")
    row = TicketMessage(
        ticket_id=ticket.id,  # type: ignore[arg-type]
        author_id=author_id,
        body=text,
        from_platform=from_platform,
        internal=internal,
    )
    session.add(row)
    ticket.updated_at = utcnow()
    session.add(ticket)
    session.flush()
    return row


def merchant_reply(
    session: Session, *, ticket: SupportTicket, author_id: int, body: str
) -> TicketMessage:
    """The shop adds to its ticket: it waits for the platform again, with a new deadline."""
    row = _message(session, ticket, author_id=author_id, body=body, from_platform=False)
    if ticket.status == TicketStatus.answered:
        ticket.status = TicketStatus.in_progress if ticket.assignee_id else TicketStatus.open
    ticket.respond_by = utcnow() + RESPONSE_TIME
    session.add(ticket)
    _tell_platform(session, ticket, "support_replied")
    return row


def platform_reply(
    session: Session, *, ticket: SupportTicket, admin_id: int, body: str, internal: bool = False
) -> TicketMessage:
    """An admin answers the shop (the ticket is ``answered``, the shop's opener notified), or,
    ``internal``, leaves a note for the platform only (nothing changes for the shop)."""
    row = _message(
        session, ticket, author_id=admin_id, body=body, from_platform=True, internal=internal
    )
    if internal:
        return row
    ticket.status = TicketStatus.answered
    ticket.respond_by = None
    if ticket.assignee_id is None:
        ticket.assignee_id = admin_id
    session.add(ticket)
    notify(
        session,
        account_id=ticket.opened_by_id,
        shop_id=ticket.shop_id,
        kind="support_answered",
        params=_about(ticket),
        link=f"/console/shops/{ticket.shop_id}/support/{ticket.id}",
    )
    return row


def assign_ticket(session: Session, *, ticket: SupportTicket, assignee_id: int) -> SupportTicket:
    """Give the ticket to a platform admin (who is notified); an open one is now in progress.

    :raises InvalidInput: the assignee is not a platform admin (``body.assignee_id``).
    """
    assignee = session.get(Account, assignee_id)
    if assignee is None or not assignee.is_admin:
        raise InvalidInput("Assign the ticket to a platform admin.", field="body.assignee_id")
    ticket.assignee_id = assignee_id
    if ticket.status == TicketStatus.open:
        ticket.status = TicketStatus.in_progress
    ticket.updated_at = utcnow()
    session.add(ticket)
    notify(
        session,
        account_id=assignee_id,
        kind="support_assigned",
        params=_about(ticket),
        link=f"/admin/support/{ticket.id}",
    )
    return ticket


def close_ticket(session: Session, *, ticket: SupportTicket) -> SupportTicket:
    """Close the ticket (either side may); nobody owes an answer any more."""
    ticket.status = TicketStatus.closed
    ticket.respond_by = None
    ticket.updated_at = utcnow()
    session.add(ticket)
    return ticket


def reopen_ticket(session: Session, *, ticket: SupportTicket) -> SupportTicket:
    """Open a closed ticket again; the platform owes an answer from now."""
    if ticket.status != TicketStatus.closed:
        return ticket
    ticket.status = TicketStatus.in_progress if ticket.assignee_id else TicketStatus.open
    ticket.respond_by = utcnow() + RESPONSE_TIME
    ticket.updated_at = utcnow()
    session.add(ticket)
    return ticket


def ticket_queue(
    session: Session,
    *,
    status: TicketStatus | None = None,
    assignee_id: int | None = None,
    limit: int = 100,
) -> list[SupportTicket]:
    """The platform's queue: tickets waiting for the platform by deadline (most urgent
    first), then the rest newest first; ``status`` and ``assignee_id`` narrow it."""
    query = select(SupportTicket)
    if status is not None:
        query = query.where(SupportTicket.status == status)
    if assignee_id is not None:
        query = query.where(SupportTicket.assignee_id == assignee_id)
    waiting = col(SupportTicket.status).in_(WAITING_FOR_PLATFORM)
    ordered = query.order_by(
        waiting.desc(), col(SupportTicket.respond_by), col(SupportTicket.id).desc()
    )
    return list(session.exec(ordered.limit(limit)))


def platform_admins(session: Session) -> list[Account]:
    """Who a ticket may be assigned to."""
    return list(
        session.exec(
            select(Account).where(col(Account.is_admin).is_(True)).order_by(col(Account.name))
        )
    )
