"""REST routes: a shop's icon, an uploaded image (the body is the image, as for products)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from core.api.deps import Access, ReadSessionDep, SessionDep, SettingsDep
from core.api.files import get_file_store, receive_body
from core.api.product_images import UPLOAD_BODY
from core.auth import ShopAccess
from core.files.service import save_image, written_files
from core.files.store import FileStore, StagedFile
from core.models.files import FilePurpose
from core.schemas.files import ShopIconPublic
from core.services import shop_icon as icons
from core.settings import Settings
from sdk.scopes import Scope

router = APIRouter(tags=["shops"])

ICON = "/shops/{shop_id}/icon"


def store_icon(
    session: Session, store: FileStore, settings: Settings, shop_id: int, staged: StagedFile
) -> ShopIconPublic:
    """Keep the staged upload as the shop's icon (checked, cleaned), retire the old, commit."""
    with written_files(store) as written:
        image, _ = save_image(
            session,
            store,
            written,
            shop_id=shop_id,
            staged=staged,
            purpose=FilePurpose.shop_icon,
            filename="icon",
            max_pixels=settings.image_max_pixels,
            field="body",
        )
        icons.retire_icons(session, shop_id, keep=image.id)
        out = icons.icon_public(session, image)
        session.commit()
    return out


@router.put(ICON, response_model=ShopIconPublic, openapi_extra=UPLOAD_BODY)
async def upload_shop_icon(
    access: Annotated[ShopAccess, Access(Scope.shop_write)],
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> ShopIconPublic:
    """Set the shop's icon (the body is a JPEG, PNG or WebP image); it replaces the old one.

    Refused like a product image: 413 ``file_too_large``, 415 ``unsupported_file_type``,
    422 ``invalid_image``, each naming ``body``, with nothing left in the store.
    """
    store = get_file_store(request)
    staged = await receive_body(request, store, settings)
    return await run_in_threadpool(store_icon, session, store, settings, access.shop_id, staged)


@router.get(ICON, response_model=ShopIconPublic)
def get_shop_icon(
    access: Annotated[ShopAccess, Access(Scope.shop_read)], session: ReadSessionDep
) -> ShopIconPublic:
    """The shop's icon (URLs ``None`` when it has none)."""
    return icons.icon_public(session, icons.current_icon(session, access.shop_id))


@router.delete(ICON, response_model=ShopIconPublic)
def delete_shop_icon(
    access: Annotated[ShopAccess, Access(Scope.shop_write)], session: SessionDep
) -> ShopIconPublic:
    """Remove the shop's icon."""
    icons.retire_icons(session, access.shop_id)
    session.commit()
    return icons.icon_public(session, None)
