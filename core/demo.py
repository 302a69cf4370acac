"""Demo data for ``tanzi serve --demo``: people, open shops, products, orders, the guarantee
assessment (one shop certified, one not). Idempotent."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.guide_library import seed_guides
from core.models import (
    Account,
    Category,
    OrderStatus,
    Shop,
    ShopStatus,
    ShopType,
    Sku,
    TicketCategory,
)
from core.plugins.manager import PluginHost
from core.schemas.orders import OrderCreate, OrderLineCreate
from core.schemas.pickup import PickupStoreIn
from core.schemas.products import ProductCreate, SkuCreate
from core.services import (
    accounts,
    categories,
    orders,
    pickup,
    products,
    qualifications,
    shops,
    support,
)
from core.settings import Settings

#: (role, email, password) of every demo sign-in.
DEMO_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin@demo.tanzi", "demo-admin"),
    ("merchant", "merchant@demo.tanzi", "demo-merchant"),
    ("provider", "provider@demo.tanzi", "demo-provider"),
    ("buyer", "buyer@demo.tanzi", "demo-buyer"),
)

#: Services installed in the demo shop (with every scope they ask for), when loaded.
DEMO_SERVICES: tuple[str, ...] = (
    "shipping_insurance",
    "batch_products",
    "store_migration",
    "batch_orders",
    "coupons",
    "sandbox_express",
    "label_printing",
    "catalog_sync",
)
#: Paid orders awaiting shipment in the demo shop, for label printing (on top of the two
#: paid orders of the first demo buyer).
DEMO_ORDERS_TO_SHIP = 60
#: The Sandbox Express account `make run` starts the carrier simulator with, which a
#: merchant binds on the console's Carrier accounts page (number, secret).
DEMO_SANDBOX_ACCOUNT = ("SBX-DEMO-0001", "sandbox-demo-secret")

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


#: A tea range in Tanzi Goods (SKU code, title, price in fen, stock): with the products
#: above, more than ten to publish in the second shop with cross-platform sync (its
#: README tour, "sell in two stalls").
DEMO_TEA_RANGE: tuple[tuple[str, str, int, int], ...] = (
    ("TEA-BILUO", "碧螺春 Biluochun green tea, 100 g", 9800, 20),
    ("TEA-MAOFENG", "黄山毛峰 Huangshan Maofeng, 100 g", 8800, 20),
    ("TEA-TIEGUAN", "铁观音 Tieguanyin oolong, 100 g", 7800, 20),
    ("TEA-DAHONG", "大红袍 Da Hong Pao, 100 g", 12800, 20),
    ("TEA-PUER", "普洱 Pu'er cake, 357 g", 16800, 20),
    ("TEA-BAIHAO", "白毫银针 Silver Needle white tea, 50 g", 15800, 20),
    ("TEA-JASMINE", "茉莉花茶 Jasmine tea, 100 g", 5800, 20),
    ("TEA-KEEMUN", "祁门红茶 Keemun black tea, 100 g", 6800, 20),
)


#: The demo merchant's shops: (type, name, description, licence number, settlement account).
#: The second has no services, so the market's Install button has somewhere to go.
_SHOPS: tuple[tuple[ShopType, str, str, str, str], ...] = (
    (
        ShopType.enterprise,
        "摊子好物 Tanzi Goods",
        "A demo enterprise shop: tea, clothes and small electronics.",
        "91330100MA2A00001M",
        "6222020200112233445",
    ),
    (
        ShopType.individual,
        "摊子茶馆 Tanzi Teahouse",
        "A second demo shop, with no services installed yet.",
        "92330100MA2A00002M",
        "6222020200112233446",
    ),
)


def _open_shop(
    session: Session,
    *,
    settings: Settings,
    owner: Account,
    spec: tuple[ShopType, str, str, str, str],
) -> Shop:
    shop_type, name, description, licence, account = spec
    shop = shops.create_shop(
        session,
        settings=settings,
        owner_id=owner.id,  # type: ignore[arg-type]
        type=shop_type,
        name=name,
        description=description,
        details={
            "licence_number": licence,
            "operator_name": "王小摊",
            "settlement_account": account,
            "settlement_bank": "中国工商银行 杭州分行",
        },
    )
    session.flush()
    shops.open_shop(session, shop=shop)
    return shop


def load_demo(session: Session, *, settings: Settings) -> list[tuple[str, str, str]]:
    """Create the demo world unless it exists; return the sign-ins to print."""
    categories.seed_categories(session)
    seed_guides(session)
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
    shop, teahouse = [
        _open_shop(session, settings=settings, owner=people["merchant"], spec=spec)
        for spec in _SHOPS
    ]
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
    pickup.create_store(
        session,
        shop_id=shop.id,  # type: ignore[arg-type]
        data=PickupStoreIn(
            name="文三路门店",
            province_code="33",
            address="杭州市西湖区文三路 1 号",
            hours="每天 09:00-21:00",
        ),
    )
    host = _install_demo_services(session, settings=settings, shop_id=shop.id)  # type: ignore[arg-type]
    _seed_market(
        session, provider=people["provider"], admin=people["admin"], host=host, settings=settings
    )
    skus = []
    for category_suffix, title, sku_rows in _PRODUCTS:
        category = session.exec(
            select(Category).where(Category.name.startswith(category_suffix))
        ).first()
        assert category is not None, f"seed category {category_suffix} is missing"
        product = products.create_product(
            session,
            shop=shop,
            data=ProductCreate(
                category_id=category.id,
                title=title,
                description=f"{title}. Demo product.",
                skus=[
                    SkuCreate(code=code, options=options, price_fen=price, stock=stock)
                    for code, options, price, stock in sku_rows
                ],
            ),
        )
        session.flush()
        assert product.id is not None
        products.set_product_listed(session, shop=shop, product=product, listed=True)
        skus.extend(products.skus_by_product(session, [product.id])[product.id])
    for n, (sku, pay) in enumerate(((skus[0], True), (skus[2], True), (skus[5], False)), start=1):
        order, _ = orders.place_order(
            session,
            shop_id=shop.id,  # type: ignore[arg-type]
            buyer_id=people["buyer"].id,  # type: ignore[arg-type]
            idempotency_key=f"demo-{n}",
            data=OrderCreate(
                lines=[OrderLineCreate(sku_id=sku.id, quantity=1)],
                recipient_name="李买家",
                recipient_phone="13800138000",
                province_code="33",
                address="浙江省杭州市西湖区文三路 1 号",
            ),
        )
        if pay and order.status == OrderStatus.pending_payment:
            orders.pay_order(session, order=order)
        if n == 1:
            _seed_ticket(session, shop=shop, order_id=order.id, people=people)  # type: ignore[arg-type]
    _orders_to_ship(session, shop_id=shop.id, buyer_id=people["buyer"].id, sku_id=skus[5].id)  # type: ignore[arg-type]
    _tea_range(session, shop=shop)
    _seed_guarantee(
        session,
        goods=shop,
        teahouse=teahouse,
        skus=skus,
        buyer=people["buyer"],
        admin=people["admin"],
    )
    return list(DEMO_PEOPLE)


def _tea_range(session: Session, *, shop: Shop) -> None:
    """The tea range (:data:`DEMO_TEA_RANGE`), listed, one SKU each."""
    category = session.exec(select(Category).where(Category.name.startswith("茶叶"))).first()
    assert category is not None
    for code, title, price, stock in DEMO_TEA_RANGE:
        product = products.create_product(
            session,
            shop=shop,
            data=ProductCreate(
                category_id=category.id,
                title=title,
                description=f"{title}. Demo product.",
                skus=[SkuCreate(code=code, price_fen=price, stock=stock)],
            ),
        )
        session.flush()
        products.set_product_listed(session, shop=shop, product=product, listed=True)


def _seed_ticket(
    session: Session, *, shop: Shop, order_id: int, people: dict[str, Account]
) -> None:
    """A support ticket about the first order, answered by the platform."""
    ticket = support.open_ticket(
        session,
        shop_id=shop.id,  # type: ignore[arg-type]
        opened_by_id=people["merchant"].id,  # type: ignore[arg-type]
        draft=support.TicketDraft(
            category=TicketCategory.orders,
            subject="买家要求改地址，订单已付款",  # noqa: RUF001 (Chinese punctuation)
            description="买家付款后发消息说地址写错了，发货前我能在哪里修改收货地址？",  # noqa: RUF001
            page_path=f"/console/shops/{shop.id}/orders/{order_id}",
            order_id=order_id,
        ),
    )
    support.assign_ticket(session, ticket=ticket, assignee_id=people["admin"].id)  # type: ignore[arg-type]
    support.platform_reply(
        session,
        ticket=ticket,
        admin_id=people["admin"].id,  # type: ignore[arg-type]
        body="发货前收货地址不能由商家修改。请让买家取消订单后重新下单；如买家无法操作，回复本工单并附上买家的新地址截图。",  # noqa: RUF001
    )


#: Where the demo's parcels go: (province code, full address), the recipient's name.
_RECIPIENTS = (
    ("31", "上海市浦东新区世纪大道 100 号", "张小姐"),
    ("11", "北京市朝阳区建国路 88 号", "刘先生"),
    ("44", "广东省深圳市南山区科技园 6 栋", "陈女士"),
)


def _orders_to_ship(session: Session, *, shop_id: int, buyer_id: int, sku_id: int) -> None:
    """Paid orders of the phone case to print labels for (it has the stock for them)."""
    for n in range(DEMO_ORDERS_TO_SHIP):
        province, address, name = _RECIPIENTS[n % len(_RECIPIENTS)]
        order, _ = orders.place_order(
            session,
            shop_id=shop_id,
            buyer_id=buyer_id,
            idempotency_key=f"demo-ship-{n}",
            data=OrderCreate(
                lines=[OrderLineCreate(sku_id=sku_id, quantity=1 + n % 2)],
                recipient_name=name,
                recipient_phone=f"139{n:08d}",
                province_code=province,
                address=address,
            ),
        )
        if order.status == OrderStatus.pending_payment:
            orders.pay_order(session, order=order)


def _seed_guarantee(
    session: Session,
    *,
    goods: Shop,
    teahouse: Shop,
    skus: list[Sku],
    buyer: Account,
    admin: Account,
) -> None:
    """The Teahouse's one product, both shops' past orders, and the guarantee assessment:
    Tanzi Goods carries the 保 badge, the Teahouse shows why it does not."""
    from core.demo_guarantee import seed_guarantee
    from core.models.base import utcnow

    category = session.exec(select(Category).where(Category.name.startswith("茶叶"))).first()
    assert category is not None
    licence = qualifications.submit_qualification(
        session, shop=teahouse, kind="food_licence", document_number="JY13301000000002"
    )
    session.flush()
    qualifications.approve_qualification(
        session,
        qualification_id=licence.id,  # type: ignore[arg-type]
        reviewer_id=admin.id,
    )
    title = "龙井茶包 Longjing tea bags"
    tea_bags = products.create_product(
        session,
        shop=teahouse,
        data=ProductCreate(
            category_id=category.id,
            title=title,
            description="Longjing tea in 20 bags. Demo product.",
            skus=[SkuCreate(code="BAG-20", options={"规格": "20袋"}, price_fen=3900, stock=60)],
        ),
    )
    session.flush()
    assert tea_bags.id is not None and buyer.id is not None
    products.set_product_listed(session, shop=teahouse, product=tea_bags, listed=True)
    bag_sku = products.skus_by_product(session, [tea_bags.id])[tea_bags.id][0]
    seed_guarantee(
        session,
        goods=(goods, skus[0], _PRODUCTS[0][1]),
        teahouse=(teahouse, bag_sku, title),
        buyer_id=buyer.id,
        now=utcnow(),
    )


def _install_demo_services(session: Session, *, settings: Settings, shop_id: int) -> PluginHost:
    """Install the first-party services this host loads, so their work shows in the demo;
    returns the host (the market's review checks read it too)."""
    from core.plugins.installations import enable_plugin
    from core.plugins.manager import create_plugin_host

    host = create_plugin_host(settings)
    for plugin_id in DEMO_SERVICES:
        if plugin_id in host.active:
            enable_plugin(session, host=host, shop_id=shop_id, plugin_id=plugin_id)
    if "coupons" in host.active:
        _create_demo_coupon(session, host=host, shop_id=shop_id)
    return host


def _create_demo_coupon(session: Session, *, host: PluginHost, shop_id: int) -> None:
    """One live coupon, made the way a merchant makes it: the plugin's own create page,
    called with the installation's client inside this transaction."""
    from core.plugins.client import ScopedClient

    session.flush()
    inst = host.shop_view(session, shop_id).installations["coupons"]
    client = ScopedClient(session.get_bind(), inst).bound(session)  # type: ignore[arg-type]
    routes = [r for group in host.plugin_caller("coupons", "register_routes")() for r in group]
    create = next(r for r in routes if r.path == "/coupons" and "POST" in r.methods)
    create.endpoint(
        client=client,
        params={
            "title": "限时券 Flash 10",
            "kind": "fixed",
            "value": "10",
            "min_spend": "50",
            "per_buyer_limit": "1",
            "quantity": "100",
            "code": "FLASH10",
        },
        language="en",
    )


#: The demo provider's listings: (slug, name, summary, category, icon, monthly price in fen).
_LISTINGS: tuple[tuple[str, str, str, str, str, int], ...] = (
    (
        "shipping_insurance",
        "运费险 Shipping insurance",
        "Buyers' return shipping paid back when they return goods for a refund.",
        "finance",
        "🛡️",
        0,
    ),
    (
        "batch_products",
        "商品批量管理 Batch products",
        "Export your catalog to Excel, edit it, re-import it with a preview of each change; "
        "bulk price and stock changes; undo a batch within a day.",
        "products",
        "🗂️",
        0,
    ),
    (
        "batch_orders",
        "订单批量处理 Batch orders",
        "Ship many orders from one sheet of waybills, cancel unpaid orders in bulk, export "
        "orders to Excel or CSV (buyer details when allowed), note and flag orders.",
        "orders",
        "📦",
        0,
    ),
    (
        "catalog_sync",
        "商品跨平台管理 Cross-platform sync",
        "Sell the same products in your other shops with one stock: a sale on either side "
        "lowers what the other may sell within seconds, never overselling.",
        "products",
        "🔗",
        0,
    ),
    (
        "order_sync_pro",
        "订单同步 Order sync pro",
        "Sync paid orders to your warehouse system and push waybill numbers back.",
        "orders",
        "🔄",
        2900,
    ),
    (
        "store_migration",
        "一键搬家 Store migration",
        "Bring your whole store from Shopify, WooCommerce, Magento or PrestaShop in one go.",
        "products",
        "🚚",
        0,
    ),
    (
        "group_buy",
        "社区团购 Group buy",
        "Neighbourhood group orders with a pickup point and a cut-off time.",
        "products",
        "📦",
        0,
    ),
    (
        "popup_promo",
        "弹窗营销 Popup promo",
        "Coupons in a popup for first-time buyers.",
        "marketing",
        "🎁",
        990,
    ),
    (
        "coupons",
        "限时券 Flash coupons",
        "Coupons buyers claim on your storefront and use at checkout: a fixed amount or a "
        "percentage, a spend threshold, dates, a per-buyer limit and a quantity.",
        "marketing",
        "⏱️",
        0,
    ),
    (
        "night_push",
        "夜间推送 Night push",
        "Reminders pushed to buyers who left items unpaid.",
        "marketing",
        "🔔",
        0,
    ),
    (
        "sales_board",
        "销售看板 Sales board",
        "A daily board of what sold, where and to whom.",
        "data",
        "📊",
        0,
    ),
    (
        "sandbox_express",
        "沙箱快递 Sandbox Express",
        "A sandbox carrier with e-waybills: bind an account, get waybill numbers for orders.",
        "logistics",
        "🚛",
        0,
    ),
    (
        "label_printing",
        "批量打单 Label printing",
        "Print shipping labels for many orders at once (PDF or ZPL), pick lists and packing "
        "slips; mark the orders shipped with their waybills.",
        "logistics",
        "🏷️",
        0,
    ),
)


def _seed_market(
    session: Session, *, provider: Account, admin: Account, host: PluginHost, settings: Settings
) -> None:
    """The demo provider's listings in each state: a live free plugin (the installed
    shipping insurance), a live paid remote app, a version awaiting review, a rejected one,
    a listing an admin suspended and a draft. Rows are written directly (``core`` does not
    import the marketplace); the version awaiting review is submitted the way a provider's
    submission is, so its automated checks ran (:func:`~core.plugins.review_checks.submit_for_review`)."""
    from core.models import (
        Installation,
        Listing,
        ListingStatus,
        ListingVersion,
        PricingModel,
        VersionStatus,
    )
    from core.models.base import utcnow
    from core.plugins.review_checks import submit_for_review

    now = utcnow()
    listings: dict[str, Listing] = {}
    for slug, name, summary, category, icon, price in _LISTINGS:
        listing = Listing(
            slug=slug,
            provider_id=provider.id,  # type: ignore[arg-type]
            name=name,
            summary=summary,
            description=f"**{name}**\n\n{summary}\n\n- Works on phones\n- Demo listing",
            category=category,
            icon=icon,
            pricing_model=PricingModel.monthly if price else PricingModel.free,
            price_fen=price,
            trial_days=7,
        )
        session.add(listing)
        listings[slug] = listing
    session.flush()

    def version(slug: str, number: str, status: VersionStatus, **fields: object) -> ListingVersion:
        row = ListingVersion(
            listing_id=listings[slug].id,  # type: ignore[arg-type]
            version=number,
            status=status,
            submitted_at=now if status != VersionStatus.draft else None,
            reviewed_at=now if status in (VersionStatus.approved, VersionStatus.rejected) else None,
            reviewed_by=admin.id
            if status in (VersionStatus.approved, VersionStatus.rejected)
            else None,
            **fields,  # type: ignore[arg-type]
        )
        session.add(row)
        session.flush()
        if status == VersionStatus.approved:
            listings[slug].status = ListingStatus.live
            listings[slug].live_version_id = row.id
            session.add(listings[slug])
        return row

    version(
        "batch_orders",
        "0.2.0",
        VersionStatus.approved,
        kind="plugin",
        plugin_id="batch_orders",
        scopes=[
            {"scope": "orders:read", "reason": "to read the orders you ship and export"},
            {"scope": "orders:write", "reason": "to cancel unpaid orders and keep your notes"},
            {"scope": "orders:pii", "reason": "to add buyers' details when you export with them"},
            {"scope": "logistics:read", "reason": "to see which orders a sheet already shipped"},
            {"scope": "logistics:write", "reason": "to ship the orders in your sheet"},
            {"scope": "products:read", "reason": "to read the sheets you upload"},
        ],
        hooks=["register_merchant_actions", "register_job_kinds", "register_routes"],
        release_notes="Ship from a sheet, bulk cancel, XLSX/CSV export, notes and flags.",
    )
    version(
        "shipping_insurance",
        "1.0.0",
        VersionStatus.approved,
        kind="plugin",
        plugin_id="shipping_insurance",
        scopes=[
            {"scope": "orders:read", "reason": "to read the order total a policy insures"},
            {"scope": "aftersales:read", "reason": "to check that a return was refunded"},
        ],
        hooks=["order_paid", "order_cancelled", "aftersale_resolved", "installation_created"],
        release_notes="First release.",
    )
    version(
        "store_migration",
        "1.0.0",
        VersionStatus.approved,
        kind="plugin",
        plugin_id="store_migration",
        scopes=[
            {"scope": "products:read", "reason": "to find what an earlier import created"},
            {"scope": "products:write", "reason": "to create the products in your file"},
        ],
        hooks=["register_importers", "register_job_kinds", "register_routes"],
        release_notes="Shopify, WooCommerce, Magento 2, PrestaShop and Tanzi's template.",
    )
    version(
        "sandbox_express",
        "1.0.0",
        VersionStatus.approved,
        kind="plugin",
        plugin_id="sandbox_express",
        scopes=[],
        hooks=["register_carriers"],
        release_notes="E-waybills on the Sandbox Express simulator.",
    )
    version(
        "label_printing",
        "0.1.0",
        VersionStatus.approved,
        kind="plugin",
        plugin_id="label_printing",
        scopes=[
            {"scope": "orders:read", "reason": "to read the orders' items"},
            {"scope": "orders:pii", "reason": "to print each buyer's name, phone and address"},
            {"scope": "logistics:read", "reason": "to find your bound carrier accounts"},
            {"scope": "logistics:write", "reason": "to fetch waybills and mark orders shipped"},
            {"scope": "products:write", "reason": "to keep the label file for you to download"},
        ],
        hooks=["register_merchant_actions", "register_job_kinds"],
        release_notes="Labels as one PDF or ZPL file, pick lists, packing slips.",
    )
    version(
        "batch_products",
        "1.0.0",
        VersionStatus.approved,
        kind="plugin",
        plugin_id="batch_products",
        scopes=[
            {"scope": "shop:read", "reason": "to give you links to the exported sheets"},
            {"scope": "products:read", "reason": "to export your products and compare a sheet"},
            {"scope": "products:write", "reason": "to apply the changes you make, and undo them"},
        ],
        hooks=["register_merchant_actions", "register_job_kinds", "register_routes"],
        release_notes="Export, re-import with a preview, bulk actions, undo.",
    )
    version(
        "catalog_sync",
        "0.1.0",
        VersionStatus.approved,
        kind="plugin",
        plugin_id="catalog_sync",
        scopes=[
            {"scope": "products:read", "reason": "to read the products you publish"},
            {
                "scope": "products:write",
                "reason": "to move stock between this shop and your other channels",
            },
            {"scope": "orders:read", "reason": "to see what sold"},
            {"scope": "shop:read", "reason": "to check the shop is open"},
        ],
        hooks=["inventory_changed", "register_job_kinds", "register_routes"],
        release_notes="Another Tanzi shop as a channel: one stock, reconciliation with a report.",
    )
    remote = {
        "kind": "remote",
        "redirect_uris": ["https://ordersync.example.com/oauth/callback"],
        "webhook_url": "https://ordersync.example.com/webhooks/tanzi",
        "webhook_topics": ["order.paid", "order.cancelled"],
        "scopes": [
            {"scope": "orders:read", "reason": "to copy paid orders to your warehouse system"},
            {"scope": "logistics:write", "reason": "to add the waybill numbers it gets back"},
        ],
        "manifest": {"install_url": "https://ordersync.example.com/install"},
    }
    version("order_sync_pro", "2.1.0", VersionStatus.approved, **remote)
    waiting = version(
        "group_buy",
        "1.0.0",
        VersionStatus.draft,
        kind="remote",
        redirect_uris=["https://groupbuy.example.com/callback"],
        webhook_url="https://groupbuy.example.com/hooks",
        webhook_topics=["product.created"],
        scopes=[
            {"scope": "products:read", "reason": "to show your products in a group order"},
            {"scope": "orders:read", "reason": "to gather a group's orders for its pickup point"},
        ],
        release_notes="Group orders with a cut-off time and a pickup point.",
    )
    submit_for_review(version=waiting, listing=listings["group_buy"], host=host, settings=settings)
    session.add(waiting)
    version(
        "popup_promo",
        "0.9.0",
        VersionStatus.rejected,
        kind="remote",
        redirect_uris=["http://popup.example.com/callback"],
        scopes=[
            {"scope": "orders:pii", "reason": "to greet buyers by name"},
            {"scope": "members:read", "reason": "to know who runs the shop"},
        ],
        review_reason=(
            "Asks for buyers' names and phone numbers (orders:pii) and your members to show a "
            "coupon, which needs neither; the redirect URI is plain http. Ask for less and "
            "resubmit."
        ),
    )
    version(
        "coupons",
        "1.0.0",
        VersionStatus.approved,
        kind="plugin",
        plugin_id="coupons",
        scopes=[
            {"scope": "orders:read", "reason": "to price a coupon on the order a buyer places"},
            {"scope": "orders:write", "reason": "so that only order managers create coupons"},
        ],
        hooks=["order_adjustments", "register_routes"],
        release_notes="Fixed and percentage coupons, claimed on the storefront.",
    )
    version(
        "night_push",
        "1.0.0",
        VersionStatus.approved,
        kind="remote",
        redirect_uris=["https://push.example.com/callback"],
        webhook_url="https://push.example.com/hooks",
        webhook_topics=["order.created"],
        scopes=[{"scope": "orders:read", "reason": "to see which orders wait for payment"}],
    )
    listings["night_push"].status = ListingStatus.suspended
    listings[
        "night_push"
    ].status_reason = (
        "Buyers reported reminders sent at night; suspended until the provider adds quiet hours."
    )
    session.add(listings["night_push"])
    version(
        "sales_board",
        "0.1.0",
        VersionStatus.draft,
        kind="remote",
        redirect_uris=["https://board.example.com/callback"],
        scopes=[{"scope": "orders:read", "reason": "to count what sold"}],
    )
    for installation in session.exec(
        select(Installation).where(col(Installation.plugin_id).in_(DEMO_SERVICES))
    ):
        installation.listing_id = listings[installation.plugin_id].id
        session.add(installation)
    session.flush()


def demo_shop_ids(session: Session) -> list[int]:
    """The demo merchant's open shops, first made first (for the buyer-page links)."""
    owner = session.exec(select(Account).where(Account.email == DEMO_PEOPLE[1][1])).first()
    if owner is None:
        return []
    rows = session.exec(
        select(Shop.id)
        .where(Shop.owner_id == owner.id, Shop.status == ShopStatus.open)
        .order_by(col(Shop.id))
    ).all()
    return [i for i in rows if i is not None]
