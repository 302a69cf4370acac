"""HTTP to a django-oscar-api 3.3 shop: authentication, errors as channel errors, pages.

Oscar's admin API answers under ``/api/admin/`` only when the shop sets
``OSCARAPI_BLOCK_ADMIN_API_ACCESS = False`` and the user is staff with the model
permissions; it accepts what Django REST framework's authentication classes accept, so a
token (``Authorization: Token ...``, when the shop has ``rest_framework.authtoken``) or
HTTP Basic with the staff user's password.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from sdk.channels import ChannelRefused, ChannelUnavailable

#: The id at the end of an API URL such as ``.../api/admin/stockrecords/7/``.
_TRAILING_ID = re.compile(r"/(\d+)/?$")


def trailing_id(url: str) -> int:
    """The primary key an Oscar API URL ends with."""
    found = _TRAILING_ID.search(url)
    if found is None:
        raise ChannelRefused(f"Oscar answered a URL without an id: {url!r}")
    return int(found.group(1))


class OscarApi:
    """A small client for one Oscar shop's REST API; every failure is a channel error."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str = "",
        username: str = "",
        password: str = "",
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        auth: httpx.BasicAuth | None = None
        if token:
            headers["Authorization"] = f"Token {token}"
        elif username:
            auth = httpx.BasicAuth(username, password)
        self.api_url = base_url.rstrip("/") + "/api/"
        self._http = httpx.Client(
            base_url=self.api_url,
            headers=headers,
            auth=auth,
            timeout=timeout_s,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def url(self, path: str) -> str:
        """The absolute URL of an API path, as Oscar writes hyperlinks."""
        return self.api_url + path.lstrip("/")

    def call(self, method: str, path: str, *, json: Any = None) -> httpx.Response:
        """One request; 404 is the caller's to read, other failures raise channel errors."""
        try:
            response = self._http.request(method, path.lstrip("/"), json=json)
        except httpx.TimeoutException as exc:
            raise ChannelUnavailable(f"Oscar did not answer in time ({method} {path})") from exc
        except httpx.TransportError as exc:
            raise ChannelUnavailable(f"Oscar cannot be reached: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise ChannelUnavailable(f"Oscar answered {response.status_code} to {method} {path}")
        if response.status_code in (401, 403):
            raise ChannelUnavailable(
                "Oscar refused the credentials: the user must be staff with the catalogue, "
                "partner and order permissions"
            )
        if response.status_code >= 400 and response.status_code != 404:
            raise ChannelRefused(
                f"Oscar refused {method} {path} ({response.status_code}): {response.text[:300]}"
            )
        return response

    def read(self, path: str) -> Any:
        """GET one resource; a missing one is refused."""
        response = self.call("GET", path)
        if response.status_code == 404:
            raise ChannelRefused(f"Oscar has no {path}")
        return response.json()

    def read_all(self, path: str) -> list[dict[str, Any]]:
        """GET a list, following ``next`` when the shop paginates (oscarapi does not)."""
        body = self.read(path)
        if isinstance(body, list):
            return body
        rows: list[dict[str, Any]] = list(body.get("results", []))
        while body.get("next"):
            body = self.read(str(body["next"]).removeprefix(self.api_url))
            rows.extend(body.get("results", []))
        return rows
