"""Images fetched in the background from the file's URLs: limits on size, type, time and
address (loopback and private addresses only when the setting allows them), against a
local HTTP server."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

import plugins.store_migration as plugin
from plugins.store_migration.fetching import ImageRefused, fetch_image
from plugins.store_migration.images import resolve
from plugins.store_migration.migrate import choose_category
from sdk.testing import FakeShop
from tests.plugins.store_migration.shopify_sample import HEADER


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PNG = _png()
RELEASE = threading.Event()


class Images(BaseHTTPRequestHandler):
    """``/ok.png``, ``/big.jpg`` (2 MB), ``/page.html``, ``/hop`` (redirects to
    ``/ok.png``), ``/stall.png`` (sends nothing until the test ends)."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/hop":
            self.send_response(302)
            self.send_header("Location", "/ok.png")
            self.end_headers()
            return
        if self.path == "/stall.png":
            RELEASE.wait(10)
            return
        body, kind = {
            "/ok.png": (PNG, "image/png"),
            "/big.jpg": (b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024), "image/jpeg"),
            "/page.html": (b"<html>not an image</html>", "image/png"),
        }.get(self.path, (b"", ""))
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", kind or "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    RELEASE.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Images)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    RELEASE.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/a.png",
        "http://localhost/a.png",
        "http://10.1.2.3/a.png",
        "http://192.168.1.10/a.png",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/a.png",
        "http://[::ffff:127.0.0.1]/a.png",
    ],
)
def test_private_and_loopback_addresses_are_refused_by_default(url: str) -> None:
    with pytest.raises(ImageRefused) as caught:
        fetch_image(url)
    assert caught.value.reason == "image_private_address"


def test_only_http_urls(server: str) -> None:
    for url in ("file:///etc/passwd", "ftp://example.com/a.png", "/w/b/a.jpg"):
        with pytest.raises(ImageRefused) as caught:
            fetch_image(url, allow_private=True)
        assert caught.value.reason == "image_bad_url"


def test_limits_with_private_addresses_allowed(server: str) -> None:
    image = fetch_image(f"{server}/ok.png", allow_private=True)
    assert (image.content_type, image.data) == ("image/png", PNG)
    assert fetch_image(f"{server}/hop", allow_private=True).data == PNG
    cases = {
        "/big.jpg": "image_too_large",
        "/page.html": "image_not_image",
        "/missing.png": "image_unreachable",
        "/stall.png": "image_too_slow",
    }
    for path, reason in cases.items():
        with pytest.raises(ImageRefused) as caught:
            fetch_image(
                f"{server}{path}", allow_private=True, max_bytes=1024 * 1024, deadline_s=0.5
            )
        assert caught.value.reason == reason, path


def test_a_redirect_to_a_private_address_is_refused(server: str) -> None:
    with pytest.raises(ImageRefused) as caught:
        fetch_image(f"{server}/hop")  # the first hop is refused already: it is loopback
    assert caught.value.reason == "image_private_address"


def test_paths_without_a_host_join_the_settings_prefix() -> None:
    base = "https://shop.example.com/media/catalog/product"
    assert resolve("/w/b/wb02.jpg", base) == f"{base}/w/b/wb02.jpg"
    assert resolve("//cdn.example.com/a.jpg", base) == "https://cdn.example.com/a.jpg"
    assert resolve("https://x.example/a.jpg", base) == "https://x.example/a.jpg"


def test_import_then_images_in_the_background(server: str) -> None:
    shop = FakeShop.for_manifest(plugin.manifest, seed=False)
    shop.register_job_kinds(plugin.register_job_kinds())
    shop.settings = {"allow_private_image_hosts": True}
    choose_category(shop, "Clothing", 2)
    rows = [
        f"tee,Tee,,,Clothing,,,TRUE,Title,Default Title,,,,,TEE,100,,3,,,9.90,,,,,{server}/ok.png,1,,,,,,g,active,,",
        f"tee,,,,,,,,,,,,,,,,,,,,,,,,,{server}/page.html,2,,,,,,,,,",
        f"tee,,,,,,,,,,,,,,,,,,,,,,,,,{server}/hop,3,,,,,,,,,",
    ]
    data = "\r\n".join([HEADER, *rows]).encode()
    upload = shop.add_upload("p.csv", data)
    shop.jobs.start("migrate", {"file_id": upload.id, "format": "shopify_csv"})
    assert shop.run_jobs() == {1: "succeeded"}  # the import queued the image job
    assert shop.run_jobs() == {2: "succeeded"}
    [product] = shop.product_rows.values()
    assert [shop.file_bytes(i) for i in product["image_ids"]] == [PNG, PNG]
    [refused] = shop.refused_rows(2)
    assert (refused.row, refused.column, refused.value) == (2, "images", f"{server}/page.html")
    assert shop.records.list("image_queue") == []

    again = shop.add_upload("p.csv", data)
    shop.jobs.start("migrate", {"file_id": again.id, "format": "shopify_csv"})
    assert shop.run_jobs() == {3: "succeeded"}
    assert shop.jobs.get(3).counts == {"unchanged": 1}
    assert shop.run_jobs() == {}  # nothing new to fetch
