"""A job's report of refused rows: a CSV the merchant downloads, in the merchant's language.

Columns: row, column, value, reason. Cells pass through :func:`sdk.spreadsheet.
neutralize_cell` (no formula runs when the report is opened in a spreadsheet). The file is
written with a BOM so Excel reads the Chinese right, kept for a week, and its id stored in
the job's checkpoint (``report_file_id``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.files.documents import save_result, stage_chunks
from core.files.service import written_files
from core.models import Job
from sdk.models import Problem
from sdk.spreadsheet import neutralize_row

#: The report's header in each language.
HEADERS = {
    "zh-CN": ["行", "列", "值", "原因"],
    "en": ["Row", "Column", "Value", "Reason"],
}
#: Batch problems in Chinese, by code (the kernel's messages are in English).
ZH_PROBLEMS = {
    "missing_key": "缺少商品编码 (external_ref)。",
    "invalid_external_ref": "商品编码长度应为 1 到 120 个字符。",
    "missing_title": "新商品需要标题。",
    "invalid_title": "标题长度应为 1 到 120 个字符。",
    "missing_category": "新商品需要类目。",
    "missing_skus": "新商品至少需要一个 SKU。",
    "missing_price": "新 SKU 需要价格。",
    "invalid_price": "价格不能为负数。",
    "invalid_stock": "库存应在 0 到 10000000 之间。",
    "invalid_weight": "重量应在 0 到 1000000 克之间。",
    "duplicate_sku_code": "同一商品中 SKU 编码重复。",
    "duplicate_item": "同一商品在文件中出现了两次。",
    "too_long": "内容过长。",
    "qualification_required": "该类目需要店铺尚未获批的资质。",
    "category_not_allowed": "店铺类型不能在该类目销售。",
    "category_not_found": "类目不存在。",
    "condition_not_allowed": "企业和个体店铺只能销售全新商品。",
    "shop_not_open": "店铺未开张, 不能上架商品。",
    "image_not_found": "图片不存在。",
    "too_many_images": "每个商品最多 20 张图片。",
    "product_not_found": "商品不存在。",
    "invalid_input": "格式不正确。",
}


def problem_text(problem: Problem, language: str) -> str:
    """A batch problem's message in ``language`` (``zh-CN`` or ``en``)."""
    if language == "zh-CN" and problem.code in ZH_PROBLEMS:
        return ZH_PROBLEMS[problem.code]
    return problem.message


def report_name(kind: str, job_id: int, language: str) -> str:
    """The report's file name: the job's kind (a plugin job's code), what it holds and the
    job's id, e.g. ``print-labels-refused-rows-12.csv``."""
    slug = kind.replace("_", "-").replace(".", "-") or "job"
    words = "未处理的行" if language == "zh-CN" else "refused-rows"
    return f"{slug}-{words}-{job_id}.csv"


def report_lines(errors: list[dict[str, Any]], language: str) -> Iterator[bytes]:
    """The report's CSV, a few hundred rows at a time, UTF-8 with a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS.get(language, HEADERS["en"]))
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode()
    for start in range(0, len(errors), 500):
        buffer.seek(0)
        buffer.truncate()
        for error in errors[start : start + 500]:
            writer.writerow(
                neutralize_row(
                    [
                        error.get("row", ""),
                        error.get("column", ""),
                        str(error.get("value", "")),
                        error.get("reason", error.get("message", "")),
                    ]
                )
            )
        yield buffer.getvalue().encode()


def write_report(engine: Engine, client: Any, job_id: int, *, language: str) -> int | None:
    """Store the job's refused rows as a CSV and note its id; ``None`` when none."""
    host = getattr(client, "host", None)
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(Job, job_id)
        if job is None or not job.errors or host is None or job.shop_id is None:
            return None
        name = report_name(str(job.params.get("code") or job.kind), job_id, language)
        with written_files(host.store) as keys:
            staged = stage_chunks(
                host.store,
                report_lines(list(job.errors), language),
                limit=host.settings.result_max_bytes,
                field="report",
            )
            row = save_result(
                session,
                host.store,
                keys,
                shop_id=job.shop_id,
                staged=staged,
                filename=name,
                content_type="text/csv",
                retention_days=7,
            )
            job.checkpoint = {**job.checkpoint, "report_file_id": row.id}
            session.add(job)
            session.commit()
        return row.id
