"""``client.secrets`` for the in-process client: the installation's sealed credentials
(:mod:`core.services.plugin_secrets`), opened with the host's secret box."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.crypto import SecretBox, secret_box
from core.services import plugin_secrets
from sdk.errors import InvalidRequest

if TYPE_CHECKING:
    from core.plugins.client import ScopedClient


class ClientSecrets:
    """``client.secrets``: no scope; only ever the calling installation's secrets."""

    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def _box(self) -> SecretBox:
        if self._c.host is None:
            raise InvalidRequest("Secrets are not available here.", code="secrets_unavailable")
        return secret_box(self._c.host.settings)

    @property
    def _installation_id(self) -> int:
        return self._c.installation_id or 0

    def put(self, name: str, value: str) -> None:
        """Seal and keep ``value`` under ``name``."""
        box = self._box()
        with self._c.writing(None) as session:
            plugin_secrets.put_secret(
                session,
                box,
                installation_id=self._installation_id,
                shop_id=self._c.shop_id,
                name=name,
                value=value,
            )

    def get(self, name: str) -> str | None:
        """The value kept under ``name``, or ``None``."""
        box = self._box()
        with self._c.reading(None) as session:
            return plugin_secrets.get_secret(
                session, box, installation_id=self._installation_id, name=name
            )

    def delete(self, name: str) -> bool:
        """Forget ``name``; ``False`` when there was none."""
        with self._c.writing(None) as session:
            return plugin_secrets.delete_secret(
                session, installation_id=self._installation_id, name=name
            )
