"""Shipping fee templates: a shop's fees by weight and province, and an order's fee.

A product refers to one of its shop's templates and carries the weight of one unit. An
order's lines are grouped by template; each group pays the first-weight fee for its first
``first_weight_g`` and the additional fee for each further ``additional_weight_g`` begun,
with the province's own fees when the template lists it. Products with no template ship
free, and self-pickup orders pay no shipping. Services never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from core.errors import InvalidInput, InvalidState, NotFound
from core.models import Product, ShippingTemplate
from core.models.base import utcnow
from core.schemas.shipping import ShippingTemplateIn
from core.services.regions import ensure_province


@dataclass(frozen=True)
class ShippedItem:
    """One order line as shipping sees it: the product's template and weight, the count."""

    template_id: int | None
    weight_g: int
    quantity: int


def template_fee_fen(template: ShippingTemplate, *, weight_g: int, province_code: str) -> int:
    """The fee for ``weight_g`` grams to ``province_code`` under ``template``."""
    first, additional = template.first_fee_fen, template.additional_fee_fen
    for override in template.province_fees:
        if override["province_code"] == province_code:
            first, additional = override["first_fee_fen"], override["additional_fee_fen"]
            break
    extra_g = max(weight_g - template.first_weight_g, 0)
    steps = -(-extra_g // template.additional_weight_g)  # each step begun is paid
    return first + steps * additional


def shipping_fee_fen(
    session: Session,
    *,
    shop_id: int,
    province_code: str,
    self_pickup: bool,
    items: Iterable[ShippedItem],
) -> int:
    """The shipping fee of an order's lines: one charge per template, summed."""
    if self_pickup:
        return 0
    weights: dict[int, int] = {}
    for item in items:
        if item.template_id is not None:
            weights[item.template_id] = (
                weights.get(item.template_id, 0) + item.weight_g * item.quantity
            )
    if not weights:
        return 0
    templates = session.exec(
        select(ShippingTemplate).where(
            ShippingTemplate.shop_id == shop_id, col(ShippingTemplate.id).in_(list(weights))
        )
    ).all()
    return sum(
        template_fee_fen(t, weight_g=weights[t.id or 0], province_code=province_code)
        for t in templates
    )


# -- templates -----------------------------------------------------------------------------


def _province_fees(data: ShippingTemplateIn) -> list[dict[str, object]]:
    seen: set[str] = set()
    fees = []
    for i, fee in enumerate(data.province_fees):
        field = f"body.province_fees[{i}].province_code"
        ensure_province(fee.province_code, field=field)
        if fee.province_code in seen:
            raise InvalidInput(
                f"Province {fee.province_code} is listed twice.",
                code="duplicate_province",
                field=field,
            )
        seen.add(fee.province_code)
        fees.append(fee.model_dump())
    return fees


def list_templates(session: Session, *, shop_id: int) -> list[ShippingTemplate]:
    """The shop's templates, oldest first."""
    return list(
        session.exec(
            select(ShippingTemplate)
            .where(ShippingTemplate.shop_id == shop_id)
            .order_by(col(ShippingTemplate.id))
        ).all()
    )


def get_template(session: Session, *, shop_id: int, template_id: int) -> ShippingTemplate:
    """A template of this shop; another shop's is reported as not found."""
    template = session.get(ShippingTemplate, template_id)
    if template is None or template.shop_id != shop_id:
        raise NotFound(f"Shipping template {template_id} was not found.")
    return template


def create_template(
    session: Session, *, shop_id: int, data: ShippingTemplateIn
) -> ShippingTemplate:
    """Store a new template for the shop."""
    template = ShippingTemplate(
        shop_id=shop_id,
        **data.model_dump(exclude={"province_fees"}),
        province_fees=_province_fees(data),
    )
    session.add(template)
    session.flush()
    return template


def replace_template(
    session: Session, *, template: ShippingTemplate, data: ShippingTemplateIn
) -> ShippingTemplate:
    """Replace every field of ``template``; orders placed before keep their fee."""
    province_fees = _province_fees(data)
    for name, value in data.model_dump(exclude={"province_fees"}).items():
        setattr(template, name, value)
    template.province_fees = province_fees
    template.updated_at = utcnow()
    session.add(template)
    session.flush()
    return template


def delete_template(session: Session, *, template: ShippingTemplate) -> None:
    """Delete a template no product uses."""
    in_use = session.exec(
        select(Product.id).where(
            Product.shipping_template_id == template.id, col(Product.deleted_at).is_(None)
        )
    ).first()
    if in_use is not None:
        raise InvalidState(
            "Products still use this shipping template; move them to another first.",
            code="template_in_use",
            extra={"product_id": in_use},
        )
    for product in session.exec(
        select(Product).where(Product.shipping_template_id == template.id)
    ).all():
        product.shipping_template_id = None  # deleted products keep no dangling reference
        session.add(product)
    session.delete(template)
    session.flush()


def ensure_shop_template(session: Session, *, shop_id: int, template_id: int | None) -> None:
    """Refuse a template id that is not one of this shop's."""
    if template_id is None:
        return
    template = session.get(ShippingTemplate, template_id)
    if template is None or template.shop_id != shop_id:
        raise InvalidInput(
            f"Shipping template {template_id} is not one of this shop's.",
            code="unknown_shipping_template",
            field="body.shipping_template_id",
        )
