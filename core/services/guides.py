"""Quick guides and the merchant growth centre (快捷指引, 商家成长中心).

Platform admins write guides in Markdown, in Chinese and English; a guide is a lesson of
one course (:class:`~core.models.GuideCourse`, in the order a merchant meets them) at its
``position``, and may name the console page it helps with (``page_key``), which then links
it. A person's progress is kept per guide: read when first opened, completed when they say.
Typed, keyword-only services that take a session and never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from core.errors import Conflict, InvalidInput, NotFound
from core.models import Guide, GuideCourse, GuideProgress
from core.models.base import utcnow

#: The courses in the order the growth centre shows them.
COURSES: tuple[GuideCourse, ...] = tuple(GuideCourse)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PAGE_KEY = re.compile(r"^[a-z_]{0,40}$")
TITLE_MAX, BODY_MAX = 120, 20000


@dataclass(frozen=True)
class GuideDraft:
    """What an admin writes for a guide."""

    slug: str
    course: GuideCourse
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    position: int = 0
    page_key: str = ""
    published: bool = True


def _check(draft: GuideDraft) -> None:
    if not SLUG.match(draft.slug) or len(draft.slug) > 80:
        raise InvalidInput(
            "Use lowercase letters, digits and single hyphens for the address.", field="body.slug"
        )
    if not PAGE_KEY.match(draft.page_key):
        raise InvalidInput("Choose a console page or none.", field="body.page_key")
    if draft.position < 0:
        raise InvalidInput("The position is 0 or more.", field="body.position")
    for name, maximum in (
        ("title_zh", TITLE_MAX),
        ("title_en", TITLE_MAX),
        ("body_zh", BODY_MAX),
        ("body_en", BODY_MAX),
    ):
        value = getattr(draft, name).strip()
        if not value or len(value) > maximum:
            raise InvalidInput(
                f"Write the {name.replace('_', ' ')} (at most {maximum} characters).",
                field=f"body.{name}",
            )


def save_guide(session: Session, *, draft: GuideDraft, guide: Guide | None = None) -> Guide:
    """Create a guide, or change ``guide``, from ``draft``.

    :raises InvalidInput: a bad address, page key, position, or an empty title or body.
    :raises Conflict: another guide has this address (``body.slug``).
    """
    _check(draft)
    taken = session.exec(select(Guide).where(Guide.slug == draft.slug)).first()
    if taken is not None and (guide is None or taken.id != guide.id):
        raise Conflict("Another guide has this address.", field="body.slug")
    row = guide or Guide(
        slug=draft.slug, course=draft.course, title_zh="", title_en="", body_zh="", body_en=""
    )
    for name in ("slug", "course", "position", "page_key", "published"):
        setattr(row, name, getattr(draft, name))
    for name in ("title_zh", "title_en", "body_zh", "body_en"):
        setattr(row, name, getattr(draft, name).strip())
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def _in_course_order(rows: list[Guide]) -> list[Guide]:
    order = {course: n for n, course in enumerate(COURSES)}
    return sorted(rows, key=lambda g: (order[g.course], g.position, g.id or 0))


def all_guides(session: Session, *, published_only: bool = True) -> list[Guide]:
    """Every guide, course by course, each course in its lessons' order."""
    query = select(Guide)
    if published_only:
        query = query.where(col(Guide.published).is_(True))
    return _in_course_order(list(session.exec(query)))


def guides_for_page(session: Session, *, page_key: str) -> list[Guide]:
    """The published guides that help with the console page ``page_key``."""
    if not page_key:
        return []
    rows = session.exec(
        select(Guide).where(Guide.page_key == page_key, col(Guide.published).is_(True))
    )
    return _in_course_order(list(rows))


def guide_by_slug(session: Session, *, slug: str, published_only: bool = True) -> Guide:
    """One guide by its address; an unpublished one only for its editors."""
    guide = session.exec(select(Guide).where(Guide.slug == slug)).first()
    if guide is None or (published_only and not guide.published):
        raise NotFound(f"No guide at {slug!r}.", code="guide_not_found")
    return guide


def search_guides(session: Session, *, query: str, limit: int = 30) -> list[Guide]:
    """Published guides whose title or text (either language) holds every word of ``query``."""
    words = [w.replace("%", "").replace("_", "") for w in query.split()][:8]
    words = [w for w in words if w]
    if not words:
        return []
    statement = select(Guide).where(col(Guide.published).is_(True))
    for word in words:
        like = f"%{word}%"
        statement = statement.where(
            or_(
                col(Guide.title_zh).ilike(like),
                col(Guide.title_en).ilike(like),
                col(Guide.body_zh).ilike(like),
                col(Guide.body_en).ilike(like),
            )
        )
    return _in_course_order(list(session.exec(statement.limit(limit))))


def progress_of(session: Session, *, account_id: int) -> dict[int, GuideProgress]:
    """The person's progress, by guide id."""
    rows = session.exec(select(GuideProgress).where(GuideProgress.account_id == account_id))
    return {row.guide_id: row for row in rows}


def _progress(session: Session, *, account_id: int, guide_id: int) -> GuideProgress:
    """The person's row for the guide, made on first use (a concurrent first read wins)."""
    query = select(GuideProgress).where(
        GuideProgress.account_id == account_id, GuideProgress.guide_id == guide_id
    )
    row = session.exec(query).first()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = GuideProgress(account_id=account_id, guide_id=guide_id)
            session.add(row)
    except IntegrityError:
        row = session.exec(query).one()
    return row


def mark_read(session: Session, *, account_id: int, guide: Guide) -> GuideProgress:
    """Note that the person opened the guide (once; later visits change nothing)."""
    return _progress(session, account_id=account_id, guide_id=guide.id)  # type: ignore[arg-type]


def mark_completed(
    session: Session, *, account_id: int, guide: Guide, completed: bool = True
) -> GuideProgress:
    """The person finished the guide (or takes that back)."""
    row = _progress(session, account_id=account_id, guide_id=guide.id)  # type: ignore[arg-type]
    if completed and row.completed_at is None:
        row.completed_at = utcnow()
    elif not completed:
        row.completed_at = None
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class CourseProgress:
    """One course of the growth centre with a person's progress in it."""

    course: GuideCourse
    guides: list[Guide]
    read: int
    completed: int

    @property
    def percent(self) -> int:
        return round(100 * self.completed / len(self.guides)) if self.guides else 0


def growth_centre(
    session: Session, *, account_id: int
) -> tuple[list[CourseProgress], dict[int, GuideProgress]]:
    """The courses with their published guides and the person's counts, and their progress."""
    progress = progress_of(session, account_id=account_id)
    guides = all_guides(session)
    courses = []
    for course in COURSES:
        lessons = [g for g in guides if g.course == course]
        if not lessons:
            continue
        mine = [progress[g.id] for g in lessons if g.id in progress]
        done = sum(1 for p in mine if p.completed_at is not None)
        courses.append(CourseProgress(course, lessons, read=len(mine), completed=done))
    return courses, progress
