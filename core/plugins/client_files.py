"""``client.files`` and ``client.jobs`` for the in-process client.

Files: a plugin reads its shop's uploads and results as streams and writes result files
and product images through :mod:`core.files` (streamed, limited, sniffed, retained).
Reading needs ``products:read``, writing ``products:write``. Jobs: a plugin starts a job of
a kind it registers (``register_job_kinds``); :mod:`core.jobs.plugin_jobs` runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import IO, TYPE_CHECKING, Any

from sqlmodel import Session

from core.files.documents import chunks_of, file_expired, save_result, stage_chunks
from core.files.service import save_image, written_files
from core.files.signing import LINK_SCOPES, sign_file_link
from core.models import Job
from core.models.base import utcnow
from core.models.files import FilePurpose, StoredFile
from core.plugins.client_host import ClientHost
from core.schemas.aftersales import as_utc
from sdk.errors import InvalidRequest, ResourceNotFound
from sdk.files import DEFAULT_RETENTION_DAYS, FileInfo, FileLink
from sdk.jobs import JobInfo
from sdk.scopes import Scope

if TYPE_CHECKING:
    from core.plugins.client import ScopedClient

#: The languages a job's report is written in.
LANGUAGES = ("zh-CN", "en")
#: What a plugin may read: what merchants upload, what services write, product images.
READABLE = (FilePurpose.upload, FilePurpose.result, FilePurpose.product_image)


def file_info(row: StoredFile) -> FileInfo:
    """The SDK view of a stored file."""
    data = row.model_dump(mode="json")
    data["created_at"] = as_utc(row.created_at)
    data["expires_at"] = as_utc(row.expires_at) if row.expires_at else None
    return FileInfo.model_validate(data)


class ClientFiles:
    """``client.files``: the shop's uploads, results and images."""

    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def _host(self) -> ClientHost:
        if self._c.host is None:
            raise InvalidRequest("Files are not available here.", code="files_unavailable")
        return self._c.host

    def _row(self, session: Session, file_id: int) -> StoredFile:
        row = session.get(StoredFile, file_id)
        if (
            row is None
            or row.shop_id != self._c.shop_id
            or row.purpose not in READABLE
            or file_expired(row)
        ):
            raise ResourceNotFound(f"File {file_id} was not found.")
        return row

    def info(self, file_id: int) -> FileInfo:
        """One file of the shop. Scope: ``products:read``."""
        with self._c.reading(Scope.products_read) as session:
            return file_info(self._row(session, file_id))

    def open(self, file_id: int) -> IO[bytes]:
        """The file's bytes as a binary stream. Scope: ``products:read``."""
        host = self._host()
        with self._c.reading(Scope.products_read) as session:
            key = self._row(session, file_id).storage_key
        try:
            return host.store.open(key)
        except FileNotFoundError:
            raise ResourceNotFound(f"File {file_id} was not found.") from None

    def write(
        self,
        filename: str,
        data: Iterable[bytes] | IO[bytes],
        *,
        content_type: str,
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> FileInfo:
        """Store a result file, streamed. Scope: ``products:write``."""
        host = self._host()
        with self._c.writing(Scope.products_write) as session, written_files(host.store) as keys:
            staged = stage_chunks(
                host.store, chunks_of(data), limit=host.settings.result_max_bytes, field="data"
            )
            row = save_result(
                session,
                host.store,
                keys,
                shop_id=self._c.shop_id,
                staged=staged,
                filename=filename,
                content_type=content_type,
                retention_days=retention_days,
            )
            return file_info(row)

    def put_image(self, filename: str, data: Iterable[bytes] | IO[bytes]) -> FileInfo:
        """Store a product image, cleaned and thumbnailed. Scope: ``products:write``."""
        host = self._host()
        with self._c.writing(Scope.products_write) as session, written_files(host.store) as keys:
            staged = stage_chunks(
                host.store, chunks_of(data), limit=host.settings.upload_max_bytes, field="data"
            )
            image, _ = save_image(
                session,
                host.store,
                keys,
                shop_id=self._c.shop_id,
                staged=staged,
                purpose=FilePurpose.product_image,
                filename=filename,
                max_pixels=host.settings.image_max_pixels,
                field="data",
            )
            return file_info(image)

    def link(self, file_id: int) -> FileLink:
        """A signed download link valid a few minutes. Scope: ``shop:read`` and the file's
        own (results ``shop:write``, uploads ``products:write``, images ``products:read``)."""
        host = self._host()
        with self._c.reading(Scope.shop_read) as session:
            row = self._row(session, file_id)
            self._c._authorize(session, LINK_SCOPES[row.purpose])
            url = sign_file_link(host.settings, row)
        return FileLink(
            url=url, expires_at=utcnow() + timedelta(seconds=host.settings.file_link_ttl_s)
        )


class ClientJobs:
    """``client.jobs``: jobs of the kinds this plugin registers."""

    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def start(
        self, code: str, params: Mapping[str, Any] | None = None, *, language: str | None = None
    ) -> JobInfo:
        """Queue a job of this plugin's kind ``code``, in the merchant's ``language``.
        Scope: the kind's scope."""
        from core.jobs.plugin_jobs import enqueue_job, find_kind, start_plugin_job
        from sdk.jobs import job_language

        host = self._c.host
        if host is None or host.plugins is None:
            raise InvalidRequest("Jobs are not available here.", code="jobs_unavailable")
        kind = find_kind(host.plugins, self._c.installation.plugin_id, code)
        scope = Scope(kind.scope) if kind.scope else None
        with self._c.writing(scope) as session:
            wanted = dict(params or {})
            # the caller's language wins; a page may also pass it among the params
            if not language and wanted.get("language") in LANGUAGES:
                language = wanted["language"]
            job = start_plugin_job(
                session,
                installation=self._c.installation,
                code=code,
                params=wanted,
                language=job_language(language),
            )
            session.flush()
            job_id = job.id
        if self._c.shared_session is None and job_id is not None:
            enqueue_job(host, job_id)
        return self.get(job_id or 0)

    def get(self, job_id: int) -> JobInfo:
        """A job this installation started."""
        from core.jobs.plugin_jobs import job_info

        with self._c.reading(None) as session:
            job = session.get(Job, job_id)
            if job is None or job.params.get("installation_id") != self._c.installation_id:
                raise ResourceNotFound(f"Job {job_id} was not found.")
            return job_info(job)
