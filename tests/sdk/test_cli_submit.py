"""``tanzi-sdk submit``: the request shape of the provider API, and how answers are shown.

A small HTTP receiver on a free local port stands in for the marketplace; it records each
request and answers with what the test queued.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

import plugins.shipping_insurance as insurance
from sdk.cli.submission import submit_version, version_payload
from tests.sdk.cli_plugins import GOOD, assert_ok, exit_code, has_row, imports_restored, run
from tests.sdk.cli_plugins import write_module as write

ROOT = Path(__file__).resolve().parents[2]
INSURANCE = str(ROOT / "plugins" / "shipping_insurance")
TOKEN = "tzp_provider_token_123"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Marketplace:
    """A local receiver: ``answers`` are ``(status, content type, body)``, served in order."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, str, Any]] = field(default_factory=list)


@pytest.fixture
def marketplace() -> Iterator[Marketplace]:
    market = Marketplace()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            market.received.append(
                Received("POST", self.path, dict(self.headers.items()), json.loads(raw))
            )
            status, content_type, body = market.answers.pop(0)
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    market.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield market
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _restore_imports(tmp_path: Path) -> Iterator[None]:
    with imports_restored(tmp_path):
        yield


CREATED = {
    "id": 17,
    "status": "in_review",
    "checks": {"manifest": "passed", "scopes": {"new": ["aftersales:read"], "ok": True}},
}


def test_submit_posts_the_version_with_the_token(marketplace: Marketplace) -> None:
    marketplace.answers.append((201, "application/json", CREATED))
    out = assert_ok(
        run(
            "submit",
            INSURANCE,
            "--marketplace",
            marketplace.url,
            "--token",
            TOKEN,
            "--notes",
            "First release",
        )
    )
    [request] = marketplace.received
    assert request.path == "/api/v1/provider/listings/shipping_insurance/versions"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    body = request.body
    assert {k: body[k] for k in ("version", "kind", "plugin_id", "release_notes", "submit")} == {
        "version": "1.0.0",
        "kind": "plugin",
        "plugin_id": "shipping_insurance",
        "release_notes": "First release",
        "submit": True,
    }
    assert body["scopes"] == [
        {"scope": s.scope.value, "reason": s.reason} for s in insurance.manifest.scopes
    ]
    assert body["hooks"] == insurance.manifest.hooks
    manifest = body["manifest"]
    assert manifest["id"] == "shipping_insurance" and manifest["requires_tanzi"] == ">=0.1"
    assert manifest["pricing"] == {"model": "per_order", "amount_fen": 0, "currency": "CNY"}
    assert manifest["settings"]["properties"]["premium_rate_bp"]["maximum"] == 1000
    assert "✓ submitted shipping_insurance 1.0.0: version id 17, status in_review" in out
    assert has_row(out, "manifest", "passed")
    assert has_row(out, "scopes", '{"new": ["aftersales:read"], "ok": true}')


def test_listing_draft_and_token_from_the_environment(
    marketplace: Marketplace, tmp_path: Path
) -> None:
    marketplace.answers.append((201, "application/json", {"id": 3, "status": "draft"}))
    path = write(tmp_path, "good_submit", GOOD)
    result = run(
        "submit",
        str(path),
        "--listing",
        "acme-notes",
        "--draft",
        env={"TANZI_MARKETPLACE_URL": marketplace.url, "TANZI_TOKEN": "from-env"},
    )
    assert_ok(result)
    [request] = marketplace.received
    assert request.path == "/api/v1/provider/listings/acme-notes/versions"
    assert request.headers["Authorization"] == "Bearer from-env"
    assert request.body["submit"] is False
    assert request.body["manifest"]["settings"] is None
    assert "version id 3, status draft" in result.output


def test_a_problem_is_shown_with_its_fields(marketplace: Marketplace) -> None:
    problem = {
        "type": "https://tanzi.dev/problems/invalid_input",
        "title": "Invalid input",
        "status": 422,
        "code": "version_exists",
        "detail": "Version 1.0.0 of this listing exists; bump the version.",
        "errors": [{"field": "body.version", "message": "already submitted"}],
    }
    marketplace.answers.append((422, "application/problem+json", problem))
    result = run("submit", INSURANCE, "--marketplace", marketplace.url, "--token", TOKEN)
    assert exit_code(result) == 1
    out = result.output
    assert "✗ the marketplace refused the version (HTTP 422)" in out
    assert "Invalid input  (version_exists)" in out
    assert "Version 1.0.0 of this listing exists; bump the version." in out
    assert "- body.version: already submitted" in out
    assert "see https://tanzi.dev/problems/invalid_input" in out


def test_an_unauthorized_token_is_shown(marketplace: Marketplace) -> None:
    problem = {"title": "Authentication required", "status": 401, "code": "unauthenticated"}
    marketplace.answers.append((401, "application/problem+json", problem))
    result = run("submit", INSURANCE, "--marketplace", marketplace.url, "--token", "wrong")
    assert exit_code(result) == 1
    assert "(HTTP 401)" in result.output and "Authentication required" in result.output


def test_an_invalid_plugin_is_not_sent(marketplace: Marketplace, tmp_path: Path) -> None:
    path = write(tmp_path, "bad_submit", GOOD.replace('version="1.2.0"', 'version="x"'))
    result = run("submit", str(path), "--marketplace", marketplace.url, "--token", TOKEN)
    assert exit_code(result) == 1
    assert "not submitted: fix the errors above first" in result.output
    assert marketplace.received == []


def test_an_unreachable_marketplace_is_a_clear_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run("submit", INSURANCE, "--marketplace", f"http://127.0.0.1:{port}", "--token", TOKEN)
    assert exit_code(result) == 1
    assert f"cannot reach http://127.0.0.1:{port}: ConnectError" in result.output


def test_a_non_json_error_is_shown_as_text() -> None:
    def gateway(request: httpx.Request) -> httpx.Response:
        assert request.url.raw_path == b"/market/api/v1/provider/listings/a%2Fb/versions"
        return httpx.Response(502, text="<html>Bad gateway</html>")

    outcome = submit_version(
        marketplace="https://example.test/market/",
        token=TOKEN,
        listing="a/b",
        payload=version_payload(insurance.manifest),
        transport=httpx.MockTransport(gateway),
    )
    assert (outcome.ok, outcome.status_code, outcome.body) == (False, 502, None)
    assert outcome.text == "<html>Bad gateway</html>"


def test_a_missing_listing_says_to_create_it_first(marketplace: Marketplace) -> None:
    problem = {"title": "Not found", "status": 404, "code": "listing_not_found"}
    problem["detail"] = "No such listing among yours."
    marketplace.answers.append((404, "application/problem+json", problem))
    result = run("submit", INSURANCE, "--marketplace", marketplace.url, "--token", TOKEN)
    assert exit_code(result) == 1
    out = " ".join(result.output.split())
    assert "Next: create the listing first." in out
    assert f"{marketplace.url.rstrip('/')}/provider/listings/new" in out
    assert "'shipping_insurance'" in out


def test_a_plugin_the_host_has_not_loaded_says_what_to_do(marketplace: Marketplace) -> None:
    problem = {"title": "Invalid input", "status": 422, "code": "plugin_unknown"}
    marketplace.answers.append((422, "application/problem+json", problem))
    result = run("submit", INSURANCE, "--marketplace", marketplace.url, "--token", TOKEN)
    assert exit_code(result) == 1
    out = " ".join(result.output.split())
    assert "(plugin_unknown)" in out
    assert "the marketplace's host must have loaded the package 'shipping_insurance'" in out
    assert "send the package to its operator" in out and "plugins.toml" in out
    assert "`tanzi-sdk dev`" in out


def test_token_prints_a_personal_access_token(
    marketplace: Marketplace, monkeypatch: pytest.MonkeyPatch
) -> None:
    marketplace.answers.append((201, "application/json", {"token": "tzp_new", "account": {}}))
    monkeypatch.setenv("TANZI_PASSWORD", "s3cret")
    result = run("token", "--marketplace", marketplace.url, "--email", "p@example.com")
    assert assert_ok(result).strip() == "tzp_new"
    [sent] = marketplace.received
    assert sent.path == "/api/v1/tokens"
    assert sent.body == {"email": "p@example.com", "password": "s3cret", "name": "tanzi-sdk"}


def test_token_with_a_wrong_password_says_why(
    marketplace: Marketplace, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = {
        "title": "Authentication failed",
        "status": 401,
        "detail": "Wrong e-mail or password.",
    }
    marketplace.answers.append((401, "application/problem+json", problem))
    monkeypatch.setenv("TANZI_PASSWORD", "wrong")
    result = run("token", "--marketplace", marketplace.url, "--email", "p@example.com")
    assert exit_code(result) == 1
    assert "no token: Wrong e-mail or password. (HTTP 401)" in result.output


def test_the_marketplaces_check_report_is_shown_check_by_check(marketplace: Marketplace) -> None:
    report = {
        "ran_at": "2026-12-02T03:25:14+00:00",
        "passed": False,
        "results": [
            {"name": "manifest", "status": "pass", "findings": []},
            {
                "name": "sandbox",
                "status": "fail",
                "findings": [
                    {
                        "severity": "error",
                        "message": "ScopeDenied: orders:write",
                        "where": "order_paid",
                    }
                ],
            },
        ],
        "hooks_fired": {"order_paid": "failed"},
    }
    created = {"id": 5, "status": "submitted", "checks": report, "checks_passed": False}
    marketplace.answers.append((201, "application/json", created))
    out = assert_ok(run("submit", INSURANCE, "--marketplace", marketplace.url, "--token", TOKEN))
    assert "Automated checks: failed" in out
    assert "✗ submitted, but its automated checks failed" in out and "✓ submitted" not in out
    assert "An admin cannot approve it until every check passes" in out
    assert has_row(out, "manifest", "pass")
    assert has_row(out, "sandbox", "fail", "error: ScopeDenied: orders:write (order_paid)")
    assert "hooks fired in the sandbox: order_paid failed" in out
    assert "ran_at" not in out
