"""Platform support tickets through the pages: a merchant opens one from a console page,
attaches a screenshot, an admin assigns, notes and answers; who may see what."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

import core.models as m
from core.files.urls import public_url
from core.models.base import utcnow
from tests.conftest import Factory
from tests.webtools import csrf_from, sign_in

HTML = {"Accept": "text/html"}


def _png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="PNG")
    return out.getvalue()


def _open_ticket(client: TestClient, shop: m.Shop, **fields: str) -> str:
    """Open a ticket through the form; the ticket page's URL."""
    form_page = client.get(f"/console/shops/{shop.id}/support/new", headers=HTML)
    data = {
        "csrf_token": csrf_from(form_page.text),
        "category": "orders",
        "subject": "Buyer changed address",
        "description": "Where do I change the address before shipping?",
        **fields,
    }
    sent = client.post(
        f"/console/shops/{shop.id}/support/new", data=data, headers=HTML, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text
    return sent.headers["location"]


def _attach(client: TestClient, ticket_url: str, body: bytes) -> int:
    page = client.get(ticket_url, headers=HTML)
    token = re.search(r'data-csrf="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    sent = client.post(
        f"{ticket_url}/screenshots",
        content=body,
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert sent.status_code == 201, sent.text
    return int(sent.json()["id"])


def test_the_console_frame_links_support_with_the_page_it_came_from(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    sign_in(client, owner.email, "secret-pass")
    page = client.get(f"/console/shops/{shop.id}/orders/{order.id}", headers=HTML)
    link = re.search(r'class="small support-link" href="([^"]+)"', page.text)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert (
        href
        == f"/console/shops/{shop.id}/support/new?from=%2Fconsole%2Fshops%2F{shop.id}%2Forders%2F{order.id}"
    )
    form = client.get(href, headers=HTML).text
    assert f'name="order_id" inputmode="numeric" value="{order.id}"' in form
    assert f'name="page_path" value="/console/shops/{shop.id}/orders/{order.id}"' in form


def test_a_ticket_goes_from_merchant_to_admin_and_back_with_notifications(
    client: TestClient, factory: Factory, engine: object
) -> None:
    owner = factory.account(email="owner@example.com")
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    admin = factory.account(email="admin@example.com", is_admin=True)
    other_admin = factory.account(email="admin2@example.com", is_admin=True)
    sign_in(client, owner.email, "secret-pass")
    url = _open_ticket(
        client, shop, order_id=str(order.id), page_path=f"/console/shops/{shop.id}/orders"
    )
    ticket_id = int(url.rsplit("/", 1)[1])
    shot_id = _attach(client, url, _png())

    with Session(engine) as session:  # type: ignore[arg-type]
        ticket = session.get(m.SupportTicket, ticket_id)
        assert ticket is not None and ticket.order_id == order.id
        assert ticket.status == m.TicketStatus.open and ticket.respond_by is not None
        told = session.exec(select(m.Notification).where(m.Notification.kind == "support_ticket"))
        assert {n.account_id for n in told} == {admin.id, other_admin.id}

    sign_in(client, admin.email, "secret-pass")
    queue = client.get("/admin/support", headers=HTML)
    assert f'id="ticket-{ticket_id}"' in queue.text and shop.name in queue.text
    page = client.get(f"/admin/support/{ticket_id}", headers=HTML)
    token = csrf_from(page.text)
    assert f"/admin/support/{ticket_id}/screenshots/{shot_id}?size=thumb" in page.text
    client.post(
        f"/admin/support/{ticket_id}/assign",
        data={"csrf_token": token, "assignee_id": str(admin.id)},
        headers=HTML,
    )
    client.post(
        f"/admin/support/{ticket_id}/reply",
        data={"csrf_token": token, "body": "Suspect buyer, check history", "internal": "true"},
        headers=HTML,
    )
    client.post(
        f"/admin/support/{ticket_id}/reply",
        data={"csrf_token": token, "body": "Ask the buyer to cancel and order again."},
        headers=HTML,
    )
    admin_view = client.get(f"/admin/support/{ticket_id}", headers=HTML).text
    assert "Suspect buyer" in admin_view and "Ask the buyer to cancel" in admin_view

    with Session(engine) as session:  # type: ignore[arg-type]
        ticket = session.get(m.SupportTicket, ticket_id)
        assert ticket is not None
        assert ticket.assignee_id == admin.id and ticket.status == m.TicketStatus.answered
        answered = session.exec(
            select(m.Notification).where(m.Notification.kind == "support_answered")
        ).all()
        assert [(n.account_id, n.shop_id) for n in answered] == [(owner.id, shop.id)]
        assigned = session.exec(
            select(m.Notification).where(m.Notification.kind == "support_assigned")
        ).all()
        assert [n.account_id for n in assigned] == [admin.id]

    sign_in(client, owner.email, "secret-pass")
    merchant_view = client.get(url, headers=HTML).text
    assert "Ask the buyer to cancel" in merchant_view
    assert "Suspect buyer" not in merchant_view  # internal notes never reach the shop
    assert "Answered" in merchant_view
    client.post(f"{url}/close", data={"csrf_token": csrf_from(merchant_view)}, headers=HTML)
    closed = client.get(url, headers=HTML).text
    assert "Closed" in closed and 'action="' + url + '/reply"' not in closed
    refused = client.post(
        f"{url}/reply", data={"csrf_token": csrf_from(closed), "body": "One more"}, headers=HTML
    )
    assert "a closed ticket takes none" in refused.text
    with Session(engine) as session:  # type: ignore[arg-type]
        ticket = session.get(m.SupportTicket, ticket_id)
        assert ticket is not None and ticket.status == m.TicketStatus.closed
        assert ticket.respond_by is None


def test_a_merchant_sees_only_their_own_shops_tickets(client: TestClient, factory: Factory) -> None:
    alice, bob = factory.account(), factory.account()
    alices, bobs = factory.shop(alice, name="Alice tea"), factory.shop(bob, name="Bob books")
    sign_in(client, alice.email, "secret-pass")
    alice_url = _open_ticket(client, alices, subject="Alice's own question")
    sign_in(client, bob.email, "secret-pass")
    bob_url = _open_ticket(client, bobs, subject="Bob's own question")
    bob_list = client.get(f"/console/shops/{bobs.id}/support", headers=HTML).text
    assert "Bob&#39;s own question" in bob_list and "Alice" not in bob_list
    alice_ticket = alice_url.rsplit("/", 1)[1]
    # Alice's ticket, through Bob's shop or through Alice's: not found either way
    assert (
        client.get(f"/console/shops/{bobs.id}/support/{alice_ticket}", headers=HTML).status_code
        == 404
    )
    assert client.get(alice_url, headers=HTML).status_code == 404
    assert client.get(f"/console/shops/{alices.id}/support", headers=HTML).status_code == 404
    assert client.get(bob_url, headers=HTML).status_code == 200


def test_screenshots_are_served_only_to_the_shops_members_and_admins(
    client: TestClient, factory: Factory, engine: object
) -> None:
    owner, stranger = factory.account(), factory.account()
    shop = factory.shop(owner)
    strangers_shop = factory.shop(stranger)
    member = factory.member(shop, areas=[])
    admin = factory.account(is_admin=True)
    sign_in(client, owner.email, "secret-pass")
    url = _open_ticket(client, shop)
    ticket_id = url.rsplit("/", 1)[1]
    shot = _attach(client, url, _png())
    path = f"{url}/screenshots/{shot}"
    admin_path = f"/admin/support/{ticket_id}/screenshots/{shot}"

    def fetched(link: str) -> bytes | int:
        first = client.get(link, headers=HTML, follow_redirects=False)
        if first.status_code != 303:
            return first.status_code
        image = client.get(first.headers["location"])
        assert image.status_code == 200 and image.headers["content-type"].startswith("image/")
        return image.content

    assert isinstance(fetched(path), bytes)
    assert isinstance(fetched(path + "?size=thumb"), bytes)
    sign_in(client, member.email, "secret-pass")  # a member with no areas at all
    assert isinstance(fetched(path), bytes)
    sign_in(client, admin.email, "secret-pass")
    assert isinstance(fetched(admin_path), bytes)
    assert fetched(path) == 404  # the admin reads it through the admin's route
    sign_in(client, stranger.email, "secret-pass")
    assert fetched(path) == 404
    assert (
        fetched(f"/console/shops/{strangers_shop.id}/support/{ticket_id}/screenshots/{shot}") == 404
    )
    assert fetched(admin_path) == 403
    client.cookies.clear()
    signed_out = client.get(path, headers=HTML, follow_redirects=False)
    assert signed_out.status_code in (302, 303) and "/signin" in signed_out.headers["location"]
    # never a public file: the by-digest URL that serves product images knows nothing of it
    with Session(engine) as session:  # type: ignore[arg-type]
        row = session.get(m.TicketScreenshot, shot)
        assert row is not None
        for file_id in (row.file_id, row.thumbnail_id):
            file = session.get(m.StoredFile, file_id)
            assert file is not None and not file.public and file.shop_id == shop.id
            public = client.get(public_url(file))
            assert public.status_code == 404 and public.json()["code"] == "file_not_found"


def test_only_images_are_taken_as_screenshots(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    url = _open_ticket(client, shop)
    page = client.get(url, headers=HTML)
    token = re.search(r'data-csrf="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    for body, code in (
        (b"%PDF-1.7\n", 415),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415),
        (_png()[:60], 422),
    ):
        refused = client.post(
            f"{url}/screenshots",
            content=body,
            headers={"X-CSRF-Token": token, "Accept": "application/json"},
        )
        assert refused.status_code == code, refused.text
        assert refused.json()["message"]
    assert "No screenshot yet." in client.get(url, headers=HTML).text


def test_a_ticket_form_with_mistakes_comes_back_with_messages_beside_the_fields(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop, other = factory.shop(owner), factory.shop()
    others_order, _ = factory.order(other)
    sign_in(client, owner.email, "secret-pass")
    form_page = client.get(f"/console/shops/{shop.id}/support/new", headers=HTML)
    data = {
        "csrf_token": csrf_from(form_page.text),
        "category": "orders",
        "subject": "",
        "description": "x",
    }
    refused = client.post(f"/console/shops/{shop.id}/support/new", data=data, headers=HTML)
    assert refused.status_code == 400 and 'id="subject-error"' in refused.text
    data |= {"subject": "About an order", "order_id": str(others_order.id)}
    refused = client.post(f"/console/shops/{shop.id}/support/new", data=data, headers=HTML)
    assert refused.status_code == 400
    assert "This shop has no order with this number." in refused.text


def test_a_ticket_past_its_deadline_is_highlighted_in_the_queue(
    client: TestClient, factory: Factory, engine: object
) -> None:
    owner = factory.account()
    admin = factory.account(is_admin=True)
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    late_id = int(_open_ticket(client, shop, subject="Late one").rsplit("/", 1)[1])
    fresh_id = int(_open_ticket(client, shop, subject="Fresh one").rsplit("/", 1)[1])
    with Session(engine) as session:  # type: ignore[arg-type]
        late = session.get(m.SupportTicket, late_id)
        assert late is not None
        late.respond_by = utcnow() - timedelta(minutes=5)
        session.add(late)
        session.commit()
    sign_in(client, admin.email, "secret-pass")
    queue = client.get("/admin/support", headers=HTML).text
    assert f'<tr id="ticket-{late_id}" class="overdue">' in queue
    assert f'<tr id="ticket-{fresh_id}">' in queue
    assert queue.index(f"ticket-{late_id}") < queue.index(f"ticket-{fresh_id}")
    sign_in(client, owner.email, "secret-pass")
    mine = client.get(f"/console/shops/{shop.id}/support", headers=HTML).text
    assert f'<li id="ticket-{late_id}" class="overdue">' in mine
    assert f'<li id="ticket-{fresh_id}">' in mine
