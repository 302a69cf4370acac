"""Platform admins suspend and reinstate accounts and shops; each decision is audit-logged.

A suspended **account** cannot sign in (403 ``account_suspended`` after the password
check), its web sessions end for good (its session version moves on) and its personal
tokens are refused with 403 ``account_suspended`` until it is reinstated.

A suspended **shop**'s services stop: their tokens and the in-process client get 403
``shop_suspended`` (the one guard, ``core.auth``), its installations get no events (held as
dead deliveries that a replay sends after reinstatement, ``core.plugins.eligibility``) and
its storefront neither shows nor sells. Its own people may still read it, not change it.
"""

from __future__ import annotations

from sqlmodel import Session

from core.errors import InvalidInput, InvalidState
from core.models import Account, Shop
from core.models.base import utcnow
from core.plugins.installations import bump_plugins_version
from core.services.accounts import end_sessions
from core.services.audit import record_action


def _reason_required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why: the owner reads this reason.", field="body.reason")
    return reason


def suspend_account(session: Session, *, admin_id: int, account: Account, reason: str) -> Account:
    """Suspend ``account``: no sign-in, its sessions end, its personal tokens stop."""
    reason = _reason_required(reason)
    if account.id == admin_id:
        raise InvalidState("Admins cannot suspend their own account.", code="own_account")
    if account.suspended_at is not None:
        raise InvalidState("This account is already suspended.", code="already_suspended")
    assert account.id is not None
    account.suspended_at = utcnow()
    account.suspension_reason = reason
    session.add(account)
    session.flush()
    end_sessions(session, account_id=account.id)
    record_action(
        session,
        actor_id=admin_id,
        action="suspend_account",
        target_type="account",
        target_id=account.id,
        reason=reason,
        data={"email": account.email},
    )
    session.refresh(account)
    return account


def reinstate_account(
    session: Session, *, admin_id: int, account: Account, reason: str = ""
) -> Account:
    """Lift the suspension: the person may sign in again; their personal tokens work again."""
    if account.suspended_at is None:
        raise InvalidState("This account is not suspended.", code="not_suspended")
    assert account.id is not None
    account.suspended_at = None
    account.suspension_reason = ""
    session.add(account)
    record_action(
        session,
        actor_id=admin_id,
        action="reinstate_account",
        target_type="account",
        target_id=account.id,
        reason=reason.strip(),
        data={"email": account.email},
    )
    return account


def suspend_shop(session: Session, *, admin_id: int, shop: Shop, reason: str) -> Shop:
    """Suspend ``shop``: its services, events and storefront stop until reinstated."""
    reason = _reason_required(reason)
    if shop.suspended_at is not None:
        raise InvalidState("This shop is already suspended.", code="already_suspended")
    assert shop.id is not None
    shop.suspended_at = utcnow()
    shop.suspension_reason = reason
    session.add(shop)
    session.flush()
    bump_plugins_version(session, shop_id=shop.id)  # cached hook views see it at once
    record_action(
        session,
        actor_id=admin_id,
        action="suspend_shop",
        target_type="shop",
        target_id=shop.id,
        reason=reason,
        data={"name": shop.name},
    )
    session.refresh(shop)
    return shop


def reinstate_shop(session: Session, *, admin_id: int, shop: Shop, reason: str = "") -> Shop:
    """Lift the suspension; events held meanwhile wait as dead deliveries for a replay."""
    if shop.suspended_at is None:
        raise InvalidState("This shop is not suspended.", code="not_suspended")
    assert shop.id is not None
    shop.suspended_at = None
    shop.suspension_reason = ""
    session.add(shop)
    session.flush()
    bump_plugins_version(session, shop_id=shop.id)
    record_action(
        session,
        actor_id=admin_id,
        action="reinstate_shop",
        target_type="shop",
        target_id=shop.id,
        reason=reason.strip(),
        data={"name": shop.name},
    )
    session.refresh(shop)
    return shop
