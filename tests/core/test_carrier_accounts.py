"""Carrier accounts and e-waybills: sealed secrets with key rotation, verify on bind,
issuing once per order, per-order failures, and a secret that never leaves the kernel."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.crypto import SecretBox
from core.errors import InvalidState
from core.services import carrier_accounts as svc
from tests.carriers.memory import ACCOUNT_NO, CODE, SECRET, MemoryCarrier, memory_carrier
from tests.conftest import Factory

__all__ = ["memory_carrier"]

SENDER = {
    "name": "摊子好物发货组",
    "phone": "0571-88886666",
    "province": "浙江省",
    "city": "杭州市",
    "district": "余杭区",
    "street": "文一西路 969 号",
}


# --- sealing ---------------------------------------------------------------------------


def test_box_seals_and_opens_and_tokens_differ() -> None:
    box = SecretBox("key-one")
    first, second = box.seal(SECRET), box.seal(SECRET)
    assert first != second and SECRET not in first
    assert box.open(first) == SECRET == box.open(second)


def test_old_ciphertexts_open_after_the_key_rotates() -> None:
    old = SecretBox("key-one").seal(SECRET)
    rotated = SecretBox("key-two", previous=["key-one"])
    assert rotated.open(old) == SECRET
    resealed = rotated.rotate(old)
    assert SecretBox("key-two").open(resealed) == SECRET
    with pytest.raises(InvalidState):
        SecretBox("key-one").open(resealed)
    with pytest.raises(InvalidState):
        SecretBox("key-two").open(old)  # the old key dropped: refused, not garbage


def test_a_foreign_fernet_token_is_refused() -> None:
    token = Fernet(Fernet.generate_key()).encrypt(b"x").decode()
    with pytest.raises(InvalidState):
        SecretBox("key-one").open(token)


def test_rotate_secrets_reseals_stored_accounts(
    engine: Engine, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    shop = factory.shop()
    with Session(engine) as session:
        row = svc.bind_account(
            session, shop_id=shop.id or 0, carrier_code=CODE, account_no=ACCOUNT_NO, secret=SECRET
        )
        session.commit()
        account_id = row.id
    new_box = SecretBox("rotated-key", previous=["test-secret-key"])
    with Session(engine) as session:
        assert svc.rotate_secrets(session, new_box) == 1
        session.commit()
    with Session(engine) as session:
        row = session.get(m.CarrierAccount, account_id)
        assert row is not None
        creds = svc.credentials(row, SecretBox("rotated-key"))
        assert (creds.account_no, creds.secret) == (ACCOUNT_NO, SECRET)


# --- binding ---------------------------------------------------------------------------


def _owner_headers(factory: Factory) -> tuple[int, dict[str, str]]:
    owner = factory.account()
    shop = factory.shop(owner)
    return shop.id or 0, factory.headers(owner)


def test_bind_verifies_stores_sealed_and_shows_masked(
    client: TestClient, engine: Engine, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    shop_id, headers = _owner_headers(factory)
    answer = client.post(
        f"/api/v1/shops/{shop_id}/carrier-accounts",
        json={
            "carrier_code": CODE.lower(),
            "account_no": ACCOUNT_NO,
            "secret": SECRET,
            "branch": "杭州余杭网点",
            "sender": SENDER,
        },
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["account_no_masked"] == "************8841"
    assert body["carrier_code"] == CODE and body["sender"]["city"] == "杭州市"
    assert SECRET not in answer.text and ACCOUNT_NO not in answer.text
    assert memory_carrier.seen_secrets == [SECRET]  # verified with the carrier
    with Session(engine) as session:
        row = session.exec(select(m.CarrierAccount)).one()
        assert SECRET not in row.secret_sealed and ACCOUNT_NO not in row.account_no_sealed
        assert SecretBox("test-secret-key").open(row.secret_sealed) == SECRET
    listed = client.get(f"/api/v1/shops/{shop_id}/carrier-accounts", headers=headers)
    assert [a["id"] for a in listed.json()] == [body["id"]]
    assert SECRET not in listed.text and ACCOUNT_NO not in listed.text


def test_bind_refused_by_the_carrier_stores_nothing(
    client: TestClient, engine: Engine, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    shop_id, headers = _owner_headers(factory)
    answer = client.post(
        f"/api/v1/shops/{shop_id}/carrier-accounts",
        json={"carrier_code": CODE, "account_no": ACCOUNT_NO, "secret": "wrong-secret"},
        headers=headers,
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == "carrier_refused"
    assert "wrong-secret" not in answer.text
    assert [e["field"] for e in problem["errors"]] == ["body.account_no"]
    memory_carrier.down = True
    down = client.post(
        f"/api/v1/shops/{shop_id}/carrier-accounts",
        json={"carrier_code": CODE, "account_no": ACCOUNT_NO, "secret": SECRET},
        headers=headers,
    )
    assert down.status_code == 409 and down.json()["code"] == "carrier_unavailable"
    with Session(engine) as session:
        assert session.exec(select(m.CarrierAccount)).all() == []


def test_bind_a_carrier_without_ewaybills_is_refused(
    client: TestClient, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    shop_id, headers = _owner_headers(factory)
    answer = client.post(
        f"/api/v1/shops/{shop_id}/carrier-accounts",
        json={"carrier_code": "SF", "account_no": "x", "secret": "y"},
        headers=headers,
    )
    assert answer.status_code == 422 and answer.json()["code"] == "no_ewaybill"


def test_unbinding_keeps_history_readable(
    client: TestClient, engine: Engine, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    headers = factory.headers(owner)
    order, _ = factory.order(shop)
    with Session(engine) as session:
        account = svc.bind_account(
            session,
            shop_id=shop.id or 0,
            carrier_code=CODE,
            account_no=ACCOUNT_NO,
            secret=SECRET,
            sender=svc.Address.model_validate(SENDER),
        )
        session.commit()
        account_id = account.id or 0
    base = f"/api/v1/shops/{shop.id}"
    issued = client.post(
        f"{base}/carrier-accounts/{account_id}/waybills",
        json={"order_ids": [order.id]},
        headers=headers,
    )
    assert issued.status_code == 200, issued.text
    gone = client.delete(f"{base}/carrier-accounts/{account_id}", headers=headers)
    assert gone.status_code == 200 and gone.json()["status"] == "unbound"
    assert client.get(f"{base}/carrier-accounts", headers=headers).json() == []
    every = client.get(f"{base}/carrier-accounts?include_unbound=true", headers=headers).json()
    assert [(a["id"], a["status"]) for a in every] == [(account_id, "unbound")]
    history = client.get(f"{base}/orders/{order.id}/waybills", headers=headers).json()
    assert [w["waybill_no"] for w in history] == [issued.json()[0]["waybill"]["waybill_no"]]
    again = client.post(
        f"{base}/carrier-accounts/{account_id}/waybills",
        json={"order_ids": [order.id]},
        headers=headers,
    )
    assert again.status_code == 404


# --- issuing ---------------------------------------------------------------------------


def _bound(engine: Engine, shop_id: int) -> int:
    with Session(engine) as session:
        row = svc.bind_account(
            session,
            shop_id=shop_id,
            carrier_code=CODE,
            account_no=ACCOUNT_NO,
            secret=SECRET,
            sender=svc.Address.model_validate(SENDER),
        )
        session.commit()
        return row.id or 0


def _issue(
    engine: Engine, shop_id: int, account_id: int, order_ids: list[int]
) -> list[svc.IssueItem]:
    with Session(engine, expire_on_commit=False) as session:
        items = svc.issue_waybills(
            session, shop_id=shop_id, account_id=account_id, order_ids=order_ids
        )
        session.commit()
        return items


def test_issuing_is_once_per_order(
    engine: Engine, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    shop = factory.shop()
    account_id = _bound(engine, shop.id or 0)
    orders = [factory.order(shop)[0].id or 0 for _ in range(3)]
    first = _issue(engine, shop.id or 0, account_id, orders)
    numbers = [i.waybill.waybill_no for i in first if i.waybill]
    assert len(set(numbers)) == 3 and not any(i.reused for i in first)
    second = _issue(engine, shop.id or 0, account_id, [orders[1], orders[0], orders[1]])
    assert [i.waybill.waybill_no for i in second if i.waybill] == [
        numbers[1],
        numbers[0],
        numbers[1],
    ]
    assert all(i.reused for i in second)
    assert len(memory_carrier.asked) == 3  # the carrier was never asked again
    with Session(engine) as session:
        assert len(session.exec(select(m.Waybill)).all()) == 3


def test_a_lost_answer_is_healed_by_the_idempotency_key(
    engine: Engine, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    """The carrier issued, but the kernel crashed before recording: asking again returns
    the same number, not a second one."""
    shop = factory.shop()
    account_id = _bound(engine, shop.id or 0)
    order_id = factory.order(shop)[0].id or 0
    with Session(engine) as session:
        lost = svc.issue_waybills(
            session, shop_id=shop.id or 0, account_id=account_id, order_ids=[order_id]
        )
        number = lost[0].waybill.waybill_no if lost[0].waybill else ""
        session.rollback()  # the crash: nothing recorded
    again = _issue(engine, shop.id or 0, account_id, [order_id])
    assert again[0].waybill is not None and again[0].waybill.waybill_no == number
    assert len(memory_carrier.issued) == 1


def test_carrier_failures_are_reported_per_order(
    engine: Engine, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    shop = factory.shop()
    account_id = _bound(engine, shop.id or 0)
    good, bad = factory.order(shop)[0].id or 0, factory.order(shop)[0].id or 0
    unpaid = factory.order(shop, status=m.OrderStatus.pending_payment)[0].id or 0
    memory_carrier.refuse_orders.add(bad)
    items = _issue(engine, shop.id or 0, account_id, [good, bad, unpaid, 999_999])
    assert items[0].waybill is not None and items[0].problem is None
    assert [i.problem.field if i.problem else None for i in items] == [
        None,
        "order_ids[1]",
        "order_ids[2]",
        "order_ids[3]",
    ]
    assert items[1].problem and "address not served" in items[1].problem.message
    assert all(i.waybill is None for i in items[1:])
    memory_carrier.down = True
    down = _issue(engine, shop.id or 0, account_id, [factory.order(shop)[0].id or 0])
    assert down[0].waybill is None and down[0].problem is not None


def test_cancel_recycles_and_the_next_issue_gets_a_new_number(
    engine: Engine, factory: Factory, memory_carrier: MemoryCarrier
) -> None:
    shop = factory.shop()
    account_id = _bound(engine, shop.id or 0)
    order_id = factory.order(shop)[0].id or 0
    first = _issue(engine, shop.id or 0, account_id, [order_id])[0].waybill
    assert first is not None
    with Session(engine) as session:
        row = svc.cancel_waybill(session, shop_id=shop.id or 0, waybill_id=first.id or 0)
        assert row.status == "cancelled"
        session.commit()
    assert memory_carrier.cancelled == [first.waybill_no]
    second = _issue(engine, shop.id or 0, account_id, [order_id])[0]
    assert second.waybill is not None and second.waybill.waybill_no != first.waybill_no
    assert not second.reused


def test_the_secret_is_in_no_response_or_log_line(
    client: TestClient,
    engine: Engine,
    factory: Factory,
    memory_carrier: MemoryCarrier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    owner = factory.account()
    shop = factory.shop(owner)
    headers = factory.headers(owner)
    order, _ = factory.order(shop)
    base = f"/api/v1/shops/{shop.id}"
    texts = []
    bound = client.post(
        f"{base}/carrier-accounts",
        json={"carrier_code": CODE, "account_no": ACCOUNT_NO, "secret": SECRET, "sender": SENDER},
        headers=headers,
    )
    texts.append(bound.text)
    account_id = bound.json()["id"]
    issued = client.post(
        f"{base}/carrier-accounts/{account_id}/waybills",
        json={"order_ids": [order.id]},
        headers=headers,
    )
    texts.append(issued.text)
    waybill_id = issued.json()[0]["waybill"]["id"]
    texts.append(client.get(f"{base}/carrier-accounts", headers=headers).text)
    texts.append(client.get(f"{base}/orders/{order.id}/waybills", headers=headers).text)
    texts.append(client.post(f"{base}/waybills/{waybill_id}/cancel", headers=headers).text)
    texts.append(client.delete(f"{base}/carrier-accounts/{account_id}", headers=headers).text)
    texts.append(client.get("/api/v1/openapi.json").text)
    texts.append(caplog.text)
    texts.extend(repr(r.__dict__) for r in caplog.records)
    with Session(engine) as session:
        texts.extend(repr(e.model_dump()) for e in session.exec(select(m.OutboxEvent)))
        texts.extend(repr(j.model_dump()) for j in session.exec(select(m.Job)))
        texts.extend(repr(w.model_dump()) for w in session.exec(select(m.Waybill)))
    assert memory_carrier.seen_secrets  # the carrier did get it
    for text in texts:
        assert SECRET not in text
        assert ACCOUNT_NO not in text
