"""The field rules on their own: markup rounding and its inverse, and which side a rule
writes (or that it cannot say)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from plugins.catalog_sync.fields import FieldRules, Markup, Side, differences


@pytest.mark.parametrize(
    ("markup", "here", "there"),
    [
        (Markup(kind="percent", value=Decimal(10)), 1999, 2199),  # 2198.9 rounds up
        (Markup(kind="percent", value=Decimal("12.5")), 1000, 1125),
        (Markup(kind="percent", value=Decimal(-20)), 1000, 800),
        (Markup(kind="fixed", value=Decimal(150)), 1000, 1150),
        (Markup(), 1234, 1234),
    ],
)
def test_markup_there_and_back(markup: Markup, here: int, there: int) -> None:
    assert markup.there(here) == there
    assert markup.here(there) == here


def test_a_markup_of_minus_100_percent_or_less_is_refused() -> None:
    with pytest.raises(ValidationError):
        Markup(kind="percent", value=Decimal(-100))


def test_each_winner_writes_its_side_and_newest_without_times_cannot_settle() -> None:
    now = datetime.now(UTC)
    here = Side(title="Longjing", price=1000, updated_at=now)
    there = Side(title="Longjing 250 g", price=1000, updated_at=now - timedelta(minutes=1))
    wins = {
        winner: differences(here, there, FieldRules(winners={"title": winner}))[0].to
        for winner in ("here", "there", "newest")
    }
    assert wins == {"here": "there", "there": "here", "newest": "there"}
    unknown = there.model_copy(update={"updated_at": None})
    [diff] = differences(here, unknown, FieldRules(winners={"title": "newest"}))
    assert diff.to == "" and "does not say when" in diff.why
    assert differences(here, there, FieldRules(follow=["price", "stock"])) == []
