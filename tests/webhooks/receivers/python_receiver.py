"""A remote app's webhook endpoint that verifies with the Standard Webhooks reference
library for Python (``standardwebhooks`` on PyPI), run as its own process by the tests.

Usage: ``python python_receiver.py`` with ``WEBHOOK_SECRETS`` (space-separated secrets) in
the environment. It listens on a free loopback port and prints ``listening <port>``. Each
``POST /webhooks`` is checked against every secret; it answers 200 when the first one
verifies and 401 otherwise. ``GET /received`` lists what it got: the headers, the raw
body, and per secret ``"ok"`` or the library's error.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook

VERIFIERS = [Webhook(secret) for secret in os.environ["WEBHOOK_SECRETS"].split()]
RECEIVED: list[dict[str, Any]] = []
LOCK = threading.Lock()


def _verdict(verifier: Webhook, body: bytes, headers: dict[str, str]) -> str:
    try:
        verifier.verify(body, headers)
    except Exception as exc:  # the library's refusal, whatever its class
        return f"{type(exc).__name__}: {exc}"
    return "ok"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = dict(self.headers.items())
        results = [_verdict(verifier, body, headers) for verifier in VERIFIERS]
        with LOCK:
            RECEIVED.append({"headers": headers, "body": body.decode(), "results": results})
        self._answer(200 if results[0] == "ok" else 401, {"results": results})

    def do_GET(self) -> None:
        with LOCK:
            self._answer(200, RECEIVED)

    def _answer(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()
