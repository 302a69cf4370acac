"""Notifications through the pages: the frame's unread badge, the person's list in their own
language, opening one (read, then its page), marking all read; and screenshots chosen in the
new-ticket form itself."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

import core.models as m
from core.services.notifications import NOTICE_TEXTS, notify
from marketplace.web.i18n import translations
from tests.conftest import Factory
from tests.webtools import csrf_from, sign_in

HTML = {"Accept": "text/html"}
BADGE = re.compile(r'href="/account/notifications">[^<]*<span class="badge unread">(\d+)')


def _png(colour: tuple[int, int, int] = (30, 90, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="PNG")
    return out.getvalue()


def _send_ticket(
    client: TestClient, shop: m.Shop, files: list[tuple[str, tuple[str, bytes, str]]]
) -> object:
    form = client.get(f"/console/shops/{shop.id}/support/new", headers=HTML).text
    assert 'enctype="multipart/form-data"' in form and 'name="screenshots" multiple' in form
    return client.post(
        f"/console/shops/{shop.id}/support/new",
        data={
            "csrf_token": csrf_from(form),
            "category": "products",
            "subject": "Images look wrong",
            "description": "See the screenshots.",
        },
        files=files,
        headers=HTML,
        follow_redirects=False,
    )


def test_screenshots_chosen_in_the_form_come_with_the_new_ticket(
    client: TestClient, factory: Factory, engine: object
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    sent = _send_ticket(
        client,
        shop,
        [
            ("screenshots", ("one.png", _png(), "image/png")),
            ("screenshots", ("two.png", _png((10, 200, 10)), "image/png")),
        ],
    )
    assert sent.status_code == 303, sent.text  # type: ignore[attr-defined]
    url = sent.headers["location"]  # type: ignore[attr-defined]
    ticket_id = int(url.rsplit("/", 1)[1])
    with Session(engine) as session:  # type: ignore[arg-type]
        shots = session.exec(
            select(m.TicketScreenshot).where(m.TicketScreenshot.ticket_id == ticket_id)
        ).all()
        assert len(shots) == 2
        names = {session.get(m.StoredFile, s.file_id).filename for s in shots}  # type: ignore[union-attr]
        assert names == {"one.png", "two.png"}
    page = client.get(url, headers=HTML).text
    assert page.count("?size=thumb") == 2


def test_a_refused_screenshot_keeps_the_ticket_unsent_and_says_why(
    client: TestClient, factory: Factory, engine: object
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    sent = _send_ticket(
        client,
        shop,
        [
            ("screenshots", ("fine.png", _png(), "image/png")),
            ("screenshots", ("notes.txt", b"not an image at all", "image/png")),
        ],
    )
    assert sent.status_code == 400  # type: ignore[attr-defined]
    text = sent.text  # type: ignore[attr-defined]
    assert 'id="screenshots-error"' in text and "JPEG, PNG or WebP" in text
    assert 'value="Images look wrong"' in text  # what was typed is kept
    with Session(engine) as session:  # type: ignore[arg-type]
        assert session.exec(select(m.SupportTicket)).all() == []
        assert session.exec(select(m.TicketScreenshot)).all() == []
        assert session.exec(select(m.Notification)).all() == []


def test_more_screenshots_than_a_ticket_keeps_are_refused(
    client: TestClient, factory: Factory, engine: object
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    files = [("screenshots", (f"s{i}.png", _png((i * 30, 0, 0)), "image/png")) for i in range(7)]
    sent = _send_ticket(client, shop, files)
    assert sent.status_code == 400  # type: ignore[attr-defined]
    assert "Choose at most 6 screenshots." in sent.text  # type: ignore[attr-defined]
    with Session(engine) as session:  # type: ignore[arg-type]
        assert session.exec(select(m.SupportTicket)).all() == []


def test_a_person_reads_their_notices_in_their_language_and_opens_one(
    client: TestClient, factory: Factory, engine: object
) -> None:
    owner = factory.account(email="owner@example.com")
    shop = factory.shop(owner)
    admin = factory.account(email="admin@example.com", is_admin=True)
    sign_in(client, owner.email, "secret-pass")
    sent = _send_ticket(client, shop, [])
    url = sent.headers["location"]  # type: ignore[attr-defined]
    ticket_id = int(url.rsplit("/", 1)[1])
    assert "/account/notifications" in client.get(url, headers=HTML).text
    assert not BADGE.search(client.get(url, headers=HTML).text)  # nothing for the merchant

    sign_in(client, admin.email, "secret-pass")
    queue = client.get("/admin/support", headers=HTML).text
    assert BADGE.search(queue).group(1) == "1"  # type: ignore[union-attr]
    page = client.get("/account/notifications", headers=HTML).text
    assert f"New support ticket #{ticket_id}: Images look wrong" in page
    [note_id] = re.findall(r'id="notice-(\d+)" class="card notice unread"', page)
    opened = client.post(
        f"/account/notifications/{note_id}/read",
        data={"csrf_token": csrf_from(page), "go": "link"},
        headers=HTML,
        follow_redirects=False,
    )
    assert opened.headers["location"] == f"/admin/support/{ticket_id}"
    ticket_page = client.get(f"/admin/support/{ticket_id}", headers=HTML).text
    assert not BADGE.search(ticket_page)
    client.post(
        f"/admin/support/{ticket_id}/reply",
        data={"csrf_token": csrf_from(ticket_page), "body": "Re-upload them, please."},
        headers=HTML,
    )

    sign_in(client, owner.email, "secret-pass")
    client.cookies.set("tanzi_lang", "zh_CN")
    console = client.get(f"/console/shops/{shop.id}/support", headers=HTML).text
    assert BADGE.search(console).group(1) == "1"  # type: ignore[union-attr]
    mine = client.get("/account/notifications", headers=HTML).text
    assert f"平台已答复你的工单 #{ticket_id}：Images look wrong" in mine  # noqa: RUF001
    assert "New support ticket" not in mine  # the admin's notice is not the merchant's
    # the API keeps a sensible English text and the link
    with Session(engine) as session:  # type: ignore[arg-type]
        row = session.exec(
            select(m.Notification).where(m.Notification.account_id == owner.id)
        ).one()
        assert row.message == "" and row.params == {
            "ticket_id": ticket_id,
            "subject": "Images look wrong",
        }
        assert row.link == f"/console/shops/{shop.id}/support/{ticket_id}"
    done = client.post(
        "/account/notifications/read-all",
        data={"csrf_token": csrf_from(mine)},
        headers=HTML,
    )
    assert "已将 1 条通知标为已读。" in done.text
    assert not BADGE.search(done.text) and 'class="card notice unread"' not in done.text


def test_another_persons_notice_cannot_be_marked_read(
    client: TestClient, factory: Factory, engine: object
) -> None:
    owner = factory.account(email="owner@example.com")
    stranger = factory.account(email="stranger@example.com")
    with Session(engine) as session:  # type: ignore[arg-type]
        row = notify(
            session,
            account_id=owner.id,  # type: ignore[arg-type]
            kind="support_answered",
            params={"ticket_id": 5, "subject": "Hi"},
            link="/console/shops/1/support/5",
        )
        session.commit()
        note_id = row.id
    sign_in(client, stranger.email, "secret-pass")
    page = client.get("/account/notifications", headers=HTML).text
    assert "No notifications yet." in page
    refused = client.post(
        f"/account/notifications/{note_id}/read",
        data={"csrf_token": csrf_from(page), "go": "link"},
        headers=HTML,
        follow_redirects=False,
    )
    assert refused.status_code == 404
    with Session(engine) as session:  # type: ignore[arg-type]
        assert session.get(m.Notification, note_id).read_at is None  # type: ignore[union-attr]


def test_every_notice_text_is_translated_and_the_pages_use_the_apis_english() -> None:
    from marketplace.web.notice_words import notice_texts

    class FakeRequest:
        cookies = {"tanzi_lang": "en"}
        headers: dict[str, str] = {}

    english = notice_texts(FakeRequest())  # type: ignore[arg-type]
    assert english == NOTICE_TEXTS
    chinese = translations("zh_CN")
    for text in NOTICE_TEXTS.values():
        assert chinese.gettext(text) != text, text


def test_the_api_renders_a_keyed_notice_in_english_with_its_link(
    client: TestClient, factory: Factory, engine: object
) -> None:
    owner = factory.account()
    with Session(engine) as session:  # type: ignore[arg-type]
        notify(
            session,
            account_id=owner.id,  # type: ignore[arg-type]
            kind="support_answered",
            params={"ticket_id": 7, "subject": "Refund stuck"},
            link="/console/shops/3/support/7",
            shop_id=None,
        )
        notify(session, account_id=owner.id, kind="shop_note", message="Paused.")  # type: ignore[arg-type]
        session.commit()
    notes = client.get("/api/v1/me/notifications", headers=factory.headers(owner)).json()
    assert [(n["kind"], n["message"], n["link"]) for n in notes] == [
        ("shop_note", "Paused.", ""),  # a kind without a text keeps its message
        (
            "support_answered",
            "The platform answered your ticket #7: Refund stuck",
            "/console/shops/3/support/7",
        ),
    ]


def test_a_notice_written_before_its_kind_had_a_text_keeps_its_message(
    client: TestClient, factory: Factory, engine: object
) -> None:
    owner = factory.account()
    with Session(engine) as session:  # type: ignore[arg-type]
        session.add(
            m.Notification(
                account_id=owner.id,  # type: ignore[arg-type]
                kind="support_answered",
                message="The platform answered your ticket #3: Old one",
            )
        )
        session.commit()
    [note] = client.get("/api/v1/me/notifications", headers=factory.headers(owner)).json()
    assert note["message"] == "The platform answered your ticket #3: Old one"
    sign_in(client, owner.email, "secret-pass")
    page = client.get("/account/notifications", headers=HTML).text
    assert "The platform answered your ticket #3: Old one" in page and "%(" not in page
