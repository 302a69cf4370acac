"""The catalog, file and job parts of :class:`sdk.testing.FakeShop`: batch upserts,
prices, status, categories, images, deletes, files in memory and resumable jobs run on
demand (``FakeShop.run_jobs``), with the kernel's rules (:func:`sdk.batch.item_problems`).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from sdk.batch import (
    MAX_BATCH,
    BatchResult,
    ItemResult,
    ProductInput,
    ProductStatusName,
    item_key,
    item_problems,
)
from sdk.errors import InvalidRequest, ResourceNotFound
from sdk.files import RESULT_TYPES, FileInfo, FileLink
from sdk.jobs import JobCancelled, JobInfo, JobKind, RefusedRow, job_language
from sdk.models import Category, Problem, Product, Sku
from sdk.scopes import Scope
from sdk.sniffing import check_result_type, sniff_image

if TYPE_CHECKING:
    from sdk.batch import BatchResult as _BatchResult
    from sdk.testing import FakeShop

#: The fake's largest file.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Categories of the fake platform; 4 needs a licence the fake shop does not hold.
FAKE_CATEGORIES = (
    Category(id=1, name="食品 Food"),
    Category(id=2, name="服饰 Clothing"),
    Category(id=3, name="数码 Electronics"),
    Category(id=4, name="药品 Medicine", qualifications=["drug_licence"]),
)
#: The scope a link to each kind of file needs besides ``shop:read``, as in the kernel.
LINK_SCOPES = {
    "result": Scope.shop_write,
    "upload": Scope.products_write,
    "product_image": Scope.products_read,
}
_PRODUCT_FIELDS = ("title", "description", "category_id", "condition", "status", "weight_g")
_SKU_FIELDS = ("options", "price_fen", "compare_at_fen", "stock", "barcode")


def _now() -> datetime:
    return datetime.now(UTC)


def _read_all(data: Iterable[bytes] | IO[bytes], limit: int) -> bytes:
    out = io.BytesIO()
    source: Any = data
    chunks: Iterable[bytes] = (
        iter(lambda: source.read(65536), b"") if hasattr(source, "read") else source
    )
    for chunk in chunks:
        out.write(chunk)
        if out.tell() > limit:
            raise InvalidRequest(f"The file is larger than {limit} bytes.", code="file_too_large")
    return out.getvalue()


class FakeCatalog:
    """Batch and single writes on the fake's products (mixed into ``FakeShop.products``)."""

    _f: FakeShop

    def _live(self, product_id: int) -> dict[str, Any]:
        self._f._found(self._f.product_rows, product_id, "Product")
        return self._f.product_rows[product_id]

    def get_by_ref(self, external_ref: str) -> Product | None:
        """The product with this ``external_ref``, or ``None``. Scope: ``products:read``."""
        self._f._call("products.get_by_ref", Scope.products_read, external_ref)
        for pid, row in self._f.product_rows.items():
            if row.get("external_ref") == external_ref:
                return self._f._product(pid)
        return None

    def upsert_many(self, items: Sequence[ProductInput], *, dry_run: bool = False) -> BatchResult:
        """Create or change products by ``external_ref``/``id`` and SKU code."""
        self._f._call("products.upsert_many", Scope.products_write, items, dry_run=dry_run)
        if len(items) > MAX_BATCH:
            raise InvalidRequest(f"At most {MAX_BATCH} items a call.", code="too_many_items")
        saved = self._f._catalog_state()
        seen: set[str] = set()
        results = [self._one(i, item, seen) for i, item in enumerate(items)]
        if dry_run:
            self._f._restore_catalog(saved)
        return BatchResult(items=results, dry_run=dry_run)

    def _find(self, item: ProductInput) -> int | None:
        if item.id is not None:
            return item.id if item.id in self._f.product_rows else -1
        for pid, row in self._f.product_rows.items():
            if row.get("external_ref") == item.external_ref:
                return pid
        return None

    def _one(self, index: int, item: ProductInput, seen: set[str]) -> ItemResult:
        def failed(problems: list[Problem]) -> ItemResult:
            return ItemResult(
                index=index, status="failed", external_ref=item.external_ref, problems=problems
            )

        key = item_key(item)
        if key in seen:
            return failed(
                [
                    Problem(
                        field="external_ref",
                        message="The same product appears twice in this batch.",
                        code="duplicate_item",
                    )
                ]
            )
        seen.add(key)
        pid = self._find(item)
        if pid == -1:
            return failed(
                [
                    Problem(
                        field="id",
                        message=f"Product {item.id} was not found.",
                        code="product_not_found",
                    )
                ]
            )
        skus = [s for s in self._f.sku_rows.values() if pid is not None and s["product_id"] == pid]
        codes = {s["code"] for s in skus}
        problems = item_problems(item, is_new=pid is None, known_codes=codes)
        problems += self._shop_problems(item, pid)
        if problems:
            return failed(problems)
        if pid is None:
            return self._create(index, item)
        return self._update(index, item, pid, {s["code"]: s for s in skus})

    def _shop_problems(self, item: ProductInput, pid: int | None) -> list[Problem]:
        problems: list[Problem] = []
        if item.category_id is not None:
            cat = next((c for c in FAKE_CATEGORIES if c.id == item.category_id), None)
            if cat is None:
                problems.append(
                    Problem(
                        field="category_id",
                        message=f"Category {item.category_id} does not exist.",
                        code="category_not_found",
                    )
                )
            elif cat.qualifications:
                problems.append(
                    Problem(
                        field="category_id",
                        message="This category needs "
                        "an approved qualification the shop does not have: "
                        + ", ".join(cat.qualifications)
                        + ".",
                        code="qualification_required",
                    )
                )
        if item.status == "listed" and self._f.info.status != "open":
            problems.append(
                Problem(
                    field="status",
                    message="Only open shops may list products; open the shop first.",
                    code="shop_not_open",
                )
            )
        for i, file_id in enumerate(item.images or []):
            row = self._f.file_rows.get(file_id)
            if row is None or row["purpose"] != "product_image":
                problems.append(
                    Problem(
                        field=f"images[{i}]",
                        message=f"Image {file_id} was not found.",
                        code="image_not_found",
                    )
                )
        return problems

    def _create(self, index: int, item: ProductInput) -> ItemResult:
        pid = self._f._next_id("product")
        self._f.product_rows[pid] = {
            "id": pid,
            "shop_id": self._f.shop_id,
            "category_id": item.category_id,
            "title": item.title,
            "description": item.description or "",
            "status": item.status or "draft",
            "condition": item.condition or "new",
            "self_pickup": False,
            "sellable_provinces": [],
            "external_ref": item.external_ref,
            "weight_g": item.weight_g or 0,
            "image_ids": list(item.images or []),
            "updated_at": _now(),
        }
        for sku in item.skus:
            sid = self._f._next_id("sku")
            self._f.sku_rows[sid] = {
                "id": sid,
                "product_id": pid,
                "code": sku.code,
                "options": sku.options or {},
                "price_fen": sku.price_fen,
                "compare_at_fen": sku.compare_at_fen,
                "currency": "CNY",
                "stock": sku.stock or 0,
                "barcode": sku.barcode,
            }
        return ItemResult(
            index=index, status="created", external_ref=item.external_ref, product_id=pid
        )

    def _update(
        self, index: int, item: ProductInput, pid: int, skus: dict[str, dict[str, Any]]
    ) -> ItemResult:
        row = self._f.product_rows[pid]
        changed: list[str] = []
        for name in _PRODUCT_FIELDS:
            value = getattr(item, name)
            if value is not None and row.get(name) != value:
                row[name] = value
                changed.append(name)
        if item.id is not None and item.external_ref not in (None, row.get("external_ref")):
            row["external_ref"] = item.external_ref
            changed.append("external_ref")
        if item.images is not None and list(row.get("image_ids", [])) != list(item.images):
            row["image_ids"] = list(item.images)
            changed.append("images")
        for sku in item.skus:
            current = skus.get(sku.code)
            if current is None:
                sid = self._f._next_id("sku")
                self._f.sku_rows[sid] = {
                    "id": sid,
                    "product_id": pid,
                    "code": sku.code,
                    "options": sku.options or {},
                    "price_fen": sku.price_fen,
                    "compare_at_fen": sku.compare_at_fen,
                    "currency": "CNY",
                    "stock": sku.stock or 0,
                    "barcode": sku.barcode,
                }
                changed.append(f"skus[{sku.code}]")
                continue
            for name in _SKU_FIELDS:
                value = getattr(sku, name)
                if value is not None and current.get(name) != value:
                    current[name] = value
                    changed.append(f"skus[{sku.code}].{name}")
        if changed:
            row["updated_at"] = _now()
        return ItemResult(
            index=index,
            status="updated" if changed else "unchanged",
            external_ref=row.get("external_ref"),
            product_id=pid,
            changed=changed,
        )

    def set_price(self, sku_id: int, price_fen: int, *, compare_at_fen: int | None = None) -> Sku:
        """Set a SKU's price. Scope: ``products:write``."""
        self._f._call(
            "products.set_price",
            Scope.products_write,
            sku_id,
            price_fen,
            compare_at_fen=compare_at_fen,
        )
        if sku_id not in self._f.sku_rows:
            raise ResourceNotFound(f"SKU {sku_id} was not found.")
        for value in (price_fen, compare_at_fen):
            if value is not None and value < 0:
                raise InvalidRequest("A price is 0 or more fen.", code="invalid_price")
        row = self._f.sku_rows[sku_id]
        row["price_fen"] = price_fen
        if compare_at_fen is not None:
            row["compare_at_fen"] = compare_at_fen
        return Sku.model_validate(row)

    def set_status(self, product_id: int, status: ProductStatusName) -> Product:
        """List or delist a product. Scope: ``products:write``."""
        self._f._call("products.set_status", Scope.products_write, product_id, status)
        row = self._live(product_id)
        if status not in ("listed", "delisted"):
            raise InvalidRequest(f"'{status}' is not listed or delisted.", code="invalid_status")
        if status == "listed" and self._f.info.status != "open":
            raise InvalidRequest("Only open shops may list products.", code="shop_not_open")
        row["status"] = status
        return self._f._product(product_id)

    def set_category(self, product_id: int, category_id: int) -> Product:
        """Move a product to another category. Scope: ``products:write``."""
        self._f._call("products.set_category", Scope.products_write, product_id, category_id)
        row = self._live(product_id)
        problems = self._shop_problems(ProductInput(id=product_id, category_id=category_id), None)
        if problems:
            raise InvalidRequest(problems[0].message, code=problems[0].code)
        row["category_id"] = category_id
        return self._f._product(product_id)

    def set_images(self, product_id: int, file_ids: Sequence[int]) -> Product:
        """Replace a product's images. Scope: ``products:write``."""
        self._f._call("products.set_images", Scope.products_write, product_id, list(file_ids))
        row = self._live(product_id)
        problems = self._shop_problems(ProductInput(id=product_id, images=list(file_ids)), None)
        if problems:
            raise InvalidRequest(problems[0].message, code=problems[0].code)
        row["image_ids"] = list(file_ids)
        return self._f._product(product_id)

    def delete(self, product_id: int) -> bool:
        """Delete a product. Scope: ``products:write``."""
        self._f._call("products.delete", Scope.products_write, product_id)
        self._live(product_id)
        ordered = any(
            line.get("product_id") == product_id
            for order in self._f.order_rows.values()
            for line in order.get("lines", [])
        )
        del self._f.product_rows[product_id]
        if not ordered:
            for sid in [k for k, s in self._f.sku_rows.items() if s["product_id"] == product_id]:
                del self._f.sku_rows[sid]
        return not ordered


class FakeCategories:
    """``client.categories`` of the fake: :data:`FAKE_CATEGORIES`."""

    def __init__(self, fake: FakeShop) -> None:
        self._f = fake

    def list(self) -> list[Category]:
        """The category tree (public: no scope)."""
        self._f._call("categories.list", None)
        return list(FAKE_CATEGORIES)


class FakeFiles:
    """``client.files`` of the fake: bytes in memory; ``FakeShop.add_upload`` adds one."""

    def __init__(self, fake: FakeShop) -> None:
        self._f = fake

    def _row(self, file_id: int) -> dict[str, Any]:
        self._f._found(self._f.file_rows, file_id, "File")
        return self._f.file_rows[file_id]

    def info(self, file_id: int) -> FileInfo:
        """One file of the shop. Scope: ``products:read``."""
        self._f._call("files.info", Scope.products_read, file_id)
        return FileInfo.model_validate(self._row(file_id))

    def open(self, file_id: int) -> IO[bytes]:
        """The file's bytes as a stream. Scope: ``products:read``."""
        self._f._call("files.open", Scope.products_read, file_id)
        return io.BytesIO(self._row(file_id)["data"])

    def write(
        self,
        filename: str,
        data: Iterable[bytes] | IO[bytes],
        *,
        content_type: str,
        retention_days: int = 7,
    ) -> FileInfo:
        """Store a result file. Scope: ``products:write``."""
        self._f._call(
            "files.write",
            Scope.products_write,
            filename,
            content_type=content_type,
            retention_days=retention_days,
        )
        if content_type not in RESULT_TYPES:
            raise InvalidRequest(
                f"A result file may not be {content_type}.", code="unsupported_file_type"
            )
        if not 1 <= retention_days <= 30:
            raise InvalidRequest("Keep a file 1 to 30 days.", code="invalid_retention")
        body = _read_all(data, MAX_FILE_BYTES)
        check_result_type(body[:4096], content_type)
        return self._f.add_file(
            filename,
            body,
            content_type=content_type,
            purpose="result",
            retention_days=retention_days,
        )

    def put_image(self, filename: str, data: Iterable[bytes] | IO[bytes]) -> FileInfo:
        """Store a product image. Scope: ``products:write``."""
        self._f._call("files.put_image", Scope.products_write, filename)
        body = _read_all(data, MAX_FILE_BYTES)
        content_type = sniff_image(body[:64])
        return self._f.add_file(
            filename, body, content_type=content_type, purpose="product_image", retention_days=None
        )

    def link(self, file_id: int) -> FileLink:
        """A signed download link. Scope: ``products:read``."""
        self._f._call("files.link", Scope.shop_read, file_id)
        row = self._row(file_id)
        self._f._call("files.link", LINK_SCOPES[row["purpose"]], file_id)
        return FileLink(
            url=f"/api/v1/files/signed/fake-{row['sha256'][:16]}",
            expires_at=_now() + timedelta(minutes=5),
        )


def new_file_row(
    file_id: int,
    filename: str,
    data: bytes,
    *,
    content_type: str,
    purpose: str,
    retention_days: int | None,
) -> dict[str, Any]:
    """A fake file record."""
    now = _now()
    return {
        "id": file_id,
        "filename": filename,
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "purpose": purpose,
        "created_at": now,
        "expires_at": now + timedelta(days=retention_days) if retention_days else None,
        "data": data,
    }


class FakeJobs:
    """``client.jobs`` of the fake: ``start`` queues, ``FakeShop.run_jobs`` runs."""

    def __init__(self, fake: FakeShop) -> None:
        self._f = fake

    def start(
        self, code: str, params: Mapping[str, Any] | None = None, *, language: str | None = None
    ) -> JobInfo:
        """Queue a job of a registered kind, in ``language`` (the fake's own when none is
        given). Scope: the kind's scope."""
        kind = self._f.job_kinds.get(code)
        self._f._call(
            "jobs.start",
            Scope(kind.scope) if kind and kind.scope else None,
            code,
            params=dict(params or {}),
        )
        if kind is None:
            raise ResourceNotFound(f"Unknown job kind '{code}'.")
        job_id = self._f._next_id("job")
        self._f.job_rows[job_id] = {
            "id": job_id,
            "kind": code,
            "status": "queued",
            "progress": 0,
            "total": None,
            "counts": {},
            "message": "",
            "params": dict(params or {}),
            "language": job_language(language) if language else self._f.language,
            "position": 0,
            "refused": [],
            "created_at": _now(),
            "cancel": False,
        }
        return self.get(job_id)

    def get(self, job_id: int) -> JobInfo:
        """A job of this installation."""
        self._f._found(self._f.job_rows, job_id, "Job")
        return JobInfo.model_validate(self._f.job_rows[job_id])


class FakeChunk:
    """One chunk's pending counts and refused rows, applied when the chunk commits."""

    def __init__(self, fake: FakeShop) -> None:
        self._fake = fake
        self.counts: dict[str, int] = {}
        self.refused: list[RefusedRow] = []

    @property
    def client(self) -> FakeShop:
        return self._fake

    def count(self, status: str, n: int = 1) -> None:
        self.counts[status] = self.counts.get(status, 0) + n

    def refuse(self, row: int, *, column: str = "", value: str = "", reason: str) -> None:
        self.refused.append(RefusedRow(row=row, column=column, value=value, reason=reason))
        self.count("failed")

    def count_results(self, result: _BatchResult, rows: list[int]) -> None:
        for item in result.items:
            if item.status != "failed":
                self.count(item.status)
                continue
            for problem in item.problems or [Problem(field="", message="failed")]:
                self.refused.append(
                    RefusedRow(row=rows[item.index], column=problem.field, reason=problem.message)
                )
            self.count("failed")


class FakeJobContext:
    """What ``run`` gets in the fake; ``stop_after`` chunks simulates a killed worker."""

    def __init__(self, fake: FakeShop, job_id: int, *, stop_after: int | None = None) -> None:
        row = fake.job_rows[job_id]
        self._fake, self._row, self._stop_after = fake, row, stop_after
        self.job_id, self.shop_id = job_id, fake.shop_id
        self.params: Mapping[str, Any] = dict(row["params"])
        self.settings: Mapping[str, Any] = dict(fake.settings)
        self.language: str = row.get("language") or fake.language
        self.position: int = row["position"]
        self._chunks = 0

    @property
    def client(self) -> FakeShop:
        return self._fake

    def set_total(self, total: int | None) -> None:
        self._row["total"] = total

    @contextmanager
    def chunk(self, position: int) -> Iterator[FakeChunk]:
        if self._stop_after is not None and self._chunks >= self._stop_after:
            raise KilledWorker
        snapshot = self._fake._catalog_state()
        chunk = FakeChunk(self._fake)
        try:
            yield chunk
        except BaseException:
            self._fake._restore_catalog(snapshot)
            raise
        counts = dict(self._row["counts"])
        for name, n in chunk.counts.items():
            counts[name] = counts.get(name, 0) + n
        self._row.update(counts=counts, position=position, progress=position)
        self._row["refused"] = [*self._row["refused"], *chunk.refused]
        self.position = position
        self._chunks += 1
        if self._row["cancel"]:
            raise JobCancelled

    def set_result(self, file_id: int, message: str = "") -> None:
        self._row.update(result_file_id=file_id, message=message)


class KilledWorker(BaseException):
    """Raised by the fake's job context to simulate a worker killed between chunks."""


def run_job(fake: FakeShop, job_id: int, kind: JobKind, *, stop_after: int | None) -> str:
    """Run one fake job; ``killed`` leaves it ``running`` so a later run resumes it."""
    row = fake.job_rows[job_id]
    row["status"] = "running"
    ctx = FakeJobContext(fake, job_id, stop_after=stop_after)
    try:
        kind.run(ctx)
    except KilledWorker:
        return "killed"
    except JobCancelled:
        row["status"] = "cancelled"
        return "cancelled"
    except Exception as exc:
        row.update(status="failed", message=f"{type(exc).__name__}: {exc}")
        return "failed"
    row["status"] = "succeeded"
    return "succeeded"
