"""The Sandbox Express simulator: the carrier's API, run as its own process (by the tests,
and by ``make run`` for the demo on the plugin's default address).

``python -m plugins.sandbox_express.simulator --account ACC:SECRET [--port P] [--balance N]
[--rate-limit N] [--fail-every N] [--refuse-orders 3,5]`` serves on ``--port`` (a free one
by default) and prints ``listening <url>`` on its first line. It keeps accounts with secrets (requests are
HMAC-signed, see ``plugins.sandbox_express.carrier.sign``), a balance of numbers, a rate
limit (429 with ``Retry-After`` beyond N requests a second), occasional failures (every
Nth new number fails with ``temporary_failure``; orders in ``--refuse-orders`` are refused
with ``address_not_served``), and idempotent requests (the same key gets the same number).
``GET /v1/_stats`` tells how many numbers were issued and how many 429s answered.
"""

from __future__ import annotations

import argparse
import hmac
import json
import socket
import sys
import threading
import time
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from plugins.sandbox_express.carrier import sign


class State:
    """The simulator's books."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.accounts = dict(a.split(":", 1) for a in args.account)
        self.balance = args.balance
        self.rate_limit = args.rate_limit
        self.fail_every = args.fail_every
        self.refuse = {int(o) for o in args.refuse_orders.split(",") if o}
        self.by_key: dict[str, dict[str, Any]] = {}
        self.cancelled: set[str] = set()
        self.new_requests = 0
        self.throttled = 0
        self.window: list[float] = []
        self.lock = threading.Lock()


def build_app(state: State) -> Starlette:
    """The simulator's ASGI app."""

    async def authed(request: Request) -> tuple[dict[str, Any], JSONResponse | None]:
        body = await request.body()
        with state.lock:
            now = time.monotonic()
            state.window = [t for t in state.window if now - t < 1.0]
            if state.rate_limit and len(state.window) >= state.rate_limit:
                state.throttled += 1
                return {}, JSONResponse(
                    {"error": "rate_limited"}, status_code=429, headers={"Retry-After": "0.2"}
                )
            state.window.append(now)
        account = request.headers.get("x-account", "")
        secret = state.accounts.get(account)
        stamp = request.headers.get("x-timestamp", "")
        good = secret is not None and hmac.compare_digest(
            sign(secret, stamp, body), request.headers.get("x-signature", "")
        )
        if not good:
            return {}, JSONResponse({"error": "bad_account"}, status_code=401)
        return json.loads(body or b"{}"), None

    async def verify(request: Request) -> JSONResponse:
        _payload, refused = await authed(request)
        return refused or JSONResponse({"ok": True})

    async def waybills(request: Request) -> JSONResponse:
        payload, refused = await authed(request)
        if refused:
            return refused
        results = []
        with state.lock:
            for r in payload.get("requests", []):
                key = r["key"]
                if key in state.by_key:
                    results.append(state.by_key[key])
                    continue
                if int(r.get("order_id", 0)) in state.refuse:
                    results.append(
                        {
                            "key": key,
                            "error": "address_not_served",
                            "message": "Sandbox Express does not serve this address",
                        }
                    )
                    continue
                state.new_requests += 1
                if state.fail_every and state.new_requests % state.fail_every == 0:
                    results.append(
                        {
                            "key": key,
                            "error": "temporary_failure",
                            "message": "temporary failure, try again",
                        }
                    )
                    continue
                if state.balance <= 0:
                    results.append(
                        {
                            "key": key,
                            "error": "no_balance",
                            "message": "no waybill numbers left on this account",
                        }
                    )
                    continue
                state.balance -= 1
                number = f"SBX{len(state.by_key) + 1:010d}"
                province = r.get("recipient", {}).get("province", "")
                row = {
                    "key": key,
                    "waybill_no": number,
                    "routing_code": f"{r.get('recipient', {}).get('province_code') or '00'}-571",
                    "sort_code": f"S{len(state.by_key) % 9 + 1}",
                    "destination": province,
                }
                state.by_key[key] = row
                results.append(row)
        return JSONResponse({"results": results})

    async def cancel(request: Request) -> JSONResponse:
        _payload, refused = await authed(request)
        if refused:
            return refused
        number = request.path_params["number"]
        with state.lock:
            if number not in {r["waybill_no"] for r in state.by_key.values()}:
                return JSONResponse({"error": "unknown_waybill"}, status_code=404)
            state.cancelled.add(number)
        return JSONResponse({"ok": True})

    async def stats(_request: Request) -> JSONResponse:
        with state.lock:
            return JSONResponse(
                {
                    "issued": len(state.by_key),
                    "throttled": state.throttled,
                    "cancelled": sorted(state.cancelled),
                    "balance": state.balance,
                }
            )

    return Starlette(
        routes=[
            Route("/v1/verify", verify, methods=["POST"]),
            Route("/v1/waybills", waybills, methods=["POST"]),
            Route("/v1/waybills/{number}/cancel", cancel, methods=["POST"]),
            Route("/v1/_stats", stats, methods=["GET"]),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    """Serve on ``--port`` (a free one when 0); print ``listening <url>`` first."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--account", action="append", default=[])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--balance", type=int, default=1000)
    parser.add_argument("--rate-limit", type=int, default=0)
    parser.add_argument("--fail-every", type=int, default=0)
    parser.add_argument("--refuse-orders", default="")
    args = parser.parse_args(argv)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"listening http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(build_app(State(args)), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1:])
