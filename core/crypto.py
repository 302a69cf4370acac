"""Secrets at rest: values Tanzi must read back (webhook signing secrets, carrier
credentials) are encrypted with a Fernet key derived from the settings' secret key.

:class:`SecretBox` adds key rotation (``MultiFernet``): it encrypts with the current key and
still opens what older keys (``TANZI_PREVIOUS_SECRET_KEYS``) sealed; ``rotate`` re-seals an
old token under the current key."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.errors import InvalidState


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"tanzi-secrets-at-rest:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(secret_key: str, value: str) -> str:
    """``value`` encrypted and authenticated, as text for a string column."""
    return _fernet(secret_key).encrypt(value.encode()).decode()


def decrypt_secret(secret_key: str, token: str) -> str:
    """The value :func:`encrypt_secret` stored; refuses a token made with another key."""
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise InvalidState(
            "A stored secret cannot be read with this secret key (was TANZI_SECRET_KEY changed?)."
        ) from exc


class SecretBox:
    """Encrypts with ``current`` and opens tokens of ``current`` or any of ``previous``."""

    def __init__(self, current: str, previous: Sequence[str] = ()) -> None:
        if not current:
            raise ValueError("A secret box needs a current key.")
        keys = [current, *(k for k in previous if k and k != current)]
        self._multi = MultiFernet([_fernet(k) for k in keys])

    def seal(self, value: str) -> str:
        """``value`` encrypted under the current key."""
        return self._multi.encrypt(value.encode()).decode()

    def open(self, token: str) -> str:
        """The value a current or previous key sealed; :class:`InvalidState` otherwise."""
        try:
            return self._multi.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise InvalidState(
                "A stored secret cannot be read with the configured keys "
                "(was TANZI_SECRET_KEY changed without TANZI_PREVIOUS_SECRET_KEYS?).",
                code="secret_unreadable",
            ) from exc

    def rotate(self, token: str) -> str:
        """``token`` re-sealed under the current key (same value)."""
        try:
            return self._multi.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise InvalidState(
                "A stored secret cannot be read with the configured keys.",
                code="secret_unreadable",
            ) from exc


def secret_box(settings: Any) -> SecretBox:
    """The box for ``settings``: its secret key, then its previous keys."""
    return SecretBox(settings.ensure_secret_key(), settings.previous_secret_keys)
