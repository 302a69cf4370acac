"""The console's growth centre (商家成长中心): the platform's guides as ordered courses, the
person's progress in each, a search, and one guide at a time (opening it counts as read;
the person marks it completed). Guides are shown in the page's language, sanitized.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from core.api.deps import ReadSessionDep, SessionDep
from core.models import Guide, GuideProgress
from core.services import guides as service
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.support_words import course_labels
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

GROWTH = "/console/shops/{shop_id}/growth"
Slug = Annotated[str, Query(max_length=80)]


@router.get(GROWTH)
def growth_page(
    shop_id: int,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The courses with the person's progress; with ``q``, the guides that match it."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    assert account.id is not None
    courses, progress = service.growth_centre(session, account_id=account.id)
    found = service.search_guides(session, query=q) if q.strip() else None
    session.commit()
    return render(
        request,
        "console/growth.html",
        console_context(
            access,
            "growth",
            courses=courses,
            progress=progress,
            q=q,
            found=found,
            course_labels=course_labels(request),
        ),
    )


def _first_read(request: Request, account_id: int, guide: Guide) -> GuideProgress:
    """Note the first read on a write session of its own: later visits only read."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        progress = service.mark_read(session, account_id=account_id, guide=guide)
        session.commit()
    return progress


@router.get(GROWTH + "/{slug}")
def guide_page(
    shop_id: int, slug: str, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """One guide; opening it counts as read. Links to the course's previous and next."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    assert account.id is not None
    guide = service.guide_by_slug(session, slug=slug)
    progress = service.progress_of(session, account_id=account.id).get(guide.id)  # type: ignore[arg-type]
    lessons = [g for g in service.all_guides(session) if g.course == guide.course]
    session.commit()
    if progress is None:
        progress = _first_read(request, account.id, guide)
    at = next(n for n, g in enumerate(lessons) if g.id == guide.id)
    return render(
        request,
        "console/guide.html",
        console_context(
            access,
            "growth",
            guide=guide,
            progress=progress,
            previous=lessons[at - 1] if at > 0 else None,
            following=lessons[at + 1] if at + 1 < len(lessons) else None,
            lesson=at + 1,
            lessons=len(lessons),
            course_labels=course_labels(request),
        ),
    )


@router.post(GROWTH + "/{slug}/complete")
def complete(
    shop_id: int,
    slug: str,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    completed: Annotated[bool, Form()] = True,
) -> Response:
    """Mark the guide completed (or not any more)."""
    member_access(session, account, shop_id, Scope.shop_read)
    assert account.id is not None
    guide = service.guide_by_slug(session, slug=slug)
    service.mark_completed(session, account_id=account.id, guide=guide, completed=completed)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Marked as completed.") if completed else _("Marked as not completed."))
    return RedirectResponse(f"/console/shops/{shop_id}/growth/{slug}", status_code=303)
