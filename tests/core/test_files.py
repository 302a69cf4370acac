"""Images and files: uploads refused with a clear error leave nothing behind; accepted ones
are cleaned, thumbnailed, served with cache headers, and shown on products and storefront."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.files.service import local_store, purge_expired
from core.files.store import LocalFileStore
from core.settings import Settings
from tests.conftest import Factory


def _jpeg_with_exif(size: tuple[int, int] = (800, 600)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam Maker"  # Make
    exif[0x0131] = "leaky-software"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"private comment")
    return out.getvalue()


def _png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 200)).save(out, format="PNG")
    return out.getvalue()


def _webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (9, 9, 9)).save(out, format="WEBP")
    return out.getvalue()


@pytest.fixture
def merchant(factory: Factory) -> tuple[m.Shop, dict[str, str], m.Product]:
    owner = factory.account()
    shop = factory.shop(owner)
    product, _ = factory.product(shop)
    return shop, factory.headers(owner), product


def _url(shop: m.Shop, product: m.Product) -> str:
    return f"/api/v1/shops/{shop.id}/products/{product.id}/images"


def _store(settings: Settings) -> LocalFileStore:
    return local_store(settings.data_dir)


def _file_rows(engine: Engine) -> list[m.StoredFile]:
    with Session(engine) as session:
        return list(session.exec(select(m.StoredFile)).all())


def _assert_nothing_stored(engine: Engine, settings: Settings) -> None:
    store = _store(settings)
    assert store.keys() == []
    assert store.staged_count() == 0
    assert _file_rows(engine) == []
    with Session(engine) as session:
        assert session.exec(select(m.ProductImage)).all() == []


def test_upload_stores_a_cleaned_image_and_thumbnail_and_the_product_shows_it(
    client: TestClient, engine: Engine, settings: Settings, merchant
) -> None:
    shop, headers, product = merchant
    original = _jpeg_with_exif()
    response = client.post(
        _url(shop, product) + "?filename=holiday.jpg",
        content=original,
        headers={**headers, "Content-Type": "image/jpeg"},
    )
    assert response.status_code == 201, response.text
    image = response.json()
    assert image["is_main"] is True and image["position"] == 0
    assert (image["content_type"], image["width"], image["height"]) == ("image/jpeg", 800, 600)

    served = client.get(image["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert "immutable" in served.headers["cache-control"]
    assert served.headers["x-content-type-options"] == "nosniff"
    with Image.open(io.BytesIO(served.content)) as stored:
        stored.load()
        assert stored.size == (800, 600)
        assert not stored.getexif()  # EXIF (camera make, software) is gone
        assert "comment" not in stored.info
    assert b"SecretCam" not in served.content and b"private comment" not in served.content

    etag = served.headers["etag"]
    cached = client.get(image["url"], headers={"If-None-Match": etag})
    assert cached.status_code == 304

    thumb = client.get(image["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert max(small.size) == 400

    got = client.get(f"/api/v1/shops/{shop.id}/products/{product.id}", headers=headers).json()
    assert got["image_url"] == image["url"]
    assert [i["id"] for i in got["images"]] == [image["id"]]
    front = client.get(f"/api/v1/storefront/shops/{shop.id}/products/{product.id}").json()
    assert front["image_url"] == image["url"]
    assert front["images"][0]["thumbnail_url"] == image["thumbnail_url"]
    listing = client.get(f"/api/v1/storefront/shops/{shop.id}/products").json()
    assert listing["items"][0]["image_url"] == image["url"]


def test_an_image_of_30_mb_is_refused_while_streaming_and_nothing_stays(
    client: TestClient, engine: Engine, settings: Settings, merchant
) -> None:
    shop, headers, product = merchant
    big = _png() + b"\0" * (30 * 1024 * 1024)

    def chunks():  # no Content-Length: the limit must hold while the body streams in
        for start in range(0, len(big), 1024 * 1024):
            yield big[start : start + 1024 * 1024]

    response = client.post(_url(shop, product), content=chunks(), headers=headers)
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["code"] == "file_too_large"
    assert problem["errors"][0]["field"] == "body"
    _assert_nothing_stored(engine, settings)

    announced = client.post(_url(shop, product), content=big, headers=headers)
    assert announced.status_code == 413
    _assert_nothing_stored(engine, settings)


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(1)</script></svg>",
            "SVG",
        ),
        (b"GIF89a" + b"\0" * 40, "GIF"),
    ],
    ids=["png-that-is-html", "svg", "gif"],
)
def test_content_that_is_not_an_accepted_image_is_refused(
    client: TestClient, engine: Engine, settings: Settings, merchant, body: bytes, found: str
) -> None:
    shop, headers, product = merchant
    response = client.post(
        _url(shop, product) + "?filename=photo.png",
        content=body,
        headers={**headers, "Content-Type": "image/png"},
    )
    assert response.status_code == 415, response.text
    problem = response.json()
    assert problem["code"] == "unsupported_file_type"
    assert found in problem["detail"]
    assert problem["errors"][0]["field"] == "body"
    _assert_nothing_stored(engine, settings)


@pytest.mark.parametrize(
    "body",
    [
        _jpeg_with_exif()[:3000],  # a truncated JPEG
        _png()[:60],  # a truncated PNG
        b"\x89PNG\r\n\x1a\n" + b"<html>not really</html>" * 10,  # a PNG signature, then HTML
        _webp()[:20],
    ],
    ids=["truncated-jpeg", "truncated-png", "png-magic-then-html", "truncated-webp"],
)
def test_an_image_that_does_not_decode_whole_is_refused(
    client: TestClient, engine: Engine, settings: Settings, merchant, body: bytes
) -> None:
    shop, headers, product = merchant
    response = client.post(_url(shop, product), content=body, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_image"
    assert problem["errors"][0]["field"] == "body"
    _assert_nothing_stored(engine, settings)


def test_a_decompression_bomb_is_refused(
    client: TestClient, engine: Engine, settings: Settings, merchant, app
) -> None:
    shop, headers, product = merchant
    app.state.settings.image_max_pixels = 1000
    response = client.post(_url(shop, product), content=_png((100, 100)), headers=headers)
    assert response.status_code == 422
    assert "pixels" in response.json()["detail"]
    _assert_nothing_stored(engine, settings)


def test_images_are_ordered_one_is_main_and_deleting_removes_the_bytes(
    client: TestClient, engine: Engine, settings: Settings, merchant
) -> None:
    shop, headers, product = merchant
    ids = []
    for body in (_png(), _webp(), _jpeg_with_exif((40, 40))):
        response = client.post(_url(shop, product), content=body, headers=headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    listed = client.get(_url(shop, product), headers=headers).json()
    assert [i["id"] for i in listed] == ids
    assert [i["is_main"] for i in listed] == [True, False, False]

    reordered = client.put(
        _url(shop, product) + "/order", json={"image_ids": ids[::-1]}, headers=headers
    )
    assert [i["id"] for i in reordered.json()] == ids[::-1]
    assert [i["position"] for i in reordered.json()] == [0, 1, 2]
    bad = client.put(_url(shop, product) + "/order", json={"image_ids": ids[:2]}, headers=headers)
    assert bad.status_code == 422 and bad.json()["code"] == "image_order_mismatch"

    main = client.post(_url(shop, product) + f"/{ids[1]}/main", headers=headers).json()
    assert [i["id"] for i in main if i["is_main"]] == [ids[1]]

    deleted_url = next(i["url"] for i in main if i["id"] == ids[1])
    assert client.delete(_url(shop, product) + f"/{ids[1]}", headers=headers).status_code == 204
    after = client.get(_url(shop, product), headers=headers).json()
    assert [i["id"] for i in after] == [ids[2], ids[0]]
    assert [i["is_main"] for i in after] == [True, False]  # the next one became main
    assert client.get(deleted_url).status_code == 404

    store = _store(settings)
    assert len(store.keys()) == 6  # three images and three thumbnails until the purge
    with Session(engine) as session:
        assert purge_expired(session, store) == 2
        assert purge_expired(session, store) == 0  # a second run changes nothing
    assert len(store.keys()) == 4
    assert len(_file_rows(engine)) == 4


def test_another_shop_cannot_see_or_change_the_images(
    client: TestClient, factory: Factory, merchant
) -> None:
    shop, headers, product = merchant
    created = client.post(_url(shop, product), content=_png(), headers=headers).json()
    stranger = factory.headers(factory.account())
    assert client.get(_url(shop, product), headers=stranger).status_code == 404
    assert client.post(_url(shop, product), content=_png(), headers=stranger).status_code == 404
    response = client.delete(_url(shop, product) + f"/{created['id']}", headers=stranger)
    assert response.status_code == 404
    reader = factory.member(shop, areas=[])
    assert (
        client.post(
            _url(shop, product), content=_png(), headers=factory.headers(reader)
        ).status_code
        == 403
    )


def test_a_public_url_must_name_the_content(client: TestClient, merchant) -> None:
    shop, headers, product = merchant
    image = client.post(_url(shop, product), content=_png(), headers=headers).json()
    file_id = image["file_id"]
    assert client.get(f"/api/v1/files/{file_id}/{'0' * 64}.png").status_code == 404


def test_private_files_are_served_only_through_short_lived_signed_links(
    client: TestClient, engine: Engine, settings: Settings, merchant, app
) -> None:
    from core.files.service import save_document, written_files

    shop, headers, _ = merchant
    store = _store(settings)
    staged = store.stage(1000)
    staged.write(b"%PDF-1.4\n% labels\n%%EOF\n")
    with Session(engine) as session, written_files(store) as written:
        doc = save_document(
            session,
            store,
            written,
            shop_id=shop.id,
            staged=staged,
            purpose=m.FilePurpose.result,
            filename="labels.pdf",
            field="body",
        )
        session.commit()
        doc_id, sha = doc.id, doc.sha256
    assert client.get(f"/api/v1/files/{doc_id}/{sha}.pdf").status_code == 404  # not public

    link = client.post(f"/api/v1/shops/{shop.id}/files/{doc_id}/link", headers=headers)
    assert link.status_code == 200, link.text
    served = client.get(link.json()["url"])
    assert served.status_code == 200
    assert served.content.startswith(b"%PDF-")
    assert served.headers["cache-control"] == "private, no-store"
    assert served.headers["content-disposition"].startswith("attachment")

    tampered = link.json()["url"][:-3] + "AAA"
    assert client.get(tampered).status_code == 404
    app.state.settings.file_link_ttl_s = 1
    import time

    time.sleep(2.1)
    expired = client.get(link.json()["url"])
    assert expired.status_code == 404 and expired.json()["code"] == "link_expired"


def test_a_staged_write_over_its_limit_leaves_no_temporary_file(tmp_path: Path) -> None:
    from core.files.store import FileTooLarge

    store = LocalFileStore(tmp_path / "files")
    staged = store.stage(10)
    staged.write(b"12345")
    with pytest.raises(FileTooLarge):
        staged.write(b"123456")
    staged.discard()
    assert store.staged_count() == 0 and store.keys() == []
    with pytest.raises(ValueError):
        store.open("../secret_key")


def test_the_shop_icon_is_an_uploaded_image_that_replaces_the_old_one(
    client: TestClient, engine: Engine, settings: Settings, factory: Factory, merchant
) -> None:
    shop, headers, _ = merchant
    icon_url = f"/api/v1/shops/{shop.id}/icon"
    assert client.get(icon_url, headers=headers).json()["url"] is None

    first = client.put(icon_url, content=_png((128, 128)), headers=headers)
    assert first.status_code == 200, first.text
    assert client.get(first.json()["url"]).status_code == 200
    second = client.put(icon_url, content=_webp(), headers=headers).json()
    assert client.get(icon_url, headers=headers).json()["url"] == second["url"]
    assert client.get(first.json()["url"]).status_code == 404  # the old icon is retired

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = client.put(icon_url, content=svg, headers=headers)
    assert refused.status_code == 415 and refused.json()["errors"][0]["field"] == "body"
    assert client.get(icon_url, headers=headers).json()["url"] == second["url"]

    viewer = factory.member(shop, areas=["products"])
    response = client.put(icon_url, content=_png(), headers=factory.headers(viewer))
    assert response.status_code == 403

    cleared = client.delete(icon_url, headers=headers)
    assert cleared.status_code == 200 and cleared.json()["url"] is None
    with Session(engine) as session:
        purge_expired(session, _store(settings))
    assert _store(settings).keys() == []


def test_the_purge_removes_temporaries_of_uploads_that_died(tmp_path: Path, engine: Engine) -> None:
    import os
    import time

    store = LocalFileStore(tmp_path / "files")
    dead = store.stage(100)
    dead.write(b"half an upload")
    dead.close()
    old = time.time() - 2 * 3600
    os.utime(dead.path, (old, old))
    alive = store.stage(100)
    alive.write(b"still coming")
    with Session(engine) as session:
        purge_expired(session, store)
    assert not dead.path.exists()
    assert alive.path.exists()  # a running upload is left alone
    alive.discard()
