"""Categories, qualifications, products and SKUs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field, json_field


class Category(SQLModel, table=True):
    """A node of the public category tree.

    ``shop_types`` lists the shop types that may sell here; ``qualifications`` lists the
    qualification kinds (licence codes) a shop needs approved before listing products.
    """

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    name: str = Field(max_length=60)
    shop_types: list[str] = json_field()
    qualifications: list[str] = json_field()


class QualificationStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class Qualification(SQLModel, table=True):
    """A licence a shop submitted; a platform admin approves or rejects it."""

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    kind: str = Field(max_length=40)
    document_number: str = Field(max_length=64)
    status: QualificationStatus = QualificationStatus.pending
    reason: str = Field(default="", max_length=500)
    reviewed_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = created_at_field()
    reviewed_at: datetime | None = datetime_field()


class ProductStatus(StrEnum):
    draft = "draft"
    listed = "listed"
    delisted = "delisted"


class Condition(StrEnum):
    new = "new"
    second_hand = "second_hand"


class Product(SQLModel, table=True):
    # batch imports find products by the shop's own id
    __table_args__ = (Index("ix_product_shop_external_ref", "shop_id", "external_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    category_id: int = Field(foreign_key="category.id")
    title: str = Field(max_length=120)
    description: str = Field(default="", max_length=20000)
    status: ProductStatus = ProductStatus.draft
    condition: Condition = Condition.new
    self_pickup: bool = False
    sellable_provinces: list[str] = json_field()  # empty = everywhere
    external_ref: str | None = Field(default=None, max_length=120)
    # shipping: the shop's fee template (none = ships free) and the weight of one unit
    shipping_template_id: int | None = Field(default=None, foreign_key="shippingtemplate.id")
    weight_g: int = 0
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    # set when a product that was ever ordered is deleted: it is kept for its order lines
    deleted_at: datetime | None = datetime_field()


class Sku(SQLModel, table=True):
    """One purchasable option of a product; stock lives here."""

    __table_args__ = (UniqueConstraint("product_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    code: str = Field(max_length=64)
    options: dict[str, str] = json_field(dict)
    price_fen: int = Field(ge=0)
    currency: str = Field(default="CNY", max_length=3)
    stock: int = Field(default=0, ge=0)
    #: the "was" price shown struck through, and the barcode (EAN/UPC), when known
    compare_at_fen: int | None = Field(default=None, ge=0)
    barcode: str | None = Field(default=None, max_length=64)
