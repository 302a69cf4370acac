"""Shop roles (permission areas) and members, with per-shop-type member limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.auth import SCOPE_AREAS, ShopAccess
from core.errors import (
    Conflict,
    InvalidInput,
    InvalidState,
    LimitExceeded,
    NotFound,
    PermissionDenied,
)
from core.models import Account, Area, Member, Role, Shop, ShopType
from core.services.accounts import get_account_by_email
from core.settings import Settings


def member_limit(settings: Settings, shop_type: ShopType) -> int:
    """How many members (owner included) a shop of ``shop_type`` may have."""
    return {
        ShopType.personal: settings.member_limit_personal,
        ShopType.individual: settings.member_limit_individual,
        ShopType.enterprise: settings.member_limit_enterprise,
    }[shop_type]


def grantable_areas(access: ShopAccess) -> frozenset[str] | None:
    """The areas the caller may hand out in roles: ``None`` (all) for the owner.

    A member may grant only areas they hold, and a service only areas its scopes cover, so
    the ``members`` permission can never be used to raise one's own permissions.
    """
    if access.member is not None and access.member.is_owner:
        return None
    if access.principal.scopes is not None:
        return frozenset(
            area.value
            for scope, area in SCOPE_AREAS.items()
            if area is not None and scope.value in access.principal.scopes
        )
    return access.areas


def _check_grant(areas: Iterable[str], granter: frozenset[str] | None, field: str) -> None:
    if granter is None:
        return
    beyond = sorted(set(areas) - granter)
    if beyond:
        raise PermissionDenied(
            f"You cannot grant permissions you do not hold: {', '.join(beyond)}.",
            code="grant_exceeds_own",
            field=field,
            extra={"areas": beyond},
        )


def _clean_areas(areas: Sequence[Area | str]) -> list[str]:
    values = [Area(a).value for a in areas]
    return [a.value for a in Area if a.value in values]  # deduplicated, canonical order


def get_role(session: Session, *, shop: Shop, role_id: int, field: str | None = None) -> Role:
    """The role ``role_id`` of ``shop``; a role of another shop is not found."""
    role = session.get(Role, role_id)
    if role is None or role.shop_id != shop.id:
        if field:
            raise InvalidInput(f"Role {role_id} does not exist in this shop.", field=field)
        raise NotFound(f"Role {role_id} was not found.")
    return role


def _save_role(session: Session, role: Role) -> Role:
    try:
        with session.begin_nested():
            session.add(role)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"This shop already has a role named '{role.name}'.",
            code="role_name_taken",
            field="body.name",
        ) from None
    return role


def _name_taken(session: Session, shop: Shop, name: str, exclude_id: int | None = None) -> None:
    statement = select(Role.id).where(Role.shop_id == shop.id, Role.name == name)
    if exclude_id is not None:
        statement = statement.where(Role.id != exclude_id)
    if session.exec(statement).first() is not None:
        raise Conflict(
            f"This shop already has a role named '{name}'.",
            code="role_name_taken",
            field="body.name",
        )


def create_role(
    session: Session,
    *,
    shop: Shop,
    name: str,
    areas: Sequence[Area | str],
    granter: frozenset[str] | None = None,
) -> Role:
    """Create a role; ``granter`` (see :func:`grantable_areas`) bounds the areas it may carry."""
    clean = _clean_areas(areas)
    _check_grant(clean, granter, "body.areas")
    _name_taken(session, shop, name)
    assert shop.id is not None
    return _save_role(session, Role(shop_id=shop.id, name=name, areas=clean))


def update_role(
    session: Session,
    *,
    role: Role,
    name: str | None = None,
    areas: Sequence[Area | str] | None = None,
    granter: frozenset[str] | None = None,
) -> Role:
    """Rename a role and/or replace its areas."""
    if granter is not None:
        _check_grant(role.areas, granter, "body.areas")  # cannot edit a stronger role
    if areas is not None:
        clean = _clean_areas(areas)
        _check_grant(clean, granter, "body.areas")
        role.areas = clean
    if name is not None and name != role.name:
        shop = session.get(Shop, role.shop_id)
        assert shop is not None
        _name_taken(session, shop, name, exclude_id=role.id)
        role.name = name
    return _save_role(session, role)


def delete_role(session: Session, *, role: Role, granter: frozenset[str] | None = None) -> None:
    """Delete a role no member holds; :class:`Conflict` ``role_in_use`` otherwise."""
    _check_grant(role.areas, granter, "path.role_id")
    holders = session.exec(
        select(func.count()).select_from(Member).where(Member.role_id == role.id)
    ).one()
    if holders:
        raise Conflict(
            f"{holders} member(s) hold role '{role.name}'; give them another role first.",
            code="role_in_use",
        )
    session.delete(role)
    session.flush()


def get_member(session: Session, *, shop: Shop, member_id: int) -> Member:
    """Member ``member_id`` of ``shop``; a member of another shop is not found."""
    member = session.get(Member, member_id)
    if member is None or member.shop_id != shop.id:
        raise NotFound(f"Member {member_id} was not found.")
    return member


def add_member(
    session: Session,
    *,
    settings: Settings,
    shop: Shop,
    email: str,
    role_id: int,
    granter: frozenset[str] | None = None,
) -> Member:
    """Add the existing account with ``email`` to ``shop`` with a role.

    :raises LimitExceeded: ``members_per_shop`` when the shop type's limit is reached.
    """
    # Lock the shop row so concurrent additions cannot pass the limit together.
    session.exec(select(Shop).where(Shop.id == shop.id).with_for_update()).first()
    account = get_account_by_email(session, email=email)
    if account is None:
        raise InvalidInput(
            f"No account has the e-mail {email}; they must sign up first.",
            code="account_not_found",
            field="body.email",
        )
    role = get_role(session, shop=shop, role_id=role_id, field="body.role_id")
    _check_grant(role.areas, granter, "body.role_id")
    exists = session.exec(
        select(Member.id).where(Member.shop_id == shop.id, Member.account_id == account.id)
    ).first()
    if exists is not None:
        raise Conflict(f"{email} is already a member of this shop.", code="member_exists")
    maximum = member_limit(settings, shop.type)
    count = session.exec(
        select(func.count()).select_from(Member).where(Member.shop_id == shop.id)
    ).one()
    if count >= maximum:
        raise LimitExceeded(
            f"A {shop.type.value} shop may have at most {maximum} member(s).",
            limit="members_per_shop",
            maximum=maximum,
        )
    assert shop.id is not None and account.id is not None
    member = Member(shop_id=shop.id, account_id=account.id, role_id=role.id)
    try:
        with session.begin_nested():
            session.add(member)
            session.flush()
    except IntegrityError:
        raise Conflict(f"{email} is already a member of this shop.", code="member_exists") from None
    return member


def change_member_role(
    session: Session,
    *,
    shop: Shop,
    member: Member,
    role_id: int,
    granter: frozenset[str] | None = None,
) -> Member:
    """Give ``member`` another role. The owner has no role to change."""
    if member.is_owner:
        raise InvalidState(
            "The owner holds every permission; no role applies.", code="owner_member"
        )
    if granter is not None and member.role_id is not None:
        current = session.get(Role, member.role_id)
        _check_grant(current.areas if current else [], granter, "body.role_id")
    role = get_role(session, shop=shop, role_id=role_id, field="body.role_id")
    _check_grant(role.areas, granter, "body.role_id")
    member.role_id = role.id
    session.add(member)
    session.flush()
    return member


def remove_member(
    session: Session, *, member: Member, granter: frozenset[str] | None = None
) -> None:
    """Remove a member from the shop; the owner cannot be removed."""
    if member.is_owner:
        raise InvalidState("The shop's owner cannot be removed.", code="owner_cannot_be_removed")
    if granter is not None and member.role_id is not None:
        role = session.get(Role, member.role_id)
        _check_grant(role.areas if role else [], granter, "path.member_id")
    session.delete(member)
    session.flush()


def member_details(
    session: Session, members: Sequence[Member]
) -> list[tuple[Member, Account, Role | None]]:
    """Each member with its account and role, loaded in two queries."""
    account_ids = {m.account_id for m in members}
    role_ids = {m.role_id for m in members if m.role_id is not None}
    accounts = {
        a.id: a
        for a in session.exec(select(Account).where(Account.id.in_(account_ids))).all()  # type: ignore[union-attr]
    }
    roles = (
        {
            r.id: r
            for r in session.exec(select(Role).where(Role.id.in_(role_ids))).all()  # type: ignore[union-attr]
        }
        if role_ids
        else {}
    )
    return [
        (m, accounts[m.account_id], roles.get(m.role_id) if m.role_id is not None else None)
        for m in members
    ]
