"""The signed-in person's notifications (``/account/notifications``): newest first, each
in the reader's language and linked to what it is about (a ticket...), with unread ones
marked; opening one marks it read, and all can be marked read at once. The frame of every
page links here with the number of unread notices.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from core.api.deps import ReadSessionDep, SessionDep
from core.services import notifications as service
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.notice_words import notice_in, notice_texts
from marketplace.web.templating import flash, gettext_for, render

router = web_router(tags=["account"])

PAGE = "/account/notifications"
SHOWN = 100


@router.get(PAGE)
def notifications_page(
    request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The person's notices, newest first, unread ones marked."""
    assert account.id is not None
    rows = service.list_notifications(session, account_id=account.id, limit=SHOWN)
    session.commit()
    texts = notice_texts(request)
    notices = [(row, notice_in(texts, row)) for row in rows]
    return render(
        request,
        "account/notifications.html",
        {"notices": notices, "any_unread": any(row.read_at is None for row in rows)},
    )


@router.post(PAGE + "/{notification_id}/read")
def read_one(
    notification_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    go: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Mark the notice read; with ``go=link``, open the page it is about."""
    assert account.id is not None
    row = service.mark_read(session, account_id=account.id, notification_id=notification_id)
    session.commit()
    target = row.link if go == "link" and row.link else PAGE
    return RedirectResponse(target, status_code=303)


@router.post(PAGE + "/read-all")
def read_all(request: Request, session: SessionDep, account: RequireAccount) -> Response:
    """Mark every unread notice read."""
    assert account.id is not None
    count = service.mark_all_read(session, account_id=account.id)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("%(count)s notifications marked read.") % {"count": count}, "success")
    return RedirectResponse(PAGE, status_code=303)
