"""What the console's pages share: the signed-in member's access to a shop, the tabs they
may see, field errors from kernel problems, and page numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from core.auth import Principal, ShopAccess, authorize_shop
from core.errors import TanziError
from core.models import Account
from sdk.scopes import Scope

#: Rows per page in the console's lists.
PAGE_SIZE = 20

#: The shop's tabs: (key, path under /console/shops/{id}, the scope that shows it).
TABS: tuple[tuple[str, str, Scope], ...] = (
    ("overview", "", Scope.shop_read),
    ("products", "/products", Scope.products_read),
    ("orders", "/orders", Scope.orders_read),
    ("aftersales", "/aftersales", Scope.aftersales_read),
    ("shipments", "/shipments", Scope.logistics_read),
    ("settings", "/settings", Scope.shop_read),
    ("members", "/members", Scope.members_read),
    ("qualifications", "/qualifications", Scope.shop_read),
    ("pickup", "/pickup-stores", Scope.logistics_read),
    ("carriers", "/carriers", Scope.logistics_read),
    ("shipping", "/shipping", Scope.logistics_read),
    ("apps", "/apps", Scope.shop_read),
    ("storefront", "/storefront", Scope.shop_read),
    ("support", "/support", Scope.shop_read),
    ("growth", "/growth", Scope.shop_read),
    ("guarantee", "/guarantee", Scope.shop_read),
)


def member_access(session: Session, account: Account, shop_id: int, scope: Scope) -> ShopAccess:
    """The person's access to ``shop_id`` for ``scope``: 404 unless a member, 403 when
    their role lacks the permission (:func:`core.auth.authorize_shop`)."""
    principal = Principal(account_id=account.id, is_admin=account.is_admin)
    access = authorize_shop(session, principal, shop_id, scope)
    session.commit()  # end the read transaction (see core.api.deps.get_session)
    return access


def visible_tabs(access: ShopAccess) -> list[str]:
    """The tabs this member's permissions open."""
    return [key for key, _path, scope in TABS if access.can(scope)]


def shop_tabs(session: Session, account: Account, shop_id: int) -> list[str]:
    """The tabs a member sees on shop pages rendered outside the console's own modules
    (the Services pages), so their navigation matches every other tab's."""
    return visible_tabs(member_access(session, account, shop_id, Scope.shop_read))


def console_context(access: ShopAccess, tab: str, **values: Any) -> dict[str, Any]:
    """The values every shop page gives its template (the shop, its nav, the access)."""
    return {"shop": access.shop, "access": access, "tab": tab, "tabs": visible_tabs(access)} | (
        values
    )


def field_name(path: str | None) -> str:
    """``body.name`` / ``shop.id_card_number`` -> the form field's name."""
    return (path or "").rsplit(".", 1)[-1] or "form"


def field_errors(exc: TanziError, messages: dict[str, str] | None = None) -> dict[str, str]:
    """Per-field messages of a kernel error; ``messages`` may override by field name."""
    errors: dict[str, str] = {}
    listed = exc.extra.get("errors") if isinstance(exc.extra.get("errors"), list) else None
    for item in listed or [{"field": exc.field, "message": exc.detail}]:
        name = field_name(item.get("field"))
        errors.setdefault(name, (messages or {}).get(name) or str(item.get("message", "")))
    return errors


@dataclass(frozen=True)
class Paged:
    """One page of a list, with what the page links need."""

    rows: list[Any]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


def page_of_rows(session: Session, statement: SelectOfScalar[Any], page: int) -> Paged:
    """Rows of ``statement`` (already ordered) for page ``page`` (1-based)."""
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    rows = list(session.exec(statement.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all())
    return Paged(rows=rows, page=page, pages=pages, total=total)
