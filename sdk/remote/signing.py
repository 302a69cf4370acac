"""Signing and verifying webhook requests by the Standard Webhooks specification.

Tanzi signs every delivery as https://www.standardwebhooks.com specifies, so any of the
specification's reference libraries (``standardwebhooks`` on PyPI and npm, and the
others) verifies it; this module is the same scheme without a dependency:

- ``webhook-id``: the event's id, the same on every retry (deduplicate on it);
- ``webhook-timestamp``: the attempt's Unix time in seconds;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256>`` over ``f"{id}.{timestamp}.{body}"``
  keyed by the secret's bytes; while a secret is being rotated, one signature per secret,
  separated by spaces (a receiver accepts the request when any one matches).

Secrets are spelled ``whsec_<base64 of 24 to 64 random bytes>``. Secrets Tanzi issued
before it followed the specification are ``whsec_`` and a URL-safe token (never valid
standard base64); their key is their own UTF-8 bytes, as it always was. This module
accepts both spellings; :func:`standard_secret` turns an old one into the standard
spelling of the same key, which is what the reference libraries need.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from secrets import token_bytes

EVENT_ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
#: Not signed and not part of the specification: the topic, for routing before parsing
#: (the signed body carries it too).
TOPIC_HEADER = "Tanzi-Topic"
#: The signature scheme (symmetric HMAC-SHA256) this SDK makes and checks.
SCHEME = "v1"
#: How a webhook secret is spelled.
SECRET_PREFIX = "whsec_"
#: Seconds a signed request stays acceptable either side of the receiver's clock.
DEFAULT_TOLERANCE_S = 300
#: Random bytes in a new secret (the specification asks for 24 to 64).
SECRET_BYTES = 32

Secret = str | bytes


class InvalidSignature(ValueError):
    """A webhook request failed verification; ``reason`` says why in one word.

    ``missing_header``, ``bad_timestamp``, ``stale``, ``future`` or ``mismatch``. Answer
    such a request with 400 or 401 and do not act on it.
    """

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


def new_secret(num_bytes: int = SECRET_BYTES) -> str:
    """A fresh random signing secret in the standard spelling, ``whsec_<base64>``."""
    if not 24 <= num_bytes <= 64:
        raise ValueError("A webhook secret has 24 to 64 random bytes.")
    return SECRET_PREFIX + base64.b64encode(token_bytes(num_bytes)).decode()


def secret_key(secret: Secret) -> bytes:
    """The HMAC key of a secret.

    ``whsec_`` followed by standard, padded base64 is the specification's spelling: the key
    is the decoded bytes. Any other string is a secret from before (Tanzi's older
    ``whsec_<url-safe token>``): its key is its UTF-8 bytes. Bytes are the key itself.
    """
    if isinstance(secret, bytes):
        return secret
    if secret.startswith(SECRET_PREFIX):
        try:
            key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except binascii.Error:
            key = b""
        if key:
            return key
    return secret.encode()


def standard_secret(secret: Secret) -> str:
    """The ``whsec_<base64>`` spelling of ``secret``'s key (unchanged when already standard).

    Give this to a reference library; :func:`verify_signature` takes either spelling.
    """
    return SECRET_PREFIX + base64.b64encode(secret_key(secret)).decode()


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def sign(secret: Secret, msg_id: str, timestamp: int | str, body: str | bytes) -> str:
    """One ``webhook-signature`` entry for ``body`` with id ``msg_id`` sent at ``timestamp``:
    ``v1,<base64>``."""
    message = f"{msg_id}.{timestamp}.".encode() + _bytes(body)
    digest = hmac.new(secret_key(secret), message, hashlib.sha256).digest()
    return f"{SCHEME},{base64.b64encode(digest).decode()}"


def signature_headers(
    secret: Secret | Sequence[Secret],
    body: str | bytes,
    *,
    event_id: str,
    topic: str,
    timestamp: int,
) -> dict[str, str]:
    """Every header of a signed delivery (what the host sends; handy in providers' tests).

    :param secret: the signing secret, or several (current first) while one is rotated:
        then ``webhook-signature`` carries one signature per secret, space-separated.
    """
    if "." in event_id:
        raise ValueError("A webhook id may not contain '.' (it delimits the signed content).")
    keys = [secret] if isinstance(secret, str | bytes) else list(secret)
    signatures = dict.fromkeys(sign(key, event_id, timestamp, body) for key in keys)
    return {
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(signatures),
        TOPIC_HEADER: topic,
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict is case-sensitive; HTTP header names are not
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value


def _offered_digests(raw_signature: str) -> list[bytes]:
    """The decoded ``v1`` signatures of a ``webhook-signature`` value (others are skipped)."""
    digests: list[bytes] = []
    for entry in raw_signature.split():
        version, _, encoded = entry.partition(",")
        if version != SCHEME:
            continue
        try:
            digests.append(base64.b64decode(encoded, validate=True))
        except binascii.Error:
            continue
    return digests


def verify_signature(
    secret: Secret,
    headers: Mapping[str, str],
    body: str | bytes,
    *,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> int:
    """Check a webhook request's signature and freshness; returns its timestamp.

    :param secret: the app's webhook secret (shown in the provider console), in either
        spelling (see :func:`secret_key`).
    :param headers: the request's headers (any mapping; names match case-insensitively).
    :param body: the raw body exactly as received, before any JSON parsing.
    :param tolerance_s: how far the timestamp may be from ``now``, either way.
    :param now: the current Unix time (``time.time()`` when ``None``).
    :raises InvalidSignature: on a missing header, a tampered body or id, the wrong secret,
        or a timestamp older or newer than the tolerance window.
    """
    msg_id = _header(headers, EVENT_ID_HEADER)
    raw_timestamp = _header(headers, TIMESTAMP_HEADER)
    raw_signature = _header(headers, SIGNATURE_HEADER)
    if not msg_id or not raw_timestamp or not raw_signature:
        raise InvalidSignature(
            "missing_header",
            f"The {EVENT_ID_HEADER}, {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are "
            "required.",
        )
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise InvalidSignature(
            "bad_timestamp", f"{TIMESTAMP_HEADER} is not Unix seconds: {raw_timestamp!r}."
        ) from None
    current = time.time() if now is None else now
    if timestamp < current - tolerance_s:
        raise InvalidSignature(
            "stale",
            f"The request was signed {current - timestamp:.0f}s ago (over {tolerance_s:g}s).",
        )
    if timestamp > current + tolerance_s:
        raise InvalidSignature(
            "future",
            f"The request is dated {timestamp - current:.0f}s ahead (over {tolerance_s:g}s).",
        )
    expected = base64.b64decode(sign(secret, msg_id, timestamp, body).partition(",")[2])
    if not any(hmac.compare_digest(expected, got) for got in _offered_digests(raw_signature)):
        raise InvalidSignature(
            "mismatch", "The signature does not match the id, body and webhook secret."
        )
    return timestamp
