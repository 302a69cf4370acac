"""REST routes: a product's images (upload, list, delete, reorder, choose the main one).

An upload is the raw image as the request body (``Content-Type`` is ignored: the type is
sniffed from the bytes), streamed to the file store under the size limit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from core.api.deps import Access, ReadSessionDep, SessionDep, SettingsDep
from core.api.files import get_file_store
from core.auth import ShopAccess
from core.files.service import receive, save_image, written_files
from core.files.sniff import IMAGE_TYPES
from core.files.store import FileStore, StagedFile
from core.models.files import FilePurpose
from core.schemas.files import ImageOrder, ProductImagePublic
from core.services import product_images as images
from core.services import products as products_svc
from core.settings import Settings
from sdk.scopes import Scope

router = APIRouter(tags=["product images"])

ReadAccess = Annotated[ShopAccess, Access(Scope.products_read)]
WriteAccess = Annotated[ShopAccess, Access(Scope.products_write)]
IMAGES = "/shops/{shop_id}/products/{product_id}/images"
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_BINARY = {"schema": {"type": "string", "format": "binary"}}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The image's bytes: JPEG, PNG or WebP, at most the upload limit.",
        "content": {t: _BINARY for t in IMAGE_TYPES},
    }
}


def declared_length(request: Request) -> int | None:
    """The request's ``Content-Length``, when it sends a valid one."""
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def _listing(session: Session, shop_id: int, product_id: int) -> list[ProductImagePublic]:
    products_svc.get_product(session, shop_id=shop_id, product_id=product_id)
    return images.images_by_product(session, [product_id])[product_id]


def check_room(session: Session, shop_id: int, product_id: int) -> None:
    product = products_svc.get_product(session, shop_id=shop_id, product_id=product_id)
    images.ensure_room(session, product)
    session.commit()


def store_product_image(
    session: Session,
    store: FileStore,
    settings: Settings,
    shop_id: int,
    product_id: int,
    staged: StagedFile,
    filename: str | None,
) -> ProductImagePublic:
    with written_files(store) as written:
        try:
            product = products_svc.get_product(
                session, shop_id=shop_id, product_id=product_id, lock=True
            )
            images.ensure_room(session, product)
        except BaseException:
            staged.discard()
            raise
        image, thumbnail = save_image(
            session,
            store,
            written,
            shop_id=shop_id,
            staged=staged,
            purpose=FilePurpose.product_image,
            filename=filename,
            max_pixels=settings.image_max_pixels,
            field="body",
        )
        row = images.add_image(session, product=product, image=image, thumbnail=thumbnail)
        products_svc.product_changed(session, product)
        out = next(
            i for i in images.images_by_product(session, [product_id])[product_id] if i.id == row.id
        )
        session.commit()
    return out


@router.post(
    IMAGES,
    status_code=status.HTTP_201_CREATED,
    response_model=ProductImagePublic,
    openapi_extra=UPLOAD_BODY,
)
async def upload_product_image(
    access: WriteAccess,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    product_id: PathId,
    filename: Annotated[str | None, Query(max_length=200, description="Original name")] = None,
) -> ProductImagePublic:
    """Add an image to a product (the body is the image). The first image is the main one.

    Refused with a problem naming ``body``: over the size limit (413 ``file_too_large``),
    not a JPEG, PNG or WebP by its bytes (415 ``unsupported_file_type``; SVG is never
    accepted), or not a whole image (422 ``invalid_image``). Nothing of a refused upload
    stays in the store. What is stored is re-encoded: EXIF, location and comments are gone.
    """
    store = get_file_store(request)
    await run_in_threadpool(check_room, session, access.shop_id, product_id)
    staged = await receive(
        request.stream(),
        store,
        limit=settings.upload_max_bytes,
        field="body",
        declared_length=declared_length(request),
    )
    return await run_in_threadpool(
        store_product_image, session, store, settings, access.shop_id, product_id, staged, filename
    )


@router.get(IMAGES, response_model=list[ProductImagePublic])
def list_product_images(
    access: ReadAccess, session: ReadSessionDep, product_id: PathId
) -> list[ProductImagePublic]:
    """A product's images, in order."""
    return _listing(session, access.shop_id, product_id)


@router.delete(
    IMAGES + "/{image_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
def delete_product_image(
    access: WriteAccess, session: SessionDep, product_id: PathId, image_id: PathId
) -> Response:
    """Remove an image; if it was the main one, the next image becomes main."""
    product = products_svc.get_product(
        session, shop_id=access.shop_id, product_id=product_id, lock=True
    )
    image = images.get_image(session, product=product, image_id=image_id)
    images.remove_image(session, product=product, image=image)
    products_svc.product_changed(session, product)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(IMAGES + "/order", response_model=list[ProductImagePublic])
def reorder_product_images(
    access: WriteAccess, session: SessionDep, product_id: PathId, body: ImageOrder
) -> list[ProductImagePublic]:
    """Put the images in a new order (send every image id once)."""
    product = products_svc.get_product(
        session, shop_id=access.shop_id, product_id=product_id, lock=True
    )
    images.reorder(session, product=product, image_ids=body.image_ids)
    products_svc.product_changed(session, product)
    out = images.images_by_product(session, [product_id])[product_id]
    session.commit()
    return out


@router.post(IMAGES + "/{image_id}/main", response_model=list[ProductImagePublic])
def set_main_product_image(
    access: WriteAccess, session: SessionDep, product_id: PathId, image_id: PathId
) -> list[ProductImagePublic]:
    """Make one image the product's main image."""
    product = products_svc.get_product(
        session, shop_id=access.shop_id, product_id=product_id, lock=True
    )
    image = images.get_image(session, product=product, image_id=image_id)
    images.set_main(session, product=product, image=image)
    products_svc.product_changed(session, product)
    out = images.images_by_product(session, [product_id])[product_id]
    session.commit()
    return out
