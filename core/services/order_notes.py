"""The merchant's own marks on an order: a note and a coloured flag.

They are the shop's working notes ("call before shipping", a red flag for a complaint):
changing them publishes no event and moves no state; the buyer never sees them (only
merchant views of an order carry them). The service never commits.
"""

from __future__ import annotations

from sqlmodel import Session

from core.errors import InvalidInput
from core.models import Order
from sdk.models import MAX_ORDER_NOTE, ORDER_FLAGS

#: The flag value that removes the flag.
NO_FLAG = "none"


def annotate_order(
    session: Session, *, order: Order, note: str | None = None, flag: str | None = None
) -> Order:
    """Set ``order``'s note (``""`` removes it) and flag (one of :data:`sdk.models.
    ORDER_FLAGS`, or ``"none"`` to remove it); ``None`` leaves either as it is.

    Raises :class:`InvalidInput` (``body.note``, ``body.flag``) for a note over
    :data:`sdk.models.MAX_ORDER_NOTE` characters or an unknown colour.
    """
    if note is not None:
        text = note.strip()
        if len(text) > MAX_ORDER_NOTE:
            raise InvalidInput(
                f"A note has at most {MAX_ORDER_NOTE} characters.",
                code="too_long",
                field="body.note",
            )
        order.merchant_note = text
    if flag is not None:
        if flag != NO_FLAG and flag not in ORDER_FLAGS:
            raise InvalidInput(
                f"'{flag}' is not a flag colour; use one of {', '.join(ORDER_FLAGS)} or none.",
                code="invalid_flag",
                field="body.flag",
            )
        order.merchant_flag = None if flag == NO_FLAG else flag
    session.add(order)
    return order
