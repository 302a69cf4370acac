"""The long page actions as resumable jobs: publish products on a channel, sync now,
reconcile; and the page that shows a job's progress.

Publishing commits a checkpoint after each product, so a killed worker resumes at the
next one; publishing a product again is harmless (an upsert by SKU code, then the same
allocation), so the product in flight at the kill is simply done again.
"""

from __future__ import annotations

from html import escape
from typing import Any

from sdk.client import ShopClient
from sdk.jobs import JobContext
from sdk.models import SafeHtml

PUBLISH = "publish"
SYNC_NOW = "sync_now"
RECONCILE = "reconcile"
#: The job each channel button starts.
ACTION_JOBS = {"sync": SYNC_NOW, "resume": SYNC_NOW, "reconcile": RECONCILE}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "started": "Started: job #{id}.",
        "see": "Follow its progress",
        "job": "Job #{id}",
        "queued": "Waiting for a worker",
        "running": "Running",
        "succeeded": "Done",
        "failed": "Failed",
        "cancelled": "Cancelled",
        "back": "Back to the channels",
        "reload": "Reload this page to see it move on.",
        "count_published": "Products published",
        "count_skipped": "Products not found",
    },
    "zh_CN": {
        "started": "已开始：任务 #{id}。",  # noqa: RUF001
        "see": "查看进度",
        "job": "任务 #{id}",
        "queued": "等待执行",
        "running": "进行中",
        "succeeded": "已完成",
        "failed": "失败",
        "cancelled": "已取消",
        "back": "返回渠道",
        "reload": "刷新本页查看进度。",
        "count_published": "已发布商品",
        "count_skipped": "未找到的商品",
    },
}


def _words(language: str) -> dict[str, str]:
    return WORDS["zh_CN" if language.replace("-", "_").lower().startswith("zh") else "en"]


def run_publish(ctx: JobContext) -> None:
    """Publish ``params["product_ids"]`` on ``params["channel"]``, one product a chunk."""
    from plugins.catalog_sync import hosted
    from plugins.catalog_sync.channels import channel_config
    from plugins.catalog_sync.sync import ChannelSync
    from sdk.errors import ResourceNotFound

    client = hosted(ctx.client)
    config = channel_config(client, str(ctx.params.get("channel", "")))
    ids = [int(i) for i in ctx.params.get("product_ids", [])]
    ctx.set_total(len(ids))
    if config is None:
        return
    syncs: dict[int | None, ChannelSync] = {}
    for n, product_id in enumerate(ids, start=1):
        if n <= ctx.position:
            continue
        with ctx.chunk(n) as chunk:
            try:
                product = client.products.get(product_id)
            except ResourceNotFound:
                chunk.count("skipped")
                continue
            # with no category chosen there, a product goes where it is filed here (the
            # category tree is the platform's)
            category = config.category_id or product.category_id
            if category not in syncs:
                syncs[category] = ChannelSync(
                    client, config.model_copy(update={"category_id": category})
                )
            syncs[category].publish([product_id])
            chunk.count("published")


def started(client: ShopClient, job_id: int, language: str) -> str:
    """The notice for a job a page started, with the link to its progress."""
    w = _words(language)
    base = f"/apps/catalog_sync/shops/{client.shop_id}"
    return (
        f"<p><strong>{escape(w['started'].format(id=job_id))}</strong> "
        f'<a href="{base}/jobs/{job_id}">{escape(w["see"])}</a></p>'
    )


def job_page(client: ShopClient, path_params: dict[str, Any], language: str = "en") -> SafeHtml:
    """A job's status, progress and counts."""
    w = _words(language)
    job = client.jobs.get(int(path_params["job"]))
    total = job.total or 0
    done = total if job.status == "succeeded" else min(job.progress, total)
    counts = "".join(
        f"<li>{escape(w.get('count_' + k, k))}: <strong>{n}</strong></li>"
        for k, n in sorted(job.counts.items())
        if n
    )
    base = f"/apps/catalog_sync/shops/{client.shop_id}"
    parts = [
        f"<h2>{escape(w['job'].format(id=job.id))}</h2>",
        f"<p><strong>{escape(w.get(job.status, job.status))}</strong>"
        + (f" · {done} / {total}" if total else "")
        + "</p>",
        f"<ul>{counts}</ul>" if counts else "",
    ]
    if job.status not in ("succeeded", "failed", "cancelled"):
        parts.append(f"<p><small>{escape(w['reload'])}</small></p>")
    parts.append(f'<p><a href="{base}">{escape(w["back"])}</a></p>')
    return SafeHtml(html="".join(parts))
