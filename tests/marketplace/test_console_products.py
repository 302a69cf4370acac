"""The console's product pages: create with a 2x3 SKU matrix (built without JavaScript),
edit, errors beside each field, search and filters, low stock, list and delist, stock
adjustments with a reason and their history, and 403 for a member without the area."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, col, select

import core.models as m
from tests.conftest import Factory
from tests.webtools import csrf_from, sign_in

HTML = {"Accept": "text/html"}
EN = {"Accept": "text/html", "Accept-Language": "en"}
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN"}


def _url(shop: m.Shop, tail: str = "") -> str:
    return f"/console/shops/{shop.id}/products{tail}"


def _fields(
    token: str,
    *,
    category: m.Category,
    title: str = "Linen shirt",
    options: tuple[tuple[str, str], ...] = (("Colour", "Red, Blue"), ("Size", "S, M, L")),
    **extra: Any,
) -> dict[str, Any]:
    names = [n for n, _v in options] + [""] * (3 - len(options))
    values = [v for _n, v in options] + [""] * (3 - len(options))
    return {
        "csrf_token": token,
        "title": title,
        "description": "Soft and cool.",
        "category_id": str(category.id),
        "condition": "new",
        "weight_g": "250",
        "opt_name": names,
        "opt_values": values,
        **extra,
    }


def _rows(page: str) -> list[dict[str, str]]:
    """The SKU rows of a rendered product form: key, id, code, price and stock."""
    rows = []
    for tr in re.findall(r"<tr data-key=.*?</tr>", page, flags=re.S):

        def value(name: str, tr: str = tr) -> str:
            found = re.search(rf'name="{name}" value="([^"]*)"', tr)
            return html.unescape(found.group(1)) if found else ""

        row = {n: value(n) for n in ("row_key", "row_id", "row_code", "row_price", "row_stock")}
        row["on"] = "1" if re.search(r'name="row_on" value="[^"]*" checked', tr) else ""
        rows.append(row)
    return rows


def _as_form(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    fields = {name: [r[name] for r in rows] for name in rows[0] if name != "on"} if rows else {}
    return fields | {"row_on": [r["row_key"] for r in rows if r["on"]]}


def _skus(factory: Factory, product_id: int) -> list[m.Sku]:
    with Session(factory.engine) as session:
        return list(
            session.exec(
                select(m.Sku).where(m.Sku.product_id == product_id).order_by(col(m.Sku.id))
            )
        )


def _new_product(client: TestClient, shop: m.Shop, category: m.Category) -> int:
    """Build a 2x3 matrix without JavaScript, price each row and save; the new product's id."""
    page = client.get(_url(shop, "/new"), headers=EN)
    token = csrf_from(page.text)
    built = client.post(_url(shop, "/new"), data=_fields(token, category=category, op="build"))
    assert built.status_code == 200
    rows = _rows(built.text)
    assert len(rows) == 6
    for i, row in enumerate(rows):
        row["row_price"] = f"{19 + i}.90"
        row["row_stock"] = str(10 + i)
    saved = client.post(
        _url(shop, "/new"),
        data=_fields(token, category=category, op="save", **_as_form(rows)),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    return int(saved.headers["location"].rsplit("/", 1)[-1])


def test_a_merchant_creates_a_product_with_a_two_by_three_sku_matrix(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    category = factory.category(name="Clothing")
    sign_in(client, owner.email, "secret-pass")
    product_id = _new_product(client, shop, category)

    skus = _skus(factory, product_id)
    assert [s.options for s in skus] == [
        {"Colour": c, "Size": s} for c in ("Red", "Blue") for s in ("S", "M", "L")
    ]
    assert [s.code for s in skus] == [f"{c}-{s}" for c in ("Red", "Blue") for s in ("S", "M", "L")]
    assert [s.price_fen for s in skus] == [1990, 2090, 2190, 2290, 2390, 2490]
    assert [s.stock for s in skus] == [10, 11, 12, 13, 14, 15]
    product = factory.fetch(m.Product, product_id)
    assert (product.title, product.weight_g, product.status) == (
        "Linen shirt",
        250,
        m.ProductStatus.draft,
    )
    events = factory.events("product", product_id)
    assert events[0].name == "product_created"

    edit = client.get(_url(shop, f"/{product_id}"), headers=ZH)
    assert edit.status_code == 200
    assert "编辑商品" in edit.text and "库存记录" in edit.text
    assert len(_rows(edit.text)) == 6
    assert f"/products/{product_id}/images" in edit.text


def test_a_merchant_edits_fields_prices_and_option_values(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    category = factory.category(name="Clothing")
    sign_in(client, owner.email, "secret-pass")
    product_id = _new_product(client, shop, category)
    before = {s.code: s for s in _skus(factory, product_id)}
    with Session(factory.engine, expire_on_commit=False) as session:
        template = m.ShippingTemplate(
            shop_id=shop.id,
            name="Standard",
            first_weight_g=1000,
            first_fee_fen=800,
            additional_weight_g=1000,
            additional_fee_fen=300,
        )
        session.add(template)
        session.commit()

    page = client.get(_url(shop, f"/{product_id}"), headers=EN)
    token = csrf_from(page.text)
    # drop size M, add XL; the Red-S row gets a new price; the others keep their ids
    options = (("Colour", "Red, Blue"), ("Size", "S, L, XL"))
    built = client.post(
        _url(shop, f"/{product_id}"),
        data=_fields(
            token, category=category, options=options, op="build", **_as_form(_rows(page.text))
        ),
    )
    rows = _rows(built.text)
    assert [r["row_code"] for r in rows] == [
        "Red-S",
        "Red-L",
        "Red-XL",
        "Blue-S",
        "Blue-L",
        "Blue-XL",
    ]
    assert rows[0]["row_id"] == str(before["Red-S"].id)
    assert rows[2]["row_id"] == ""
    rows[0]["row_price"] = "9.50"
    for row in rows:
        if not row["row_id"]:
            row["row_price"], row["row_stock"] = "30", "3"
    saved = client.post(
        _url(shop, f"/{product_id}"),
        data=_fields(
            token,
            category=category,
            title="Linen shirt, summer",
            options=options,
            op="save",
            self_pickup="1",
            provinces=["31", "44"],
            shipping_template_id=str(template.id),
            **_as_form(rows),
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text

    after = {s.code: s for s in _skus(factory, product_id)}
    assert set(after) == {"Red-S", "Red-L", "Red-XL", "Blue-S", "Blue-L", "Blue-XL"}
    assert after["Red-S"].id == before["Red-S"].id and after["Red-S"].price_fen == 950
    assert after["Red-S"].stock == before["Red-S"].stock  # stock moves only by adjustments
    assert (after["Red-XL"].price_fen, after["Red-XL"].stock) == (3000, 3)
    product = factory.fetch(m.Product, product_id)
    assert product.title == "Linen shirt, summer"
    assert product.self_pickup is True
    assert product.sellable_provinces == ["31", "44"]
    assert product.shipping_template_id == template.id


def test_bad_input_comes_back_beside_each_field(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)  # an enterprise shop
    category = factory.category(name="Clothing")
    food = factory.category(name="Food", qualifications=["food_licence"])
    sign_in(client, owner.email, "secret-pass")
    page = client.get(_url(shop, "/new"), headers=EN)
    token = csrf_from(page.text)
    assert "needs 食品经营许可证 Food business licence" in page.text

    rows = {
        "row_key": ['[["Size", "S"]]', '[["Size", "M"]]'],
        "row_id": ["", ""],
        "row_code": ["same", "same"],
        "row_price": ["abc", "12.345"],
        "row_stock": ["-1", "4"],
        "row_on": ['[["Size", "S"]]', '[["Size", "M"]]'],
    }
    options = (("Size", "S, M"),)
    sent = client.post(
        _url(shop, "/new"),
        data=_fields(token, category=category, options=options, weight_g="heavy", **rows),
        headers=EN,
    )
    assert sent.status_code == 400
    text = sent.text
    assert text.count("A price in yuan, such as 12.50.") >= 2
    assert 'id="skus-0-price_fen-error"' in text and 'id="skus-1-price_fen-error"' in text
    assert 'id="skus-0-stock-error"' in text
    assert 'id="weight_g-error"' in text
    assert 'aria-invalid="true"' in text

    # pydantic's own rules: a blank title
    rows["row_price"], rows["row_stock"] = ["1", "2"], ["1", "1"]
    sent = client.post(
        _url(shop, "/new"),
        data=_fields(token, category=category, options=options, title="  ", **rows),
        headers=EN,
    )
    assert sent.status_code == 400 and 'id="title-error"' in sent.text

    # the service's rules: the codes repeat, then a category the shop lacks a licence for,
    # then second-hand goods in an enterprise shop
    sent = client.post(
        _url(shop, "/new"), data=_fields(token, category=category, options=options, **rows)
    )
    assert sent.status_code == 400 and 'id="skus-1-code-error"' in sent.text
    rows["row_code"] = ["S", "M"]
    sent = client.post(
        _url(shop, "/new"), data=_fields(token, category=food, options=options, **rows), headers=EN
    )
    assert sent.status_code == 400
    assert "This category needs a qualification the shop does not have yet." in sent.text
    assert 'id="category_id-error"' in sent.text
    sent = client.post(
        _url(shop, "/new"),
        data=_fields(token, category=category, options=options, condition="second_hand", **rows),
        headers=EN,
    )
    assert sent.status_code == 400 and 'id="condition-error"' in sent.text
    sent = client.post(
        _url(shop, "/new"),
        data=_fields(token, category=category, options=options, provinces=["99"], **rows),
        headers=EN,
    )
    assert sent.status_code == 400 and 'id="sellable_provinces-error"' in sent.text
    with Session(factory.engine) as session:
        assert session.exec(select(m.Product).where(m.Product.shop_id == shop.id)).first() is None


def test_search_and_filters_by_status_category_and_low_stock(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    clothing = factory.category(name="Clothing")
    shoes = factory.category(name="Shoes", parent_id=clothing.id)
    books = factory.category(name="Books")
    factory.product(shop, category=shoes, stock=2)  # low at 5, not at 1
    factory.product(shop, category=books, stock=50, listed=False)
    factory.product(shop, category=clothing, stock=0)
    titles = {p.id: p.title for p in _all_products(factory, shop)}
    sign_in(client, owner.email, "secret-pass")

    def shown(query: str) -> set[str]:
        page = client.get(_url(shop) + query, headers=EN)
        assert page.status_code == 200
        return {t for t in titles.values() if f">{t}</a>" in page.text}

    assert shown("") == set(titles.values())
    first, second, third = sorted(titles)
    assert shown("?status=draft") == {titles[second]}
    assert shown(f"?category={clothing.id}") == {titles[first], titles[third]}  # with children
    assert shown(f"?category={shoes.id}") == {titles[first]}
    assert shown("?low=1") == {titles[first], titles[third]}
    assert shown("?low=1&threshold=1") == {titles[third]}
    assert shown(f"?q={titles[second][-3:]}") == {titles[second]}
    assert shown("?q=%25") == set()  # a % is searched for, not a wildcard
    page = client.get(_url(shop) + "?low=1", headers=EN)
    assert "a SKU with at most 5 units" in page.text
    assert "Low: 1 SKU(s)" in page.text
    page = client.get(_url(shop) + "?low=1&threshold=3", headers=ZH)
    assert "3" in page.text and "库存不足" in page.text


def _all_products(factory: Factory, shop: m.Shop) -> list[m.Product]:
    with Session(factory.engine) as session:
        return list(session.exec(select(m.Product).where(m.Product.shop_id == shop.id)))


def test_list_and_delist_from_the_list_and_the_edit_page(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    product, _sku = factory.product(shop, listed=True)
    sign_in(client, owner.email, "secret-pass")
    page = client.get(_url(shop) + "?status=listed", headers=EN)
    token = csrf_from(page.text)
    assert f'id="sale-{product.id}"' in page.text
    back = _url(shop) + "?status=listed"
    sent = client.post(
        _url(shop, f"/{product.id}/delist"),
        data={"csrf_token": token, "back": back},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == back
    assert "Delisted." in client.get(back, headers=EN).text
    assert factory.fetch(m.Product, product.id).status == m.ProductStatus.delisted
    sent = client.post(
        _url(shop, f"/{product.id}/list"),
        data={"csrf_token": token, "back": "https://evil.example/"},
        follow_redirects=False,
    )
    assert sent.headers["location"] == _url(shop, f"/{product.id}")
    assert "Listed." in client.get(sent.headers["location"], headers=EN).text
    assert factory.fetch(m.Product, product.id).status == m.ProductStatus.listed

    draft_shop = factory.shop(owner, open=False)
    draft, _ = factory.product(draft_shop, listed=False)
    sent = client.post(
        _url(draft_shop, f"/{draft.id}/list"), data={"csrf_token": token}, headers=EN
    )
    assert "Open the shop before listing products." in sent.text
    assert factory.fetch(m.Product, draft.id).status == m.ProductStatus.draft


def test_stock_adjustments_need_a_reason_and_show_in_the_history(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    product, sku = factory.product(shop, stock=10)
    sign_in(client, owner.email, "secret-pass")
    url = _url(shop, f"/{product.id}/skus/{sku.id}/inventory")
    token = csrf_from(client.get(_url(shop, f"/{product.id}"), headers=EN).text)

    sent = client.post(
        url,
        data={"csrf_token": token, "delta": "+5", "reason": "restock", "note": "From the supplier"},
        headers=EN,
    )
    assert sent.status_code == 200
    assert "Stock of default is now 15." in sent.text
    assert factory.fetch(m.Sku, sku.id).stock == 15

    for bad in (
        {"delta": "3", "reason": ""},
        {"delta": "x", "reason": "damaged"},
        {"delta": "-16", "reason": "damaged"},
    ):
        sent = client.post(url, data={"csrf_token": token, **bad}, headers=EN)
        assert 'class="flash error"' in sent.text, bad
    assert factory.fetch(m.Sku, sku.id).stock == 15

    client.post(url, data={"csrf_token": token, "delta": "-2", "reason": "damaged"})
    page = client.get(_url(shop, f"/{product.id}"), headers=EN).text
    history = page[page.index("Stock history") :]
    assert history.index("Damaged or lost") < history.index("Restock")
    assert "From the supplier" in history and "-2" in history and "+5" in history
    payloads = [e.payload for e in factory.events("sku", sku.id) if e.name == "inventory_changed"]
    assert [(p["delta"], p["reason"], p.get("note")) for p in payloads] == [
        (5, "restock", "From the supplier"),
        (-2, "damaged", None),
    ]
    zh = client.get(_url(shop, f"/{product.id}"), headers=ZH).text
    assert "补货" in zh and "损坏或丢失" in zh


def test_a_member_without_the_products_area_sees_no_button_and_gets_403(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    product, sku = factory.product(shop)
    category = factory.category()
    clerk = factory.member(shop, areas=["orders"])
    sign_in(client, clerk.email, "secret-pass")
    overview = client.get(f"/console/shops/{shop.id}", headers=EN)
    assert overview.status_code == 200
    assert "/products/new" not in overview.text and f'href="{_url(shop)}"' not in overview.text
    token = csrf_from(client.get("/console", headers=HTML).text)
    assert client.get(_url(shop), headers=HTML).status_code == 403
    assert client.get(_url(shop, "/new"), headers=HTML).status_code == 403
    for path, data in (
        ("/new", _fields(token, category=category)),
        (f"/{product.id}", _fields(token, category=category)),
        (f"/{product.id}/delist", {"csrf_token": token}),
        (
            f"/{product.id}/skus/{sku.id}/inventory",
            {"csrf_token": token, "delta": "1", "reason": "restock"},
        ),
    ):
        assert client.post(_url(shop, path), data=data, headers=HTML).status_code == 403, path
    assert factory.fetch(m.Product, product.id).status == m.ProductStatus.listed
    assert factory.fetch(m.Sku, sku.id).stock == 10


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(out, format="PNG")
    return out.getvalue()


def test_images_are_uploaded_several_moved_and_shown_on_the_edit_page(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    product, _ = factory.product(shop)
    sign_in(client, owner.email, "secret-pass")
    url = _url(shop, f"/{product.id}/images")
    page = client.get(url, headers=EN)
    assert "multiple required" in page.text
    token = re.search(r'data-csrf="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    ids = []
    for n in range(3):
        sent = client.post(
            url,
            content=_png((n, n, n)),
            headers={"X-CSRF-Token": token, "Accept": "application/json"},
        )
        assert sent.status_code == 201, sent.text
        ids.append(sent.json()["id"])
    form_token = csrf_from(client.get(url, headers=EN).text)
    moved = client.post(
        f"{url}/{ids[2]}/move",
        data={"csrf_token": form_token, "direction": "up"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    client.post(
        f"{url}/{ids[0]}/move", data={"csrf_token": form_token, "direction": "up"}
    )  # first: stays
    api = client.get(
        f"/api/v1/shops/{shop.id}/products/{product.id}", headers=factory.headers(owner)
    )
    assert [i["id"] for i in api.json()["images"]] == [ids[0], ids[2], ids[1]]
    edit = client.get(_url(shop, f"/{product.id}"), headers=EN).text
    assert edit.count('<img src="') == 3 and "Upload, reorder, choose main" in edit


def test_the_pages_of_a_filtered_list_keep_the_filters(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    category = factory.category(name="Tea")
    for _ in range(21):
        factory.product(shop, category=category, stock=1)
    factory.product(shop, category=category, stock=1, listed=False)
    sign_in(client, owner.email, "secret-pass")
    page = client.get(_url(shop) + "?status=listed&low=1", headers=EN).text
    assert "(21)" in page
    assert 'href="?status=listed&amp;low=1&amp;page=2"' in page
    second = client.get(_url(shop) + "?status=listed&low=1&page=2", headers=EN).text
    assert second.count("<tr>") == 2  # the header and the one product left


def test_unticked_combinations_are_not_sold_and_a_sparse_product_keeps_its_skus(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    category = factory.category(name="Clothing")
    body = {
        "category_id": category.id,
        "title": "Sparse shirt",
        "skus": [
            {"code": "RS", "options": {"Colour": "Red", "Size": "S"}, "price_fen": 100},
            {"code": "BM", "options": {"Colour": "Blue", "Size": "M"}, "price_fen": 200},
        ],
    }
    made = client.post(
        f"/api/v1/shops/{shop.id}/products", json=body, headers=factory.headers(owner)
    )
    product_id = made.json()["id"]
    sign_in(client, owner.email, "secret-pass")
    page = client.get(_url(shop, f"/{product_id}"), headers=EN).text
    rows = _rows(page)
    assert [(r["row_code"], r["on"]) for r in rows] == [
        ("RS", "1"),
        ("Red-M", ""),
        ("Blue-S", ""),
        ("BM", "1"),
    ]
    token = csrf_from(page)
    options = (("Colour", "Red, Blue"), ("Size", "S, M"))

    def save(rows: list[dict[str, str]]) -> Any:
        return client.post(
            _url(shop, f"/{product_id}"),
            data=_fields(token, category=category, options=options, **_as_form(rows)),
            headers=EN,
            follow_redirects=False,
        )

    assert save(rows).status_code == 303  # unchanged: the two unticked rows stay unsold
    assert sorted(s.code for s in _skus(factory, product_id)) == ["BM", "RS"]

    rows[0]["on"] = ""  # stop selling RS
    rows[3]["row_price"] = "oops"
    refused = save(rows)
    assert refused.status_code == 400
    assert 'id="skus-3-price_fen-error"' in refused.text  # the form's own row, not the 1st sent
    rows[3]["row_price"] = "2.50"
    assert save(rows).status_code == 303
    assert [(s.code, s.price_fen) for s in _skus(factory, product_id)] == [("BM", 250)]

    rows[3]["on"] = ""
    nothing = save(rows)
    assert nothing.status_code == 400 and "Tick at least one row to sell." in nothing.text
