"""Files a merchant sends with a plugin page's form (an edited sheet to re-import, say).

The host keeps each file part as an import upload of the shop (:func:`core.files.
documents.save_upload`: streamed into the store under ``import_max_bytes``, typed by its
bytes as CSV or XLSX, removed after ``upload_retention_days``) and hands the plugin's
handler only the new file's id, in ``params`` under the field's name; the plugin then reads
it with ``client.files.open``. Only a member whose role covers the page's write scope may
send one (``products:write`` for a page that declares none: an upload is what product
services import).
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.datastructures import UploadFile

from core.files.documents import save_upload
from core.files.errors import FileTooLargeError
from core.files.service import written_files
from core.files.store import CHUNK_SIZE, FileStore, FileTooLarge
from core.settings import Settings


def store_uploads(
    session: Session,
    store: FileStore,
    settings: Settings,
    *,
    shop_id: int,
    uploads: list[tuple[str, UploadFile]],
) -> dict[str, str]:
    """Keep each uploaded part as the shop's upload; ``{field name: file id}``. Commits."""
    ids: dict[str, str] = {}
    limit = settings.import_max_bytes
    with written_files(store) as written:
        for name, upload in uploads:
            if upload.size is not None and upload.size > limit:
                raise FileTooLargeError(limit, field=f"body.{name}")
            staged = store.stage(limit)
            try:
                upload.file.seek(0)
                while chunk := upload.file.read(CHUNK_SIZE):
                    staged.write(chunk)
            except FileTooLarge:
                staged.discard()
                raise FileTooLargeError(limit, field=f"body.{name}") from None
            except BaseException:
                staged.discard()
                raise
            row = save_upload(
                session,
                store,
                written,
                shop_id=shop_id,
                staged=staged,
                filename=upload.filename,
                retention_days=settings.upload_retention_days,
                field=f"body.{name}",
            )
            session.flush()
            ids[name] = str(row.id)
        session.commit()
    return ids
