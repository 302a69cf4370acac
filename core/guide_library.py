# ruff: noqa: RUF001 (Chinese punctuation in the Chinese guides)
"""The platform's first guides for the growth centre, written about Tanzi itself.

:func:`seed_guides` adds those that are missing (by address), so the demo and a fresh
platform start with useful guides that admins can then edit in the admin console.
"""

from __future__ import annotations

from sqlmodel import Session, select

from core.models import Guide, GuideCourse
from core.services.guides import GuideDraft, save_guide

GUIDES: tuple[GuideDraft, ...] = (
    GuideDraft(
        slug="open-your-shop",
        course=GuideCourse.opening,
        position=1,
        page_key="overview",
        title_zh="开一家店：选对店铺类型",
        title_en="Open a shop: choose the right type",
        body_zh="""在 Tanzi 开店免费。先选店铺类型，它决定你要提交的资料和能卖的东西：

- **个人店**：只需身份证姓名和号码；每个账号只能开一家；可以卖新品和二手商品。
- **个体工商户店** 和 **企业店**：需要营业执照（统一社会信用代码）、经营者姓名和结算银行账户；每个账号最多三家。企业店最多可有 500 名成员。

填写资料时，右侧的清单会实时告诉你还缺什么。资料齐全后点击 **开张**，店铺才能上架和接单。""",
        body_en="""Opening a shop on Tanzi is free. First choose its type: it decides what you submit and what you may sell.

- **Personal shop**: only the name and number on your ID card; one per account; may sell new and second-hand goods.
- **Individual business** and **enterprise** shops: a business licence (unified social credit code), the operator's name and a settlement bank account; at most three per account. An enterprise shop may have up to 500 members.

While you fill in the form, the checklist beside it says what is still missing. When it is complete, press **Open**: only an open shop lists products and takes orders.""",
    ),
    GuideDraft(
        slug="members-and-roles",
        course=GuideCourse.opening,
        position=2,
        page_key="members",
        title_zh="成员与角色：让同事一起管店",
        title_en="Members and roles: run the shop together",
        body_zh="""在 **成员与角色** 页创建角色，为每个角色勾选权限范围：商品、订单与售后、物流、核心经营数据、成员、服务市场。

然后按邮箱添加已注册 Tanzi 的同事并分配角色。成员只能看到和操作其角色允许的页面；只限店主的操作仍只有店主可以做。""",
        body_en="""On **Members and roles**, create roles and tick the areas each may work in: products, orders and after-sales, logistics, core business data, members, and the service market.

Then add colleagues who have a Tanzi account by their e-mail, and give each a role. A member sees and changes only what their role allows; owner-only actions stay with the owner.""",
    ),
    GuideDraft(
        slug="list-your-first-product",
        course=GuideCourse.products,
        position=1,
        page_key="products",
        title_zh="上架第一件商品",
        title_en="List your first product",
        body_zh="""1. 在 **商品** 页点击新建，选择类目。有些类目（例如食品）需要先在 **资质** 页提交许可证并通过审核。
2. 填写标题、描述，添加规格（SKU）：每个规格有自己的编码、价格和库存。
3. 上传商品图片（JPEG、PNG 或 WebP）。图片会去除拍摄位置等元数据后保存。
4. 选择可售地区，保存后点击 **上架**。草稿和已下架的商品买家看不到。

商品多时，可以在服务市场启用“商品批量管理”或“一键搬家”。""",
        body_en="""1. On **Products**, create a product and choose its category. Some categories (food, for example) need an approved licence first: submit it on **Qualifications**.
2. Write the title and description, and add the options (SKUs): each has its own code, price and stock.
3. Upload images (JPEG, PNG or WebP). They are stored without metadata such as the place they were taken.
4. Choose where it may be sold, save, then **List** it. Buyers never see drafts or delisted products.

For many products, enable “Batch product management” or “One-click store migration” in the service market.""",
    ),
    GuideDraft(
        slug="qualifications",
        course=GuideCourse.products,
        position=2,
        page_key="qualifications",
        title_zh="资质：卖需要许可证的商品",
        title_en="Qualifications: selling goods that need a licence",
        body_zh="""平台的类目树规定了每个类目允许哪些店铺类型、需要哪些资质。在 **资质** 页选择许可证种类，填写证号并上传扫描件或照片（图片或 PDF）。

平台管理员审核后，你会看到“已通过”或驳回原因。资质通过前，该类目的商品会被拒绝上架。证件文件只对店内有权限的成员和平台管理员可见。""",
        body_en="""The platform's category tree says which shop types may sell in each category and which licences it needs. On **Qualifications**, choose the kind of licence, enter its number and upload a scan or photo (an image or a PDF).

A platform admin reviews it; you then see “Approved” or the reason it was rejected. Until then, products in that category are refused. The document is visible only to members allowed to change the shop and to platform admins.""",
    ),
    GuideDraft(
        slug="ship-an-order",
        course=GuideCourse.orders,
        position=1,
        page_key="orders",
        title_zh="订单：从付款到发货",
        title_en="Orders: from payment to shipping",
        body_zh="""买家下单后订单为 **待付款**；超过店铺设置的时间（默认 30 分钟，可在店铺设置里改为 5 分钟到 1 天）未付款会自动取消，库存退回。

付款后订单变为 **已付款**：在订单详情里填写快递公司和运单号发货，买家即可看到物流信息。自提订单由买家凭取货码到自提门店取货。""",
        body_en="""A new order is **pending payment**; if it is not paid within the shop's timeout (30 minutes unless you change it in shop settings, anywhere from 5 minutes to a day) it is cancelled and its stock returns.

Once **paid**, ship it from the order's page with the carrier and waybill number; the buyer then sees the tracking. A self-pickup order is collected at your pickup store with its pickup code.""",
    ),
    GuideDraft(
        slug="after-sales-deadlines",
        course=GuideCourse.orders,
        position=2,
        page_key="aftersales",
        title_zh="售后：在期限内处理",
        title_en="After-sales: decide before the deadline",
        body_zh="""买家可以申请仅退款、退货退款或换货。每个申请都有处理期限（48 小时），页面上会显示剩余时间。

请在期限内同意或拒绝（拒绝要写明理由）。超过期限未处理的申请会由平台自动同意。""",
        body_en="""A buyer may ask for a refund only, a return and refund, or an exchange. Each request has a deadline (48 hours), shown on the page.

Accept or refuse it in time (a refusal needs a reason). A request left past its deadline is accepted by the platform automatically.""",
    ),
    GuideDraft(
        slug="carrier-accounts-and-shipping",
        course=GuideCourse.logistics,
        position=1,
        page_key="carriers",
        title_zh="物流账号与运费模板",
        title_en="Carrier accounts and shipping templates",
        body_zh="""在 **物流账号** 页绑定快递公司的电子面单账号：绑定时平台会向快递公司验证，密钥加密保存，之后不会再显示给任何人。打单服务通过平台申请运单号，永远拿不到你的密钥。

在 **运费** 页设置运费模板（首重、续重的费用，可按省份单独定价），在 **自提门店** 页添加门店，买家即可选择到店自提。""",
        body_en="""On **Carrier accounts**, bind your e-waybill account with a carrier: the platform verifies it with the carrier, stores the secret encrypted, and never shows it again. A label-printing service asks the platform for waybill numbers and never sees the secret.

On **Shipping**, set shipping templates (a fee for the first weight and for each additional weight, with different fees per province if you like); on **Pickup stores**, add stores so buyers can collect in person.""",
    ),
    GuideDraft(
        slug="enable-a-service",
        course=GuideCourse.services,
        position=1,
        page_key="apps",
        title_zh="在服务市场启用服务",
        title_en="Enable a service from the market",
        body_zh="""服务市场里的服务由平台审核后上架。启用前，授权页会用通俗的话列出服务要求的每项权限及原因；只授予你同意的权限。

启用后可在 **服务** 页查看、设置或停用。停用后服务会在短暂的清理期后失去访问权限。服务的新版本如果要求更多权限，需要你重新同意，旧版本会继续运行。""",
        body_en="""Services in the market are reviewed by the platform before they are listed. Before you enable one, the consent page lists each permission it asks for, in plain words, with its reason; it gets only what you grant.

Afterwards, see, configure or remove it on **Services**. A removed service loses access after a short clean-up window. A new version that asks for more permissions waits for your consent while the old one keeps running.""",
    ),
    GuideDraft(
        slug="platform-support",
        course=GuideCourse.rules,
        position=1,
        page_key="support",
        title_zh="平台客服：提工单",
        title_en="Platform support: open a ticket",
        body_zh="""在控制台任何页面点击右上方的 **联系平台客服**，工单会记下你所在的页面；在订单或商品页面提交时，会自动带上订单号或商品号。

选择问题类型，描述问题，提交后可以上传截图（只有本店成员和平台管理员能看到）。平台会在一天内答复，答复会出现在工单里并通知你。问题解决后可以关闭工单。""",
        body_en="""On any console page, use **Ask platform support**: the ticket remembers the page you were on, and from an order's or product's page it fills in its number.

Choose what it is about, describe the problem, then add screenshots (only your shop's members and platform admins can see them). The platform answers within a day; the answer appears on the ticket and you are notified. Close the ticket once it is solved.""",
    ),
    GuideDraft(
        slug="suspensions-and-rules",
        course=GuideCourse.rules,
        position=2,
        page_key="settings",
        title_zh="平台规则与店铺限制",
        title_en="Platform rules and suspensions",
        body_zh="""违反平台规则的店铺可能被平台管理员暂停，暂停原因会显示给店主。暂停期间店内成员仍可查看店铺，但不能修改，服务也不能代表店铺操作。

整改后可以通过平台客服工单申请恢复。""",
        body_en="""A shop that breaks the platform's rules may be suspended by a platform admin; the owner sees the reason. While suspended, the shop's members can still read it but not change it, and services cannot act for it.

Once it is put right, ask for reinstatement through a platform support ticket.""",
    ),
)


def seed_guides(session: Session) -> int:
    """Add the guides that are missing (by address); returns how many were added."""
    existing = set(session.exec(select(Guide.slug)).all())
    added = 0
    for draft in GUIDES:
        if draft.slug not in existing:
            save_guide(session, draft=draft)
            added += 1
    return added
