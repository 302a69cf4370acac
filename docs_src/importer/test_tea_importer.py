"""The importer reads a GBK file as a stream and yields products and refused rows."""

from __future__ import annotations

import io

from tea_importer import detect, parse

from sdk.importing import ImportOptions
from sdk.testing import FakeShop

FILE = "ref,title,price_yuan\nLJ-1,龙井,168\nBAD,坏行,abc\n".encode("gbk")


def test_detect_and_parse_then_upsert() -> None:
    detection = detect(FILE[:4096], "tea.csv")
    assert (detection.score, detection.encoding) == (1.0, "gb18030")
    options = ImportOptions(encoding=detection.encoding, language="zh-CN")
    rows = list(parse(io.BytesIO(FILE), options))
    assert [r.refused[0].reason for r in rows if r.refused] == ["价格不是数字"]
    shop = FakeShop(seed=False)
    result = shop.products.upsert_many([r.product for r in rows if r.product])
    assert result.counts["created"] == 1
    assert shop.products.get_by_ref("LJ-1").skus[0].price_fen == 16800
