"""The 交易保障 result in the pages: the 保 badge appears on the storefront, its products and
the platform search (ranked first) with a certified result and disappears with a failing
one; the merchant reads why and what to fix; admins set the criteria and restrict a listing,
whose install a shop without the guarantee is refused with the reason.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

import core.models as m
from core.jobs import schedules
from core.models.base import utcnow
from core.security import hash_password
from core.services import guarantee
from core.services.guarantee_cycles import cycle, cycle_number
from tests.conftest import Factory
from tests.guarantee.dataset import CRITERIA, seed_cycle
from tests.oauth.test_plugin_consent import PLUGIN, _listing
from tests.webtools import HTML, csrf_from, sign_in

BADGE = 'class="guarantee-badge"'
NAMES = {"good": "Longjing Tea House", "few": "Longjing Tea Corner"}


def _criteria(engine: Engine) -> None:
    with Session(engine) as session:
        admin = m.Account(email="criteria-admin@example.com", name="Admin", is_admin=True)
        session.add(admin)
        session.flush()
        assert admin.id is not None
        guarantee.update_criteria(session, admin_id=admin.id, values=CRITERIA)
        session.commit()


def _product(engine: Engine, factory: Factory, shop_id: int, title: str) -> int:
    category = factory.category(name=f"Tea {shop_id}")
    with Session(engine, expire_on_commit=False) as session:
        product = m.Product(
            shop_id=shop_id, category_id=category.id, title=title, status=m.ProductStatus.listed
        )
        session.add(product)
        session.flush()
        session.add(m.Sku(product_id=product.id, shop_id=shop_id, code="d", price_fen=990, stock=5))
        session.commit()
        assert product.id is not None
        return product.id


def _two_cycles(engine: Engine, factory: Factory) -> tuple[int, int]:
    """Shop A certified last cycle and failing this one; shop B the other way round."""
    _criteria(engine)
    now = cycle_number(utcnow())
    last = seed_cycle(engine, now - 1, names=NAMES)
    a, b = last["good"], last["few"]
    assert schedules.assess_guarantee(engine, now=cycle(now - 1).valid_from) == 6
    this = seed_cycle(engine, now, shops={**last, "good": b, "few": a})
    _product(engine, factory, a, "Longjing green tea, spring picking")
    _product(engine, factory, b, "Longjing green tea, rain picking")
    assert this["good"] == b
    return a, b


def _search_order(client: TestClient, q: str) -> tuple[list[str], list[str]]:
    body = client.get("/api/v1/search", params={"q": q}).json()
    return [s["name"] for s in body["shops"]], [p["shop_name"] for p in body["products"]]


def test_the_badge_follows_the_result_in_storefront_and_search(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    a, b = _two_cycles(engine, factory)
    # last cycle's certificate has run out: nobody carries the badge before this cycle's run
    assert BADGE not in client.get(f"/s/{a}", headers=HTML).text
    assert BADGE not in client.get(f"/s/{b}", headers=HTML).text
    shops, _ = _search_order(client, "longjing tea")
    assert shops == ["Longjing Tea Corner", "Longjing Tea House"]  # newest first, no badge yet
    assert client.get(f"/api/v1/storefront/shops/{a}").json()["guaranteed"] is False

    assert schedules.assess_guarantee(engine) == 6
    page_b, page_a = (
        client.get(f"/s/{b}", headers=HTML).text,
        client.get(f"/s/{a}", headers=HTML).text,
    )
    assert page_b.count(BADGE) == 2  # the shop's name and its one product
    assert BADGE not in page_a
    assert client.get(f"/api/v1/storefront/shops/{b}").json()["guaranteed"] is True
    assert client.get(f"/api/v1/storefront/shops/{a}").json()["guaranteed"] is False
    body = client.get("/api/v1/search", params={"q": "longjing"}).json()
    assert [(s["id"], s["guaranteed"]) for s in body["shops"]] == [(b, True), (a, False)]
    assert [(p["product"]["shop_id"], p["guaranteed"]) for p in body["products"]] == [
        (b, True),
        (a, False),
    ]
    # B ranks first now although A's name matches as well and B is not the newest
    search_page = client.get("/search", params={"q": "longjing"}, headers=HTML).text
    first_hit = search_page.index('class="shop-hit"')
    assert search_page.index("Longjing Tea Corner", first_hit) < search_page.index(
        "Longjing Tea House", first_hit
    )
    product_id = body["products"][0]["product"]["id"]
    assert BADGE in client.get(f"/s/{b}/p/{product_id}", headers=HTML).text
    # a suspended shop leaves the search, badge or not
    with Session(engine) as session:
        shop = session.get(m.Shop, b)
        assert shop is not None
        shop.suspended_at = utcnow()
        session.add(shop)
        session.commit()
    assert _search_order(client, "longjing") == (["Longjing Tea House"], ["Longjing Tea House"])


def test_the_merchant_reads_why_the_shop_failed_and_what_to_fix(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    a, b = _two_cycles(engine, factory)
    schedules.assess_guarantee(engine)
    with Session(engine) as session:
        shop = session.get(m.Shop, a)
        assert shop is not None
        owner = session.get(m.Account, shop.owner_id)
        assert owner is not None
        owner.password_hash = hash_password("secret-pass")
        session.add(owner)
        session.commit()
        email = owner.email
    sign_in(client, email, "secret-pass")
    page = client.get(f"/console/shops/{a}/guarantee", headers=HTML).text
    result = page[page.index('id="guarantee-result"') : page.index('id="running-figures"')]
    assert "Not certified" in result
    assert "Orders in the period" in result and "Sell a few more orders" in result
    assert "Shipped on time" in result and "within 48 hours" in result
    # the history keeps last cycle's certificate
    history = page[page.index('id="guarantee-history"') :]
    assert history.count("Certified") == 1 and history.count("Not certified") == 1
    client.get("/lang/zh_CN", headers=HTML)
    page_zh = client.get(f"/console/shops/{b}/guarantee", headers=HTML)
    assert page_zh.status_code == 200 and "已认证" in page_zh.text and "保" in page_zh.text


def test_admins_set_the_criteria_with_bad_values_told_beside_the_field(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    admin = factory.account(is_admin=True)
    sign_in(client, admin.email, "secret-pass")
    page = client.get("/admin/guarantee", headers=HTML)
    assert page.status_code == 200
    values = {name: str(v) for name, v in CRITERIA.items()}
    bad = client.post(
        "/admin/guarantee/criteria",
        data={**values, "min_on_time_pct": "120", "csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert bad.status_code == 400
    assert re.search(r'id="min_on_time_pct-error"[^>]*>Between 0 and 100\.', bad.text)
    saved = client.post(
        "/admin/guarantee/criteria",
        data={**values, "min_orders": "7", "csrf_token": csrf_from(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with Session(engine) as session:
        assert guarantee.current_criteria(session).min_orders == 7


def test_a_certified_only_listing_refuses_a_shop_without_the_guarantee(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    admin = factory.account(is_admin=True)
    _listing(engine, factory)
    sign_in(client, admin.email, "secret-pass")
    page = client.get("/admin/guarantee", headers=HTML)
    restricted = client.post(
        f"/admin/guarantee/listings/{PLUGIN}",
        data={"certified_only": "1", "csrf_token": csrf_from(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert restricted.status_code == 303
    merchant = factory.account()
    shop = factory.shop(merchant, name="Uncertified tea")
    sign_in(client, merchant.email, "secret-pass")
    consent = client.get(f"/market/{PLUGIN}/install", headers=HTML).text
    assert 'id="certified-only"' in consent and "(not certified)" in consent
    refused = client.post(
        f"/market/{PLUGIN}/install",
        data={"csrf_token": csrf_from(consent), "shop_id": shop.id, "decision": "approve"},
        headers=HTML,
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert 'id="install-refusal"' in refused.text and "open only to certified shops" in refused.text
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(m.Installation)).one() == 0
        period = cycle(cycle_number(utcnow()))
        session.add(
            m.GuaranteeAssessment(
                shop_id=shop.id or 0,
                cycle=period.number,
                window_start=period.window_start,
                valid_from=period.valid_from,
                valid_until=period.valid_until,
                certified=True,
            )
        )
        session.commit()
    installed = client.post(
        f"/market/{PLUGIN}/install",
        data={"csrf_token": csrf_from(consent), "shop_id": shop.id, "decision": "approve"},
        headers=HTML,
        follow_redirects=False,
    )
    assert installed.status_code == 303
