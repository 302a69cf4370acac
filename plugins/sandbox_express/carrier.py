"""The Sandbox Express e-waybill operations: signed HTTP calls to the carrier's API.

Requests carry the account number and an HMAC-SHA256 signature of timestamp and body made
with the account's secret; the secret itself never goes over the wire. A 429 is retried
after its ``Retry-After`` (a few times), 5xx and timeouts raise
:class:`~sdk.waybills.CarrierUnavailable`, a refused account
:class:`~sdk.waybills.CarrierRefused`. Per-order failures come back as outcomes with a
problem, never as an exception for the whole batch.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from typing import Any

import httpx

from sdk.models import Problem
from sdk.waybills import (
    AccountCredentials,
    CarrierRefused,
    CarrierUnavailable,
    IssuedNumber,
    IssueOutcome,
    LabelTemplate,
    WaybillRequest,
)

CODE = "SANDBOX"
NAME = "沙箱快递 Sandbox Express"
WAYBILL_PATTERN = r"SBX\d{10}"
#: Where the carrier's API is, unless given.
URL_ENV = "SANDBOX_EXPRESS_URL"
DEFAULT_URL = "http://127.0.0.1:8765"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The request signature: HMAC-SHA256 of ``timestamp`` newline ``body``, hex."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


class SandboxExpress:
    """:class:`sdk.waybills.EWaybillOperations` for Sandbox Express."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout_s: float = 5.0,
        attempts: int = 4,
        max_wait_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base_url = base_url
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.max_wait_s = max_wait_s
        self.sleep = sleep

    @property
    def base_url(self) -> str:
        """The API's address (``SANDBOX_EXPRESS_URL`` when not given)."""
        return (self._base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")

    def _post(self, account: AccountCredentials, path: str, payload: dict[str, Any]) -> Any:
        body = json.dumps({"branch": account.branch, **payload}, ensure_ascii=False).encode()
        for attempt in range(1, self.attempts + 1):
            stamp = str(int(time.time()))
            headers = {
                "content-type": "application/json",
                "x-account": account.account_no,
                "x-timestamp": stamp,
                "x-signature": sign(account.secret, stamp, body),
            }
            try:
                answer = httpx.post(
                    self.base_url + path, content=body, headers=headers, timeout=self.timeout_s
                )
            except httpx.HTTPError as exc:
                raise CarrierUnavailable(f"Sandbox Express could not be reached ({exc})") from None
            if answer.status_code == 429 and attempt < self.attempts:
                wait = float(answer.headers.get("retry-after", "0.1") or 0.1)
                self.sleep(min(max(wait, 0.0), self.max_wait_s))
                continue
            if answer.status_code == 429:
                raise CarrierUnavailable("Sandbox Express kept answering 429 (rate limited)")
            if answer.status_code >= 500:
                raise CarrierUnavailable(f"Sandbox Express failed ({answer.status_code})")
            if answer.status_code >= 400:
                error = _error(answer)
                raise CarrierRefused(f"Sandbox Express refused: {error}", code=error)
            return answer.json()
        raise CarrierUnavailable("Sandbox Express did not answer")  # pragma: no cover

    def verify(self, account: AccountCredentials) -> None:
        """Check the account number and secret (signature) with the carrier."""
        self._post(account, "/v1/verify", {})

    def issue(
        self, account: AccountCredentials, requests: list[WaybillRequest]
    ) -> list[IssueOutcome]:
        """Numbers for ``requests``; the carrier answers a known key with its number."""
        payload = {"requests": [r.model_dump(mode="json") for r in requests]}
        answer = self._post(account, "/v1/waybills", payload)
        outcomes = []
        for row in answer.get("results", []):
            if row.get("waybill_no"):
                outcomes.append(
                    IssueOutcome(
                        key=row["key"],
                        number=IssuedNumber(
                            key=row["key"],
                            waybill_no=row["waybill_no"],
                            routing_code=row.get("routing_code", ""),
                            sort_code=row.get("sort_code", ""),
                            destination=row.get("destination", ""),
                        ),
                    )
                )
            else:
                message = row.get("message") or row.get("error") or "refused"
                outcomes.append(
                    IssueOutcome(key=row["key"], problem=Problem(field="order", message=message))
                )
        return outcomes

    def cancel(self, account: AccountCredentials, waybill_no: str) -> None:
        """Recycle an unused number."""
        self._post(account, f"/v1/waybills/{waybill_no}/cancel", {})

    def label_template(self) -> LabelTemplate:
        """Sandbox Express prints the standard 100x150 mm label."""
        return LabelTemplate()


def _error(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("error", answer.status_code))
    except ValueError:
        return str(answer.status_code)
