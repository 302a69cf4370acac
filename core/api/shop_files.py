"""REST routes: a shop's files as services use them (what ``client.files`` calls over HTTP).

``GET /shops/{id}/files/{file_id}`` describes a file, ``GET .../content`` streams its bytes
(uploads, results and product images; ``products:read``). ``POST /shops/{id}/files`` stores
a result file from the request body, streamed and size-limited, of the ``content_type`` its
first bytes must show; ``POST /shops/{id}/files/images`` stores a product image
(``products:write``). Links for merchants: ``POST /shops/{id}/files/{file_id}/link``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import StreamingResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from core.api.deps import Access, ReadSessionDep, SessionDep, SettingsDep
from core.api.files import get_file_store
from core.api.product_images import UPLOAD_BODY, declared_length
from core.auth import ShopAccess
from core.errors import InvalidInput, NotFound
from core.files.documents import file_expired, save_result
from core.files.service import receive, save_image, written_files
from core.files.store import FileStore, StagedFile, iter_chunks
from core.models.files import FilePurpose, StoredFile
from core.plugins.client_files import READABLE, file_info
from core.settings import Settings
from sdk.errors import InvalidRequest
from sdk.files import DEFAULT_RETENTION_DAYS, FileInfo
from sdk.scopes import Scope

router = APIRouter(tags=["files"])

PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReadAccess = Annotated[ShopAccess, Access(Scope.products_read)]
WriteAccess = Annotated[ShopAccess, Access(Scope.products_write)]


def _readable(session: Session, shop_id: int, file_id: int) -> StoredFile:
    row = session.get(StoredFile, file_id)
    if row is None or row.shop_id != shop_id or row.purpose not in READABLE or file_expired(row):
        raise NotFound("The file was not found.", code="file_not_found")
    return row


@router.get("/shops/{shop_id}/files/{file_id}", response_model=FileInfo)
def get_file(access: ReadAccess, session: ReadSessionDep, file_id: PathId) -> FileInfo:
    """One of the shop's files (an upload, a result, a product image)."""
    return file_info(_readable(session, access.shop_id, file_id))


@router.get("/shops/{shop_id}/files/{file_id}/content", response_class=StreamingResponse)
def get_file_content(
    access: ReadAccess, session: ReadSessionDep, request: Request, file_id: PathId
) -> StreamingResponse:
    """The file's bytes, streamed."""
    row = _readable(session, access.shop_id, file_id)
    try:
        handle = get_file_store(request).open(row.storage_key)
    except FileNotFoundError:
        raise NotFound("The file was not found.", code="file_not_found") from None
    return StreamingResponse(
        iter_chunks(handle),
        media_type=row.content_type,
        headers={"Content-Length": str(row.size), "X-Content-Type-Options": "nosniff"},
    )


def _store_result(
    session: Session,
    store: FileStore,
    shop_id: int,
    staged: StagedFile,
    filename: str,
    content_type: str,
    retention_days: int,
) -> FileInfo:
    with written_files(store) as keys:
        try:
            row = save_result(
                session,
                store,
                keys,
                shop_id=shop_id,
                staged=staged,
                filename=filename,
                content_type=content_type,
                retention_days=retention_days,
            )
        except InvalidRequest as exc:
            raise InvalidInput(str(exc), code=exc.code, field="body") from None
        out = file_info(row)
        session.commit()
    return out


@router.post(
    "/shops/{shop_id}/files",
    status_code=status.HTTP_201_CREATED,
    response_model=FileInfo,
    openapi_extra=UPLOAD_BODY,
)
async def write_file(
    access: WriteAccess,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    filename: Annotated[str, Query(min_length=1, max_length=200)],
    content_type: Annotated[str, Query(max_length=100)],
    retention_days: Annotated[int, Query(ge=1, le=30)] = DEFAULT_RETENTION_DAYS,
) -> FileInfo:
    """Store a result file (the body), kept ``retention_days``; refused when its first
    bytes are not ``content_type`` (415) or it passes the size limit (413)."""
    store = get_file_store(request)
    staged = await receive(
        request.stream(),
        store,
        limit=settings.result_max_bytes,
        field="body",
        declared_length=declared_length(request),
    )
    return await run_in_threadpool(
        _store_result,
        session,
        store,
        access.shop_id,
        staged,
        filename,
        content_type,
        retention_days,
    )


def _store_image(
    session: Session,
    store: FileStore,
    settings: Settings,
    shop_id: int,
    staged: StagedFile,
    filename: str | None,
) -> FileInfo:
    with written_files(store) as keys:
        image, _ = save_image(
            session,
            store,
            keys,
            shop_id=shop_id,
            staged=staged,
            purpose=FilePurpose.product_image,
            filename=filename,
            max_pixels=settings.image_max_pixels,
            field="body",
        )
        out = file_info(image)
        session.commit()
    return out


@router.post(
    "/shops/{shop_id}/files/images",
    status_code=status.HTTP_201_CREATED,
    response_model=FileInfo,
    openapi_extra=UPLOAD_BODY,
)
async def write_image(
    access: WriteAccess,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    filename: Annotated[str | None, Query(max_length=200)] = None,
) -> FileInfo:
    """Store a product image (the body) for a batch's ``images`` or ``set_images``."""
    store = get_file_store(request)
    staged = await receive(
        request.stream(),
        store,
        limit=settings.upload_max_bytes,
        field="body",
        declared_length=declared_length(request),
    )
    return await run_in_threadpool(
        _store_image, session, store, settings, access.shop_id, staged, filename
    )
