"""Serving stored files: public ones by digest with long caching, private ones by signed link.

``GET /files/{file_id}/{sha256}.{ext}`` serves a public file (product images, thumbnails,
shop icons). Its URL names its content, so the response is ``immutable`` for a year and its
``ETag`` is the sha256 (``If-None-Match`` gets a 304). ``POST /shops/{shop_id}/files/
{file_id}/link`` gives a member a link to a private file valid for ``file_link_ttl_s``;
``GET /files/signed/{token}`` serves it, uncached, as an attachment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.responses import StreamingResponse
from itsdangerous import BadSignature, SignatureExpired
from sqlmodel import Session

from core.api.deps import Access, PrincipalDep, ReadSessionDep, SettingsDep
from core.auth import Principal, ShopAccess, authorize_shop
from core.errors import NotFound
from core.files.service import local_store
from core.files.signing import LINK_SCOPES, read_file_link, sign_file_link
from core.files.store import FileStore, iter_chunks
from core.files.urls import FILES_PATH, public_name
from core.models.base import utcnow
from core.models.files import FilePurpose, StoredFile
from core.schemas.files import FileLink
from sdk.scopes import Scope

router = APIRouter(tags=["files"])

PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: A year: public file URLs name their content, so it never changes under them.
IMMUTABLE = "public, max-age=31536000, immutable"


def get_file_store(request: Request) -> FileStore:
    """The app's file store (``app.state.file_store``; by default a folder in the data dir)."""
    store: FileStore | None = getattr(request.app.state, "file_store", None)
    if store is None:
        store = local_store(request.app.state.settings.data_dir)
        request.app.state.file_store = store
    return store


def _not_found() -> NotFound:
    return NotFound("The file was not found.", code="file_not_found")


def _serve(
    store: FileStore, file: StoredFile, *, cache: str, attachment: bool, if_none_match: str | None
) -> Response:
    etag = f'"{file.sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if if_none_match and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    try:
        handle = store.open(file.storage_key)
    except FileNotFoundError:
        raise _not_found() from None
    name = file.filename or public_name(file)
    disposition = "attachment" if attachment else "inline"
    headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quote(name)}"
    headers["Content-Length"] = str(file.size)
    return StreamingResponse(iter_chunks(handle), media_type=file.content_type, headers=headers)


def _quote(name: str) -> str:
    return quote(name, safe="")


@router.get("/files/signed/{token}", response_class=Response, include_in_schema=True)
def download_signed(
    token: Annotated[str, Path(max_length=400)],
    session: ReadSessionDep,
    settings: SettingsDep,
    request: Request,
) -> Response:
    """A private file through a signed link (no token needed; the link expires)."""
    try:
        payload = read_file_link(settings, token)
    except SignatureExpired:
        raise NotFound("This download link has expired.", code="link_expired") from None
    except BadSignature:
        raise _not_found() from None
    file = session.get(StoredFile, int(payload["f"]))
    if file is None or file.sha256 != payload["s"] or file.shop_id != payload["shop"]:
        raise _not_found()
    return _serve(
        get_file_store(request),
        file,
        cache="private, no-store",
        attachment=True,
        if_none_match=None,
    )


@router.get(FILES_PATH.removeprefix("/api/v1") + "/{file_id}/{name}", response_class=Response)
def download_public(
    file_id: PathId,
    name: Annotated[str, Path(max_length=80)],
    session: ReadSessionDep,
    request: Request,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A public file (product image, thumbnail, shop icon), cached for good by anyone."""
    file = session.get(StoredFile, file_id)
    if file is None or not file.public or file.expires_at is not None or name != public_name(file):
        raise _not_found()
    return _serve(
        get_file_store(request),
        file,
        cache=IMMUTABLE,
        attachment=False,
        if_none_match=if_none_match,
    )


@router.post("/shops/{shop_id}/files/{file_id}/link", response_model=FileLink)
def file_link(
    access: Annotated[ShopAccess, Access(Scope.shop_read)],
    principal: PrincipalDep,
    session: ReadSessionDep,
    settings: SettingsDep,
    file_id: PathId,
) -> FileLink:
    """A download link for one of the shop's files, valid for a few minutes."""
    file = session.get(StoredFile, file_id)
    if file is None or file.shop_id != access.shop_id:
        raise _not_found()
    _check_scope(session, principal, access.shop_id, file.purpose)
    return FileLink(
        url=sign_file_link(settings, file),
        expires_at=utcnow() + timedelta(seconds=settings.file_link_ttl_s),
    )


def _check_scope(
    session: Session, principal: Principal, shop_id: int, purpose: FilePurpose
) -> None:
    authorize_shop(session, principal, shop_id, LINK_SCOPES[purpose])
