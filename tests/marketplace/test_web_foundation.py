"""The consoles' shared ground: sessions, CSRF, sign-up/in/out, languages, safe Markdown,
and errors shown as pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.middleware.sessions import SessionMiddleware

from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.i18n import parse_accept_language, request_locale
from marketplace.web.markdown import render_markdown
from marketplace.web.templating import FLASH_KEY, flash
from tests.webtools import HTML, csrf_from, sign_in


def test_sign_up_signs_in_and_the_session_cookie_is_http_only(client: TestClient) -> None:
    page = client.get("/signup?role=provider", headers=HTML)
    assert page.status_code == 200
    assert 'value="provider" checked' in page.text
    response = client.post(
        "/signup",
        data={
            "name": "Lin",
            "email": "lin@example.com",
            "password": "long-enough",
            "role": "provider",
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/provider"
    cookie = response.headers["set-cookie"]
    assert "tanzi_session=" in cookie
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "Lin" in client.get("/signin", headers=HTML, follow_redirects=True).text


def test_sign_up_reports_each_bad_field_and_keeps_what_was_typed(client: TestClient) -> None:
    page = client.get("/signup", headers=HTML)
    response = client.post(
        "/signup",
        data={
            "name": " ",
            "email": "nope",
            "password": "short",
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
    )
    assert response.status_code == 400
    assert "Enter your name." in response.text
    assert "Enter an e-mail address" in response.text
    assert "at least 8 characters" in response.text
    assert 'value="nope"' in response.text


def test_wrong_password_is_refused_and_right_one_returns_to_next(
    client: TestClient, factory
) -> None:
    factory.account(email="ma@example.com", password="right-password")
    page = client.get("/signin?next=/console", headers=HTML)
    token = csrf_from(page.text)
    wrong = client.post(
        "/signin",
        data={"email": "ma@example.com", "password": "nope", "csrf_token": token, "next": "/x"},
        headers=HTML,
    )
    assert wrong.status_code == 400
    assert "Wrong e-mail or password." in wrong.text
    right = client.post(
        "/signin",
        data={
            "email": "ma@example.com",
            "password": "right-password",
            "csrf_token": token,
            "next": "//evil.example/steal",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert right.status_code == 303
    assert right.headers["location"] == "/"  # an off-site next is never followed


def test_a_form_posted_without_its_csrf_token_is_refused(client: TestClient, factory) -> None:
    factory.account(email="ma@example.com", password="right-password")
    client.get("/signin", headers=HTML)
    missing = client.post(
        "/signin", data={"email": "ma@example.com", "password": "right-password"}, headers=HTML
    )
    assert missing.status_code == 403
    assert "Reload the page" in missing.text
    forged = client.post(
        "/signin",
        data={"email": "ma@example.com", "password": "right-password", "csrf_token": "forged"},
        headers={"accept": "application/json"},
    )
    assert forged.status_code == 403
    assert forged.json()["code"] == "csrf_failed"


def test_sign_in_rotates_the_session_and_sign_out_ends_it(client: TestClient, factory) -> None:
    factory.account(email="ma@example.com", password="right-password", name="Ma Li")
    before = csrf_from(client.get("/signin", headers=HTML).text)
    sign_in(client, "ma@example.com", "right-password")
    page = client.get("/signup", headers=HTML)
    assert "Ma Li" in page.text
    after = csrf_from(page.text)
    assert after != before  # no session fixation: a new session on sign-in
    out = client.post("/signout", data={"csrf_token": after}, headers=HTML, follow_redirects=False)
    assert out.status_code == 303
    assert "Ma Li" not in client.get("/signup", headers=HTML).text


def test_pages_follow_the_browser_language_and_the_switch(client: TestClient) -> None:
    zh = client.get("/signin", headers={**HTML, "accept-language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh-CN">' in zh.text
    assert "登录" in zh.text
    en = client.get("/signin", headers={**HTML, "accept-language": "en-US,en;q=0.9"})
    assert "Sign in" in en.text and "登录" not in en.text
    switched = client.get("/lang/zh_CN?next=/signup", follow_redirects=False)
    assert switched.headers["location"] == "/signup"
    assert "注册摊子账号" in client.get("/signup", headers={**HTML, "accept-language": "en"}).text


def test_accept_language_ranks_by_quality() -> None:
    assert parse_accept_language("en;q=0.5, zh-CN, fr;q=0") == ["zh-CN", "en"]

    class Req:
        cookies: dict[str, str] = {}
        headers = {"accept-language": "fr-FR, zh-TW;q=0.8"}

    assert request_locale(Req()) == "zh_CN"  # type: ignore[arg-type]


def test_provider_markdown_is_inert() -> None:
    html = str(
        render_markdown(
            "# Hi\n<script>alert(1)</script>\n[click](javascript:alert(1)) "
            '<img src=x onerror="alert(1)"> [ok](https://example.com)'
        )
    )
    assert "<script" not in html
    assert "&lt;script&gt;" in html  # shown as text, inert
    assert 'href="javascript' not in html
    assert "<img" not in html
    assert '<a href="https://example.com" rel="nofollow noopener">ok</a>' in html
    assert "<h1>Hi</h1>" in html


def test_errors_are_pages_for_browsers_and_problems_for_the_api(client: TestClient) -> None:
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "404" in page.text
    api = client.get("/api/v1/no-such", headers=HTML)
    assert api.headers["content-type"].startswith("application/problem+json")


people_only = web_router()


@people_only.get("/only-people")
def only_people(account: RequireAccount) -> dict[str, str]:
    return {"name": account.name}


def test_pages_that_need_a_person_redirect_to_sign_in(client: TestClient) -> None:
    client.app.include_router(people_only)  # type: ignore[attr-defined]
    response = client.get("/only-people?x=1", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/only-people%3Fx%3D1"


def test_a_second_flash_message_is_kept_while_the_first_waits() -> None:
    """Two messages flashed on two requests before any page shows them both reach the page."""
    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key="test")

    @app.post("/say/{word}")
    def say(word: str, request: Request) -> dict[str, str]:
        flash(request, word)
        return {}

    @app.get("/waiting")
    def waiting(request: Request) -> list[str]:
        return [item["message"] for item in request.session.get(FLASH_KEY, [])]

    with TestClient(app) as browser:
        browser.post("/say/first")
        browser.post("/say/second")
        assert browser.get("/waiting").json() == ["first", "second"]
