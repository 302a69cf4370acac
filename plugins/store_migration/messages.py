"""Reasons a row or a file is refused, in the merchant's language (zh-CN and en).

Parsers and checks speak in reason codes; the report and the import page turn a code
into words with :func:`reason_text`. A code without words here shows as itself.
"""

# ruff: noqa: RUF001 (Chinese punctuation in the Chinese messages)

from __future__ import annotations

REASONS: dict[str, dict[str, str]] = {
    "missing_handle": {
        "en": "The product has no handle or SKU to know it by",
        "zh-CN": "商品缺少编号（handle 或 SKU），无法识别",
    },
    "missing_title": {"en": "The product has no title", "zh-CN": "商品缺少标题"},
    "missing_price": {"en": "A SKU has no price", "zh-CN": "有规格没有价格"},
    "negative_price": {"en": "The price is negative", "zh-CN": "价格不能为负数"},
    "bad_price": {"en": "The price is not a number", "zh-CN": "价格不是数字"},
    "bad_number": {"en": "The value is not a number", "zh-CN": "该值不是数字"},
    "negative_stock": {"en": "The stock is negative", "zh-CN": "库存不能为负数"},
    "no_variants": {"en": "The product has no SKU", "zh-CN": "商品没有任何规格"},
    "duplicate_sku": {
        "en": "Two SKUs of the product share this code",
        "zh-CN": "同一商品的两个规格编码重复",
    },
    "unsupported_type": {
        "en": "This product type is not imported (grouped, bundle or external products)",
        "zh-CN": "不导入此类商品（组合、捆绑或外部链接商品）",
    },
    "unknown_parent": {
        "en": "The variation's parent product is not in the file",
        "zh-CN": "该规格所属的商品不在文件中",
    },
    "missing_variations": {
        "en": "None of the configurable product's variations is in the file",
        "zh-CN": "文件中没有该可配置商品的任何子规格",
    },
    "category_unmapped": {
        "en": "The category matches none of Tanzi's: choose one in the mapping step",
        "zh-CN": "类目与摊子的类目都不匹配：请在类目映射中选择",
    },
    "category_needs_qualification": {
        "en": "The category needs a qualification the shop has not had approved",
        "zh-CN": "该类目需要店铺尚未通过审核的资质",
    },
    "too_long": {"en": "The value is too long", "zh-CN": "内容过长"},
    # images
    "image_bad_url": {
        "en": "The image address is not an http(s) URL",
        "zh-CN": "图片地址不是 http(s) 链接",
    },
    "image_unreachable": {"en": "The image could not be downloaded", "zh-CN": "无法下载图片"},
    "image_private_address": {
        "en": "The image is on a private or local address, which the settings do not allow",
        "zh-CN": "图片位于内网或本机地址，设置不允许抓取",
    },
    "image_too_large": {"en": "The image is larger than 10 MB", "zh-CN": "图片超过 10 MB"},
    "image_too_slow": {"en": "The image took too long to download", "zh-CN": "图片下载超时"},
    "image_not_image": {
        "en": "The address gave something other than a JPEG, PNG or WebP image",
        "zh-CN": "该地址返回的不是 JPEG、PNG 或 WebP 图片",
    },
    "image_refused": {"en": "The shop refused the image", "zh-CN": "店铺拒绝了该图片"},
    # whole files
    "file_too_large": {
        "en": "The file is larger than the import limit",
        "zh-CN": "文件超过导入大小上限",
    },
    "file_empty": {"en": "The file is empty", "zh-CN": "文件是空的"},
    "not_csv": {
        "en": "The file is not a CSV file, whatever its name says",
        "zh-CN": "该文件并不是 CSV 文件（与文件名不符）",
    },
    "not_xlsx": {
        "en": "The file is not an Excel workbook (.xlsx), whatever its name says",
        "zh-CN": "该文件并不是 Excel 工作簿（.xlsx），与文件名不符",
    },
    "zip_bomb": {
        "en": "The workbook unpacks to far more than its size: refused as a zip bomb",
        "zh-CN": "工作簿解压后远大于文件本身，疑为压缩炸弹，已拒绝",
    },
    "unknown_encoding": {
        "en": "The text encoding could not be recognised: save the file as UTF-8",
        "zh-CN": "无法识别文件编码：请另存为 UTF-8",
    },
    "bad_csv": {"en": "The CSV file is malformed", "zh-CN": "CSV 文件格式有误"},
    "no_header": {
        "en": "The file has no header row this format expects",
        "zh-CN": "文件缺少此格式所需的表头",
    },
}


def reason_text(reason: str, locale: str = "en") -> str:
    """The words for ``reason`` in ``locale`` (``zh-CN`` or ``en``; others get English)."""
    words = REASONS.get(reason)
    if words is None:
        return reason
    return words.get(locale) or words["en"]
