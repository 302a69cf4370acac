"""Products, SKUs and inventory as the API reads and writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field, model_validator

from core.models import Condition, ProductStatus
from core.schemas.files import ProductImagePublic, StorefrontImage

#: Upper bounds that keep every amount inside a 32-bit integer column.
MAX_PRICE_FEN = 100_000_000  # 1,000,000 yuan per unit
MAX_STOCK = 10_000_000
MAX_ID = 2**31 - 1


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _no_control_chars(value: str) -> str:
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _no_lone_surrogates(value: str) -> str:
    # checked here as well as by core.api.storable_input: that guard runs only after the
    # model's own validators, and InventoryChange's would hide the field behind 'body'
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ValueError("must be valid Unicode text")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


#: A time read back from the database (naive on SQLite) is UTC; say so in the output.
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
#: A string that any database stores as is (no NUL or other control characters).
Text = Annotated[str, AfterValidator(_no_control_chars)]
Name = Annotated[str, AfterValidator(_no_control_chars), AfterValidator(_not_blank)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
SkuCode = Annotated[Name, Field(min_length=1, max_length=64)]
OptionKey = Annotated[Name, Field(min_length=1, max_length=30)]
OptionValue = Annotated[Text, Field(max_length=60)]
Options = Annotated[dict[OptionKey, OptionValue], Field(max_length=10)]
Price = Annotated[int, Field(ge=0, le=MAX_PRICE_FEN, description="Unit price in fen")]
Stock = Annotated[int, Field(ge=0, le=MAX_STOCK)]
ProvinceCode = Annotated[str, Field(min_length=1, max_length=10)]
Provinces = Annotated[
    list[ProvinceCode],
    Field(
        max_length=34,
        description="Two-digit province codes (GB/T 2260) the product ships to; empty = all",
    ),
]


class SkuCreate(BaseModel):
    """One purchasable option: a code unique in the product, options, price and stock."""

    model_config = ConfigDict(extra="forbid")

    code: SkuCode
    options: Options = Field(default_factory=dict)
    price_fen: Price
    stock: Stock = 0


class SkuUpdate(BaseModel):
    """Change a SKU's code, options or price; stock changes go through the inventory route."""

    model_config = ConfigDict(extra="forbid")

    code: SkuCode | None = None
    options: Options | None = None
    price_fen: Price | None = None


class SkuPublic(BaseModel):
    """A SKU as the merchant sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    shop_id: int
    code: str
    options: dict[str, str]
    price_fen: int
    currency: str
    stock: int
    compare_at_fen: int | None = None
    barcode: str | None = None


class ProductCreate(BaseModel):
    """A new product with its SKUs; it starts as a draft until listed."""

    model_config = ConfigDict(extra="forbid")

    category_id: Id
    title: Annotated[Name, Field(min_length=1, max_length=120)]
    description: Annotated[Text, Field(max_length=20000)] = ""
    condition: Condition = Condition.new
    self_pickup: bool = False
    sellable_provinces: Provinces = Field(default_factory=list)
    external_ref: Annotated[Text, Field(max_length=120)] | None = None
    shipping_template_id: Id | None = Field(
        default=None, description="The shop's shipping fee template; none ships free"
    )
    weight_g: int = Field(default=0, ge=0, le=1_000_000, description="One unit's weight")
    skus: Annotated[list[SkuCreate], Field(min_length=1, max_length=100)]


class ProductUpdate(BaseModel):
    """Change any of a product's own fields; SKUs have their own routes."""

    model_config = ConfigDict(extra="forbid")

    category_id: Id | None = None
    title: Annotated[Name, Field(min_length=1, max_length=120)] | None = None
    description: Annotated[Text, Field(max_length=20000)] | None = None
    condition: Condition | None = None
    self_pickup: bool | None = None
    sellable_provinces: Provinces | None = None
    external_ref: Annotated[Text, Field(max_length=120)] | None = None
    shipping_template_id: Id | None = None
    weight_g: int | None = Field(default=None, ge=0, le=1_000_000)


class ProductPublic(BaseModel):
    """A product with its SKUs, as the merchant (and events) see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    category_id: int
    title: str
    description: str
    status: ProductStatus
    condition: Condition
    self_pickup: bool
    sellable_provinces: list[str]
    external_ref: str | None
    shipping_template_id: int | None = None
    weight_g: int = 0
    created_at: UtcDatetime
    updated_at: UtcDatetime
    skus: list[SkuPublic]
    image_url: str | None = Field(default=None, description="URL of the main image, if any")
    images: list[ProductImagePublic] = Field(default_factory=list, description="In order")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def image_ids(self) -> list[int]:
        """The stored file ids of the images, in order (what batch writes take)."""
        return [image.file_id for image in self.images]


class StorefrontSku(BaseModel):
    """A SKU as buyers see it."""

    id: int
    code: str
    options: dict[str, str]
    price_fen: int
    currency: str
    stock: int


class StorefrontProduct(BaseModel):
    """A listed product as buyers see it."""

    id: int
    shop_id: int
    category_id: int
    title: str
    description: str
    condition: Condition
    self_pickup: bool
    sellable_provinces: list[str]
    skus: list[StorefrontSku]
    image_url: str | None = Field(default=None, description="URL of the main image, if any")
    images: list[StorefrontImage] = Field(default_factory=list, description="In order")


class InventoryChange(BaseModel):
    """Either ``delta`` (added to stock, may be negative) or ``set`` (the new stock)."""

    model_config = ConfigDict(extra="forbid")

    delta: Annotated[int, Field(ge=-MAX_STOCK, le=MAX_STOCK)] | None = None
    set: Stock | None = None
    reason: str = Field(
        default="manual",
        description="manual, restock, stocktake, damaged, returned or other",
        max_length=30,
    )
    note: Annotated[Text, AfterValidator(_no_lone_surrogates), Field(max_length=200)] | None = None
    change_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Send the same id again (a retry) and the change is applied once.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.delta is None) == (self.set is None):
            raise ValueError("send exactly one of 'delta' or 'set'")
        return self


class InventoryPublic(BaseModel):
    """The SKU after an inventory change, and the change applied."""

    sku: SkuPublic
    delta: int
    stock: int
