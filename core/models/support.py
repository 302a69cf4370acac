"""Platform customer service (平台客服): a shop's tickets to the platform, their messages
(replies and admins' internal notes) and their screenshots."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field


class TicketCategory(StrEnum):
    """What a ticket is about, as the merchant chooses it."""

    account = "account"
    products = "products"
    orders = "orders"
    logistics = "logistics"
    payments = "payments"
    services = "services"
    rules = "rules"
    other = "other"


class TicketStatus(StrEnum):
    """Where a ticket stands: ``open`` and ``in_progress`` wait for the platform,
    ``answered`` waits for the merchant, ``closed`` is done."""

    open = "open"
    in_progress = "in_progress"
    answered = "answered"
    closed = "closed"


class SupportTicket(SQLModel, table=True):
    """One question or problem a shop puts to the platform.

    ``page_path`` is the console page it was opened from; ``respond_by`` is when the
    platform owes its next answer (set while the ticket waits for the platform).
    """

    __tablename__ = "support_ticket"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    opened_by_id: int = Field(foreign_key="account.id")
    category: TicketCategory
    subject: str = Field(max_length=120)
    description: str = Field(max_length=5000)
    page_path: str = Field(default="", max_length=300)
    order_id: int | None = Field(default=None, foreign_key="order.id")
    product_id: int | None = Field(default=None, foreign_key="product.id")
    status: TicketStatus = Field(default=TicketStatus.open, index=True)
    assignee_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    respond_by: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class TicketMessage(SQLModel, table=True):
    """A reply on a ticket; an ``internal`` note is the platform's own, never the shop's."""

    __tablename__ = "ticket_message"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="support_ticket.id", index=True)
    author_id: int = Field(foreign_key="account.id")
    from_platform: bool = False
    internal: bool = False
    body: str = Field(max_length=5000)
    created_at: datetime = created_at_field()


class TicketScreenshot(SQLModel, table=True):
    """A screenshot on a ticket: a private image file of the ticket's shop."""

    __tablename__ = "ticket_screenshot"
    __table_args__ = (UniqueConstraint("ticket_id", "file_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="support_ticket.id", index=True)
    file_id: int = Field(foreign_key="stored_file.id")
    thumbnail_id: int | None = Field(default=None, foreign_key="stored_file.id")
    created_at: datetime = created_at_field()
