"""The growth centre and quick guides through the pages: an admin writes a guide for a
console page, the page links it, a merchant reads and completes it, searches, and the
guide's Markdown is sanitized."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

import core.models as m
from core.guide_library import GUIDES, seed_guides
from tests.conftest import Factory
from tests.webtools import csrf_from, sign_in

HTML = {"Accept": "text/html"}
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN"}


def _write_guide(client: TestClient, **fields: str) -> str:
    page = client.get("/admin/guides/new", headers=HTML)
    data = {
        "csrf_token": csrf_from(page.text),
        "slug": "ship-faster",
        "course": "logistics",
        "position": "3",
        "page_key": "shipments",
        "title_zh": "更快发货",
        "title_en": "Ship faster",
        "body_zh": "先打单再拣货。",
        "body_en": "Print labels first, then pick.",
        "published": "true",
        **fields,
    }
    sent = client.post("/admin/guides/new", data=data, headers=HTML, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    return sent.headers["location"]


def test_an_admins_guide_is_linked_from_its_console_page_in_both_languages(
    client: TestClient, factory: Factory
) -> None:
    admin = factory.account(is_admin=True)
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, admin.email, "secret-pass")
    _write_guide(client)
    sign_in(client, owner.email, "secret-pass")
    shipments = client.get(f"/console/shops/{shop.id}/shipments", headers=HTML).text
    link = f'href="/console/shops/{shop.id}/growth/ship-faster">Ship faster</a>'
    assert link in shipments
    assert "更快发货</a>" in client.get(f"/console/shops/{shop.id}/shipments", headers=ZH).text
    # only the page it was written for links it
    assert "ship-faster" not in client.get(f"/console/shops/{shop.id}/products", headers=HTML).text


def test_reading_and_completing_a_guide_shows_as_progress(
    client: TestClient, factory: Factory, engine: object
) -> None:
    with Session(engine) as session:  # type: ignore[arg-type]
        assert seed_guides(session) == len(GUIDES)
        session.commit()
        assert seed_guides(session) == 0  # a second run adds nothing
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    growth = f"/console/shops/{shop.id}/growth"
    before = client.get(growth, headers=HTML).text
    opening = re.search(r'id="course-opening".*?</section>', before, re.S).group(0)  # type: ignore[union-attr]
    assert "0 of 2 completed" in opening and "badge" not in opening.split("<ol")[1]

    guide = client.get(f"{growth}/open-your-shop", headers=HTML)
    assert "Lesson 1 of 2" in guide.text and "<strong>Open</strong>" in guide.text
    after_read = client.get(growth, headers=HTML).text
    assert re.search(r"open-your-shop\">[^<]+</a>\s*<span class=\"badge\">Read</span>", after_read)
    client.post(
        f"{growth}/open-your-shop/complete",
        data={"csrf_token": csrf_from(guide.text), "completed": "true"},
        headers=HTML,
    )
    done = client.get(growth, headers=HTML).text
    opening = re.search(r'id="course-opening".*?</section>', done, re.S).group(0)  # type: ignore[union-attr]
    assert "1 of 2 completed" in opening and "badge completed" in opening
    with Session(engine) as session:  # type: ignore[arg-type]
        rows = session.exec(
            select(m.GuideProgress).where(m.GuideProgress.account_id == owner.id)
        ).all()
        assert len(rows) == 1 and rows[0].completed_at is not None
    # another person's progress is their own
    colleague = factory.member(shop, areas=[])
    sign_in(client, colleague.email, "secret-pass")
    assert "0 of 2 completed" in client.get(growth, headers=HTML).text


def test_guides_are_searched_in_either_language(
    client: TestClient, factory: Factory, engine: object
) -> None:
    with Session(engine) as session:  # type: ignore[arg-type]
        seed_guides(session)
        session.commit()
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    found = client.get(f"/console/shops/{shop.id}/growth?q=waybill", headers=HTML).text
    results = re.search(r'class="card guide-results".*?</section>', found, re.S).group(0)  # type: ignore[union-attr]
    assert "carrier-accounts-and-shipping" in results and "ship-an-order" in results
    assert "open-your-shop" not in results
    zh = client.get(f"/console/shops/{shop.id}/growth?q=营业执照", headers=ZH).text
    results = re.search(r'class="card guide-results".*?</section>', zh, re.S).group(0)  # type: ignore[union-attr]
    assert "开一家店" in results
    none = client.get(f"/console/shops/{shop.id}/growth?q=zzzznothing", headers=HTML).text
    assert "No guide matches." in none


def test_a_guides_markdown_is_sanitized(client: TestClient, factory: Factory) -> None:
    admin = factory.account(is_admin=True)
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, admin.email, "secret-pass")
    _write_guide(
        client,
        body_en="Hello <script>alert(1)</script> [x](javascript:alert(2)) **bold**",
    )
    sign_in(client, owner.email, "secret-pass")
    page = client.get(f"/console/shops/{shop.id}/growth/ship-faster", headers=HTML).text
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert 'href="javascript' not in page


def test_unpublished_guides_and_bad_input(client: TestClient, factory: Factory) -> None:
    admin = factory.account(is_admin=True)
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, admin.email, "secret-pass")
    edit = _write_guide(client)
    page = client.get(edit, headers=HTML)
    refused = client.post(
        edit,
        data={
            "csrf_token": csrf_from(page.text),
            "slug": "Bad Slug",
            "course": "logistics",
            "position": "1",
            "title_zh": "x",
            "title_en": "x",
            "body_zh": "x",
            "body_en": "x",
        },
        headers=HTML,
    )
    assert refused.status_code == 400
    assert "Use lowercase letters, digits and single hyphens" in refused.text
    hidden = client.post(
        edit,
        data={
            "csrf_token": csrf_from(page.text),
            "slug": "ship-faster",
            "course": "logistics",
            "position": "1",
            "page_key": "shipments",
            "title_zh": "x",
            "title_en": "Hidden one",
            "body_zh": "x",
            "body_en": "x",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert hidden.status_code == 303
    sign_in(client, owner.email, "secret-pass")
    assert (
        client.get(f"/console/shops/{shop.id}/growth/ship-faster", headers=HTML).status_code == 404
    )
    assert "Hidden one" not in client.get(f"/console/shops/{shop.id}/shipments", headers=HTML).text
    assert client.get("/admin/guides", headers=HTML, follow_redirects=False).status_code == 403
