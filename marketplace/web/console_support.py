"""The console's platform support (平台客服): a shop's tickets to the platform.

Any member of the shop may open a ticket from any console page (the frame's link carries
the page, and an order's or product's page fills in what it is about), follow it, reply,
attach screenshots and close it. Screenshots are sent by the page's script as the raw
request body (``X-CSRF-Token``), streamed into the file store like every upload, and shown
through short-lived signed links to the shop's members only. Internal notes of the
platform never reach these pages.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.api.files import get_file_store, receive_body, signed_link
from core.auth import ShopAccess
from core.errors import InvalidInput, TanziError
from core.files.documents import chunks_of, stage_chunks
from core.files.service import written_files
from core.files.store import FileStore, StagedFile
from core.models import Account, SupportTicket, TicketCategory
from core.services import support as service
from core.services import support_screenshots as screenshots
from core.settings import Settings
from marketplace.web.console_access import console_context, field_errors, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.support_words import category_labels, status_labels
from marketplace.web.templating import flash, gettext_for, render
from marketplace.web.upload_refusals import refusal_message, upload_refusal
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

BASE = "/console/shops/{shop_id}/support"
TICKET = BASE + "/{ticket_id}"
Text = Annotated[str, Form(max_length=6000)]
_ABOUT = re.compile(r"^/console/shops/\d+/(orders|products)/(\d+)")


def _about(from_path: str) -> dict[str, str]:
    """An order's or product's page says what the ticket is about."""
    found = _ABOUT.match(from_path)
    if not found:
        return {}
    return {"order_id" if found.group(1) == "orders" else "product_id": found.group(2)}


def _words(request: Request) -> dict[str, Any]:
    return {"category_labels": category_labels(request), "status_labels": status_labels(request)}


@router.get(BASE)
def tickets_page(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The shop's tickets, newest first, each with its status (and whether it is overdue)."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    tickets = service.shop_tickets(session, shop_id=shop_id)
    session.commit()
    return render(
        request,
        "console/support.html",
        console_context(
            access, "support", tickets=tickets, is_overdue=service.is_overdue, **_words(request)
        ),
    )


def _new_page(
    request: Request,
    access: ShopAccess,
    *,
    typed: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "console/support_new.html",
        console_context(
            access,
            "support",
            typed=typed,
            errors=errors or {},
            categories=list(TicketCategory),
            max_screenshots=screenshots.MAX_SCREENSHOTS,
            max_mb=request.app.state.settings.upload_max_bytes // (1024 * 1024),
            **_words(request),
        ),
        status_code=status_code,
    )


@router.get(BASE + "/new")
def new_ticket_page(
    shop_id: int,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
    from_path: Annotated[str, Query(alias="from", max_length=300)] = "",
) -> Response:
    """The form to ask the platform, remembering the page it was opened from."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    typed = {"page_path": from_path, **_about(from_path)}
    return _new_page(request, access, typed=typed)


def _optional_id(value: str, field: str) -> int | None:
    value = value.strip().lstrip("#")
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput("Enter a number.", field=f"body.{field}")
    return int(value)


@router.post(BASE + "/new")
def open_ticket(
    shop_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    settings: SettingsDep,
    category: Annotated[str, Form(max_length=20)] = "",
    subject: Annotated[str, Form(max_length=200)] = "",
    description: Text = "",
    order_id: Annotated[str, Form(max_length=20)] = "",
    product_id: Annotated[str, Form(max_length=20)] = "",
    page_path: Annotated[str, Form(max_length=300)] = "",
    shots: Annotated[list[UploadFile] | None, File(alias="screenshots")] = None,
) -> Response:
    """Open the ticket with the screenshots chosen in the form (each checked like one added
    later; one refused keeps the ticket unopened), and go to it."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    typed = {
        "category": category,
        "subject": subject,
        "description": description,
        "order_id": order_id,
        "product_id": product_id,
        "page_path": page_path,
    }
    _ = gettext_for(request)
    messages = {
        "category": _("Choose what the ticket is about."),
        "subject": _("Enter a subject (at most 120 characters)."),
        "description": _("Describe the problem (at most 5000 characters)."),
        "order_id": _("This shop has no order with this number."),
        "product_id": _("This shop has no product with this number."),
    }
    try:
        if category not in {c.value for c in TicketCategory}:
            raise InvalidInput("Choose a category.", field="body.category")
        draft = service.TicketDraft(
            category=TicketCategory(category),
            subject=subject,
            description=description,
            page_path=page_path,
            order_id=_optional_id(order_id, "order_id"),
            product_id=_optional_id(product_id, "product_id"),
        )
        assert account.id is not None
        ticket = service.open_ticket(session, shop_id=shop_id, opened_by_id=account.id, draft=draft)
    except TanziError as exc:
        session.rollback()
        errors = field_errors(exc, messages)
        return _new_page(request, access, typed=typed, errors=errors, status_code=400)
    chosen = [upload for upload in shots or [] if upload.filename]
    try:
        with written_files(get_file_store(request)) as written:
            _attach_chosen(session, request, written, settings, ticket=ticket, chosen=chosen)
            session.commit()
    except TanziError as exc:
        session.rollback()
        refused = refusal_message(
            request,
            exc,
            accepted=_("Send screenshots as JPEG, PNG or WebP images."),
            codes={
                "limit_exceeded": _("Choose at most %(count)s screenshots.")
                % {"count": screenshots.MAX_SCREENSHOTS}
            },
        )
        errors = {
            "screenshots": _("The ticket was not sent: %(why)s Choose the screenshots again.")
            % {"why": refused}
        }
        return _new_page(request, access, typed=typed, errors=errors, status_code=400)
    flash(request, _("Ticket #%(id)s sent to the platform.") % {"id": ticket.id}, "success")
    return RedirectResponse(f"/console/shops/{shop_id}/support/{ticket.id}", status_code=303)


@router.get(TICKET)
def ticket_page(
    shop_id: int,
    ticket_id: int,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
) -> Response:
    """One ticket: what was asked, the conversation (never the platform's internal notes),
    the screenshots, and the forms to add to it."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    ticket = service.get_ticket(session, ticket_id=ticket_id, shop_id=shop_id)
    messages = service.ticket_messages(session, ticket_id=ticket_id, with_internal=False)
    shots = screenshots.ticket_screenshots(session, ticket_id=ticket_id)
    session.commit()
    settings = request.app.state.settings
    return render(
        request,
        "console/support_ticket.html",
        console_context(
            access,
            "support",
            ticket=ticket,
            messages=messages,
            screenshots=shots,
            can_add_screenshot=len(shots) < screenshots.MAX_SCREENSHOTS,
            overdue=service.is_overdue(ticket),
            max_mb=settings.upload_max_bytes // (1024 * 1024),
            **_words(request),
        ),
    )


@router.post(TICKET + "/reply")
def reply(
    shop_id: int,
    ticket_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    body: Text = "",
) -> Response:
    """Add to the ticket; it waits for the platform again."""
    member_access(session, account, shop_id, Scope.shop_read)
    ticket = service.get_ticket(session, ticket_id=ticket_id, shop_id=shop_id)
    _ = gettext_for(request)
    assert account.id is not None
    try:
        service.merchant_reply(session, ticket=ticket, author_id=account.id, body=body)
    except TanziError:
        session.rollback()
        flash(request, _("Write your message first; a closed ticket takes none."), "error")
    else:
        session.commit()
        flash(request, _("Your message was sent."), "success")
    return RedirectResponse(f"/console/shops/{shop_id}/support/{ticket_id}", status_code=303)


@router.post(TICKET + "/close")
def close(
    shop_id: int,
    ticket_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
) -> Response:
    """The shop's problem is solved: close the ticket."""
    member_access(session, account, shop_id, Scope.shop_read)
    ticket = service.get_ticket(session, ticket_id=ticket_id, shop_id=shop_id)
    service.close_ticket(session, ticket=ticket)
    session.commit()
    flash(request, gettext_for(request)("The ticket is closed."), "success")
    return RedirectResponse(f"/console/shops/{shop_id}/support/{ticket_id}", status_code=303)


def _attach_chosen(
    session: Session,
    request: Request,
    written: list[str],
    settings: Settings,
    *,
    ticket: SupportTicket,
    chosen: list[UploadFile],
) -> None:
    """Keep each file chosen in the new-ticket form as a screenshot of ``ticket``: streamed
    from the form's spooled part into the store under the upload limit, then checked and
    re-encoded by :func:`core.services.support_screenshots.add_screenshot`."""
    store = get_file_store(request)
    for upload in chosen:
        upload.file.seek(0)
        staged = stage_chunks(
            store,
            chunks_of(upload.file),
            limit=settings.upload_max_bytes,
            field="body.screenshots",
        )
        screenshots.add_screenshot(
            session,
            store,
            written,
            settings,
            ticket=ticket,
            staged=staged,
            filename=(upload.filename or "")[:200],
        )


def _attach(
    session: Session,
    store: FileStore,
    settings: Settings,
    account: Account,
    shop_id: int,
    ticket_id: int,
    staged: StagedFile,
    filename: str,
) -> int:
    member_access(session, account, shop_id, Scope.shop_read)
    ticket = service.get_ticket(session, ticket_id=ticket_id, shop_id=shop_id)
    with written_files(store) as written:
        row = screenshots.add_screenshot(
            session, store, written, settings, ticket=ticket, staged=staged, filename=filename
        )
        session.commit()
    assert row.id is not None
    return row.id


def _check_ticket(session: Session, account: Account, shop_id: int, ticket_id: int) -> None:
    member_access(session, account, shop_id, Scope.shop_read)
    service.get_ticket(session, ticket_id=ticket_id, shop_id=shop_id)
    session.commit()


@router.post(TICKET + "/screenshots")
async def add_screenshot(
    shop_id: int,
    ticket_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
) -> Response:
    """Attach a screenshot: the body is the image (sent by the page's script); refusals come
    back as problem JSON with a message in the page's language."""
    store = get_file_store(request)
    filename = request.query_params.get("filename", "")[:200]
    _ = gettext_for(request)
    try:
        await run_in_threadpool(_check_ticket, session, account, shop_id, ticket_id)
        staged = await receive_body(request, store, settings)
        screenshot_id = await run_in_threadpool(
            _attach, session, store, settings, account, shop_id, ticket_id, staged, filename
        )
    except TanziError as exc:
        return upload_refusal(
            request,
            exc,
            accepted=_("Send the screenshot as a JPEG, PNG or WebP image."),
            codes={"limit_exceeded": _("This ticket has all the screenshots it can keep.")},
        )
    return JSONResponse({"id": screenshot_id}, status_code=201)


@router.get(TICKET + "/screenshots/{screenshot_id}")
def screenshot(
    shop_id: int,
    ticket_id: int,
    screenshot_id: int,
    session: ReadSessionDep,
    settings: SettingsDep,
    account: RequireAccount,
    size: Annotated[str, Query(pattern="^(full|thumb)$")] = "full",
) -> Response:
    """The screenshot (or its thumbnail) through a fresh signed link, for the shop's members."""
    member_access(session, account, shop_id, Scope.shop_read)
    ticket = service.get_ticket(session, ticket_id=ticket_id, shop_id=shop_id)
    file = screenshots.screenshot_file(
        session, ticket=ticket, screenshot_id=screenshot_id, thumbnail=size == "thumb"
    )
    session.commit()
    return RedirectResponse(signed_link(settings, file).url, status_code=303)
