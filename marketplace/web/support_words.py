"""The words for tickets' categories and statuses, and guides' courses, in the page's language
(shared by the console's and the admin's pages)."""

from __future__ import annotations

from fastapi import Request

from marketplace.web.templating import gettext_for


def category_labels(request: Request) -> dict[str, str]:
    """What a ticket is about."""
    _ = gettext_for(request)
    return {
        "account": _("Account and shop"),
        "products": _("Products and categories"),
        "orders": _("Orders and after-sales"),
        "logistics": _("Shipping and logistics"),
        "payments": _("Payments and settlement"),
        "services": _("Services from the market"),
        "rules": _("Platform rules"),
        "other": _("Something else"),
    }


def status_labels(request: Request) -> dict[str, str]:
    """Where a ticket stands."""
    _ = gettext_for(request)
    return {
        "open": _("Waiting for the platform"),
        "in_progress": _("Being handled"),
        "answered": _("Answered"),
        "closed": _("Closed"),
    }


def course_labels(request: Request) -> dict[str, str]:
    """The growth centre's courses, from opening a shop to the platform's rules."""
    _ = gettext_for(request)
    return {
        "opening": _("Opening your shop"),
        "products": _("Products"),
        "orders": _("Orders and after-sales"),
        "logistics": _("Shipping and logistics"),
        "services": _("Services"),
        "rules": _("Platform rules"),
    }
