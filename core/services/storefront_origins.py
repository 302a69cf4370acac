"""The web origins a shop's storefront answers CORS for: checking, normalizing and storing.

An origin is ``scheme://host[:port]`` exactly as a browser sends it in the ``Origin``
header: ``https`` or ``http``, a host name (IDN hosts in their ``xn--`` form) or an IP
address, an optional port, and nothing else. There are no wildcards: ``*`` would let any
page act for a signed-in buyer, and ``*.example.com`` hides which sites are meant; a
merchant lists each site (up to :data:`~core.schemas.storefront.MAX_ORIGINS`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlmodel import Session, col, delete, select

from core.errors import InvalidInput
from core.models import StorefrontOrigin
from core.schemas.storefront import MAX_ORIGINS

DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _valid_host(host: str) -> bool:
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        pass
    else:
        return True
    labels = host.split(".")
    if len(host) > 253 or labels[-1].isdigit():
        return False
    return all(_LABEL.match(label) for label in labels)


def normalize_origin(value: str, *, field: str = "origin") -> str:
    """``value`` as a browser would send it in ``Origin``, or :class:`InvalidInput`."""
    text = value.strip()
    problem = None
    if "*" in text:
        problem = "Wildcards are not allowed; list each site's origin."
    elif not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s]+/?", text):
        problem = (
            "An origin is scheme://host[:port] (for example https://shop.example.com), "
            "without a path, query, user name or spaces."
        )
    if problem is None:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        try:
            port = parts.port
        except ValueError:
            port, problem = None, "The port must be a number from 1 to 65535."
        if problem is None and scheme not in DEFAULT_PORTS:
            problem = "The scheme must be https or http."
        elif problem is None and port == 0:
            problem = "The port must be a number from 1 to 65535."
        elif problem is None and not _valid_host(host):
            problem = f"'{host}' is not a host name or an IP address."
        if problem is None:
            shown_port = "" if port in (None, DEFAULT_PORTS[scheme]) else f":{port}"
            return f"{scheme}://{host}{shown_port}"
    raise InvalidInput(problem, code="invalid_origin", field=field, extra={"value": value[:300]})


def shop_origins(session: Session, shop_id: int) -> list[str]:
    """The shop's origins, in the order they were added."""
    return list(
        session.exec(
            select(StorefrontOrigin.origin)
            .where(StorefrontOrigin.shop_id == shop_id)
            .order_by(col(StorefrontOrigin.id))
        ).all()
    )


def set_shop_origins(
    session: Session, *, shop_id: int, origins: Sequence[str], field: str = "body.origins"
) -> list[str]:
    """Replace the shop's origins with ``origins`` (checked, normalized, duplicates dropped).

    Raises :class:`InvalidInput` naming the first bad entry (``body.origins[i]``). The
    caller commits.
    """
    if len(origins) > MAX_ORIGINS:
        raise InvalidInput(
            f"A shop may register at most {MAX_ORIGINS} origins.",
            code="too_many_origins",
            field=field,
        )
    wanted: list[str] = []
    for i, value in enumerate(origins):
        origin = normalize_origin(value, field=f"{field}[{i}]")
        if origin not in wanted:
            wanted.append(origin)
    current = shop_origins(session, shop_id)
    gone = [o for o in current if o not in wanted]
    if gone:
        session.exec(
            delete(StorefrontOrigin).where(
                col(StorefrontOrigin.shop_id) == shop_id, col(StorefrontOrigin.origin).in_(gone)
            )
        )
    for origin in wanted:
        if origin not in current:
            session.add(StorefrontOrigin(shop_id=shop_id, origin=origin))
    session.flush()
    return wanted
