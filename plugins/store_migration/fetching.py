"""Download one product image from a URL a file named, within limits.

Only ``http`` and ``https``; the host's addresses are resolved first and a loopback,
private, link-local or otherwise non-public address is refused unless the merchant's
setting allows it (each redirect is checked again, at most :data:`MAX_REDIRECTS`). The
body is read in chunks and refused past :data:`MAX_IMAGE_BYTES` or :data:`DEADLINE_S`
seconds, and kept only when its first bytes are a JPEG, PNG or WebP image, whatever the
server's ``Content-Type`` says.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

MAX_IMAGE_BYTES = 10 * 1024 * 1024
DEADLINE_S = 15.0
MAX_REDIRECTS = 3


class ImageRefused(Exception):
    """An image that was not fetched; ``reason`` is a code of :mod:`.messages`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FetchedImage:
    """An image's bytes and its type from its own first bytes."""

    url: str
    data: bytes
    content_type: str


def image_type(head: bytes) -> str | None:
    """``image/jpeg``, ``image/png`` or ``image/webp`` from the first bytes, else ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_host(url: str, *, allow_private: bool) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImageRefused("image_bad_url", url[:100])
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ImageRefused("image_unreachable", parts.hostname) from None
    if not infos or not all(_public(str(info[4][0])) for info in infos):
        raise ImageRefused("image_private_address", parts.hostname)


def fetch_image(
    url: str,
    *,
    allow_private: bool = False,
    max_bytes: int = MAX_IMAGE_BYTES,
    deadline_s: float = DEADLINE_S,
    client: httpx.Client | None = None,
) -> FetchedImage:
    """The image at ``url``, or :class:`ImageRefused` saying why not."""
    started = time.monotonic()
    own = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(min(deadline_s, 10.0)))
    try:
        for _ in range(MAX_REDIRECTS + 1):
            check_host(url, allow_private=allow_private)
            try:
                with http.stream("GET", url, follow_redirects=False) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise ImageRefused("image_unreachable", f"HTTP {response.status_code}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise ImageRefused("image_too_large", declared)
                    body = bytearray()
                    for chunk in response.iter_bytes(64 * 1024):
                        body += chunk
                        if len(body) > max_bytes:
                            raise ImageRefused("image_too_large", f"> {max_bytes}")
                        if time.monotonic() - started > deadline_s:
                            raise ImageRefused("image_too_slow", f"> {deadline_s}s")
            except httpx.TimeoutException:
                raise ImageRefused("image_too_slow", "timed out") from None
            except httpx.HTTPError as exc:
                raise ImageRefused("image_unreachable", type(exc).__name__) from None
            kind = image_type(bytes(body[:16]))
            if kind is None:
                raise ImageRefused("image_not_image", response.headers.get("content-type", ""))
            return FetchedImage(url=url, data=bytes(body), content_type=kind)
        raise ImageRefused("image_unreachable", "too many redirects")
    finally:
        if own:
            http.close()
