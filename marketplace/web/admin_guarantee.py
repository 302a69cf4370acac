"""The admin console's 交易保障 page: the criteria (one form; a value out of bounds comes back
beside its field), the newest cycle's results, and which live listings only certified shops
may install (the guarantee's exclusive rights)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from core.api.deps import ReadSessionDep, SessionDep
from core.errors import InvalidInput, NotFound
from core.models import Listing, ListingStatus
from core.models.base import utcnow
from core.services import guarantee
from core.services.guarantee_cycles import current_cycle
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAdmin
from marketplace.web.guarantee_words import criterion_labels
from marketplace.web.templating import flash, gettext_for, render

router = web_router(tags=["admin"])


def _page(
    request: Request,
    session: Session,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    criteria = guarantee.criteria_values(guarantee.current_criteria(session))
    listings = session.exec(
        select(Listing).where(Listing.status == ListingStatus.live).order_by(col(Listing.name))
    ).all()
    results = guarantee.latest_results(session)
    session.commit()
    _ = gettext_for(request)
    context = {
        "tab": "guarantee",
        "values": values or criteria,
        "bounds": guarantee.CRITERIA_FIELDS,
        "errors": errors or {},
        "listings": listings,
        "results": results,
        "labels": criterion_labels(_),
        "cycle": current_cycle(utcnow()),
    }
    return render(request, "admin/guarantee.html", context, status_code=400 if errors else 200)


@router.get("/admin/guarantee")
def guarantee_page(request: Request, session: ReadSessionDep, admin: RequireAdmin) -> Response:
    """The criteria form, the newest results and the listings' restriction."""
    return _page(request, session)


@router.post("/admin/guarantee/criteria")
async def save_criteria(request: Request, session: SessionDep, admin: RequireAdmin) -> Response:
    """Save the criteria; they apply from the next assessment on."""
    form = await request.form()
    posted = {name: str(form.get(name, "")).strip()[:10] for name in guarantee.CRITERIA_FIELDS}
    _ = gettext_for(request)
    values: dict[str, int] = {}
    for name, text in posted.items():
        if not text.isdigit():
            return _page(request, session, values=posted, errors={name: _("Write a whole number.")})
        values[name] = int(text)
    assert admin.id is not None
    try:
        guarantee.update_criteria(session, admin_id=admin.id, values=values)
    except InvalidInput as error:
        session.rollback()
        name = (error.field or "").rsplit(".", 1)[-1]
        low, high = guarantee.CRITERIA_FIELDS.get(name, (0, 0))
        message = _("Between %(low)s and %(high)s.") % {"low": low, "high": high}
        return _page(request, session, values=posted, errors={name: message})
    session.commit()
    flash(request, _("The guarantee criteria are saved; the next assessment uses them."), "success")
    return RedirectResponse("/admin/guarantee", status_code=303)


@router.post("/admin/guarantee/listings/{slug}")
async def restrict_listing(
    slug: str, request: Request, session: SessionDep, admin: RequireAdmin
) -> Response:
    """Open a live listing to certified shops only, or to every shop again."""
    listing = session.exec(select(Listing).where(Listing.slug == slug)).first()
    if listing is None:
        raise NotFound("No such listing.")
    form = await request.form()
    certified_only = form.get("certified_only") == "1"
    assert admin.id is not None
    guarantee.restrict_listing(
        session, admin_id=admin.id, listing=listing, certified_only=certified_only
    )
    session.commit()
    _ = gettext_for(request)
    done = (
        _("%(name)s is now open only to certified shops.")
        if certified_only
        else _("%(name)s is open to every shop again.")
    )
    flash(request, done % {"name": listing.name}, "success")
    return RedirectResponse("/admin/guarantee", status_code=303)
