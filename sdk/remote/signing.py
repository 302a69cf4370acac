"""Signing and verifying webhook requests.

Tanzi signs every delivery with the app's webhook secret: ``Tanzi-Signature`` carries
``v1=<hex HMAC-SHA256>`` over ``f"{timestamp}.{body}"``, where ``timestamp`` is the
``Tanzi-Timestamp`` header (Unix seconds) and ``body`` the raw request body. Checking the
timestamp against a tolerance window stops a captured request from being replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

EVENT_ID_HEADER = "Tanzi-Event-Id"
TOPIC_HEADER = "Tanzi-Topic"
TIMESTAMP_HEADER = "Tanzi-Timestamp"
SIGNATURE_HEADER = "Tanzi-Signature"
#: The scheme of the signatures this SDK makes and checks.
SCHEME = "v1"
#: Seconds a signed request stays acceptable either side of the receiver's clock.
DEFAULT_TOLERANCE_S = 300


class InvalidSignature(ValueError):
    """A webhook request failed verification; ``reason`` says why in one word.

    ``missing_header``, ``bad_timestamp``, ``stale``, ``future`` or ``mismatch``. Answer
    such a request with 400 or 401 and do not act on it.
    """

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def sign(secret: str | bytes, timestamp: int | str, body: str | bytes) -> str:
    """The ``Tanzi-Signature`` value for ``body`` sent at ``timestamp``: ``v1=<hex>``."""
    message = str(timestamp).encode() + b"." + _bytes(body)
    digest = hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def signature_headers(
    secret: str | bytes, body: str | bytes, *, event_id: str, topic: str, timestamp: int
) -> dict[str, str]:
    """Every header of a signed delivery (what the host sends; handy in providers' tests)."""
    return {
        EVENT_ID_HEADER: event_id,
        TOPIC_HEADER: topic,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict is case-sensitive; HTTP header names are not
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value


def verify_signature(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: str | bytes,
    *,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> int:
    """Check a webhook request's signature and freshness; returns its timestamp.

    :param secret: the app's webhook secret (shown in the provider console).
    :param headers: the request's headers (any mapping; names match case-insensitively).
    :param body: the raw body exactly as received, before any JSON parsing.
    :param tolerance_s: how far the timestamp may be from ``now``, either way.
    :param now: the current Unix time (``time.time()`` when ``None``).
    :raises InvalidSignature: on a missing header, a tampered body, the wrong secret, or a
        timestamp older or newer than the tolerance window.
    """
    raw_timestamp = _header(headers, TIMESTAMP_HEADER)
    raw_signature = _header(headers, SIGNATURE_HEADER)
    if not raw_timestamp or not raw_signature:
        raise InvalidSignature(
            "missing_header", f"The {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required."
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
    expected = sign(secret, timestamp, body)
    # several signatures may come comma-separated (e.g. while a secret is rotated)
    offered = [part.strip() for part in raw_signature.split(",")]
    if not any(hmac.compare_digest(expected, candidate) for candidate in offered):
        raise InvalidSignature(
            "mismatch", "The signature does not match the body and the webhook secret."
        )
    return timestamp
