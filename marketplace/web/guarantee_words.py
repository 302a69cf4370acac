"""The 交易保障 criteria in the pages' words: each criterion's name, the bar, a shop's figure
against it, and what to do when it is missed (translated by the caller's ``_``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.services.guarantee import CRITERIA, failed_criteria
from core.services.guarantee_figures import ShopFigures

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class CriterionRow:
    """One line of a shop's guarantee table."""

    code: str
    label: str
    required: str
    actual: str
    met: bool
    advice: str


def criterion_labels(_: Gettext) -> dict[str, str]:
    """Each criterion's name."""
    return {
        "min_orders": _("Orders in the period"),
        "on_time_shipping": _("Shipped on time"),
        "aftersales_answered": _("After-sales answered before the deadline"),
        "aftersales_lapsed": _("After-sales left to lapse"),
        "merchant_cancellations": _("Orders you cancelled"),
    }


def criterion_advice(_: Gettext, criteria: dict[str, int]) -> dict[str, str]:
    """What a merchant does to meet each criterion."""
    return {
        "min_orders": _(
            "Sell a few more orders in the next 14 days: the guarantee needs enough orders to judge by."
        ),
        "on_time_shipping": _(
            "Ship every paid order within %(hours)s hours: enter the waybill on the order as soon as the parcel leaves."
        )
        % {"hours": criteria["ship_within_hours"]},
        "aftersales_answered": _(
            "Accept or reject each after-sales request before its deadline (48 hours) on the After-sales page."
        ),
        "aftersales_lapsed": _(
            "Do not let after-sales requests run out: the platform accepts them for you and counts each one here."
        ),
        "merchant_cancellations": _(
            "Cancel only what you truly cannot send: keep stock counts right so paid orders can ship."
        ),
    }


def _pct(part: int, whole: int) -> str:
    return "—" if whole == 0 else f"{part * 100 // whole}%"


def criterion_rows(
    _: Gettext, figures: ShopFigures, criteria: dict[str, int]
) -> list[CriterionRow]:
    """Every criterion with the bar, the shop's figure and whether it is met."""
    labels, advice = criterion_labels(_), criterion_advice(_, criteria)
    failed = set(failed_criteria(figures, criteria))
    required = {
        "min_orders": _("at least %(n)s") % {"n": criteria["min_orders"]},
        "on_time_shipping": _("at least %(pct)s%% within %(hours)s h")
        % {"pct": criteria["min_on_time_pct"], "hours": criteria["ship_within_hours"]},
        "aftersales_answered": _("at least %(pct)s%%") % {"pct": criteria["min_answered_pct"]},
        "aftersales_lapsed": _("at most %(n)s") % {"n": criteria["max_lapsed"]},
        "merchant_cancellations": _("at most %(pct)s%%") % {"pct": criteria["max_cancel_pct"]},
    }
    actual = {
        "min_orders": str(figures.orders),
        "on_time_shipping": f"{_pct(figures.shipped_on_time, figures.shipments_due)} "
        f"({figures.shipped_on_time}/{figures.shipments_due})",
        "aftersales_answered": f"{_pct(figures.answered_in_time, figures.aftersales_due)} "
        f"({figures.answered_in_time}/{figures.aftersales_due})",
        "aftersales_lapsed": str(figures.lapsed),
        "merchant_cancellations": f"{_pct(figures.merchant_cancelled, figures.orders)} "
        f"({figures.merchant_cancelled}/{figures.orders})",
    }
    return [
        CriterionRow(
            code=code,
            label=labels[code],
            required=required[code],
            actual=actual[code],
            met=code not in failed,
            advice=advice[code],
        )
        for code in CRITERIA
    ]
