"""REST route: the product import formats a shop's enabled services register.

The host collects ``register_importers`` from each plugin the shop has enabled (a plugin
whose registration fails contributes none); the import page and the import job build on
this list.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlmodel import Session

from core.api.deps import Access, ReadSessionDep
from core.auth import ShopAccess
from core.plugins.manager import PluginHost
from sdk.models import Importer
from sdk.scopes import Scope

router = APIRouter(tags=["products"])


class ImportFormatPublic(BaseModel):
    """One import format: the service that reads it, its code and name, the file types."""

    plugin_id: str
    code: str
    name: str
    content_types: list[str]


def shop_importers(session: Session, *, host: PluginHost, shop_id: int) -> list[ImportFormatPublic]:
    """The import formats of the shop's enabled plugins, in plugin order then their own."""
    formats: list[ImportFormatPublic] = []
    for plugin_id in host.shop_view(session, shop_id).installations:
        if not host.implements(plugin_id, "register_importers"):
            continue
        try:
            groups = host.plugin_caller(plugin_id, "register_importers")()
        except Exception:
            continue
        formats.extend(
            ImportFormatPublic(
                plugin_id=plugin_id,
                code=importer.code,
                name=importer.name,
                content_types=list(importer.content_types),
            )
            for group in groups or []
            for importer in group or []
            if isinstance(importer, Importer)
        )
    return formats


@router.get("/shops/{shop_id}/import-formats", summary="Product import formats of the shop")
def list_import_formats(
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.products_read)],
    session: ReadSessionDep,
) -> list[ImportFormatPublic]:
    """The formats the shop's enabled services can import products from."""
    host: PluginHost = request.app.state.runtime.host
    return shop_importers(session, host=host, shop_id=access.shop_id)
