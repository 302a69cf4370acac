"""The admin console's support queue (平台客服): tickets from shops, most urgent first.

A ticket waiting for the platform past its response deadline is highlighted. An admin
assigns a ticket, answers the shop or leaves an internal note (the shop never sees it),
closes or reopens it. Screenshots open through short-lived signed links.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.api.files import signed_link
from core.errors import TanziError
from core.models import Account, Shop, TicketStatus
from core.services import support as service
from core.services import support_screenshots as screenshots
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAdmin
from marketplace.web.support_words import category_labels, status_labels
from marketplace.web.templating import flash, gettext_for, render

router = web_router(tags=["admin"])

QUEUE = "/admin/support"
TICKET = QUEUE + "/{ticket_id}"
StatusFilter = Annotated[str, Query(pattern="^(|open|in_progress|answered|closed)$")]


@router.get(QUEUE)
def queue_page(
    request: Request,
    session: ReadSessionDep,
    admin: RequireAdmin,
    status: StatusFilter = "",
    mine: Annotated[bool, Query()] = False,
) -> Response:
    """The queue: tickets waiting for the platform by deadline, overdue ones marked."""
    tickets = service.ticket_queue(
        session,
        status=TicketStatus(status) if status else None,
        assignee_id=admin.id if mine else None,
    )
    shop_ids = {t.shop_id for t in tickets}
    people_ids = {t.assignee_id for t in tickets if t.assignee_id}
    shops = {s.id: s for s in session.exec(select(Shop).where(col(Shop.id).in_(shop_ids)))}
    people = {a.id: a for a in session.exec(select(Account).where(col(Account.id).in_(people_ids)))}
    session.commit()
    return render(
        request,
        "admin/support.html",
        {
            "tab": "support",
            "tickets": tickets,
            "shops": shops,
            "people": people,
            "status": status,
            "mine": mine,
            "is_overdue": service.is_overdue,
            "statuses": list(TicketStatus),
            "category_labels": category_labels(request),
            "status_labels": status_labels(request),
        },
    )


@router.get(TICKET)
def ticket_page(
    ticket_id: int, request: Request, session: ReadSessionDep, admin: RequireAdmin
) -> Response:
    """One ticket with everything: the shop's messages, replies and internal notes."""
    ticket = service.get_ticket(session, ticket_id=ticket_id)
    messages = service.ticket_messages(session, ticket_id=ticket_id, with_internal=True)
    authors = {m.author_id for m in messages} | {ticket.opened_by_id}
    people = {a.id: a for a in session.exec(select(Account).where(col(Account.id).in_(authors)))}
    context = {
        "tab": "support",
        "ticket": ticket,
        "shop": session.get(Shop, ticket.shop_id),
        "messages": messages,
        "people": people,
        "admins": service.platform_admins(session),
        "screenshots": screenshots.ticket_screenshots(session, ticket_id=ticket_id),
        "overdue": service.is_overdue(ticket),
        "category_labels": category_labels(request),
        "status_labels": status_labels(request),
    }
    session.commit()
    return render(request, "admin/support_ticket.html", context)


def _back(request: Request, ticket_id: int, message: str, category: str = "success") -> Response:
    flash(request, message, category)
    return RedirectResponse(f"/admin/support/{ticket_id}", status_code=303)


@router.post(TICKET + "/assign")
def assign(
    ticket_id: int,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    assignee_id: Annotated[int, Form()],
) -> Response:
    """Give the ticket to an admin (who is notified)."""
    ticket = service.get_ticket(session, ticket_id=ticket_id)
    _ = gettext_for(request)
    try:
        service.assign_ticket(session, ticket=ticket, assignee_id=assignee_id)
    except TanziError:
        session.rollback()
        return _back(request, ticket_id, _("Assign the ticket to a platform admin."), "error")
    session.commit()
    return _back(request, ticket_id, _("The ticket is assigned."))


@router.post(TICKET + "/reply")
def reply(
    ticket_id: int,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    body: Annotated[str, Form(max_length=6000)] = "",
    internal: Annotated[bool, Form()] = False,
) -> Response:
    """Answer the shop, or (``internal``) note something for the platform only."""
    ticket = service.get_ticket(session, ticket_id=ticket_id)
    _ = gettext_for(request)
    assert admin.id is not None
    try:
        service.platform_reply(
            session, ticket=ticket, admin_id=admin.id, body=body, internal=internal
        )
    except TanziError:
        session.rollback()
        return _back(
            request, ticket_id, _("Write the message first; a closed ticket takes none."), "error"
        )
    session.commit()
    done = _("Internal note saved.") if internal else _("Answer sent to the shop.")
    return _back(request, ticket_id, done)


@router.post(TICKET + "/close")
def close(ticket_id: int, request: Request, session: SessionDep, admin: RequireAdmin) -> Response:
    ticket = service.get_ticket(session, ticket_id=ticket_id)
    service.close_ticket(session, ticket=ticket)
    session.commit()
    return _back(request, ticket_id, gettext_for(request)("The ticket is closed."))


@router.post(TICKET + "/reopen")
def reopen(ticket_id: int, request: Request, session: SessionDep, admin: RequireAdmin) -> Response:
    ticket = service.get_ticket(session, ticket_id=ticket_id)
    service.reopen_ticket(session, ticket=ticket)
    session.commit()
    return _back(request, ticket_id, gettext_for(request)("The ticket is open again."))


@router.get(TICKET + "/screenshots/{screenshot_id}")
def screenshot(
    ticket_id: int,
    screenshot_id: int,
    session: ReadSessionDep,
    settings: SettingsDep,
    admin: RequireAdmin,
    size: Annotated[str, Query(pattern="^(full|thumb)$")] = "full",
) -> Response:
    """A ticket's screenshot through a fresh signed link (platform admins)."""
    ticket = service.get_ticket(session, ticket_id=ticket_id)
    file = screenshots.screenshot_file(
        session, ticket=ticket, screenshot_id=screenshot_id, thumbnail=size == "thumb"
    )
    session.commit()
    return RedirectResponse(signed_link(settings, file).url, status_code=303)
