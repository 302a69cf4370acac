"""A product's images: ordered, exactly one main while any exist, files owned by the shop."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, func, select

from core.errors import InvalidInput, LimitExceeded, NotFound
from core.files.service import expire_files
from core.files.urls import public_url
from core.models import Product
from core.models.files import ProductImage, StoredFile
from core.schemas.files import ProductImagePublic, StorefrontImage

#: At most this many images per product.
MAX_IMAGES = 20


def ensure_room(session: Session, product: Product) -> None:
    """Refuse a new image when the product already has :data:`MAX_IMAGES`."""
    count = session.exec(
        select(func.count()).select_from(ProductImage).where(ProductImage.product_id == product.id)
    ).one()
    if count >= MAX_IMAGES:
        raise LimitExceeded(
            f"A product has at most {MAX_IMAGES} images.",
            limit="product_images",
            maximum=MAX_IMAGES,
        )


def _images(session: Session, product_id: int) -> list[ProductImage]:
    return list(
        session.exec(
            select(ProductImage)
            .where(ProductImage.product_id == product_id)
            .order_by(col(ProductImage.position), col(ProductImage.id))
        ).all()
    )


def add_image(
    session: Session, *, product: Product, image: StoredFile, thumbnail: StoredFile | None
) -> ProductImage:
    """Append ``image`` to the product's images; the first one becomes the main image."""
    assert product.id is not None and image.id is not None
    existing = _images(session, product.id)
    row = ProductImage(
        shop_id=product.shop_id,
        product_id=product.id,
        file_id=image.id,
        thumbnail_id=thumbnail.id if thumbnail else None,
        position=len(existing),
        is_main=not existing,
    )
    session.add(row)
    session.flush()
    return row


def get_image(session: Session, *, product: Product, image_id: int) -> ProductImage:
    """One image of ``product`` (404 ``image_not_found`` otherwise)."""
    row = session.get(ProductImage, image_id)
    if row is None or row.product_id != product.id:
        raise NotFound(f"Image {image_id} was not found.", code="image_not_found")
    return row


def _renumber(session: Session, rows: list[ProductImage]) -> None:
    for position, row in enumerate(rows):
        row.position = position
        session.add(row)
    if rows and not any(r.is_main for r in rows):
        rows[0].is_main = True
    session.flush()


def remove_image(session: Session, *, product: Product, image: ProductImage) -> None:
    """Take an image off the product; its files are expired (bytes removed by the purge)."""
    assert product.id is not None
    session.delete(image)
    session.flush()
    expire_files(session, [image.file_id])
    _renumber(session, _images(session, product.id))


def remove_all(session: Session, *, product_id: int) -> None:
    """Take every image off a product being deleted; their files are expired."""
    rows = _images(session, product_id)
    for row in rows:
        session.delete(row)
    session.flush()
    expire_files(session, [r.file_id for r in rows])


def reorder(session: Session, *, product: Product, image_ids: list[int]) -> None:
    """Put the images in the order given, which must name each of them exactly once."""
    assert product.id is not None
    rows = {r.id: r for r in _images(session, product.id) if r.id is not None}
    if sorted(image_ids) != sorted(rows):
        raise InvalidInput(
            "Send every image id of the product exactly once, in the new order.",
            code="image_order_mismatch",
            field="body.image_ids",
        )
    _renumber(session, [rows[i] for i in image_ids])


def set_main(session: Session, *, product: Product, image: ProductImage) -> None:
    """Make ``image`` the product's one main image."""
    assert product.id is not None
    for row in _images(session, product.id):
        row.is_main = row.id == image.id
        session.add(row)
    session.flush()


def images_by_product(
    session: Session, product_ids: Iterable[int]
) -> dict[int, list[ProductImagePublic]]:
    """The API views of the images of many products, in two queries, in order."""
    ids = list(product_ids)
    out: dict[int, list[ProductImagePublic]] = {pid: [] for pid in ids}
    if not ids:
        return out
    rows = session.exec(
        select(ProductImage)
        .where(col(ProductImage.product_id).in_(ids))
        .order_by(col(ProductImage.product_id), col(ProductImage.position), col(ProductImage.id))
    ).all()
    file_ids = {r.file_id for r in rows} | {r.thumbnail_id for r in rows if r.thumbnail_id}
    files = (
        {f.id: f for f in session.exec(select(StoredFile).where(col(StoredFile.id).in_(file_ids)))}
        if file_ids
        else {}
    )
    for row in rows:
        file = files[row.file_id]
        thumb = files.get(row.thumbnail_id) if row.thumbnail_id else None
        out[row.product_id].append(
            ProductImagePublic(
                id=row.id or 0,
                file_id=row.file_id,
                position=row.position,
                is_main=row.is_main,
                url=public_url(file),
                thumbnail_url=public_url(thumb) if thumb else None,
                content_type=file.content_type,
                size=file.size,
                width=file.width,
                height=file.height,
            )
        )
    return out


def storefront_images(images: list[ProductImagePublic]) -> list[StorefrontImage]:
    """Buyers' view of a product's images."""
    return [
        StorefrontImage(
            url=i.url,
            thumbnail_url=i.thumbnail_url,
            width=i.width,
            height=i.height,
            is_main=i.is_main,
        )
        for i in images
    ]


def main_image_url(images: list[ProductImagePublic]) -> str | None:
    """The URL of the main image, if the product has any."""
    return next((i.url for i in images if i.is_main), None)
