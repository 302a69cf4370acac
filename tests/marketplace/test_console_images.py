"""The console's product images page: upload (streamed, with the CSRF header), refusals in
the page's language, main image and removal by members allowed to write products."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from PIL import Image

import core.models as m
from tests.conftest import Factory
from tests.webtools import csrf_from, sign_in

HTML = {"Accept": "text/html"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 50), (1, 2, 3)).save(out, format="PNG")
    return out.getvalue()


def _page(client: TestClient, shop: m.Shop, product: m.Product) -> str:
    return f"/console/shops/{shop.id}/products/{product.id}/images"


def test_a_merchant_uploads_chooses_main_and_removes_images_in_the_console(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    product, _ = factory.product(shop)
    sign_in(client, owner.email, "secret-pass")
    url = _page(client, shop, product)
    page = client.get(url, headers=HTML)
    assert page.status_code == 200
    token = re.search(r'data-csrf="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]

    no_token = client.post(url, content=_png(), headers={"Accept": "application/json"})
    assert no_token.status_code == 403

    ids = []
    for _ in range(2):
        sent = client.post(
            url, content=_png(), headers={"X-CSRF-Token": token, "Accept": "application/json"}
        )
        assert sent.status_code == 201, sent.text
        ids.append(sent.json()["id"])

    refused = client.post(
        url,
        content=b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        headers={"X-CSRF-Token": token, "Accept": "application/json", "Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 415
    assert refused.json()["code"] == "unsupported_file_type"
    assert refused.json()["message"]

    page = client.get(url, headers=HTML)
    assert page.text.count("<img ") == 2
    form_token = csrf_from(page.text)
    made_main = client.post(
        f"{url}/{ids[1]}/main", data={"csrf_token": form_token}, follow_redirects=False
    )
    assert made_main.status_code == 303
    removed = client.post(
        f"{url}/{ids[0]}/delete", data={"csrf_token": form_token}, follow_redirects=False
    )
    assert removed.status_code == 303
    api = client.get(
        f"/api/v1/shops/{shop.id}/products/{product.id}", headers=factory.headers(owner)
    )
    assert [(i["id"], i["is_main"]) for i in api.json()["images"]] == [(ids[1], True)]


def test_a_member_without_the_products_area_can_neither_see_nor_upload(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    product, _ = factory.product(shop)
    clerk = factory.member(shop, areas=["orders"])
    sign_in(client, clerk.email, "secret-pass")
    url = _page(client, shop, product)
    assert client.get(url, headers=HTML).status_code == 403
    token = csrf_from(client.get("/console", headers=HTML).text)
    sent = client.post(
        url, content=_png(), headers={"X-CSRF-Token": token, "Accept": "application/json"}
    )
    assert sent.status_code == 403
    assert sent.json()["code"] == "missing_permission"
