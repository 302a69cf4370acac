"""Plugin secrets: an installation's credentials for other platforms, sealed at rest.

They live beside the installation's records (:class:`~core.models.PluginRecord`) in a
collection whose name no plugin may use (:data:`SECRETS_COLLECTION` is not a slug), so
``client.records`` and the records routes can neither list nor read them: only
``client.secrets`` opens them, for the installation that sealed them, with the host's
:class:`~core.crypto.SecretBox` (key rotation included).
"""

from __future__ import annotations

from sqlmodel import Session, select

from core.crypto import SecretBox
from core.errors import InvalidInput
from core.models import PluginRecord
from core.models.base import utcnow
from core.services.plugin_records import check_address

#: The records collection sealed secrets are kept in; refused by the records rules.
SECRETS_COLLECTION = "_sealed"
#: The longest secret value, in characters.
MAX_SECRET_CHARS = 16 * 1024


def _row(session: Session, installation_id: int, name: str) -> PluginRecord | None:
    check_address("secrets", name)
    return session.exec(
        select(PluginRecord).where(
            PluginRecord.installation_id == installation_id,
            PluginRecord.collection == SECRETS_COLLECTION,
            PluginRecord.key == name,
        )
    ).first()


def put_secret(
    session: Session, box: SecretBox, *, installation_id: int, shop_id: int, name: str, value: str
) -> None:
    """Seal ``value`` and keep it under ``name`` for this installation."""
    if not isinstance(value, str) or not value or len(value) > MAX_SECRET_CHARS:
        raise InvalidInput(
            f"A secret is 1 to {MAX_SECRET_CHARS} characters of text.",
            code="invalid_secret",
            field="body.value",
        )
    row = _row(session, installation_id, name)
    if row is None:
        row = PluginRecord(
            installation_id=installation_id,
            shop_id=shop_id,
            collection=SECRETS_COLLECTION,
            key=name,
            data={},
        )
    row.data = {"sealed": box.seal(value)}
    row.updated_at = utcnow()
    session.add(row)
    session.flush()


def get_secret(session: Session, box: SecretBox, *, installation_id: int, name: str) -> str | None:
    """The value kept under ``name``, opened; ``None`` when there is none."""
    row = _row(session, installation_id, name)
    return None if row is None else box.open(str(row.data.get("sealed", "")))


def delete_secret(session: Session, *, installation_id: int, name: str) -> bool:
    """Forget ``name``; ``False`` when there was none."""
    row = _row(session, installation_id, name)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
