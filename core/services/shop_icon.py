"""A shop's icon: its newest uploaded ``shop_icon`` image; a new one retires the old."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.files.service import expire_files
from core.files.urls import public_url
from core.models.files import FilePurpose, StoredFile
from core.schemas.files import ShopIconPublic


def current_icon(session: Session, shop_id: int) -> StoredFile | None:
    """The shop's icon file, if it has one."""
    return session.exec(
        select(StoredFile)
        .where(
            StoredFile.shop_id == shop_id,
            StoredFile.purpose == FilePurpose.shop_icon,
            col(StoredFile.expires_at).is_(None),
        )
        .order_by(col(StoredFile.id).desc())
    ).first()


def retire_icons(session: Session, shop_id: int, *, keep: int | None = None) -> None:
    """Expire every icon of the shop except ``keep`` (bytes go with the next purge)."""
    rows = session.exec(
        select(StoredFile.id).where(
            StoredFile.shop_id == shop_id,
            StoredFile.purpose == FilePurpose.shop_icon,
            col(StoredFile.expires_at).is_(None),
        )
    ).all()
    expire_files(session, [i for i in rows if i is not None and i != keep])


def icon_public(session: Session, icon: StoredFile | None) -> ShopIconPublic:
    """The API view of a shop's icon (URLs ``None`` when it has none)."""
    if icon is None:
        return ShopIconPublic(url=None, thumbnail_url=None)
    thumb = session.exec(
        select(StoredFile).where(
            StoredFile.original_id == icon.id, col(StoredFile.expires_at).is_(None)
        )
    ).first()
    return ShopIconPublic(
        url=public_url(icon),
        thumbnail_url=public_url(thumb) if thumb else None,
        width=icon.width,
        height=icon.height,
    )
