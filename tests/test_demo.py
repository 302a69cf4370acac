"""The demo world loads once, and loading it again changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from core.db import session_scope
from core.demo import DEMO_ORDERS_TO_SHIP, DEMO_PEOPLE, DEMO_TEA_RANGE, load_demo
from core.models import Account, Order, OrderStatus, Product, ProductStatus, Shop, ShopStatus
from core.settings import Settings


def _counts(engine: Engine) -> tuple[int, int, int, int]:
    with Session(engine) as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Account, Shop, Product, Order)
        )


def test_demo_is_populated_and_idempotent(engine: Engine, settings: Settings) -> None:
    with session_scope(engine) as session:
        sign_ins = load_demo(session, settings=settings)
    assert [email for _, email, _ in sign_ins] == [email for _, email, _ in DEMO_PEOPLE]
    first = _counts(engine)
    assert first == (
        4,
        2,
        4 + len(DEMO_TEA_RANGE),
        18 + DEMO_ORDERS_TO_SHIP,
    )  # 15 of the orders are the guarantee window's history
    with Session(engine) as session:
        assert {shop.status for shop in session.exec(select(Shop))} == {ShopStatus.open}
        statuses = sorted(o.status for o in session.exec(select(Order)))
        assert statuses.count(OrderStatus.paid) == 2 + DEMO_ORDERS_TO_SHIP
        assert all(p.status == ProductStatus.listed for p in session.exec(select(Product)))
    with session_scope(engine) as session:
        load_demo(session, settings=settings)
    assert _counts(engine) == first


def test_demo_sign_in_works_over_the_api(client, engine: Engine, settings: Settings) -> None:
    with session_scope(engine) as session:
        load_demo(session, settings=settings)
    _, email, password = DEMO_PEOPLE[1]
    token = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert token.status_code in (200, 201), token.text
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    shops = client.get("/api/v1/shops", headers=headers).json()["items"]
    assert [s["name"] for s in shops] == ["摊子好物 Tanzi Goods", "摊子茶馆 Tanzi Teahouse"]


def test_demo_shop_has_shipping_insurance_and_its_policies_arrive(
    engine: Engine, settings: Settings
) -> None:
    from core.models import Installation, PluginRecord
    from core.plugins.delivery import deliver
    from core.plugins.fanout import dispatch_outbox
    from core.plugins.manager import create_plugin_host

    with session_scope(engine) as session:
        load_demo(session, settings=settings)
    with Session(engine) as session:
        installed = session.exec(select(Installation).order_by(Installation.id)).all()
    assert [(i.plugin_id, i.listing_id is not None) for i in installed] == [
        ("shipping_insurance", True),
        ("batch_products", True),
        ("store_migration", True),
        ("batch_orders", True),
        ("coupons", True),
        ("sandbox_express", True),
        ("label_printing", True),
        ("catalog_sync", True),
    ]
    host = create_plugin_host(settings)
    for delivery_id in dispatch_outbox(engine, host):
        deliver(engine, host, delivery_id)
    with Session(engine) as session:
        policies = session.exec(
            select(PluginRecord).where(PluginRecord.collection == "policies")
        ).all()
    assert len(policies) == 2 + DEMO_ORDERS_TO_SHIP  # every paid demo order


def test_the_demo_market_has_listings_in_every_state_and_an_install_to_try(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    from core.models import Installation, Listing, ListingStatus, ListingVersion, VersionStatus
    from tests.webtools import HTML, csrf_from, sign_in

    with session_scope(engine) as session:
        load_demo(session, settings=settings)
    with Session(engine) as session:
        listings = {row.slug: row.status for row in session.exec(select(Listing))}
        versions = {row.status for row in session.exec(select(ListingVersion))}
    assert set(listings.values()) == {
        ListingStatus.live,
        ListingStatus.draft,
        ListingStatus.suspended,
    }
    assert versions == set(VersionStatus)
    market = client.get("/market", headers=HTML).text
    assert "/market/shipping_insurance" in market and "/market/order_sync_pro" in market
    assert "/market/coupons" in market  # 限时券 Flash coupons runs on plugins/coupons
    assert "/market/night_push" not in market  # suspended: off the market
    assert "/market/group_buy" not in market  # still in review

    # the demo merchant installs shipping insurance in the shop that has no services yet
    sign_in(client, "merchant@demo.tanzi", "demo-merchant")
    consent = client.get("/market/shipping_insurance/install", headers=HTML).text
    assert "摊子茶馆 Tanzi Teahouse" in consent
    with Session(engine) as session:
        teahouse = session.exec(select(Shop).where(Shop.name == "摊子茶馆 Tanzi Teahouse")).one()
    done = client.post(
        "/market/shipping_insurance/install",
        data={"csrf_token": csrf_from(consent), "shop_id": teahouse.id, "decision": "approve"},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    with Session(engine) as session:
        installed = session.exec(
            select(Installation).where(Installation.shop_id == teahouse.id)
        ).one()
    assert installed.plugin_id == "shipping_insurance"

    sign_in(client, "admin@demo.tanzi", "demo-admin")
    admin = client.get("/admin/listings", headers=HTML).text
    assert "night_push" in admin and "quiet hours" in admin


def test_the_demo_version_in_review_was_checked_like_a_real_submission(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    from core.models import Listing, ListingVersion, VersionStatus
    from tests.webtools import HTML, sign_in

    with session_scope(engine) as session:
        load_demo(session, settings=settings)
    with Session(engine) as session:
        waiting = session.exec(
            select(ListingVersion)
            .join(Listing, Listing.id == ListingVersion.listing_id)  # type: ignore[arg-type]
            .where(Listing.slug == "group_buy")
        ).one()
    assert waiting.status == VersionStatus.submitted and waiting.submitted_at is not None
    assert waiting.checks_passed is True
    assert [r["name"] for r in waiting.checks["results"]] == [
        "manifest",
        "plugin",
        "scopes",
        "sandbox",
        "urls",
    ]
    sign_in(client, "admin@demo.tanzi", "demo-admin")
    queue = client.get("/admin", headers=HTML).text
    assert "checks not run" not in queue and "checks passed" in queue
    page = client.get(f"/admin/versions/{waiting.id}", headers=HTML).text
    assert f'action="/admin/versions/{waiting.id}/approve"' in page


def test_the_demo_shop_offers_a_live_flash_coupon_on_its_storefront(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    from tests.webtools import HTML

    with session_scope(engine) as session:
        load_demo(session, settings=settings)
    with Session(engine) as session:
        shop = session.exec(select(Shop).order_by(Shop.id)).first()
    assert shop is not None
    storefront = client.get(f"/s/{shop.id}", headers=HTML).text
    assert f'href="/s/{shop.id}/apps/coupons"' in storefront
    coupons = client.get(f"/s/{shop.id}/apps/coupons", headers=HTML).text
    assert "FLASH10" in coupons and "限时券 Flash 10" in coupons


def test_demo_has_one_certified_shop_and_one_told_why_not(
    engine: Engine, settings: Settings
) -> None:
    from core.models import GuaranteeAssessment
    from core.services.guarantee import is_certified

    with session_scope(engine) as session:
        load_demo(session, settings=settings)
    with Session(engine) as session:
        shops = {s.name: s.id for s in session.exec(select(Shop))}
        goods, teahouse = shops["摊子好物 Tanzi Goods"], shops["摊子茶馆 Tanzi Teahouse"]
        assert is_certified(session, goods) and not is_certified(session, teahouse)
        failed = session.exec(
            select(GuaranteeAssessment.failed).where(GuaranteeAssessment.shop_id == teahouse)
        ).one()
    assert failed == ["min_orders", "on_time_shipping"]
