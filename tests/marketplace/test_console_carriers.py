"""The console's carrier accounts page: bind (verified with the carrier), masked cards,
the secret never on a page, a refusal shown at its field, unbinding kept in history."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

import core.models as m
from tests.carriers.memory import ACCOUNT_NO, CODE, SECRET, MemoryCarrier, memory_carrier
from tests.conftest import Factory
from tests.webtools import HTML, csrf_from, sign_in

__all__ = ["memory_carrier"]


def _bind(client: TestClient, page: str, **data: str) -> object:
    token = csrf_from(client.get(page, headers=HTML).text)
    form = {
        "carrier_code": CODE,
        "account_no": ACCOUNT_NO,
        "secret": SECRET,
        "branch": "杭州余杭网点",
        "sender_name": "摊子好物发货组",
        "sender_phone": "0571-88886666",
        "sender_address": "浙江省杭州市余杭区文一西路 969 号",
        "csrf_token": token,
    } | data
    return client.post(page, data=form, headers=HTML, follow_redirects=False)


def test_bind_show_masked_and_unbind(
    client: TestClient, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    page = f"/console/shops/{shop.id}/carriers"
    empty = client.get(page, headers=HTML)
    assert empty.status_code == 200 and "Carrier accounts" in empty.text
    assert f'href="/console/shops/{shop.id}/carriers" aria-current="page"' in empty.text

    refused = _bind(client, page, secret="wrong")
    assert refused.status_code == 400
    assert "The carrier refused this account number or secret." in refused.text
    assert 'value="wrong"' not in refused.text  # the secret is never filled back in

    bound = _bind(client, page)
    assert bound.status_code == 303
    shown = client.get(page, headers=HTML).text
    assert "************8841" in shown and "杭州余杭网点" in shown
    assert SECRET not in shown and ACCOUNT_NO not in shown
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        row = session.exec(select(m.CarrierAccount)).one()
    token = csrf_from(shown)
    gone = client.post(
        f"{page}/{row.id}/unbind", data={"csrf_token": token}, headers=HTML, follow_redirects=False
    )
    assert gone.status_code == 303
    after = client.get(page, headers=HTML).text
    assert "No carrier account bound yet." in after and "Unbound accounts" in after


def test_a_member_without_shop_write_cannot_bind(
    client: TestClient, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    owner, clerk = factory.account(), factory.account()
    shop = factory.shop(owner)
    factory.member(shop, clerk, areas=["logistics"])
    sign_in(client, clerk.email, "secret-pass")
    page = client.get(f"/console/shops/{shop.id}/carriers", headers=HTML)
    assert page.status_code == 200 and "Bind an account" not in page.text
    answer = client.post(
        f"/console/shops/{shop.id}/carriers",
        data={
            "carrier_code": CODE,
            "account_no": ACCOUNT_NO,
            "secret": SECRET,
            "sender_name": "x",
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert answer.status_code == 403
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        assert session.exec(select(m.CarrierAccount)).all() == []
