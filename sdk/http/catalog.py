"""The HTTP client's catalog writes, categories, files and jobs (what ``client.products``
gained for product services, and ``client.categories``, ``client.files``,
``client.jobs``), over the open API's routes."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

import httpx

from sdk import models
from sdk.batch import BatchResult, ProductInput, ProductStatusName
from sdk.errors import AccessDenied, InvalidRequest
from sdk.files import DEFAULT_RETENTION_DAYS, FileInfo, FileLink
from sdk.jobs import JobInfo

if TYPE_CHECKING:
    from sdk.http.client import HttpShopClient

CHUNK = 64 * 1024
#: 403 answers that refuse a category for the shop, not the caller.
CATEGORY_REFUSALS = ("qualification_required", "category_not_allowed")


def _chunks(data: Iterable[bytes] | IO[bytes]) -> Iterator[bytes]:
    source: Any = data
    if hasattr(source, "read"):
        while chunk := source.read(CHUNK):
            yield chunk
        return
    for chunk in source:
        yield bytes(chunk)


class _ResponseStream(io.RawIOBase):
    """A streamed HTTP answer as a readable binary stream."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._chunks = response.iter_bytes(CHUNK)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._response.close()
        super().close()


class HttpCatalog:
    """Product writes of the HTTP client's ``products`` (mixed into its namespace)."""

    _c: HttpShopClient

    def get_by_ref(self, external_ref: str) -> models.Product | None:
        """The product with this ``external_ref``, or ``None``. Scope: ``products:read``."""
        items, _ = self._c._page(
            models.Product,
            self._c._shop_path("products"),
            {"external_ref": external_ref, "limit": 1},
        )
        return items[0] if items else None

    def upsert_many(self, items: Sequence[ProductInput], *, dry_run: bool = False) -> BatchResult:
        """Create or change up to 1,000 products. Scope: ``products:write``."""
        body = {
            "items": [
                ProductInput.model_validate(i).model_dump(mode="json", exclude_none=True)
                for i in items
            ],
            "dry_run": dry_run,
        }
        try:
            answer = self._c._call(
                "POST", self._c._shop_path("products", "batch"), json=body, idempotent=dry_run
            )
        except InvalidRequest as exc:
            if exc.problem and any(
                str(e.get("field", "")).startswith("body.items")
                for e in exc.problem.get("errors", [])
            ):
                raise InvalidRequest(str(exc), code="too_many_items") from exc
            raise
        return BatchResult.model_validate(answer.json())

    def set_price(
        self, sku_id: int, price_fen: int, *, compare_at_fen: int | None = None
    ) -> models.Sku:
        """Set a SKU's price. Scope: ``products:write``."""
        body: dict[str, Any] = {"price_fen": price_fen}
        if compare_at_fen is not None:
            body["compare_at_fen"] = compare_at_fen
        answer = self._c._call(
            "PUT", self._c._shop_path("skus", int(sku_id), "price"), json=body, idempotent=True
        )
        return models.Sku.model_validate(answer.json())

    def set_status(self, product_id: int, status: ProductStatusName) -> models.Product:
        """List or delist a product. Scope: ``products:write``."""
        if status not in ("listed", "delisted"):
            raise InvalidRequest(f"'{status}' is not listed or delisted.", code="invalid_status")
        action = "list" if status == "listed" else "delist"
        path = self._c._shop_path("products", int(product_id), action)
        return models.Product.model_validate(self._c._call("POST", path, idempotent=True).json())

    def set_category(self, product_id: int, category_id: int) -> models.Product:
        """Move a product to another category. Scope: ``products:write``."""
        path = self._c._shop_path("products", int(product_id))
        try:
            answer = self._c._call(
                "PATCH", path, json={"category_id": category_id}, idempotent=True
            )
        except AccessDenied as exc:  # the shop may not sell there: a refusal of the input
            if exc.code in CATEGORY_REFUSALS:
                raise InvalidRequest(str(exc), code=exc.code) from exc
            raise
        return models.Product.model_validate(answer.json())

    def set_images(self, product_id: int, file_ids: Sequence[int]) -> models.Product:
        """Replace a product's images. Scope: ``products:write``."""
        path = self._c._shop_path("products", int(product_id), "image-files")
        answer = self._c._call("PUT", path, json={"file_ids": list(file_ids)}, idempotent=True)
        return models.Product.model_validate(answer.json())

    def delete(self, product_id: int) -> bool:
        """Delete a product; ``False`` when it is kept for its orders. Scope:
        ``products:write``."""
        answer = self._c._call("DELETE", self._c._shop_path("products", int(product_id)))
        return answer.headers.get("Tanzi-Product-Kept", "false") != "true"


class HttpCategories:
    """``client.categories`` over ``GET /categories`` (the tree, flattened by id)."""

    def __init__(self, client: HttpShopClient) -> None:
        self._c = client

    def list(self) -> list[models.Category]:
        """Every category by id (the tree is public: no scope)."""
        out: list[models.Category] = []

        def walk(node: dict[str, Any]) -> None:
            out.append(models.Category.model_validate(node))
            for child in node.get("children", []):
                walk(child)

        params: dict[str, Any] = {"limit": 200}
        while True:
            body = self._c._call("GET", "categories", params=params).json()
            for node in body["items"]:
                walk(node)
            if not body.get("next_cursor"):
                break
            params["cursor"] = body["next_cursor"]
        return sorted(out, key=lambda c: c.id)


class HttpFiles:
    """``client.files`` over the shop's files routes."""

    def __init__(self, client: HttpShopClient) -> None:
        self._c = client

    def info(self, file_id: int) -> FileInfo:
        """One file of the shop. Scope: ``products:read``."""
        return self._c._get(FileInfo, self._c._shop_path("files", int(file_id)))

    def open(self, file_id: int) -> IO[bytes]:
        """The file's bytes as a stream read as it goes. Scope: ``products:read``."""
        response = self._c.transport.open_stream(
            self._c._shop_path("files", int(file_id), "content")
        )
        return io.BufferedReader(_ResponseStream(response), buffer_size=CHUNK)

    def write(
        self,
        filename: str,
        data: Iterable[bytes] | IO[bytes],
        *,
        content_type: str,
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> FileInfo:
        """Store a result file, streamed. Scope: ``products:write``."""
        answer = self._c.transport.request(
            "POST",
            self._c._shop_path("files"),
            params={
                "filename": filename,
                "content_type": content_type,
                "retention_days": retention_days,
            },
            content=_chunks(data),
            headers={"Content-Type": "application/octet-stream"},
            idempotent=False,
        )
        return FileInfo.model_validate(answer.json())

    def put_image(self, filename: str, data: Iterable[bytes] | IO[bytes]) -> FileInfo:
        """Store a product image. Scope: ``products:write``."""
        answer = self._c.transport.request(
            "POST",
            self._c._shop_path("files", "images"),
            params={"filename": filename},
            content=_chunks(data),
            headers={"Content-Type": "application/octet-stream"},
            idempotent=False,
        )
        return FileInfo.model_validate(answer.json())

    def link(self, file_id: int) -> FileLink:
        """A signed download link. Scope: ``shop:read`` and the file's own."""
        answer = self._c._call("POST", self._c._shop_path("files", int(file_id), "link"))
        return FileLink.model_validate(answer.json())


class HttpJobs:
    """``client.jobs`` over ``/shops/{id}/jobs``."""

    def __init__(self, client: HttpShopClient) -> None:
        self._c = client

    def start(
        self, code: str, params: Mapping[str, Any] | None = None, *, language: str | None = None
    ) -> JobInfo:
        """Queue a job of the installation's plugin kind ``code``, in ``language``."""
        body: dict[str, Any] = {"code": code, "params": dict(params or {})}
        if language:
            body["language"] = language
        answer = self._c._call("POST", self._c._shop_path("jobs"), json=body)
        return JobInfo.model_validate(answer.json())

    def get(self, job_id: int) -> JobInfo:
        """A job the installation started."""
        return self._c._get(JobInfo, self._c._shop_path("jobs", int(job_id)))
