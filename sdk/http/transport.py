"""One call to the open API: bearer token, refresh on expiry, retries, problem details.

Retries follow :class:`RetryPolicy`: a 429 waits what ``Retry-After`` says; a 503 or a
failed connection waits an exponential, jittered backoff; other 5xx answers and read
timeouts are retried only for idempotent calls (a ``POST`` that failed half-way might
have been applied). Errors become :mod:`sdk.errors`: 404 ``ResourceNotFound``, 403 with
a missing scope ``ScopeDenied``, other 401/403 ``AccessDenied``, 4xx ``InvalidRequest``,
exhausted 429 ``RateLimited``, exhausted 5xx ``ServerError``. Each carries the problem
document in ``problem``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from sdk.errors import (
    AccessDenied,
    ClientError,
    InvalidRequest,
    RateLimited,
    ResourceNotFound,
    ScopeDenied,
    ServerError,
)
from sdk.http.tokens import TokenRefresher, TokenSet

#: Problem codes of a 401 that a fresh access token cures.
REFRESHABLE = frozenset({"invalid_token", "token_expired"})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long the client retries.

    :param attempts: tries per call, the first included.
    :param backoff_s: the first backoff; each retry doubles it, up to ``max_backoff_s``,
        and a random jitter of up to half of it is taken off so clients spread out.
    :param max_retry_after_s: a 429 asking to wait longer than this is not waited for:
        :class:`~sdk.errors.RateLimited` is raised at once.
    """

    attempts: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 120.0

    def backoff(self, retry: int) -> float:
        """The wait before retry number ``retry`` (0 for the first)."""
        base = min(self.max_backoff_s, self.backoff_s * (2**retry))
        return base - random.uniform(0, base / 2)


def retry_after_s(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The RFC 9457 problem document of an error answer (or what can be made of it)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {"status": response.status_code, "detail": response.text[:500]}
    return body


def error_for(response: httpx.Response) -> ClientError:
    """The :mod:`sdk.errors` exception for an error answer."""
    problem = problem_of(response)
    status = response.status_code
    code = str(problem.get("code") or "")
    detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
    error: ClientError
    if status == 404:
        error = ResourceNotFound(detail)
    elif status == 403 and problem.get("missing_scope"):
        error = ScopeDenied(str(problem["missing_scope"]), detail)
    elif status in (401, 403):
        error = AccessDenied(detail, code=code or "access_denied", status=status)
    elif status == 429:
        error = RateLimited(detail, retry_after_s=retry_after_s(response) or 0.0)
    elif status >= 500:
        error = ServerError(detail, status=status)
    else:
        error = InvalidRequest(detail, code=code or "invalid_request")
    error.problem = problem
    return error


class ApiTransport:
    """Sends the client's requests: one per call, retried and re-authenticated as needed.

    Thread-safe: calls may run on several threads; a refresh happens once, and calls that
    raced it retry with its token.
    """

    def __init__(
        self,
        http: httpx.Client,
        tokens: TokenSet,
        *,
        refresh: TokenRefresher | None = None,
        on_tokens: Callable[[TokenSet], None] | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = http
        self.tokens = tokens
        self.refresh = refresh
        self.on_tokens = on_tokens
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self._lock = threading.Lock()

    def _renew(self, stale: TokenSet) -> TokenSet:
        """New tokens, unless another thread already replaced ``stale``."""
        assert self.refresh is not None
        with self._lock:
            if self.tokens is not stale:
                return self.tokens
            self.tokens = self.refresh(stale)
            if self.on_tokens is not None:
                self.on_tokens(self.tokens)
            return self.tokens

    def _current(self) -> TokenSet:
        tokens = self.tokens
        if self.refresh is not None and tokens.expires_soon():
            tokens = self._renew(tokens)
        return tokens

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one call and return its successful answer, or raise an SDK error.

        ``content`` is a raw body (bytes, or an iterator of chunks sent as they come; a
        body that is an iterator is never re-sent, so such a call is not retried once it
        may have left)."""
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        refreshed = False
        retry = 0
        while True:
            tokens = self._current()
            sent_headers = {**(headers or {}), "Authorization": f"Bearer {tokens.access_token}"}
            try:
                response = self.http.request(
                    method, path, params=clean, json=json, content=content, headers=sent_headers
                )
            except httpx.TransportError as exc:
                # a request that never left can always be retried; one that may have
                # reached the server only when repeating it changes nothing
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if (unsent or idempotent) and retry + 1 < self.retry.attempts:
                    self.sleep(self.retry.backoff(retry))
                    retry += 1
                    continue
                raise ServerError(f"The shop API could not be reached: {exc}") from exc
            status = response.status_code
            if (
                status == 401
                and not refreshed
                and self.refresh is not None
                and problem_of(response).get("code") in REFRESHABLE
            ):
                self._renew(tokens)
                refreshed = True
                continue
            if self._retryable(status, idempotent) and retry + 1 < self.retry.attempts:
                wait = retry_after_s(response) if status == 429 else None
                if wait is not None and wait > self.retry.max_retry_after_s:
                    raise error_for(response)
                self.sleep(wait if wait is not None else self.retry.backoff(retry))
                retry += 1
                continue
            if response.is_success:
                return response
            raise error_for(response)

    def open_stream(self, path: str) -> httpx.Response:
        """GET ``path`` as a streamed answer (read it with ``iter_bytes``, then close it);
        an error answer raises the SDK error."""
        tokens = self._current()
        request = self.http.build_request(
            "GET", path, headers={"Authorization": f"Bearer {tokens.access_token}"}
        )
        try:
            response = self.http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise ServerError(f"The shop API could not be reached: {exc}") from exc
        if response.is_success:
            return response
        response.read()
        response.close()
        raise error_for(response)

    @staticmethod
    def _retryable(status: int, idempotent: bool) -> bool:
        # 429 and 503 mean the call was not handled; other 5xx may have been half-applied
        return status in (429, 503) or (status >= 500 and idempotent)
