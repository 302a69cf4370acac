"""Sign-in, sign-up, sign-out and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from core.api.deps import SessionDep
from core.errors import Conflict, PermissionDenied, Unauthenticated
from core.services.accounts import authenticate, create_account
from marketplace.web.csrf import web_router
from marketplace.web.deps import CurrentAccount, safe_next, sign_in, sign_out
from marketplace.web.i18n import LANG_COOKIE, LOCALES
from marketplace.web.templating import flash, gettext_for, render

router = web_router(tags=["pages"])
ROLES = ("merchant", "provider")
MIN_PASSWORD = 8


@router.get("/signin")
def signin_page(request: Request, user: CurrentAccount, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "auth/signin.html", {"next": safe_next(next), "email": ""})


@router.post("/signin")
def signin(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    _ = gettext_for(request)
    try:
        account = authenticate(session, email=email, password=password)
    except Unauthenticated:
        session.rollback()
        context = {"next": safe_next(next), "email": email, "error": _("Wrong e-mail or password.")}
        return render(request, "auth/signin.html", context, status_code=400)
    except PermissionDenied:  # suspended: the password was right, so saying so leaks nothing
        session.rollback()
        error = _("This account is suspended by the platform. Contact support.")
        context = {"next": safe_next(next), "email": email, "error": error}
        return render(request, "auth/signin.html", context, status_code=403)
    session.commit()
    sign_in(request, account)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/signup")
def signup_page(request: Request, role: str = "merchant") -> Response:
    form = {"name": "", "email": "", "role": role if role in ROLES else "merchant"}
    return render(request, "auth/signup.html", {"form": form, "errors": {}})


@router.post("/signup")
def signup(
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form(max_length=100)],
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form()] = "merchant",
) -> Response:
    _ = gettext_for(request)
    form = {"name": name, "email": email, "role": role if role in ROLES else "merchant"}
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Enter your name.")
    if "@" not in email or "." not in email.rpartition("@")[2]:
        errors["email"] = _("Enter an e-mail address like name@example.com.")
    if len(password) < MIN_PASSWORD:
        errors["password"] = _("Use at least 8 characters.")
    if not errors:
        try:
            account = create_account(
                session,
                email=email,
                name=name,
                password=password,
                is_provider=form["role"] == "provider",
            )
        except Conflict:
            session.rollback()
            errors["email"] = _("An account with this e-mail already exists.")
    if errors:
        return render(
            request, "auth/signup.html", {"form": form, "errors": errors}, status_code=400
        )
    session.commit()
    sign_in(request, account)
    flash(request, _("Welcome to Tanzi, %(name)s.") % {"name": account.name}, "success")
    return RedirectResponse("/provider" if account.is_provider else "/console", status_code=303)


@router.post("/signout")
def signout(request: Request, session: SessionDep) -> Response:
    """Sign out: the session ends on the server's side too, so a copy of the cookie
    opens nothing afterwards."""
    sign_out(request, session)
    session.commit()
    return RedirectResponse("/", status_code=303)


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    """Remember the chosen language in a cookie (a preference, so a plain link)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LOCALES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
