"""What goes where on a channel: the direction, which fields follow, which side wins each
field, and the price markup.

``direction`` is ``publish`` (this shop's products go there), ``here`` (that store's
products come here) or ``both``. A field that follows is kept equal on both sides; when
the two differ the field's winner settles it: ``here`` (this shop's value is written
there), ``there`` (the channel's value is written here) or ``newest`` (the side changed
last, by each side's update time; without both times, or with equal ones, the rule cannot
settle it and the item is *in conflict*). Stock is not a field with a winner: this shop
is the stock authority and the channel sells its allocation (see
:mod:`plugins.catalog_sync.stock`), so ``stock`` only says whether stock moves at all.

The markup says how the price there relates to the price here, in both directions:
``percent`` ``value`` (``10`` = +10%, rounded half up to the fen) or ``fixed`` ``value``
fen added. A price coming here is the inverse (``there / 1.1``, ``there - add``), so a
price that went there and back is the same.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Self

from pydantic import Field, model_validator

from sdk.models import Snapshot

Direction = Literal["publish", "here", "both"]
Winner = Literal["here", "there", "newest"]
#: the fields that follow with a winner each (stock follows the allocation instead)
FIELDS: tuple[str, ...] = ("title", "description", "price")


class Markup(Snapshot):
    """The price there from the price here: ``none``, ``percent`` (``value`` percent, may
    be fractional) or ``fixed`` (``value`` fen added, may be negative)."""

    kind: Literal["none", "percent", "fixed"] = "none"
    value: Decimal = Field(default=Decimal(0), ge=-100_000_000, le=100_000_000)

    @model_validator(mode="after")
    def _above_minus_100_percent(self) -> Self:
        if self.kind == "percent" and self.value <= -100:
            raise ValueError("a percentage markup must be above -100")
        return self

    def there(self, here_fen: int) -> int:
        """The price there (fen) of a price here."""
        if self.kind == "percent":
            scaled = Decimal(here_fen) * (100 + self.value) / 100
            return max(0, int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
        if self.kind == "fixed":
            return max(0, here_fen + int(self.value))
        return here_fen

    def here(self, there_fen: int) -> int:
        """The price here (fen) of a price there: the inverse of :meth:`there`."""
        if self.kind == "percent":
            scaled = Decimal(there_fen) * 100 / (100 + self.value)
            return max(0, int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
        if self.kind == "fixed":
            return max(0, there_fen - int(self.value))
        return there_fen

    def describe(self) -> str:
        """The rule in a few characters (``+10%``, ``+5.00``, ``none``)."""
        if self.kind == "percent":
            return f"{self.value:+}%"
        if self.kind == "fixed":
            return f"{Decimal(int(self.value)) / 100:+.2f}"
        return "none"


class FieldRules(Snapshot):
    """A channel's rules. The defaults are the sync's first behaviour: publish, stock
    follows, title, description and price follow with this shop winning, no markup."""

    direction: Direction = "publish"
    follow: list[str] = Field(default_factory=lambda: [*FIELDS, "stock"])
    winners: dict[str, Winner] = Field(default_factory=dict)
    markup: Markup = Field(default_factory=Markup)
    #: where products brought here are filed (a category of this shop's platform)
    import_category_id: int | None = None

    @property
    def publishes(self) -> bool:
        """This shop's products go there."""
        return self.direction in ("publish", "both")

    @property
    def brings_here(self) -> bool:
        """That store's products come here."""
        return self.direction in ("here", "both")

    def follows(self, field: str) -> bool:
        """Whether ``field`` is kept equal on both sides."""
        return field in self.follow

    def winner(self, field: str) -> Winner:
        """Who wins ``field`` (this shop unless set)."""
        return self.winners.get(field, "here")


class Side(Snapshot):
    """One side's followed fields of one item, price in fen."""

    title: str = ""
    description: str = ""
    price: int = 0
    updated_at: datetime | None = None

    def value(self, field: str) -> str | int:
        """The value of ``field``."""
        return getattr(self, field)


class FieldDiff(Snapshot):
    """A followed field that differs on one item and how the rule settles it: ``to`` is
    the side written (``here`` or ``there``), empty when the rule cannot settle it."""

    field: str
    here: str | int
    there: str | int
    to: Literal["", "here", "there"]
    why: str


def there_side(here: Side, rules: FieldRules) -> Side:
    """What the channel should show for ``here`` (the markup applied to the price)."""
    return here.model_copy(update={"price": rules.markup.there(here.price)})


def _settle(field: str, winner: Winner, here: Side, there: Side) -> tuple[str, str]:
    if winner == "here":
        return "there", f"{field}: this shop wins"
    if winner == "there":
        return "here", f"{field}: the channel wins"
    if here.updated_at is None or there.updated_at is None:
        return "", f"{field}: the newest wins, but a side does not say when it changed"
    if here.updated_at == there.updated_at:
        return "", f"{field}: the newest wins, but both changed at the same time"
    if here.updated_at > there.updated_at:
        return "there", f"{field}: this shop changed it last"
    return "here", f"{field}: the channel changed it last"


def differences(here: Side, there: Side, rules: FieldRules) -> list[FieldDiff]:
    """The followed fields where ``here`` (with the markup applied) and ``there`` differ,
    each with the side the rule writes."""
    expected = there_side(here, rules)
    diffs: list[FieldDiff] = []
    for field in FIELDS:
        if not rules.follows(field) or expected.value(field) == there.value(field):
            continue
        to, why = _settle(field, rules.winner(field), here, there)
        if field == "price" and rules.markup.kind != "none":
            why += f" (markup {rules.markup.describe()})"
        diffs.append(
            FieldDiff(field=field, here=here.value(field), there=there.value(field), to=to, why=why)
        )
    return diffs


def price_fen(price: Decimal) -> int:
    """A channel's price (yuan, as a decimal) in fen, rounded half up."""
    return int((price * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_yuan(fen: int) -> Decimal:
    """Fen as the decimal price a channel takes."""
    return Decimal(fen) / 100
