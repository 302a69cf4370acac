"""Contract: files through the client: results written as streams, read back as streams,
sniffed, linked; product images. Runs on every backend."""

from __future__ import annotations

import io

import pytest

from sdk.errors import InvalidRequest, ResourceNotFound, ScopeDenied
from tests.contract.conftest import Contract

CSV = "编码,标题\nA1,龙井\n".encode()


def test_write_then_read_a_result(contract: Contract) -> None:
    client = contract.client()
    info = client.files.write(
        "结果.csv", (CSV[i : i + 5] for i in range(0, len(CSV), 5)), content_type="text/csv"
    )
    assert (info.filename, info.content_type, info.size, info.purpose) == (
        "结果.csv",
        "text/csv",
        len(CSV),
        "result",
    )
    assert len(info.sha256) == 64 and info.expires_at is not None
    assert client.files.info(info.id) == info
    with client.files.open(info.id) as stream:
        assert stream.read(3) == CSV[:3]
        assert stream.read() == CSV[3:]
    link = client.files.link(info.id)
    assert link.url.startswith("/api/v1/files/signed/")


def test_write_from_a_stream(contract: Contract) -> None:
    info = contract.client().files.write(
        "r.json", io.BytesIO(b'{"ok": true}'), content_type="application/json", retention_days=1
    )
    assert info.size == 12


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"PK\x03\x04 not a csv", "text/csv"),
        (
            b"%PDF-1.7 not a sheet",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (b"a,b\n1,2\n", "application/x-msdownload"),
        (b"a\x00b", "text/plain"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused(
    contract: Contract, data: bytes, content_type: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        contract.client().files.write("x", [data], content_type=content_type)
    assert refused.value.code == "unsupported_file_type"


def test_files_need_their_scopes(contract: Contract) -> None:
    writer = contract.client()
    info = writer.files.write("r.csv", [CSV], content_type="text/csv")
    with pytest.raises(ScopeDenied):
        contract.client({"products:read"}).files.write("r.csv", [CSV], content_type="text/csv")
    with pytest.raises(ScopeDenied):
        contract.client({"orders:read"}).files.open(info.id)
    with pytest.raises(ScopeDenied):
        contract.client({"shop:read", "products:read"}).files.link(info.id)


def test_unknown_file(contract: Contract) -> None:
    with pytest.raises(ResourceNotFound):
        contract.client().files.info(987_654)


def test_an_image_that_is_not_one_is_refused(contract: Contract) -> None:
    with pytest.raises(InvalidRequest) as refused:
        contract.client().files.put_image("x.png", [b"<svg></svg>"])
    assert refused.value.code == "unsupported_file_type"
