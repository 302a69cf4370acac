"""Accounts, sign-in and personal access tokens."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.auth import account_suspended
from core.errors import Conflict, NotFound, Unauthenticated
from core.models import AccessToken, Account
from core.models.base import utcnow
from core.security import hash_password, new_token, token_hash, verify_password

#: Verified against when the e-mail is unknown, so sign-in takes as long either way.
_DUMMY_HASH = hash_password("not-a-real-password")


def normalize_email(email: str) -> str:
    """The stored form of an e-mail address: trimmed and lower-cased."""
    return email.strip().lower()


def get_account_by_email(session: Session, *, email: str) -> Account | None:
    """The account with this e-mail address, or ``None``."""
    return session.exec(select(Account).where(Account.email == normalize_email(email))).first()


def get_account(session: Session, *, account_id: int) -> Account:
    """The account with this id, or :class:`NotFound`."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"Account {account_id} was not found.")
    return account


def create_account(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    is_admin: bool = False,
    is_provider: bool = False,
) -> Account:
    """Create an account with a hashed password; :class:`Conflict` ``email_taken`` if in use."""
    email = normalize_email(email)
    taken = Conflict(
        f"An account with e-mail {email} already exists.", code="email_taken", field="body.email"
    )
    if get_account_by_email(session, email=email) is not None:
        raise taken
    account = Account(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        is_admin=is_admin,
        is_provider=is_provider,
    )
    try:
        with session.begin_nested():  # a concurrent sign-up may win the unique index
            session.add(account)
            session.flush()
    except IntegrityError:
        raise taken from None
    return account


def authenticate(session: Session, *, email: str, password: str) -> Account:
    """The account these credentials belong to, or :class:`Unauthenticated`."""
    account = get_account_by_email(session, email=email)
    if account is None:
        verify_password(_DUMMY_HASH, password)
        ok = False
    else:
        ok = verify_password(account.password_hash, password)
    if account is None or not ok:
        raise Unauthenticated("The e-mail or password is wrong.", code="invalid_credentials")
    if account.suspended_at is not None:
        raise account_suspended()
    return account


def end_sessions(session: Session, *, account_id: int) -> None:
    """End every signed-in web session of the account: the session version each cookie
    carries no longer matches (one atomic ``UPDATE``; not committed)."""
    session.exec(
        update(Account)
        .where(col(Account.id) == account_id)
        .values(session_version=col(Account.session_version) + 1)
    )


def change_password(
    session: Session, *, account: Account, current_password: str, new_password: str
) -> Account:
    """Replace the password after checking the current one; every web session of the
    account ends (sign in again with the new password). Personal tokens keep working."""
    if not verify_password(account.password_hash, current_password):
        raise Unauthenticated("The current password is wrong.", code="invalid_credentials")
    assert account.id is not None
    account.password_hash = hash_password(new_password)
    session.add(account)
    session.flush()
    end_sessions(session, account_id=account.id)
    session.refresh(account)
    return account


def issue_personal_token(session: Session, *, account: Account, name: str) -> str:
    """Create a personal access token for ``account``; return it (only its hash is stored)."""
    raw = new_token("tz_pat")
    session.add(
        AccessToken(
            account_id=account.id, token_hash=token_hash(raw), kind="personal", name=name[:100]
        )
    )
    session.flush()
    return raw


def revoke_token(session: Session, *, token: str) -> None:
    """Revoke the token given in full; revoking an unknown or revoked token does nothing."""
    row = session.exec(
        select(AccessToken).where(AccessToken.token_hash == token_hash(token))
    ).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
