"""Short-lived signed download links for private files (uploads, results, documents)."""

from __future__ import annotations

from typing import Any

from itsdangerous import URLSafeTimedSerializer

from core.files.urls import FILES_PATH
from core.models.files import FilePurpose, StoredFile
from core.settings import Settings
from sdk.scopes import Scope

_LINK_SALT = "tanzi.file-link"
#: The scope needed, beyond reading the shop, for a link to each kind of file.
LINK_SCOPES: dict[FilePurpose, Scope] = {
    FilePurpose.product_image: Scope.products_read,
    FilePurpose.thumbnail: Scope.products_read,
    FilePurpose.shop_icon: Scope.shop_read,
    FilePurpose.document: Scope.shop_write,
    FilePurpose.result: Scope.shop_write,
    FilePurpose.upload: Scope.products_write,
}


def link_serializer(settings: Settings) -> URLSafeTimedSerializer:
    """The signer of file links (the app's secret key, a salt of its own)."""
    return URLSafeTimedSerializer(settings.ensure_secret_key(), salt=_LINK_SALT)


def sign_file_link(settings: Settings, file: StoredFile) -> str:
    """The root-relative URL serving ``file`` for ``file_link_ttl_s`` seconds."""
    token = link_serializer(settings).dumps({"f": file.id, "s": file.sha256, "shop": file.shop_id})
    return f"{FILES_PATH}/signed/{token}"


def read_file_link(settings: Settings, token: str) -> dict[str, Any]:
    """The payload of a link token; raises ``SignatureExpired`` or ``BadSignature``."""
    payload: dict[str, Any] = link_serializer(settings).loads(
        token, max_age=settings.file_link_ttl_s
    )
    return payload
