"""REST routes: accounts (sign-up, me) and personal access tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from core.api.deps import AdminDep, PersonIdDep, PrincipalDep, SessionDep
from core.schemas.accounts import (
    AccountCreate,
    AccountPublic,
    PasswordChange,
    SuspensionChange,
    TokenCreate,
    TokenIssued,
)
from core.services import accounts as service
from core.services import suspensions

router = APIRouter(tags=["accounts"])


@router.post("/accounts", status_code=status.HTTP_201_CREATED, response_model=AccountPublic)
def sign_up(body: AccountCreate, session: SessionDep) -> AccountPublic:
    """Create an account. A taken e-mail is a 409 with code ``email_taken``."""
    account = service.create_account(
        session, email=body.email, name=body.name, password=body.password
    )
    session.commit()
    return AccountPublic.model_validate(account)


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenIssued)
def create_token(body: TokenCreate, session: SessionDep) -> TokenIssued:
    """Exchange e-mail and password for a personal access token, shown only this once."""
    account = service.authenticate(session, email=body.email, password=body.password)
    token = service.issue_personal_token(session, account=account, name=body.name)
    session.commit()
    return TokenIssued(token=token, account=AccountPublic.model_validate(account))


@router.get("/me", response_model=AccountPublic)
def me(account_id: PersonIdDep, session: SessionDep) -> AccountPublic:
    """The account behind the personal access token."""
    return AccountPublic.model_validate(service.get_account(session, account_id=account_id))


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(account_id: PersonIdDep, body: PasswordChange, session: SessionDep) -> Response:
    """Change the password (the current one must be right: 401 ``invalid_credentials``).
    Every signed-in web session of the account ends; personal tokens keep working."""
    service.change_password(
        session,
        account=service.get_account(session, account_id=account_id),
        current_password=body.current_password,
        new_password=body.new_password,
    )
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/tokens/current", status_code=status.HTTP_204_NO_CONTENT)
def revoke_current_token(
    request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    """Revoke the token this request was made with."""
    _, _, token = request.headers.get("authorization", "").partition(" ")
    service.revoke_token(session, token=token.strip())
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/admin/accounts/{account_id}/suspend", response_model=AccountPublic)
def suspend_account(
    account_id: int, body: SuspensionChange, admin: AdminDep, session: SessionDep
) -> AccountPublic:
    """Suspend an account (platform admins; a reason is required, audit-logged): it cannot
    sign in, its sessions end and its personal tokens get 403 ``account_suspended``."""
    assert admin.account_id is not None
    account = suspensions.suspend_account(
        session,
        admin_id=admin.account_id,
        account=service.get_account(session, account_id=account_id),
        reason=body.reason,
    )
    session.commit()
    return AccountPublic.model_validate(account)


@router.post("/admin/accounts/{account_id}/reinstate", response_model=AccountPublic)
def reinstate_account(
    account_id: int, body: SuspensionChange, admin: AdminDep, session: SessionDep
) -> AccountPublic:
    """Lift an account's suspension (platform admins; audit-logged)."""
    assert admin.account_id is not None
    account = suspensions.reinstate_account(
        session,
        admin_id=admin.account_id,
        account=service.get_account(session, account_id=account_id),
        reason=body.reason,
    )
    session.commit()
    return AccountPublic.model_validate(account)
