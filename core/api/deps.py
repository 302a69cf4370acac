"""Dependencies shared by the API routes: settings, session, caller, and the shop guard."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import cache
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.auth import Principal, ShopAccess, authorize_shop, principal_from_token
from core.errors import PermissionDenied, RateLimited, Unauthenticated
from core.plugins.decisions import DecisionRunner
from core.ratelimit import RateLimiter
from core.security import token_hash
from core.settings import Settings
from sdk.scopes import Scope

_bearer = HTTPBearer(
    auto_error=False, description="A personal access token or an OAuth access token"
)


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session per request; routes commit once, at the end of their work.

    The generator is async on purpose: its clean-up (rolling back whatever a failed route
    left open) then runs on the event loop and never waits for a worker thread. On SQLite a
    transaction holds the database lock, so a clean-up queued behind threads that are
    themselves waiting for that lock would stall every request.
    """
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A session on the runtime's read-only engine, for routes and pages that only read.

    On SQLite it is a plain WAL read that never queues behind writers for the database lock
    (write sessions open ``BEGIN IMMEDIATE``); on PostgreSQL it is a read-only transaction.
    """
    session = Session(request.app.state.runtime.read_engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]


def rate_limit_key(principal: Principal, token: str) -> str:
    """Whose request budget a call spends: its installation's for OAuth and service tokens,
    its account's for personal tokens, and the token's own otherwise."""
    if principal.installation_id is not None:
        return f"installation:{principal.installation_id}"
    if principal.account_id is not None:
        return f"account:{principal.account_id}"
    return f"token:{token_hash(token)}"


def get_principal(
    request: Request,
    response: Response,
    session: ReadSessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller, from the ``Authorization: Bearer`` header.

    Each call also spends one request from the caller's rate limit (see ``core.ratelimit``);
    a caller over its limit gets a 429 with ``Retry-After``.
    """
    if credentials is None:
        raise Unauthenticated("Send an access token as 'Authorization: Bearer <token>'.")
    principal = principal_from_token(session, credentials.credentials)
    session.commit()  # end the read transaction here, in this thread (see get_session)
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        decision = limiter.hit(rate_limit_key(principal, credentials.credentials))
        if not decision.allowed:
            raise RateLimited(
                "Too many requests for this caller; retry after the time in 'Retry-After'.",
                retry_after_s=decision.retry_after_s,
                headers=decision.headers(),
            )
        response.headers.update(decision.headers())
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_person_id(principal: PrincipalDep) -> int:
    """The account of a person calling with their own personal token. A service's token is
    refused here (403 ``people_only``), before the request body is read: services act on
    shops through the shop routes, within the scopes they were granted."""
    if principal.scopes is not None or principal.kind != "personal" or principal.account_id is None:
        raise PermissionDenied(
            "Only a person, with a personal access token, may do this; services act "
            "through the shop routes.",
            code="people_only",
        )
    return principal.account_id


PersonIdDep = Annotated[int, Depends(get_person_id)]


def get_decisions(request: Request) -> DecisionRunner:
    """The runner for decision hooks (time budget, kernel fallback, circuit breaker)."""
    return request.app.state.runtime.decisions


DecisionsDep = Annotated[DecisionRunner, Depends(get_decisions)]


def get_admin(principal: PrincipalDep) -> Principal:
    """The caller, who must be a platform admin acting as a person."""
    if principal.scopes is not None or not principal.is_admin:
        raise PermissionDenied("Only platform admins may do this.", code="admin_only")
    return principal


AdminDep = Annotated[Principal, Depends(get_admin)]


@cache
def requires(scope: Scope) -> Callable[..., ShopAccess]:
    """The dependency that clears the caller for ``scope`` in the path's ``shop_id``.

    Every ``/shops/{shop_id}/...`` route declares exactly one of these; the returned
    callable carries ``required_scope`` so tests can enumerate the scope of each route.
    """

    def dependency(shop_id: int, principal: PrincipalDep, session: ReadSessionDep) -> ShopAccess:
        access = authorize_shop(session, principal, shop_id, scope)
        session.commit()  # end the read transaction in this thread (see get_session)
        session.expunge_all()  # read on the read session: a write route may add them to its own
        return access

    dependency.required_scope = scope  # type: ignore[attr-defined]
    dependency.__name__ = f"requires_{scope.value.replace(':', '_')}"
    return dependency


def Access(scope: Scope) -> object:
    """``access: Annotated[ShopAccess, Access(Scope.products_read)]``."""
    return Depends(requires(scope))


def page_params(
    request: Request,
    cursor: Annotated[
        str | None, Query(max_length=200, description="From the previous page")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=200, description="Page size")] = None,
) -> tuple[str | None, int]:
    settings: Settings = request.app.state.settings
    return cursor, limit or settings.page_size_default


PageParams = Annotated[tuple[str | None, int], Depends(page_params)]
