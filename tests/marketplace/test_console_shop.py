"""The console's shop pages: opening with a live checklist, per-field check-digit errors,
settings (name, description, details, icon), and owner-only opening and closing."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from PIL import Image

import core.models as m
from tests.conftest import Factory
from tests.webtools import HTML, csrf_from, sign_in

VALID_ID = "11010119900307109X"
WRONG_CHECK_ID = "110101199003071091"  # the right pattern, the wrong check digit
VALID_USCC = "91310000MA1FL0000N"
WRONG_CHECK_USCC = "91310000MA1FL00001"


def _signed_in(client: TestClient, account: m.Account) -> TestClient:
    sign_in(client, account.email, "secret-pass")
    return client


def _token(client: TestClient, page: str = "/console") -> str:
    return csrf_from(client.get(page, headers=HTML).text)


def _post(client: TestClient, page: str, url: str, data: dict[str, str], **headers: str) -> object:
    token = _token(client, page)
    return client.post(
        url,
        data={**data, "csrf_token": token},
        headers={**HTML, **headers},
        follow_redirects=False,
    )


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


# -- opening: the checklist and per-field errors -------------------------------------------


def test_the_checklist_says_what_opening_still_needs_as_details_are_typed(
    client: TestClient, factory: Factory
) -> None:
    _signed_in(client, factory.account())
    page = client.get("/console", headers=HTML).text
    assert 'class="opening-checklist"' in page and 'data-url="/console/shops/checklist"' in page
    token = csrf_from(page)
    ask = lambda data, lang="en": client.post(  # noqa: E731
        "/console/shops/checklist",
        data=data,
        headers={"X-CSRF-Token": token, "Accept-Language": lang},
    ).json()

    empty = ask({"type": "personal"})
    assert [(i["field"], i["done"]) for i in empty["items"]] == [
        ("id_card_name", False),
        ("id_card_number", False),
    ]
    assert empty["ready"] is False
    done = ask({"type": "personal", "id_card_name": "Li Lei", "id_card_number": VALID_ID})
    assert done["ready"] is True and all(i["done"] for i in done["items"])

    wrong = ask({"type": "personal", "id_card_name": "Li Lei", "id_card_number": WRONG_CHECK_ID})
    number = next(i for i in wrong["items"] if i["field"] == "id_card_number")
    assert number["done"] is False and "check digit" in number["message"]
    chinese = ask({"type": "personal", "id_card_number": WRONG_CHECK_ID}, "zh-CN")
    assert (
        "校验码" in next(i for i in chinese["items"] if i["field"] == "id_card_number")["message"]
    )

    business = ask({"type": "enterprise", "licence_number": VALID_USCC, "operator_name": "Wang"})
    assert [i["field"] for i in business["items"] if not i["done"]] == [
        "settlement_account",
        "settlement_bank",
    ]
    assert client.post("/console/shops/checklist", data={"type": "personal"}).status_code == 403


def test_each_malformed_detail_gets_its_own_message_with_the_check_digit_named(
    client: TestClient, factory: Factory
) -> None:
    _signed_in(client, factory.account())
    response = _post(
        client,
        "/console",
        "/console/shops",
        {
            "type": "enterprise",
            "name": "Big Co",
            "licence_number": WRONG_CHECK_USCC,
            "operator_name": "Wang",
            "settlement_account": "12ab",
            "settlement_bank": "ICBC",
        },
    )
    assert response.status_code == 400  # type: ignore[attr-defined]
    page = response.text  # type: ignore[attr-defined]
    licence = re.search(r'id="licence_number-error">([^<]+)<', page)
    account = re.search(r'id="settlement_account-error">([^<]+)<', page)
    assert licence and "check character" in licence.group(1)
    assert account and "8 to 40 digits" in account.group(1)
    assert f'value="{WRONG_CHECK_USCC}"' in page  # what was typed comes back


def test_a_member_with_the_data_area_cannot_open_a_draft_only_the_owner_can(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner, type=m.ShopType.personal, open=False)
    clerk = factory.member(shop, areas=["data"])
    _signed_in(client, clerk)
    settings_page = client.get(f"/console/shops/{shop.id}/settings", headers=HTML).text
    assert "owner can open it." in settings_page
    assert f'action="/console/shops/{shop.id}/open"' not in settings_page
    refused = _post(client, "/console", f"/console/shops/{shop.id}/open", {})
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert factory.fetch(m.Shop, shop.id).status == m.ShopStatus.draft

    client.cookies.clear()
    _signed_in(client, owner)
    opened = _post(client, "/console", f"/console/shops/{shop.id}/open", {})
    assert opened.status_code == 303  # type: ignore[attr-defined]
    assert factory.fetch(m.Shop, shop.id).status == m.ShopStatus.open


# -- settings ------------------------------------------------------------------------------


def test_the_owner_edits_name_description_and_details_with_errors_per_field(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner, type=m.ShopType.personal, name="Old name")
    _signed_in(client, owner)
    url = f"/console/shops/{shop.id}/settings"
    page = client.get(url, headers=HTML).text
    assert f'href="{url}" aria-current="page"' in page
    assert "saved: **************0003" in page  # the ID number only by its last digits

    bad = _post(
        client, url, url, {"name": "New", "description": "", "id_card_number": WRONG_CHECK_ID}
    )
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert re.search(r'id="id_card_number-error">[^<]*check digit', bad.text)  # type: ignore[attr-defined]
    assert factory.fetch(m.Shop, shop.id).name == "Old name"

    good = _post(
        client,
        url,
        url,
        {"name": "New name", "description": "Tea and cakes", "id_card_number": VALID_ID},
    )
    assert good.status_code == 303  # type: ignore[attr-defined]
    saved = factory.fetch(m.Shop, shop.id)
    assert (saved.name, saved.description, saved.id_card_number) == (
        "New name",
        "Tea and cakes",
        VALID_ID,
    )
    assert saved.id_card_name == "Owner"  # left blank: kept


def test_the_icon_is_uploaded_shown_refused_when_not_an_image_and_removed(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    _signed_in(client, owner)
    url = f"/console/shops/{shop.id}/settings"
    page = client.get(url, headers=HTML).text
    assert "This shop has no icon yet." in page
    token = re.search(r'id="icon-upload"[^>]*data-csrf="([^"]+)"', page)
    assert token
    headers = {"X-CSRF-Token": token.group(1), "Accept": "application/json"}

    assert (
        client.post(
            url + "/icon", content=_png(), headers={"Accept": "application/json"}
        ).status_code
        == 403
    )
    sent = client.post(url + "/icon", content=_png(), headers=headers)
    assert sent.status_code == 201, sent.text
    icon = sent.json()
    assert icon["width"] == 64 and icon["thumbnail_url"]
    assert f'src="{icon["thumbnail_url"]}"' in client.get(url, headers=HTML).text
    assert client.get(icon["url"]).content[:8] == b"\x89PNG\r\n\x1a\n"
    api = client.get(f"/api/v1/shops/{shop.id}/icon", headers=factory.headers(owner)).json()
    assert api["url"] == icon["url"]

    refused = client.post(
        url + "/icon",
        content=b"<html><script>alert(1)</script></html>",
        headers={**headers, "Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 415
    assert refused.json()["code"] == "unsupported_file_type" and "JPEG" in refused.json()["message"]

    removed = _post(client, url, url + "/icon/delete", {})
    assert removed.status_code == 303  # type: ignore[attr-defined]
    assert "This shop has no icon yet." in client.get(url, headers=HTML).text


def test_a_member_without_the_data_area_sees_no_settings_form_and_gets_403(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop(name="Kept name")
    clerk = factory.member(shop, areas=["orders"])
    _signed_in(client, clerk)
    url = f"/console/shops/{shop.id}/settings"
    page = client.get(url, headers=HTML)
    assert page.status_code == 200
    assert f'action="{url}"' not in page.text and 'id="icon-upload"' not in page.text
    assert "Close the shop" not in page.text
    refused = _post(client, url, url, {"name": "Taken over"})
    assert refused.status_code == 403  # type: ignore[attr-defined]
    token = csrf_from(page.text)
    icon = client.post(url + "/icon", content=_png(), headers={"X-CSRF-Token": token})
    assert icon.status_code == 403
    assert factory.fetch(m.Shop, shop.id).name == "Kept name"


def test_only_the_owner_closes_the_shop_after_typing_its_name(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner, name="Corner")
    manager = factory.member(shop, areas=["data", "members", "products", "orders"])
    url = f"/console/shops/{shop.id}/settings"

    _signed_in(client, manager)
    assert "Close the shop" not in client.get(url, headers=HTML).text
    assert _post(client, url, url + "/close", {"confirm_name": "Corner"}).status_code == 403  # type: ignore[attr-defined]

    client.cookies.clear()
    _signed_in(client, owner)
    wrong = _post(client, url, url + "/close", {"confirm_name": "corner?"})
    assert wrong.status_code == 400  # type: ignore[attr-defined]
    assert "Type the shop&#39;s name exactly" in wrong.text  # type: ignore[attr-defined]
    assert factory.fetch(m.Shop, shop.id).status == m.ShopStatus.open
    closed = _post(client, url, url + "/close", {"confirm_name": "Corner"})
    assert closed.status_code == 303  # type: ignore[attr-defined]
    assert factory.fetch(m.Shop, shop.id).status == m.ShopStatus.closed


def test_the_settings_page_speaks_chinese(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    _signed_in(client, owner)
    page = client.get(
        f"/console/shops/{shop.id}/settings", headers={**HTML, "Accept-Language": "zh-CN"}
    ).text
    assert "店铺设置" in page and "店铺图标" in page and "成员与角色" in page


def test_a_draft_overview_sends_the_owner_to_the_settings_to_finish(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner, type=m.ShopType.individual, open=False)  # no settlement bank
    _signed_in(client, owner)
    overview = client.get(f"/console/shops/{shop.id}", headers=HTML).text
    assert "Settlement bank" in overview
    assert f'href="/console/shops/{shop.id}/settings"' in overview
    settings_page = client.get(f"/console/shops/{shop.id}/settings", headers=HTML).text
    assert re.search(r'class="todo"><span class="state badge draft">Still needed', settings_page)
