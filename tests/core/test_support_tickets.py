"""The support ticket services: the response deadline follows whose turn it is, the queue
puts overdue tickets first, and a reply on a closed ticket is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.errors import InvalidInput, InvalidState
from core.models.base import utcnow
from core.services import support
from tests.conftest import Factory


def _draft(subject: str = "Help") -> support.TicketDraft:
    return support.TicketDraft(
        category=m.TicketCategory.other, subject=subject, description="Something is wrong."
    )


def test_the_deadline_follows_whose_turn_it_is(engine: Engine, factory: Factory) -> None:
    owner = factory.account()
    admin = factory.account(is_admin=True)
    shop = factory.shop(owner)
    with Session(engine) as session:
        ticket = support.open_ticket(
            session, shop_id=shop.id, opened_by_id=owner.id, draft=_draft()
        )
        due = support.aware(ticket.respond_by)  # type: ignore[arg-type]
        assert timedelta(hours=23) < due - utcnow() <= support.RESPONSE_TIME
        support.platform_reply(
            session, ticket=ticket, admin_id=admin.id, body="Noted", internal=True
        )
        assert ticket.status == m.TicketStatus.open and ticket.respond_by is not None
        support.platform_reply(session, ticket=ticket, admin_id=admin.id, body="Here you go")
        assert ticket.status == m.TicketStatus.answered and ticket.respond_by is None
        assert not support.is_overdue(ticket, utcnow() + timedelta(days=9))
        support.merchant_reply(session, ticket=ticket, author_id=owner.id, body="Still broken")
        assert ticket.status == m.TicketStatus.in_progress  # the answering admin has it
        assert ticket.respond_by is not None
        assert support.is_overdue(ticket, utcnow() + timedelta(days=2))
        support.close_ticket(session, ticket=ticket)
        with pytest.raises(InvalidState):
            support.merchant_reply(session, ticket=ticket, author_id=owner.id, body="More")
        with pytest.raises(InvalidInput):
            support.assign_ticket(session, ticket=ticket, assignee_id=owner.id)


def test_the_queue_puts_the_most_urgent_first(engine: Engine, factory: Factory) -> None:
    owner = factory.account()
    factory.account(is_admin=True)
    shop = factory.shop(owner)
    with Session(engine) as session:
        late = support.open_ticket(
            session, shop_id=shop.id, opened_by_id=owner.id, draft=_draft("late")
        )
        fresh = support.open_ticket(
            session, shop_id=shop.id, opened_by_id=owner.id, draft=_draft("fresh")
        )
        done = support.open_ticket(
            session, shop_id=shop.id, opened_by_id=owner.id, draft=_draft("done")
        )
        late.respond_by = utcnow() - timedelta(hours=1)
        support.close_ticket(session, ticket=done)
        session.commit()
        queue = support.ticket_queue(session)
        assert [t.subject for t in queue] == ["late", "fresh", "done"]
        assert [support.is_overdue(t) for t in queue] == [True, False, False]
        assert [t.subject for t in support.ticket_queue(session, status=m.TicketStatus.closed)] == [
            "done"
        ]
        assert fresh.id is not None


def test_an_order_of_another_shop_is_refused(engine: Engine, factory: Factory) -> None:
    owner = factory.account()
    shop, other = factory.shop(owner), factory.shop()
    order, _ = factory.order(other)
    with Session(engine) as session:
        draft = support.TicketDraft(
            category=m.TicketCategory.orders, subject="x", description="y", order_id=order.id
        )
        with pytest.raises(InvalidInput) as refused:
            support.open_ticket(session, shop_id=shop.id, opened_by_id=owner.id, draft=draft)
        assert refused.value.field == "body.order_id"
