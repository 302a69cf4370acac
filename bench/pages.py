"""Pages per second: the service market (1,000 live listings) and the consent screen, vs a
bare Jinja2 render of the same templates with the same data through FastAPI.

Both servers run under uvicorn in a subprocess on a free loopback port and are driven by the
same load (``CLIENTS`` threads, each on its own connection, ``N`` GETs after ``WARMUP``):

- Tanzi: ``GET /market`` (the session cookie, a count and a page query over 1,000 listings,
  the cards, the layout in the visitor's language) and ``GET /market/{slug}/install`` for a
  signed-in merchant (session, account, listing, live version, provider, the shops they may
  install in, CSRF token);
- bare: a FastAPI app that loaded the same page data once at start and only renders the
  same two templates with a plain Jinja2 environment (no session, no database).

Each side runs ``ROUNDS`` times, alternating; each figure is the median. The ratio is the
geometric mean of the two pages' ratios. Database: see ``harness``.

Run: ``.venv/bin/python bench/pages.py [N] [CLIENTS]``. Last line:
``pages: ratio R (tanzi/bare)``.
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
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, SQLModel, select

N = harness.size(400, 40)
CLIENTS = 4
WARMUP = harness.size(30, 8)
ROUNDS = harness.rounds()
LISTINGS = harness.size(1000, 60)
PLUGIN = "shipping_insurance"  # loaded by plugins.toml
EMAIL, PASSWORD = "merchant@bench.test", "bench-password"
PAGES = {"market": "/market", "consent": f"/market/{PLUGIN}/install"}


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
    """1,000 live listings (one of them the installable plugin) and a merchant with a shop."""
    import core.models as m
    from core.db import create_db_engine
    from core.models.base import utcnow
    from core.security import hash_password

    engine = create_db_engine(_settings(database_url))
    SQLModel.metadata.create_all(engine)
    now = utcnow()
    categories = ["logistics", "marketing", "orders", "products", "finance", "service", "data"]
    with Session(engine) as session:
        provider = m.Account(email="provider@bench.test", name="Bench Provider", is_provider=True)
        merchant = m.Account(
            email=EMAIL, name="Bench Merchant", password_hash=hash_password(PASSWORD)
        )
        session.add_all([provider, merchant])
        session.flush()
        for i in range(LISTINGS):
            slug = PLUGIN if i == 0 else f"service_{i:04d}"
            listing = m.Listing(
                slug=slug,
                provider_id=provider.id or 0,
                name=f"Service {i}" if i else "Shipping insurance",
                summary=f"Does useful thing number {i} for small shops",
                description="**Useful**.\n\n- one\n- two",
                category=categories[i % len(categories)],
                icon="🧩",
                pricing_model=m.PricingModel.monthly if i % 3 == 0 else m.PricingModel.free,
                price_fen=990 * (i % 5),
                status=m.ListingStatus.live,
                install_count=(i * 7919) % 5000,
                rating_sum=(i % 5 + 1) * (i % 9),
                rating_count=i % 9,
                created_at=now - timedelta(minutes=i),
            )
            session.add(listing)
            session.flush()
            version = m.ListingVersion(
                listing_id=listing.id or 0,
                version="1.0.0",
                kind="plugin",
                plugin_id=slug,
                scopes=[
                    {"scope": "orders:read", "reason": "to insure each paid order"},
                    {"scope": "aftersales:read", "reason": "to pay out on returns"},
                ],
                status=m.VersionStatus.approved,
                reviewed_at=now,
            )
            session.add(version)
            session.flush()
            listing.live_version_id = version.id
            session.add(listing)
        for n in range(3):
            shop = m.Shop(owner_id=merchant.id or 0, type=m.ShopType.enterprise, name=f"Shop {n}")
            shop.status = m.ShopStatus.open
            session.add(shop)
            session.flush()
            session.add(m.Member(shop_id=shop.id or 0, account_id=merchant.id or 0, is_owner=True))
        session.commit()
    engine.dispose()


def tanzi_app(database_url: str, data_dir: str) -> FastAPI:
    """The whole Tanzi app, as ``tanzi serve`` builds it."""
    from marketplace.app import create_app

    return create_app(_settings(database_url, data_dir))


def bare_app(database_url: str) -> FastAPI:
    """Loads the two pages' data once, then only renders the same templates per request."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    import core.models as m
    from core.db import create_db_engine
    from marketplace.oauth.consent import _consent_context
    from marketplace.services.catalog import browse_listings, get_live_listing
    from marketplace.services.grants import version_scopes
    from marketplace.web.i18n import LOCALES
    from marketplace.web.markdown import render_markdown
    from marketplace.web.market import _card, category_names
    from marketplace.web.templating import TEMPLATE_DIR, money

    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["markdown"] = render_markdown
    env.filters["money"] = money
    env.globals["locales"] = LOCALES

    engine = create_db_engine(_settings(database_url))
    with Session(engine, expire_on_commit=False) as session:
        merchant = session.exec(select(m.Account).where(m.Account.email == EMAIL)).one()
        result = browse_listings(session)
        listing = get_live_listing(session, slug=PLUGIN)
        version = session.get(m.ListingVersion, listing.live_version_id)
        assert version is not None
        consent = _consent_context(
            session,
            account=merchant,
            listing=listing,
            version=version,
            scopes=version_scopes(version),
            action=f"/market/{PLUGIN}/install",
            hidden=[],
        )
    engine.dispose()
    market = {
        "result": result,
        "cards": [_card(item) for item in result.listings],
        "categories": category_names(lambda s: s),
        "category": "",
        "q": "",
        "sort": "installs",
        "sorts": {"installs": "Most installed", "rating": "Best rated", "newest": "Newest"},
        "page_url": lambda n: f"/market?page={n}",
    }

    def base(request: Request, user: Any) -> dict[str, Any]:
        return {
            "request": request,
            "user": user,
            "lang": "en",
            "html_lang": "en",
            "csrf_token": "t" * 43,
            "csrf_field": lambda: Markup('<input type="hidden" name="csrf_token" value="t">'),
            "flashes": [],
        }

    market_page = env.get_template("market/index.html")
    consent_page = env.get_template("oauth/consent.html")
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/market")
    def market_view(request: Request) -> HTMLResponse:
        return HTMLResponse(market_page.render({**base(request, None), **market}))

    @app.get("/market/{slug}/install")
    def consent_view(slug: str, request: Request) -> HTMLResponse:
        return HTMLResponse(consent_page.render({**base(request, merchant), **consent}))

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
    )
    if done.status_code != 303:
        raise RuntimeError(f"sign-in answered {done.status_code}")


def drive(base_url: str, path: str, n: int, *, sign_in: bool) -> float:
    """GET ``path`` ``n`` times from ``CLIENTS`` clients; requests per second."""
    headers = {"accept": "text/html", "accept-language": "en"}
    load = harness.Load(clients=CLIENTS, n=n, warmup=WARMUP)
    return load.run(
        base_url,
        lambda http, _: http.get(path, headers=headers),
        lambda resp: resp.status_code == 200 and "<main>" in resp.text,
        prepare=signed_in if sign_in else None,
    )


def main(n: int) -> None:
    """Measure both servers on both pages and print the rates and the ratio."""
    rates: dict[tuple[str, str], list[float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="tanzi-bench-") as tmp,
        harness.database(tmp, "pages") as url,
    ):
        seed(url)
        with (
            harness.app_server(__file__, "tanzi", url, tmp) as tanzi_url,
            harness.app_server(__file__, "bare", url, tmp) as bare_url,
        ):
            for _ in range(ROUNDS):
                for kind, base_url in (("tanzi", tanzi_url), ("bare", bare_url)):
                    for page, path in PAGES.items():
                        rate = drive(
                            base_url, path, n, sign_in=kind == "tanzi" and page == "consent"
                        )
                        rates.setdefault((kind, page), []).append(rate)
    print(
        f"{harness.backends()}; {LISTINGS} listings; {n} GETs from {CLIENTS} clients, "
        f"median of {ROUNDS}"
    )
    ratios = []
    for page in PAGES:
        tanzi = harness.median(rates[("tanzi", page)])
        bare = harness.median(rates[("bare", page)])
        ratios.append(tanzi / bare)
        print(f"{page}: tanzi {tanzi:.1f}/s, bare render {bare:.1f}/s, ratio {tanzi / bare:.2f}")
    geo = math.prod(ratios) ** (1 / len(ratios))
    print(harness.ratio_line("pages", geo, "tanzi/bare"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        kind, url, data_dir, port = sys.argv[2:6]
        app = tanzi_app(url, data_dir) if kind == "tanzi" else bare_app(url)
        harness.serve_app(app, int(port))
    else:
        if len(sys.argv) > 2:
            CLIENTS = int(sys.argv[2])
        main(int(sys.argv[1]) if len(sys.argv) > 1 else N)
