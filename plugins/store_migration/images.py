"""Product images in the background: queued as products are imported, fetched by a job.

After each committed chunk of an import, :func:`queue_images` keeps the image URLs of
every product the chunk created in the record collection ``image_queue`` (keyed by the
product's id) and starts the ``fetch_images`` job. The job takes queued products one by
one: it downloads each URL within limits (:mod:`.fetching`), stores the images through
``client.files.put_image``, sets them on the product and deletes the queue record in the
same chunk, so a killed worker picks up where it stopped. An image that cannot be fetched
is a refused row of the job's report (the product keeps the others).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

from plugins.store_migration.fetching import ImageRefused, fetch_image
from plugins.store_migration.messages import reason_text
from plugins.store_migration.settings import coerce_settings
from sdk.batch import ItemResult
from sdk.client import ShopClient
from sdk.errors import InvalidRequest
from sdk.importing import ImportRow
from sdk.jobs import JobContext, JobKind
from sdk.scopes import Scope

QUEUE = "image_queue"
JOB = "fetch_images"
#: The most images kept per product.
MAX_IMAGES = 9


def queue_images(
    client: ShopClient, rows: Sequence[ImportRow], results: Sequence[ItemResult]
) -> None:
    """Queue the images of the products this chunk created, and start the fetch job."""
    queued = 0
    for row, result in zip(rows, results, strict=False):
        urls = row.extra.get("images") or []
        if result.status != "created" or result.product_id is None or not urls:
            continue
        client.records.put(
            QUEUE, str(result.product_id), {"urls": list(urls)[:MAX_IMAGES], "row": row.row}
        )
        queued += 1
    if queued:
        client.jobs.start(JOB, {})


def resolve(url: str, base: str) -> str:
    """An absolute URL: a path-only image (Magento's ``/w/b/x.jpg``) joined to ``base``."""
    if urlsplit(url).scheme:
        return url
    if url.startswith("//"):
        return "https:" + url
    return urljoin(base.rstrip("/") + "/", url.lstrip("/")) if base else url


def fetch_queued(ctx: JobContext) -> None:
    """The ``fetch_images`` job: every queued product's images, one product a chunk."""
    settings = coerce_settings(ctx.settings)
    done = ctx.position
    while True:
        pending = ctx.client.records.list(QUEUE, limit=20)
        if not pending:
            return
        for record in pending:
            files: list[int] = []
            problems: list[tuple[str, str]] = []
            if settings.fetch_images:
                for url in record.data.get("urls", []):
                    target = resolve(str(url), settings.image_base_url)
                    try:
                        image = fetch_image(
                            target, allow_private=settings.allow_private_image_hosts
                        )
                        name = urlsplit(image.url).path.rsplit("/", 1)[-1] or "image"
                        files.append(ctx.client.files.put_image(name[:100], [image.data]).id)
                    except ImageRefused as exc:
                        problems.append((str(url), exc.reason))
                    except InvalidRequest:
                        problems.append((str(url), "image_refused"))
            done += 1
            with ctx.chunk(done) as chunk:
                if files:
                    chunk.client.products.set_images(int(record.key), files)
                    chunk.count("updated")
                row = int(record.data.get("row") or 0)
                for url, reason in problems:
                    chunk.refuse(
                        row,
                        column="images",
                        value=url[:200],
                        reason=reason_text(reason, ctx.language),
                    )
                chunk.client.records.delete(QUEUE, record.key)


def image_job_kind() -> JobKind:
    """The job kind that fetches queued images."""
    return JobKind(
        code=JOB, name="Fetch product images", run=fetch_queued, scope=Scope.products_write.value
    )
