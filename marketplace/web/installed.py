"""A shop's installed services in the merchant console.

``/console/shops/{shop_id}/apps`` lists them; ``/console/shops/{shop_id}/apps/{slug}`` is
one service's page (where the consent screen lands after an install): its settings form,
generated from the plugin's settings model, pause and resume, uninstall, re-consent to a
newer version's added scopes, and the subscription with Renew and Cancel. Every member
may look; only the owner and members whose role holds the ``marketplace`` permission may
change anything.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlmodel import Session

from core.api.deps import SessionDep, SettingsDep
from core.errors import InvalidState
from core.models import InstallationStatus
from core.plugins.installations import (
    configure_installation,
    pause_installation,
    resume_installation,
)
from core.plugins.manager import PluginHost
from core.services.payments import provider_for
from marketplace.services.installed import (
    InstalledService,
    ShopSeat,
    approve_pending_version,
    require_manage,
    shop_seat,
    shop_service,
    shop_services,
    uninstall_service,
)
from marketplace.services.subscriptions import (
    cancel_subscription,
    expire_lapsed_subscriptions,
    renew_subscription,
)
from marketplace.web.console_access import shop_tabs
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.i18n import request_locale
from marketplace.web.settings_form import read_settings_form, settings_fields
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import SCOPES

router = web_router(tags=["installed services"])


def scope_words(request: Request) -> dict[str, str]:
    """Each scope's plain words in the reader's language, translated here so the page
    escapes them like any other text."""
    _ = gettext_for(request)
    return {scope.value: _(words) for scope, words in SCOPES.items()}


def app_path(shop_id: int, slug: str) -> str:
    return f"/console/shops/{shop_id}/apps/{slug}"


def settings_model(host: PluginHost, service: InstalledService) -> type[BaseModel] | None:
    """The plugin's settings model, when it is an in-process plugin loaded here with one."""
    if service.installation.kind != "plugin":
        return None
    plugin = host.plugins.get(service.installation.plugin_id)
    model = plugin.manifest.settings if plugin is not None and plugin.manifest else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


@router.get("/console/shops/{shop_id}/apps")
def apps_page(
    shop_id: int, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """The shop's services with status, version, scopes and subscription."""
    seat = shop_seat(session, account=account, shop_id=shop_id)
    expire_lapsed_subscriptions(session, shop_id=shop_id)
    services = shop_services(session, shop_id=shop_id)
    session.commit()
    context = {"seat": seat, "services": services, "words": scope_words(request)}
    tabs = shop_tabs(session, account, shop_id)
    return render(request, "installed/list.html", {"shop": seat.shop, "tabs": tabs} | context)


@router.get("/console/shops/{shop_id}/apps/{slug}")
def app_page(
    shop_id: int, slug: str, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """One installed service: settings, state, re-consent and subscription."""
    seat = shop_seat(session, account=account, shop_id=shop_id)
    expire_lapsed_subscriptions(session, shop_id=shop_id)
    context = _app_context(request, session, seat, slug)
    session.commit()
    context["tabs"] = shop_tabs(session, account, shop_id)
    return render(request, "installed/app.html", context)


def _app_context(
    request: Request,
    session: Session,
    seat: ShopSeat,
    slug: str,
    *,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    service = shop_service(session, shop_id=seat.shop_id, slug=slug)
    model = settings_model(request.app.state.plugins, service)
    values = typed if typed is not None else dict(service.installation.settings)
    return {
        "shop": seat.shop,
        "seat": seat,
        "service": service,
        "installation": service.installation,
        "words": scope_words(request),
        "fields": (
            settings_fields(model, values, locale=request_locale(request))
            if model is not None
            else None
        ),
        "errors": errors or {},
    }


@router.post("/console/shops/{shop_id}/apps/{slug}/settings")
async def save_settings(
    shop_id: int, slug: str, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Validate the generated form with the plugin's model; re-render with errors, or save."""
    form = dict((await request.form()).items())

    def run() -> Response:
        _ = gettext_for(request)
        seat = shop_seat(session, account=account, shop_id=shop_id)
        require_manage(seat)
        service = shop_service(session, shop_id=shop_id, slug=slug)
        host: PluginHost = request.app.state.plugins
        model = settings_model(host, service)
        if model is None:
            raise InvalidState("This service has no settings to change here.", code="no_settings")
        current = dict(service.installation.settings)
        settings, errors, typed = read_settings_form(model, form, current)
        if errors:
            session.rollback()
            context = _app_context(request, session, seat, slug, typed=typed, errors=errors)
            context["tabs"] = shop_tabs(session, account, shop_id)
            return render(request, "installed/app.html", context, status_code=400)
        configure_installation(
            session, host=host, installation=service.installation, settings=settings
        )
        session.commit()
        flash(request, _("Settings saved."), "success")
        return RedirectResponse(app_path(shop_id, slug), status_code=303)

    return await run_in_threadpool(run)


@router.post("/console/shops/{shop_id}/apps/{slug}/pause")
def pause(
    shop_id: int, slug: str, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Stop the service's hooks, events and API access in this shop until resumed."""
    _ = gettext_for(request)
    require_manage(shop_seat(session, account=account, shop_id=shop_id))
    pause_installation(session, shop_id=shop_id, plugin_id=slug)
    session.commit()
    flash(request, _("Paused. The service does nothing in your shop until you resume it."), "info")
    return RedirectResponse(app_path(shop_id, slug), status_code=303)


@router.post("/console/shops/{shop_id}/apps/{slug}/resume")
def resume(
    shop_id: int, slug: str, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    _ = gettext_for(request)
    require_manage(shop_seat(session, account=account, shop_id=shop_id))
    resume_installation(session, shop_id=shop_id, plugin_id=slug)
    session.commit()
    flash(request, _("Resumed."), "success")
    return RedirectResponse(app_path(shop_id, slug), status_code=303)


@router.post("/console/shops/{shop_id}/apps/{slug}/uninstall")
def uninstall(
    shop_id: int,
    slug: str,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    settings: SettingsDep,
) -> Response:
    """Remove the service; it may still clean up for ``uninstall_cleanup_s`` seconds."""
    _ = gettext_for(request)
    require_manage(shop_seat(session, account=account, shop_id=shop_id))
    uninstall_service(session, shop_id=shop_id, slug=slug, cleanup_s=settings.uninstall_cleanup_s)
    session.commit()
    minutes = max(1, round(settings.uninstall_cleanup_s / 60))
    flash(
        request,
        _("Removed. The service can tidy up what it made for %(minutes)s more minutes.")
        % {"minutes": minutes},
        "success",
    )
    return RedirectResponse(f"/console/shops/{shop_id}/apps", status_code=303)


@router.post("/console/shops/{shop_id}/apps/{slug}/approve")
def approve_version(
    shop_id: int, slug: str, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Re-consent: move to the waiting version with the scopes it asks for."""
    _ = gettext_for(request)
    require_manage(shop_seat(session, account=account, shop_id=shop_id))
    service = shop_service(session, shop_id=shop_id, slug=slug)
    approve_pending_version(session, installation=service.installation)
    session.commit()
    flash(
        request,
        _("Updated to version %(version)s.") % {"version": service.installation.version},
        "success",
    )
    return RedirectResponse(app_path(shop_id, slug), status_code=303)


@router.post("/console/shops/{shop_id}/apps/{slug}/renew")
def renew(
    shop_id: int, slug: str, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Pay one more month (the sandbox payment in development)."""
    _ = gettext_for(request)
    require_manage(shop_seat(session, account=account, shop_id=shop_id))
    service = shop_service(session, shop_id=shop_id, slug=slug)
    if service.installation.status is InstallationStatus.removed:
        raise InvalidState("Install the service again before renewing it.")
    subscription = renew_subscription(
        session, installation=service.installation, payment=provider_for(request.app.state)
    )
    session.commit()
    assert subscription.current_period_end is not None
    flash(
        request,
        _("Renewed: paid until %(date)s.")
        % {"date": subscription.current_period_end.strftime("%Y-%m-%d")},
        "success",
    )
    return RedirectResponse(app_path(shop_id, slug), status_code=303)


@router.post("/console/shops/{shop_id}/apps/{slug}/cancel")
def cancel(
    shop_id: int, slug: str, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Stop renewing; the service works to the end of the period."""
    _ = gettext_for(request)
    require_manage(shop_seat(session, account=account, shop_id=shop_id))
    service = shop_service(session, shop_id=shop_id, slug=slug)
    cancel_subscription(session, installation=service.installation)
    session.commit()
    flash(request, _("Subscription cancelled: it will not renew."), "info")
    return RedirectResponse(app_path(shop_id, slug), status_code=303)
