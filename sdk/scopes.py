"""OAuth scopes a service may request, each with the plain words a merchant reads."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    """A permission a service asks for and a merchant grants at install."""

    shop_read = "shop:read"
    products_read = "products:read"
    products_write = "products:write"
    orders_read = "orders:read"
    orders_write = "orders:write"
    orders_pii = "orders:pii"
    aftersales_read = "aftersales:read"
    aftersales_write = "aftersales:write"
    logistics_read = "logistics:read"
    logistics_write = "logistics:write"
    members_read = "members:read"
    members_write = "members:write"
    shop_write = "shop:write"


#: What each scope lets a service do, in the words shown on the consent screen.
SCOPES: dict[Scope, str] = {
    Scope.shop_read: "See your shop's name, type and status",
    Scope.shop_write: "Change your shop's profile and qualifications",
    Scope.products_read: "See your products, SKUs and stock",
    Scope.products_write: "Create, change and delist your products and stock",
    Scope.orders_read: "See your orders (without buyers' names, phones or addresses)",
    Scope.orders_write: "Change your orders: cancel, mark delivered, complete",
    Scope.orders_pii: "See buyers' names, phone numbers and addresses on orders",
    Scope.aftersales_read: "See refund, return and exchange requests",
    Scope.aftersales_write: "Accept or reject refund, return and exchange requests",
    Scope.logistics_read: "See shipments and tracking",
    Scope.logistics_write: "Create shipments and add tracking events",
    Scope.members_read: "See your shop's members and roles",
    Scope.members_write: "Add and remove members and change roles",
}
