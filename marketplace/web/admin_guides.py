"""The admin console's guides (快捷指引): write and edit the growth centre's guides.

A guide has an address (slug), a course and its place in it, the console page it helps
with, and a title and Markdown text in Chinese and English. The Markdown is rendered with
raw HTML off and sanitized (:func:`marketplace.web.markdown.render_markdown`) wherever it
is shown; the edit page previews both languages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from core.api.deps import ReadSessionDep, SessionDep
from core.errors import InvalidInput, NotFound, TanziError
from core.models import Guide, GuideCourse
from core.services import guides as service
from marketplace.web.console_access import TABS, field_errors
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAdmin
from marketplace.web.support_words import course_labels
from marketplace.web.templating import flash, gettext_for, render

router = web_router(tags=["admin"])

GUIDES = "/admin/guides"
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=25000)]
FIELDS = ("slug", "course", "position", "page_key", "title_zh", "title_en", "body_zh", "body_en")


@router.get(GUIDES)
def guides_page(request: Request, session: ReadSessionDep, admin: RequireAdmin) -> Response:
    """Every guide, course by course, published or not."""
    guides = service.all_guides(session, published_only=False)
    session.commit()
    context = {"tab": "guides", "guides": guides, "course_labels": course_labels(request)}
    return render(request, "admin/guides.html", context)


def _form_page(
    request: Request,
    *,
    guide: Guide | None,
    typed: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/guide_form.html",
        {
            "tab": "guides",
            "guide": guide,
            "typed": typed,
            "errors": errors or {},
            "courses": list(GuideCourse),
            "course_labels": course_labels(request),
            "page_keys": [key for key, _path, _scope in TABS],
        },
        status_code=status_code,
    )


def _typed(guide: Guide) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(guide, name) for name in FIELDS}
    values["course"] = guide.course.value
    values["published"] = guide.published
    return values


@router.get(GUIDES + "/new")
def new_guide_page(request: Request, admin: RequireAdmin) -> Response:
    return _form_page(request, guide=None, typed={"published": True, "position": 0})


@router.get(GUIDES + "/{guide_id}")
def edit_guide_page(
    guide_id: int, request: Request, session: ReadSessionDep, admin: RequireAdmin
) -> Response:
    guide = _guide(session, guide_id)
    session.commit()
    return _form_page(request, guide=guide, typed=_typed(guide))


def _guide(session: Session, guide_id: int) -> Guide:
    guide = session.get(Guide, guide_id)
    if guide is None:
        raise NotFound("No such guide.", code="guide_not_found")
    return guide


def _save(
    request: Request, session: Session, guide: Guide | None, typed: dict[str, Any]
) -> Response:
    _ = gettext_for(request)
    messages = {
        "slug": _("Use lowercase letters, digits and single hyphens; each guide its own."),
        "course": _("Choose the course."),
        "position": _("The position is a whole number, 0 or more."),
        "page_key": _("Choose a console page or none."),
        "title_zh": _("Write the Chinese title (at most 120 characters)."),
        "title_en": _("Write the English title (at most 120 characters)."),
        "body_zh": _("Write the Chinese text (at most 20000 characters)."),
        "body_en": _("Write the English text (at most 20000 characters)."),
    }
    try:
        if typed["course"] not in {c.value for c in GuideCourse}:
            raise InvalidInput("Choose the course.", field="body.course")
        position = str(typed["position"]).strip()
        draft = service.GuideDraft(
            slug=str(typed["slug"]).strip(),
            course=GuideCourse(typed["course"]),
            position=int(position) if position.isdigit() else -1,
            page_key=typed["page_key"],
            title_zh=typed["title_zh"],
            title_en=typed["title_en"],
            body_zh=typed["body_zh"],
            body_en=typed["body_en"],
            published=bool(typed["published"]),
        )
        saved = service.save_guide(session, draft=draft, guide=guide)
    except TanziError as exc:
        session.rollback()
        errors = field_errors(exc, messages)
        return _form_page(request, guide=guide, typed=typed, errors=errors, status_code=400)
    session.commit()
    flash(request, _("The guide is saved."), "success")
    return RedirectResponse(f"{GUIDES}/{saved.id}", status_code=303)


@router.post(GUIDES + "/new")
def create_guide(
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    slug: Short = "",
    course: Short = "",
    position: Short = "0",
    page_key: Short = "",
    title_zh: Short = "",
    title_en: Short = "",
    body_zh: Long = "",
    body_en: Long = "",
    published: Annotated[bool, Form()] = False,
) -> Response:
    """Write a new guide."""
    typed = dict(locals())
    return _save(request, session, None, {k: typed[k] for k in (*FIELDS, "published")})


@router.post(GUIDES + "/{guide_id}")
def update_guide(
    guide_id: int,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    slug: Short = "",
    course: Short = "",
    position: Short = "0",
    page_key: Short = "",
    title_zh: Short = "",
    title_en: Short = "",
    body_zh: Long = "",
    body_en: Long = "",
    published: Annotated[bool, Form()] = False,
) -> Response:
    """Change a guide."""
    typed = dict(locals())
    guide = _guide(session, guide_id)
    return _save(request, session, guide, {k: typed[k] for k in (*FIELDS, "published")})
