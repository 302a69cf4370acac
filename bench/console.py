"""Console pages per second: the products list (1,000 products with images) and an order's
detail page, vs a bare Jinja2 render of the same data through FastAPI.

Both servers run under uvicorn in a subprocess on a free loopback port and are driven by the
same load (``CLIENTS`` threads, each on its own connection, signed in where it must be, ``N``
GETs after ``WARMUP``):

- Tanzi: ``GET /console/shops/{id}/products`` and ``GET /console/shops/{id}/orders/{oid}``
  for the shop's owner (session, membership and role, the page's queries, the plugins'
  actions, the layout in the visitor's language). The pages are driven by URL only, so the
  benchmark measures whatever those routes render today;
- bare: a FastAPI app that, at start, asked Tanzi's own routes for the two pages once and
  caught the template and the values each rendered; per request it only renders that
  template with those values (no session, no database, no middleware). Since both sides
  go through the URL, a rework of the pages changes both alike and breaks neither.

Each side runs ``ROUNDS`` times, alternating; each figure is the median. The ratio is the
geometric mean of the two pages' ratios. Database: see ``harness``.

Run: ``.venv/bin/python bench/console.py [N] [CLIENTS]``. Last line:
``console: ratio R (tanzi/bare)``.
"""

from __future__ import annotations

import math
import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import harness
import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlmodel import Session, SQLModel

N = harness.size(300, 30)
CLIENTS = 4
WARMUP = harness.size(20, 5)
ROUNDS = harness.rounds()
PRODUCTS = harness.size(1000, 60)
LINES = 6  # order lines on the detail page
EMAIL, PASSWORD = "owner@bench.test", "bench-password"
SHOP_ID = 1
ORDER_ID = 1
PAGES = {
    "products": f"/console/shops/{SHOP_ID}/products",
    "order": f"/console/shops/{SHOP_ID}/orders/{ORDER_ID}",
}


def _settings(database_url: str, data_dir: str = "") -> Any:
    from core.settings import Settings

    return Settings(
        env="test",
        database_url=database_url,
        data_dir=Path(data_dir or tempfile.gettempdir()),
        secret_key="bench-secret",
        rate_limit_enabled=False,
    )


def seed(database_url: str) -> None:
    """A shop with 1,000 products (SKUs, a main image and its thumbnail each) and one paid,
    shipped order with several lines, two tracked parcels and an after-sales request."""
    import core.models as m
    from core.db import create_db_engine
    from core.models.base import utcnow
    from core.security import hash_password

    engine = create_db_engine(_settings(database_url))
    SQLModel.metadata.create_all(engine)
    now = utcnow()
    with Session(engine) as session:
        owner = m.Account(email=EMAIL, name="Bench Owner", password_hash=hash_password(PASSWORD))
        buyer = m.Account(email="buyer@bench.test", name="Bench Buyer")
        session.add_all([owner, buyer])
        session.flush()
        shop = m.Shop(owner_id=owner.id or 0, type=m.ShopType.enterprise, name="Bench tea shop")
        shop.status = m.ShopStatus.open
        session.add(shop)
        session.flush()
        assert shop.id == SHOP_ID
        session.add(m.Member(shop_id=SHOP_ID, account_id=owner.id or 0, is_owner=True))
        category = m.Category(name="Tea", shop_types=[t.value for t in m.ShopType])
        session.add(category)
        session.flush()
        skus: list[m.Sku] = []
        for i in range(PRODUCTS):
            product = m.Product(
                shop_id=SHOP_ID,
                category_id=category.id or 0,
                title=f"Longjing green tea, spring picking no. {i}",
                status=m.ProductStatus.listed if i % 4 else m.ProductStatus.draft,
            )
            session.add(product)
            session.flush()
            for size in ("50g", "250g"):
                sku = m.Sku(
                    product_id=product.id or 0,
                    shop_id=SHOP_ID,
                    code=f"P{i}-{size}",
                    price_fen=1000 + 37 * i + (4000 if size == "250g" else 0),
                    stock=(i * 7) % 50,
                )
                session.add(sku)
                skus.append(sku)
            image = m.StoredFile(
                shop_id=SHOP_ID,
                purpose=m.FilePurpose.product_image,
                storage_key=f"shops/{SHOP_ID}/{i:06d}.webp",
                content_type="image/webp",
                size=80_000,
                sha256=f"{2 * i:064x}",
                public=True,
                width=1200,
                height=1200,
            )
            session.add(image)
            session.flush()
            thumb = m.StoredFile(
                shop_id=SHOP_ID,
                purpose=m.FilePurpose.thumbnail,
                storage_key=f"shops/{SHOP_ID}/{i:06d}-thumb.webp",
                content_type="image/webp",
                size=9_000,
                sha256=f"{2 * i + 1:064x}",
                public=True,
                width=400,
                height=400,
                original_id=image.id,
            )
            session.add(thumb)
            session.flush()
            session.add(
                m.ProductImage(
                    shop_id=SHOP_ID,
                    product_id=product.id or 0,
                    file_id=image.id or 0,
                    thumbnail_id=thumb.id,
                    is_main=True,
                )
            )
        session.flush()
        lines = [(skus[2 * k], k + 1) for k in range(LINES)]
        total = sum(sku.price_fen * q for sku, q in lines)
        order = m.Order(
            shop_id=SHOP_ID,
            buyer_id=buyer.id,
            idempotency_key="bench-order",
            request_hash="0" * 64,
            status=m.OrderStatus.shipped,
            subtotal_fen=total,
            total_fen=total,
            recipient_name="Wang Fang",
            recipient_phone="13800000000",
            province_code="33",
            address="18 Longjing Road, Hangzhou",
            paid_at=now - timedelta(days=2),
            shipped_at=now - timedelta(days=1),
        )
        session.add(order)
        session.flush()
        assert order.id == ORDER_ID
        line_rows = [
            m.OrderLine(
                order_id=ORDER_ID,
                product_id=sku.product_id,
                sku_id=sku.id,
                title=f"Longjing green tea ({sku.code})",
                quantity=q,
                unit_price_fen=sku.price_fen,
            )
            for sku, q in lines
        ]
        session.add_all(line_rows)
        for p in range(2):
            parcel = m.Shipment(
                shop_id=SHOP_ID,
                order_id=ORDER_ID,
                carrier_code="sf",
                waybill_no=f"SF14{p:011d}",
                line_ids=[],
            )
            session.add(parcel)
            session.flush()
            for s, status in enumerate(("picked_up", "in_transit", "in_transit", "delivering")):
                session.add(
                    m.TrackingEvent(
                        shipment_id=parcel.id or 0,
                        status=status,
                        description=f"Scan {s} at the sorting centre",
                        location="Hangzhou",
                        occurred_at=now - timedelta(hours=20 - 4 * s),
                    )
                )
        session.add(
            m.AfterSale(
                shop_id=SHOP_ID,
                order_id=ORDER_ID,
                kind=m.AfterSaleKind.refund_only,
                amount_fen=500,
                reason="One tin arrived dented",
                buyer_id=buyer.id,
                respond_by=now + timedelta(days=2),
            )
        )
        session.commit()
    engine.dispose()


def tanzi_app(database_url: str, data_dir: str) -> FastAPI:
    """The whole Tanzi app, as ``tanzi serve`` builds it."""
    from marketplace.app import create_app

    return create_app(_settings(database_url, data_dir))


def _captured_pages(database_url: str, data_dir: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """The template and the values each page rendered, caught once from Tanzi itself.

    The routes are asked by URL through Tanzi's app in this process (signed in), with
    ``jinja2.Template.render`` watched: whatever template and data a route renders today,
    the bare side renders the same, so the baseline follows a rework of the pages.
    """
    import warnings

    from jinja2 import Template

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note on its httpx-based test client
        from fastapi.testclient import TestClient

    caught: list[tuple[str, dict[str, Any]]] = []
    original = Template.render

    def watching(self: Template, *args: Any, **kwargs: Any) -> str:
        caught.append((self.name or "", dict(*args, **kwargs)))
        return original(self, *args, **kwargs)

    pages: dict[str, tuple[str, dict[str, Any]]] = {}
    Template.render = watching  # type: ignore[method-assign]
    try:
        with TestClient(tanzi_app(database_url, data_dir)) as client:
            signed_in(client)
            for page, path in PAGES.items():
                caught.clear()
                response = client.get(
                    path, headers={"accept": "text/html", "accept-language": "en"}
                )
                if not _check(page)(response):
                    raise RuntimeError(f"{path} answered {response.status_code}")
                pages[page] = caught[-1]
    finally:
        Template.render = original  # type: ignore[method-assign]
    return pages


def bare_app(database_url: str, data_dir: str) -> FastAPI:
    """Renders each page's template with the data Tanzi rendered it with, caught once at
    start: no session, no database, no middleware, only Jinja2 through FastAPI."""
    from marketplace.web.templating import environment

    pages = _captured_pages(database_url, data_dir)
    env = environment("en")
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    def view(name: str, values: dict[str, Any]) -> Any:
        template = env.get_template(name)

        def render_page() -> HTMLResponse:
            return HTMLResponse(template.render(values))

        return render_page

    for page, (name, values) in pages.items():
        app.add_api_route(PAGES[page], view(name, values), methods=["GET"])
    return app


def signed_in(http: httpx.Client) -> None:
    """Sign the client in through the form, as a browser does."""
    page = http.get("/signin", headers={"accept": "text/html"})
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "no CSRF token on the sign-in page"
    done = http.post(
        "/signin",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": found.group(1)},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    if done.status_code != 303:
        raise RuntimeError(f"sign-in answered {done.status_code}")


def _check(page: str) -> Any:
    """Each answer must be the page itself: the newest product, or the order's last line."""
    newest = f"spring picking no. {PRODUCTS - 1}"

    def check(resp: httpx.Response) -> bool:
        if resp.status_code != 200 or "<main>" not in resp.text:
            return False
        return newest in resp.text if page == "products" else "Longjing green tea (P" in resp.text

    return check


def drive(base_url: str, page: str, n: int, *, sign_in: bool) -> float:
    """GET the page ``n`` times from ``CLIENTS`` clients; requests per second."""
    headers = {"accept": "text/html", "accept-language": "en"}
    load = harness.Load(clients=CLIENTS, n=n, warmup=WARMUP)
    return load.run(
        base_url,
        lambda http, _: http.get(PAGES[page], headers=headers),
        _check(page),
        prepare=signed_in if sign_in else None,
    )


def main(n: int) -> None:
    """Measure both servers on both pages and print the rates and the ratio."""
    rates: dict[tuple[str, str], list[float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="tanzi-bench-") as tmp,
        harness.database(tmp, "console") as url,
    ):
        seed(url)
        with (
            harness.app_server(__file__, "tanzi", url, tmp) as tanzi_url,
            harness.app_server(__file__, "bare", url, tmp) as bare_url,
        ):
            for _ in range(ROUNDS):
                for kind, base_url in (("tanzi", tanzi_url), ("bare", bare_url)):
                    for page in PAGES:
                        rate = drive(base_url, page, n, sign_in=kind == "tanzi")
                        rates.setdefault((kind, page), []).append(rate)
    print(
        f"{harness.backends()}; {PRODUCTS} products with images, an order of {LINES} lines; "
        f"{n} GETs from {CLIENTS} clients, median of {ROUNDS}"
    )
    ratios = []
    for page in PAGES:
        tanzi = harness.median(rates[("tanzi", page)])
        bare = harness.median(rates[("bare", page)])
        ratios.append(tanzi / bare)
        print(f"{page}: tanzi {tanzi:.1f}/s, bare render {bare:.1f}/s, ratio {tanzi / bare:.2f}")
    geo = math.prod(ratios) ** (1 / len(ratios))
    print(harness.ratio_line("console", geo, "tanzi/bare"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        kind, url, data_dir, port = sys.argv[2:6]
        app = tanzi_app(url, data_dir) if kind == "tanzi" else bare_app(url, data_dir)
        harness.serve_app(app, int(port))
    else:
        if len(sys.argv) > 2:
            CLIENTS = int(sys.argv[2])
        main(int(sys.argv[1]) if len(sys.argv) > 1 else N)
