"""The console's 交易保障 page: the shop's current result and badge, its figures so far
against each criterion, why a past cycle failed and what to fix, and the history."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from core.api.deps import ReadSessionDep
from core.models.base import utcnow
from core.services import guarantee
from core.services.guarantee_cycles import current_cycle, cycle
from core.services.guarantee_figures import ShopFigures
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.guarantee_words import criterion_advice, criterion_labels, criterion_rows
from marketplace.web.templating import gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])


def _figures_of(row: guarantee.GuaranteeAssessment) -> ShopFigures:
    return ShopFigures(
        orders=row.orders,
        shipments_due=row.shipments_due,
        shipped_on_time=row.shipped_on_time,
        aftersales_due=row.aftersales_due,
        answered_in_time=row.answered_in_time,
        merchant_cancelled=row.merchant_cancelled,
    )


@router.get("/console/shops/{shop_id}/guarantee")
def guarantee_page(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The shop's guarantee result, its running figures, and past cycles."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    now = utcnow()
    history = guarantee.shop_history(session, shop_id)
    running, criteria, since = guarantee.running_figures(session, shop_id, now=now)
    session.commit()
    period = current_cycle(now)
    current = next((row for row in history if row.cycle == period.number), None)
    _ = gettext_for(request)
    context = console_context(
        access,
        "guarantee",
        current=current,
        current_rows=criterion_rows(_, _figures_of(current), current.criteria) if current else [],
        running_rows=criterion_rows(_, running, criteria),
        since=since,
        now=now,
        next_assessment=cycle(period.number + 1).valid_from,
        history=history,
        labels=criterion_labels(_),
        advice=criterion_advice(_, current.criteria if current else criteria),
    )
    return render(request, "console/guarantee.html", context)
