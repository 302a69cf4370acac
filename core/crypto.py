"""Secrets at rest: values Tanzi must read back (webhook signing secrets, carrier
credentials) are encrypted with a Fernet key derived from the settings' secret key."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

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
