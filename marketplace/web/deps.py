"""Who is signed in to the consoles: a signed session cookie holding the account id and the
account's session version at sign-in.

The cookie alone proves nothing once the session is over: signing out, changing the
password or a suspension bumps ``Account.session_version``, and every request compares the
cookie's version with the account row it loads anyway, so a copy of an ended session's
cookie opens nothing. (Signing out therefore ends the person's sessions on every device.)
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlmodel import Session

from core.api.deps import ReadSessionDep
from core.errors import PermissionDenied, TanziError
from core.models import Account
from core.services.accounts import end_sessions
from core.services.notifications import unread_count

ACCOUNT_KEY = "account_id"
SESSION_VERSION_KEY = "session_version"


class SignInRequired(TanziError):
    """A page that needs a signed-in person; pages answer with a redirect to sign-in."""

    status, code, title = 401, "sign_in_required", "Sign in required"

    def __init__(self, next_path: str) -> None:
        super().__init__("Sign in to continue.")
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"/signin?next={quote(self.next_path, safe='/')}"


def sign_in(request: Request, account: Account) -> None:
    """Start a fresh session for ``account`` (a new CSRF token; no fixation)."""
    request.session.clear()
    request.session[ACCOUNT_KEY] = account.id
    request.session[SESSION_VERSION_KEY] = account.session_version
    request.state.account = account


def sign_out(request: Request, session: Session) -> None:
    """End the signed-in person's sessions (every copy of the cookie, on every device) and
    clear this one. The caller commits."""
    account_id = request.session.get(ACCOUNT_KEY)
    if isinstance(account_id, int):
        end_sessions(session, account_id=account_id)
    request.session.clear()
    request.state.account = None


def session_is_current(request: Request, account: Account) -> bool:
    """The cookie was signed in at the account's current session version, and the account
    is not suspended."""
    version = request.session.get(SESSION_VERSION_KEY)
    return version == account.session_version and account.suspended_at is None


def current_account(request: Request, session: ReadSessionDep) -> Account | None:
    """The signed-in person, or ``None``. Also kept on ``request.state`` for templates."""
    cached = getattr(request.state, "account", None)
    if cached is not None:
        return cached
    account_id = request.session.get(ACCOUNT_KEY)
    account = session.get(Account, account_id) if isinstance(account_id, int) else None
    if account is not None and not session_is_current(request, account):
        account = None  # signed out elsewhere, new password, or suspended
    # the frame's badge: how many notices wait for this person
    request.state.unread_notices = (
        unread_count(session, account_id=account.id) if account and account.id else 0
    )
    session.commit()  # end the read transaction now (see core.api.deps.get_session)
    if account is None and account_id is not None:
        request.session.clear()  # the account is gone or this session has ended
    request.state.account = account
    return account


CurrentAccount = Annotated[Account | None, Depends(current_account)]


def local_path(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


# The checks below only look at the account already loaded: they are ``async`` so that
# FastAPI calls them on the event loop instead of sending each to a worker thread.


async def require_account(request: Request, account: CurrentAccount) -> Account:
    """The signed-in person; anyone else is sent to sign in and brought back after."""
    if account is None:
        raise SignInRequired(local_path(request))
    return account


RequireAccount = Annotated[Account, Depends(require_account)]


async def require_provider(account: RequireAccount) -> Account:
    if not account.is_provider:
        raise PermissionDenied(
            "This page is for service providers. Sign up as a provider to publish services.",
            code="providers_only",
        )
    return account


RequireProvider = Annotated[Account, Depends(require_provider)]


async def require_admin(account: RequireAccount) -> Account:
    if not account.is_admin:
        raise PermissionDenied("Only platform admins may do this.", code="admin_only")
    return account


RequireAdmin = Annotated[Account, Depends(require_admin)]


def safe_next(value: str | None, default: str = "/") -> str:
    """A redirect target that stays on this site (no ``//host`` or ``https://``)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
