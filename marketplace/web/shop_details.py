"""What the shop forms tell a person about each detail: the words for a missing or malformed
field (a wrong check digit named as such), and the opening checklist the page shows live.

The checks themselves are the kernel's (:mod:`core.services.shops`); this module only
chooses the words, so the new-shop form and the settings page say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from core.models import ShopType
from core.services import shops as shop_service
from marketplace.web.templating import gettext_for

#: A form field's pattern; a value that matches it yet fails the kernel's check has a wrong
#: check character (GB 11643 for ID cards, GB 32100 for credit codes).
_PATTERNS: dict[str, str] = {
    "id_card_number": shop_service.ID_CARD_PATTERN,
    "licence_number": shop_service.CREDIT_CODE_PATTERN,
}


def detail_messages(request: Request, form: Mapping[str, str] | None = None) -> dict[str, str]:
    """What to tell a person about each field that is missing or malformed in ``form``."""
    _ = gettext_for(request)
    messages = {
        "name": _("Give the shop a name (at most 60 characters)."),
        "description": _("At most 2000 characters."),
        "id_card_name": _("Enter the name on the ID card."),
        "id_card_number": _("18 characters: 17 digits, then a digit or X."),
        "licence_number": _("The 18-character unified social credit code on the licence."),
        "operator_name": _("Enter the operator's name."),
        "settlement_account": _("The settlement bank account: 8 to 40 digits."),
        "settlement_bank": _("Enter the bank of the settlement account."),
        "type": _("Choose the kind of shop."),
    }
    wrong_check = {
        "id_card_number": _(
            "This ID card number's last character does not match its check digit "
            "(or the birth date in it is not a real date): check the number."
        ),
        "licence_number": _(
            "This code's last character does not match its check character: check the code."
        ),
    }
    for name, pattern in _PATTERNS.items():
        value = (form or {}).get(name) or ""
        if value and re.fullmatch(pattern, value):
            messages[name] = wrong_check[name]
    return messages


async def posted_details(request: Request) -> dict[str, str]:
    """The detail fields of the posted form, cleaned (:func:`clean_details`)."""
    form = await request.form()
    return clean_details(
        {name: value for name in _all_details() if isinstance(value := form.get(name), str)}
    )


#: A route's detail fields as typed into its form.
PostedDetails = Annotated[dict[str, str], Depends(posted_details)]


def clean_details(raw: Mapping[str, str]) -> dict[str, str]:
    """Typed detail values as the kernel compares them (trimmed, upper-case codes)."""
    cleaned = {name: (raw.get(name) or "").strip() for name in _all_details()}
    cleaned["id_card_number"] = cleaned["id_card_number"].upper()
    cleaned["licence_number"] = cleaned["licence_number"].upper()
    cleaned["settlement_account"] = cleaned["settlement_account"].replace(" ", "")
    return cleaned


def _all_details() -> tuple[str, ...]:
    return shop_service.PERSONAL_DETAILS + shop_service.BUSINESS_DETAILS


def checklist(
    request: Request, shop_type: ShopType, details: Mapping[str, str]
) -> list[dict[str, object]]:
    """Each detail the shop type needs, done or not, with what to fix when it is not."""
    missing = set(shop_service.opening_checklist(shop_type, details))
    messages = detail_messages(request, details)
    return [
        {"field": name, "done": name not in missing, "message": messages[name]}
        for name in shop_service.required_details(shop_type)
    ]
