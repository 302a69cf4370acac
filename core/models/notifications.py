"""Notifications: short messages for a person (a merchant, a provider) in the consoles."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field, json_field


class Notification(SQLModel, table=True):
    """One message to one account, optionally about one shop; ``read_at`` once seen.

    ``kind`` is a machine-readable word (``webhooks_paused``...) that consoles may style; a
    kind with a text in :data:`core.services.notifications.NOTICE_TEXTS` is also the key of
    its text, rendered with ``params`` in the reader's language when read (``message`` is
    then empty). ``link`` is the local page the notice is about, for this reader.
    """

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    shop_id: int | None = Field(default=None, foreign_key="shop.id", index=True)
    kind: str = Field(max_length=40)
    message: str = Field(default="", max_length=2000)
    params: dict[str, str | int] = json_field(dict)
    link: str = Field(default="", max_length=300)
    created_at: datetime = created_at_field()
    read_at: datetime | None = datetime_field()
