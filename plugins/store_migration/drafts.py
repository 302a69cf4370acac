"""What an importer yields: one product as the file describes it, with its SKUs.

A parser turns the rows of one product (a Shopify handle's rows, a Magento configurable
and its children...) into one :class:`ProductRow`. A row the importer cannot take is still
yielded, with its :class:`RowProblem` list filled: the import reports it and skips it, and
every other row goes on. Nothing here touches the shop.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row was refused: its row number as a spreadsheet shows it (the header is
    row 1), the column, the value and a reason code (see :mod:`.messages`)."""

    row: int
    column: str
    value: str
    reason: str


@dataclass(slots=True)
class SkuRow:
    """One purchasable variant; money in fen, weight in grams."""

    code: str
    options: dict[str, str] = field(default_factory=dict)
    price_fen: int | None = None
    compare_at_fen: int | None = None
    stock: int | None = None
    weight_g: int | None = None
    barcode: str | None = None
    image_url: str | None = None
    #: PrestaShop combinations: the price is the product's plus this (fen, may be < 0)
    price_impact_fen: int | None = None


@dataclass(slots=True)
class ProductRow:
    """One product of the file, keyed by ``handle`` (the shop's ``external_ref``).

    ``category`` is the source's path with ``" > "`` between levels; ``status`` is
    ``listed``, ``delisted`` or ``draft``. ``partial`` marks a row that only adds SKUs
    to a product imported before (PrestaShop's combinations file).
    """

    row: int
    handle: str
    title: str = ""
    description: str = ""
    status: str = "listed"
    category: str = ""
    vendor: str = ""
    tags: tuple[str, ...] = ()
    images: list[str] = field(default_factory=list)
    skus: list[SkuRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    partial: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing in the row stops it from being imported."""
        return not self.problems

    def refuse(self, row: int, column: str, value: str, reason: str) -> None:
        """Add a problem (once): the product will be reported and skipped."""
        problem = RowProblem(row=row, column=column, value=value, reason=reason)
        if problem not in self.problems:
            self.problems.append(problem)
