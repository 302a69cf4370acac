"""The texts of notices in the page's language, by kind (the same English texts as
:data:`core.services.notifications.NOTICE_TEXTS`, which the API renders)."""

from __future__ import annotations

from fastapi import Request

from core.models import Notification
from core.services.notifications import NOTICE_TEXTS, render_notice
from marketplace.web.templating import gettext_for


def notice_texts(request: Request) -> dict[str, str]:
    """Each notice kind's text, its ``%(name)s`` placeholders filled from the notice."""
    _ = gettext_for(request)
    return {
        "support_ticket": _("New support ticket #%(ticket_id)s: %(subject)s"),
        "support_replied": _("The shop replied on ticket #%(ticket_id)s: %(subject)s"),
        "support_answered": _("The platform answered your ticket #%(ticket_id)s: %(subject)s"),
        "support_assigned": _("Support ticket #%(ticket_id)s is yours: %(subject)s"),
        "webhooks_paused": _(
            "Webhook deliveries of '%(app)s' to shop '%(shop)s' are paused after "
            "%(failures)s failed attempts in a row (last: %(reason)s). Events are kept and a "
            "trial delivery follows shortly; once the app answers again, send the backlog at "
            "once with POST %(replay)s."
        ),
    }


def notice_in(texts: dict[str, str], row: Notification) -> str:
    """The notice in the reader's language; a kind without a text keeps its written message
    (or the English text, should a kind be missing here)."""
    return render_notice(row, texts.get(row.kind) or NOTICE_TEXTS.get(row.kind))
