"""Demo data for ``tanzi serve --demo``: people, an open shop, products, orders. Idempotent."""

from __future__ import annotations

from sqlmodel import Session, select

from core.models import Account, Category, OrderStatus, ShopType
from core.schemas.orders import OrderCreate, OrderLineCreate
from core.schemas.products import ProductCreate, SkuCreate
from core.services import accounts, categories, orders, products, qualifications, shops
from core.settings import Settings

#: (role, email, password) of every demo sign-in.
DEMO_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin@demo.tanzi", "demo-admin"),
    ("merchant", "merchant@demo.tanzi", "demo-merchant"),
    ("provider", "provider@demo.tanzi", "demo-provider"),
    ("buyer", "buyer@demo.tanzi", "demo-buyer"),
)

#: Services installed in the demo shop (with every scope they ask for), when loaded.
DEMO_SERVICES: tuple[str, ...] = ("shipping_insurance",)

_PRODUCTS: tuple[tuple[str, str, list[tuple[str, dict[str, str], int, int]]], ...] = (
    (
        "茶叶",
        "明前龙井 West Lake Longjing tea, 250 g",
        [("LJ-250", {"规格": "250g"}, 16800, 40), ("LJ-500", {"规格": "500g"}, 31800, 15)],
    ),
    (
        "女装",
        "真丝衬衫 Silk shirt",
        [
            ("SILK-S", {"尺码": "S", "颜色": "白"}, 45900, 8),
            ("SILK-M", {"尺码": "M", "颜色": "白"}, 45900, 12),
            ("SILK-L", {"尺码": "L", "颜色": "黑"}, 45900, 5),
        ],
    ),
    ("手机", "旧款手机壳 Phone case (new)", [("CASE-1", {}, 2900, 200)]),
)


def load_demo(session: Session, *, settings: Settings) -> list[tuple[str, str, str]]:
    """Create the demo world unless it exists; return the sign-ins to print."""
    categories.seed_categories(session)
    if session.exec(select(Account).where(Account.email == DEMO_PEOPLE[0][1])).first():
        return list(DEMO_PEOPLE)
    people = {
        role: accounts.create_account(
            session,
            email=email,
            name=f"Demo {role}",
            password=password,
            is_admin=role == "admin",
            is_provider=role == "provider",
        )
        for role, email, password in DEMO_PEOPLE
    }
    session.flush()
    shop = shops.create_shop(
        session,
        settings=settings,
        owner_id=people["merchant"].id,  # type: ignore[arg-type]
        type=ShopType.enterprise,
        name="摊子好物 Tanzi Goods",
        description="A demo enterprise shop: tea, clothes and small electronics.",
        details={
            "licence_number": "91330100MA2A00001K",
            "operator_name": "王小摊",
            "settlement_account": "6222020200112233445",
            "settlement_bank": "中国工商银行 杭州分行",
        },
    )
    session.flush()
    shops.open_shop(session, shop=shop)
    for kind in ("food_licence",):
        qualification = qualifications.submit_qualification(
            session, shop=shop, kind=kind, document_number="JY13301000000001"
        )
        session.flush()
        qualifications.approve_qualification(
            session,
            qualification_id=qualification.id,  # type: ignore[arg-type]
            reviewer_id=people["admin"].id,
        )
    _install_demo_services(session, settings=settings, shop_id=shop.id)  # type: ignore[arg-type]
    skus = []
    for category_suffix, title, sku_rows in _PRODUCTS:
        category = session.exec(
            select(Category).where(Category.name.startswith(category_suffix))  # type: ignore[attr-defined]
        ).first()
        assert category is not None, f"seed category {category_suffix} is missing"
        product = products.create_product(
            session,
            shop=shop,
            data=ProductCreate(
                category_id=category.id,  # type: ignore[arg-type]
                title=title,
                description=f"{title}. Demo product.",
                skus=[
                    SkuCreate(code=code, options=options, price_fen=price, stock=stock)
                    for code, options, price, stock in sku_rows
                ],
            ),
        )
        session.flush()
        products.set_product_listed(session, shop=shop, product=product, listed=True)
        skus.extend(products.skus_by_product(session, [product.id])[product.id])  # type: ignore[list-item]
    for n, (sku, pay) in enumerate(((skus[0], True), (skus[2], True), (skus[5], False)), start=1):
        order, _ = orders.place_order(
            session,
            shop_id=shop.id,  # type: ignore[arg-type]
            buyer_id=people["buyer"].id,  # type: ignore[arg-type]
            idempotency_key=f"demo-{n}",
            data=OrderCreate(
                lines=[OrderLineCreate(sku_id=sku.id, quantity=1)],  # type: ignore[arg-type]
                recipient_name="李买家",
                recipient_phone="13800138000",
                province_code="33",
                address="浙江省杭州市西湖区文三路 1 号",
            ),
        )
        if pay and order.status == OrderStatus.pending_payment:
            orders.pay_order(session, order=order)
    return list(DEMO_PEOPLE)


def _install_demo_services(session: Session, *, settings: Settings, shop_id: int) -> None:
    """Install the first-party services this host loads, so their work shows in the demo."""
    from core.plugins.installations import enable_plugin
    from core.plugins.manager import create_plugin_host

    host = create_plugin_host(settings)
    for plugin_id in DEMO_SERVICES:
        if plugin_id in host.active:
            enable_plugin(session, host=host, shop_id=shop_id, plugin_id=plugin_id)
