"""REST routes: a shop's plugin installations, their settings, and the records they keep.

People of the shop see every installation and its records; a service (OAuth token) sees
the list without settings, and only its own installation's records.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlmodel import Session, select

from core.api.deps import Access, PageParams, ReadSessionDep, SessionDep
from core.api.pagination import Page, paginate
from core.auth import ShopAccess
from core.errors import NotFound, PermissionDenied
from core.models import Area, Installation, PluginRecord
from core.plugins.installations import configure_installation, get_installation
from core.plugins.manager import PluginHost
from core.plugins.service_status import (
    STATUS_MEANINGS,
    ServiceStatus,
    service_status,
    service_statuses,
)
from core.schemas.aftersales import as_utc
from core.schemas.installations import (
    InstallationPublic,
    InstallationSettingsUpdate,
    PluginRecordPublic,
)
from sdk.scopes import Scope

router = APIRouter(tags=["installations"])

INSTALLATION = "/shops/{shop_id}/installations/{plugin_id}"
PluginId = Annotated[str, Path(min_length=2, max_length=63, pattern=r"^[a-z][a-z0-9_]+$")]
Collection = Annotated[str, Path(min_length=1, max_length=63, pattern=r"^[a-z][a-z0-9_]*$")]


def _host(request: Request) -> PluginHost:
    return request.app.state.plugins


def _view(
    host: PluginHost, row: Installation, status: ServiceStatus, *, with_settings: bool
) -> InstallationPublic:
    assert row.id is not None
    plugin = host.plugins.get(row.plugin_id)
    name = plugin.manifest.name if plugin is not None and plugin.manifest else row.plugin_id
    return InstallationPublic(
        id=row.id,
        plugin_id=row.plugin_id,
        name=name,
        version=row.version,
        status=row.status.value,
        service_status=status.value,
        service_status_detail=STATUS_MEANINGS[status],
        granted_scopes=list(row.granted_scopes),
        settings=dict(row.settings) if with_settings else None,
        circuit_state=row.circuit_state.value,
        created_at=row.created_at,
        removed_at=row.removed_at,
    )


def require_marketplace_permission(access: ShopAccess) -> None:
    """Refuse a person whose role lacks the 'marketplace' permission (owners have it)."""
    member = access.member
    if member is None or not (member.is_owner or Area.marketplace.value in access.areas):
        raise PermissionDenied(
            "Your role in this shop lacks the 'marketplace' permission.",
            code="missing_permission",
            extra={"missing_permission": Area.marketplace.value},
        )


def _installation(session: Session, access: ShopAccess, plugin_id: str) -> Installation:
    """The shop's installation of ``plugin_id``; a service only reaches its own."""
    row = get_installation(session, shop_id=access.shop_id, plugin_id=plugin_id)
    own = access.principal.installation_id
    if row is None or (access.principal.scopes is not None and row.id != own):
        raise NotFound(f"Plugin '{plugin_id}' is not installed in this shop.")
    return row


@router.get("/shops/{shop_id}/installations", summary="The plugins installed in the shop")
def list_installations(
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.shop_read)],
    session: ReadSessionDep,
    page: PageParams,
) -> Page[InstallationPublic]:
    statement = select(Installation).where(Installation.shop_id == access.shop_id)
    rows, next_cursor = paginate(session, statement, Installation.id, cursor=page[0], limit=page[1])
    people = access.principal.scopes is None
    host = _host(request)
    statuses = service_statuses(session, rows)
    items = [_view(host, r, statuses[r.id or 0], with_settings=people) for r in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.get(INSTALLATION, summary="One installed plugin")
def get_one_installation(
    plugin_id: PluginId,
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.shop_read)],
    session: ReadSessionDep,
) -> InstallationPublic:
    row = _installation(session, access, plugin_id)
    status = service_status(session, row)
    return _view(_host(request), row, status, with_settings=access.principal.scopes is None)


@router.put(INSTALLATION + "/settings", summary="Change an installed plugin's settings")
def update_installation_settings(
    plugin_id: PluginId,
    body: InstallationSettingsUpdate,
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.shop_write)],
    session: SessionDep,
) -> InstallationPublic:
    """Replace the settings; they are checked against the plugin's settings model (422 with
    the field path, e.g. ``body.settings.max_premium_fen``). People of the shop only, with
    the marketplace permission."""
    if access.principal.scopes is not None:
        raise PermissionDenied("Only the shop's people may configure plugins.", code="people_only")
    require_marketplace_permission(access)
    row = _installation(session, access, plugin_id)
    host = _host(request)
    configure_installation(session, host=host, installation=row, settings=body.settings)
    session.commit()
    return _view(host, row, service_status(session, row), with_settings=True)


@router.get(
    INSTALLATION + "/records/{collection}", summary="The records a plugin keeps in the shop"
)
def list_plugin_records(
    plugin_id: PluginId,
    collection: Collection,
    access: Annotated[ShopAccess, Access(Scope.shop_read)],
    session: ReadSessionDep,
    page: PageParams,
) -> Page[PluginRecordPublic]:
    """One collection of a plugin's records (policies, claims...), oldest first."""
    row = _installation(session, access, plugin_id)
    statement = select(PluginRecord).where(
        PluginRecord.installation_id == row.id, PluginRecord.collection == collection
    )
    rows, next_cursor = paginate(session, statement, PluginRecord.id, cursor=page[0], limit=page[1])
    items = [
        PluginRecordPublic(
            id=r.id or 0,
            collection=r.collection,
            key=r.key,
            data=dict(r.data),
            created_at=as_utc(r.created_at),
            updated_at=as_utc(r.updated_at),
        )
        for r in rows
    ]
    return Page(items=items, next_cursor=next_cursor)
