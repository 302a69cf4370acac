"""REST routes: accounts (sign-up, me) and personal access tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from core.api.deps import PersonIdDep, PrincipalDep, ReadSessionDep, SessionDep
from core.schemas.accounts import AccountCreate, AccountPublic, TokenCreate, TokenIssued
from core.services import accounts as service

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
def me(account_id: PersonIdDep, session: ReadSessionDep) -> AccountPublic:
    """The account behind the personal access token."""
    return AccountPublic.model_validate(service.get_account(session, account_id=account_id))


@router.delete("/tokens/current", status_code=status.HTTP_204_NO_CONTENT)
def revoke_current_token(
    request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    """Revoke the token this request was made with."""
    _, _, token = request.headers.get("authorization", "").partition(" ")
    service.revoke_token(session, token=token.strip())
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
