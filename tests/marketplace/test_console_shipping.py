"""The console's shipping page: fee templates created, edited, refused per field and
deleted through the kernel service; the unpaid-order timeout saved; the logistics area
guarded as in the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, select

import core.models as m
from tests.conftest import Factory
from tests.webtools import HTML, csrf_from, sign_in


def _post(client: TestClient, url: str, page: str, data: dict[str, object]) -> Response:
    token = csrf_from(client.get(page, headers=HTML).text)
    return client.post(
        url, data={"csrf_token": token, **data}, headers=HTML, follow_redirects=False
    )


def _templates(client: TestClient) -> list[m.ShippingTemplate]:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        return list(session.exec(select(m.ShippingTemplate)).all())


FORM: dict[str, object] = {
    "name": "江浙沪包邮外",
    "first_weight_g": "1000",
    "first_fee": "8",
    "additional_weight_g": "500",
    "additional_fee": "2.50",
    "province_code": ["65", "", ""],
    "province_first_fee": ["20", "", ""],
    "province_additional_fee": ["10", "", ""],
}


def test_create_edit_and_delete_a_template(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    page = f"/console/shops/{shop.id}/shipping"
    empty = client.get(page, headers=HTML)
    assert empty.status_code == 200 and "No shipping templates yet." in empty.text
    assert f'href="{page}" aria-current="page"' in empty.text

    assert _post(client, page, page, FORM).status_code == 303
    (row,) = _templates(client)
    assert (row.first_fee_fen, row.additional_weight_g, row.additional_fee_fen) == (800, 500, 250)
    assert row.province_fees == [
        {"province_code": "65", "first_fee_fen": 2000, "additional_fee_fen": 1000}
    ]
    shown = client.get(page, headers=HTML).text
    assert "江浙沪包邮外" in shown and "新疆" in shown

    edited = FORM | {
        "name": "全国",
        "first_fee": "10",
        "province_code": ["65", "54", ""],
        "province_first_fee": ["20", "25", ""],
        "province_additional_fee": ["10", "", ""],
    }
    assert _post(client, f"{page}/{row.id}", page, edited).status_code == 303
    (row,) = _templates(client)
    assert row.name == "全国" and row.first_fee_fen == 1000
    assert [r["province_code"] for r in row.province_fees] == ["65", "54"]
    assert row.province_fees[1]["additional_fee_fen"] == 0

    gone = _post(client, f"{page}/{row.id}/delete", page, {})
    assert gone.status_code == 303 and _templates(client) == []


def test_bad_input_is_shown_at_its_field(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    page = f"/console/shops/{shop.id}/shipping"
    cases: dict[str, tuple[dict[str, object], str]] = {
        "name": ({"name": ""}, "Give the template a name"),
        "first_weight_g": ({"first_weight_g": "0"}, "Whole grams from 1"),
        "first_fee": ({"first_fee": "abc"}, "An amount in yuan"),
        "additional_fee": ({"additional_fee": "20000"}, "An amount in yuan"),
        "province_code": ({"province_code": ["99", "", ""]}, "Choose each province once"),
        "province_fees": ({"province_first_fee": ["1.234", "", ""]}, "An amount in yuan"),
    }
    for field, (change, message) in cases.items():
        answer = _post(client, page, page, FORM | change)
        assert answer.status_code == 400, field
        assert f'id="new-{field}-error"' in answer.text and message in answer.text, field
    twice = FORM | {"province_code": ["65", "65", ""], "province_first_fee": ["1", "2", ""]}
    answer = _post(client, page, page, twice)
    assert answer.status_code == 400 and 'id="new-province_code-error"' in answer.text
    assert _templates(client) == []


def test_a_template_in_use_is_not_deleted(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    page = f"/console/shops/{shop.id}/shipping"
    _post(client, page, page, FORM)
    (row,) = _templates(client)
    product = factory.product(shop)[0]
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        stored = session.get(m.Product, product.id)
        assert stored is not None
        stored.shipping_template_id = row.id
        session.add(stored)
        session.commit()
    refused = _post(client, f"{page}/{row.id}/delete", page, {})
    assert refused.status_code == 303
    assert "Products still use 江浙沪包邮外" in client.get(page, headers=HTML).text
    assert len(_templates(client)) == 1


def test_the_unpaid_timeout_is_saved(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner, settlement_bank="招商银行杭州分行")
    sign_in(client, owner.email, "secret-pass")
    page = f"/console/shops/{shop.id}/shipping"
    assert (
        'name="unpaid_cancel_minutes" inputmode="numeric" value="30"'
        in client.get(page, headers=HTML).text
    )
    saved = _post(client, f"{page}/timeout", page, {"unpaid_cancel_minutes": "45"})
    assert saved.status_code == 303
    refused = _post(client, f"{page}/timeout", page, {"unpaid_cancel_minutes": "0"})
    assert refused.status_code == 400
    assert 'id="timeout-unpaid_cancel_minutes-error"' in refused.text
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        assert session.get(m.Shop, shop.id).unpaid_cancel_minutes == 45  # type: ignore[union-attr]


def test_members_without_the_area_get_no_buttons_and_403(
    client: TestClient, factory: Factory
) -> None:
    owner, packer, clerk = factory.account(), factory.account(), factory.account()
    shop = factory.shop(owner)
    factory.member(shop, packer, areas=["logistics"])
    factory.member(shop, clerk, areas=["products"])
    page = f"/console/shops/{shop.id}/shipping"

    sign_in(client, clerk.email, "secret-pass")
    assert client.get(page, headers=HTML).status_code == 403
    overview = client.get(f"/console/shops/{shop.id}", headers=HTML).text
    assert f'href="{page}"' not in overview
    token = csrf_from(overview)
    answer = client.post(
        page, data={"csrf_token": token, **FORM}, headers=HTML, follow_redirects=False
    )
    assert answer.status_code == 403 and _templates(client) == []

    client.cookies.clear()
    sign_in(client, packer.email, "secret-pass")
    shown = client.get(page, headers=HTML)
    assert shown.status_code == 200 and "Add a shipping template" in shown.text
    assert 'name="unpaid_cancel_minutes"' not in shown.text  # the timeout is the data area's
    timeout = _post(client, f"{page}/timeout", page, {"unpaid_cancel_minutes": "45"})
    assert timeout.status_code == 403
