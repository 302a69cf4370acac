"""The console's product form: read it, build the SKU matrix from its options, and turn it
into the kernel's ``ProductCreate`` / ``ProductUpdate`` (errors keyed by field path).

The form posts options as parallel ``opt_name`` / ``opt_values`` fields (values separated
by commas) and the SKU rows as parallel ``row_key`` / ``row_id`` / ``row_code`` /
``row_price`` / ``row_stock`` fields. The matrix is the cartesian product of the options'
values; a row keeps what was typed into it as long as its combination of values stays, so
the page works without JavaScript (a "Build rows" button posts the form back) and the
script in ``static/products.js`` only does the same in the browser.

Error keys are the kernel's field paths without ``body.``: ``title``, ``skus[2].price_fen``.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from core.api.problems import field_path
from core.errors import TanziError
from core.models import Product, Sku
from core.schemas.products import ProductCreate, ProductUpdate, SkuCreate

#: At most this many options (colour, size, ...) and values per option in the form.
MAX_OPTIONS, MAX_VALUES = 3, 20
#: The kernel's limit on SKUs per product.
MAX_ROWS = 100
#: The product's own fields the form changes (others, like its shipping template, stay).
UPDATED_FIELDS = (
    "title",
    "description",
    "category_id",
    "condition",
    "weight_g",
    "self_pickup",
    "sellable_provinces",
    "shipping_template_id",
)
_SPLIT = re.compile("[,\uff0c\u3001\n]+")  # comma, full-width comma, 、


@dataclass
class SkuRow:
    """One row of the matrix as the form holds it (text as typed)."""

    options: dict[str, str]
    sku_id: int | None = None
    code: str = ""
    price: str = ""
    stock: str = "0"
    #: Whether the combination is sold; an unticked row is left out (its SKU removed).
    on: bool = True

    @property
    def key(self) -> str:
        """The row's combination of values, which identifies it while options change."""
        return row_key(self.options)


@dataclass
class ProductForm:
    """The product form's values as typed, ready to render back or to convert."""

    title: str = ""
    description: str = ""
    category_id: str = ""
    condition: str = "new"
    weight_g: str = "0"
    shipping_template_id: str = ""
    self_pickup: bool = False
    provinces: list[str] = field(default_factory=list)
    options: list[tuple[str, list[str]]] = field(default_factory=list)
    rows: list[SkuRow] = field(default_factory=list)


def row_key(options: dict[str, str]) -> str:
    """A stable text key of an options dict."""
    return json.dumps(sorted(options.items()), ensure_ascii=False)


def split_values(text: str) -> list[str]:
    """The values of one option, split at any comma (ASCII or full-width) or 、, blanks and
    repeats dropped: ``"Red, Blue, Red"`` -> ``["Red", "Blue"]``."""
    return list(dict.fromkeys(v.strip() for v in _SPLIT.split(text) if v.strip()))


def matrix(
    options: list[tuple[str, list[str]]], typed: list[SkuRow], *, new_on: bool = True
) -> list[SkuRow]:
    """The rows for ``options``: every combination of values, keeping typed rows that match;
    a new combination's row is ticked when ``new_on``."""
    by_key = {row.key: row for row in typed}
    used = [(name, values) for name, values in options if name and values]
    combos = itertools.product(*[[(name, v) for v in values] for name, values in used])
    rows = []
    for combo in itertools.islice(combos, MAX_ROWS + 1):
        options_of_row = dict(combo)
        kept = by_key.get(row_key(options_of_row))
        rows.append(
            kept
            or SkuRow(
                options=options_of_row,
                code="-".join(options_of_row.values()) or "default",
                on=new_on,
            )
        )
    return rows


def product_form(product: Product, skus: list[Sku]) -> ProductForm:
    """The form filled from a saved product and its SKUs."""
    names: dict[str, list[str]] = {}
    for sku in skus:
        for name, value in sku.options.items():
            values = names.setdefault(name, [])
            if value not in values:
                values.append(value)
    saved = [
        SkuRow(
            options=dict(s.options),
            sku_id=s.id,
            code=s.code,
            price=f"{Decimal(s.price_fen) / 100:.2f}",
            stock=str(s.stock),
        )
        for s in skus
    ]
    return ProductForm(
        title=product.title,
        description=product.description,
        category_id=str(product.category_id),
        condition=product.condition.value,
        weight_g=str(product.weight_g),
        shipping_template_id=str(product.shipping_template_id or ""),
        self_pickup=product.self_pickup,
        provinces=list(product.sellable_provinces),
        options=list(names.items()),
        rows=_with_leftovers(matrix(list(names.items()), saved, new_on=False), saved),
    )


def _with_leftovers(rows: list[SkuRow], saved: list[SkuRow]) -> list[SkuRow]:
    """``rows`` and, after them, saved SKUs whose options fit no combination (made through
    the API with other option names), so that nothing saved is out of sight."""
    keys = {row.key for row in rows}
    return rows + [row for row in saved if row.key not in keys]


def _options(form: FormData) -> list[tuple[str, list[str]]]:
    names = [str(v).strip() for v in form.getlist("opt_name")]
    values = [str(v) for v in form.getlist("opt_values")]
    out = []
    for name, text in zip(names, values, strict=False):
        if name or text.strip():
            out.append((name, split_values(text)[:MAX_VALUES]))
    return out[:MAX_OPTIONS]


def _parsed_options(key: str) -> dict[str, str]:
    """A row key back to its options (``{}`` when it cannot be read)."""
    try:
        return {str(k): str(v) for k, v in dict(json.loads(key)).items()}
    except (ValueError, TypeError):
        return {}


def _typed_rows(form: FormData) -> list[SkuRow]:
    columns = [form.getlist(n) for n in ("row_key", "row_id", "row_code", "row_price")]
    stocks = form.getlist("row_stock")
    ticked = {row_key(_parsed_options(str(v))) for v in form.getlist("row_on")}
    rows = []
    for i, (key, sku_id, code, price) in enumerate(zip(*columns, strict=False)):
        options = _parsed_options(str(key))
        if not options and str(key) != "[]":
            continue
        rows.append(
            SkuRow(
                options=options,
                on=row_key(options) in ticked,
                sku_id=int(sku_id) if str(sku_id).isdigit() else None,
                code=str(code).strip(),
                price=str(price).strip(),
                stock=str(stocks[i]).strip() if i < len(stocks) else "0",
            )
        )
    return rows


def read_form(form: FormData) -> ProductForm:
    """The values of a posted product form, with its matrix rebuilt from its options."""
    options = _options(form)
    return ProductForm(
        title=str(form.get("title", "")).strip(),
        description=str(form.get("description", "")).strip(),
        category_id=str(form.get("category_id", "")),
        condition=str(form.get("condition", "new")),
        weight_g=str(form.get("weight_g", "0")).strip() or "0",
        shipping_template_id=str(form.get("shipping_template_id", "")),
        self_pickup=bool(form.get("self_pickup")),
        provinces=[str(v) for v in form.getlist("provinces")],
        options=options,
        rows=matrix(options, _typed_rows(form)),
    )


class FormInvalid(Exception):
    """The form has errors: ``errors`` maps field paths to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def price_fen(text: str) -> int | None:
    """``"12.5"`` -> ``1250``; ``None`` when not an amount of yuan with at most 2 decimals."""
    try:
        amount = Decimal(text.replace("¥", "").replace(",", "").strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


def _kernel_data(form: ProductForm, messages: dict[str, str]) -> dict[str, Any]:
    """The body the API would get, or :class:`FormInvalid` for what cannot be read."""
    errors: dict[str, str] = {}
    skus = []
    if any(name and not values for name, values in form.options) or any(
        values and not name for name, values in form.options
    ):
        errors["options"] = messages["options"]
    if len(form.rows) > MAX_ROWS:
        errors["options"] = messages["too_many_rows"]
    for i, row in enumerate(form.rows):
        if not row.on:
            continue
        fen = price_fen(row.price)
        if fen is None:
            errors[f"skus[{i}].price_fen"] = messages["price"]
        if not row.stock.isdigit():
            errors[f"skus[{i}].stock"] = messages["stock"]
        skus.append(
            {
                "code": row.code,
                "options": row.options,
                "price_fen": fen or 0,
                "stock": int(row.stock) if row.stock.isdigit() else 0,
            }
        )
    if not form.category_id.isdigit():
        errors["category_id"] = messages["category_id"]
    if not form.weight_g.isdigit():
        errors["weight_g"] = messages["weight_g"]
    if errors:
        raise FormInvalid(errors)
    return {
        "title": form.title,
        "description": form.description,
        "category_id": int(form.category_id),
        "condition": form.condition,
        "weight_g": int(form.weight_g),
        "shipping_template_id": int(form.shipping_template_id)
        if form.shipping_template_id.isdigit()
        else None,
        "self_pickup": form.self_pickup,
        "sellable_provinces": form.provinces,
        "skus": skus,
    }


def _validation_errors(exc: ValidationError, messages: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        path = error_key(field_path(err.get("loc", ())))
        errors.setdefault(path, messages.get(path.rsplit(".", 1)[-1]) or str(err.get("msg", "")))
    return errors


def to_create(form: ProductForm, messages: dict[str, str]) -> ProductCreate:
    """The form as a new product (its ticked rows), or :class:`FormInvalid`."""
    try:
        return ProductCreate.model_validate(_kernel_data(form, messages))
    except ValidationError as exc:
        errors = _validation_errors(exc, messages)
        raise FormInvalid({row_path(form, k): v for k, v in errors.items()}) from exc


def row_path(form: ProductForm, key: str) -> str:
    """An error key about the n-th SKU sent (``skus[n]...``) as the form row's own index:
    unticked rows are not sent, so the two can differ."""
    ticked = [i for i, row in enumerate(form.rows) if row.on]
    found = re.match(r"skus\[(\d+)\]", key)
    if not found or int(found.group(1)) >= len(ticked):
        return key
    return f"skus[{ticked[int(found.group(1))]}]" + key[found.end() :]


def to_update(
    form: ProductForm, messages: dict[str, str]
) -> tuple[ProductUpdate, list[tuple[int | None, SkuCreate]]]:
    """The form as a change of the product's fields and its SKU rows, or :class:`FormInvalid`."""
    created = to_create(form, messages)
    update = ProductUpdate.model_validate(created.model_dump(include=set(UPDATED_FIELDS)))
    ticked = [row for row in form.rows if row.on]
    rows = [(row.sku_id, sku) for row, sku in zip(ticked, created.skus, strict=True)]
    return update, rows


def error_key(path: str | None) -> str:
    """A kernel field path as the form's error key: ``body.skus[1].code`` -> ``skus[1].code``,
    ``body.sellable_provinces[3]`` -> ``sellable_provinces``."""
    path = (path or "form").removeprefix("body.")
    return re.sub(r"\[\d+\]$", "", path) or "form"


def kernel_errors(
    exc: TanziError, messages: dict[str, str], form: ProductForm | None = None
) -> dict[str, str]:
    """The form's errors for a kernel refusal; a message of ``messages`` by code wins; row
    paths are turned into ``form``'s row indexes."""
    listed = exc.extra.get("errors") if isinstance(exc.extra.get("errors"), list) else None
    errors: dict[str, str] = {}
    for item in listed or [{"field": exc.field, "message": exc.detail}]:
        message = messages.get(exc.code) or str(item.get("message") or exc.detail)
        key = error_key(item.get("field"))
        errors.setdefault(row_path(form, key) if form else key, message)
    return errors
