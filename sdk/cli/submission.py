"""``tanzi-sdk submit``: upload a plugin version to the marketplace's provider API.

``POST {marketplace}/api/v1/provider/listings/{listing}/versions`` with a provider's
personal access token (``Authorization: Bearer``) and the version built from the manifest.
The marketplace answers ``201`` with ``{"id", "status", "checks"}``, or an RFC 9457 problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from sdk.manifest import PluginManifest

VERSIONS_PATH = "/api/v1/provider/listings/{listing}/versions"
PROBLEM_TYPE = "application/problem+json"


@dataclass(frozen=True)
class SubmitOutcome:
    """The marketplace's answer: ``body`` is its JSON (``None`` when it sent none)."""

    status_code: int
    body: dict[str, Any] | None
    text: str
    url: str

    @property
    def ok(self) -> bool:
        return self.status_code == 201

    @property
    def is_problem(self) -> bool:
        return (
            self.body is not None and not self.ok and ("title" in self.body or "type" in self.body)
        )


def manifest_document(manifest: PluginManifest) -> dict[str, Any]:
    """The manifest as JSON; ``settings`` becomes the settings model's JSON schema."""
    document = manifest.model_dump(mode="json", exclude={"settings"})
    document["settings"] = (
        manifest.settings.model_json_schema() if manifest.settings is not None else None
    )
    return document


def version_payload(
    manifest: PluginManifest, *, release_notes: str = "", submit: bool = True
) -> dict[str, Any]:
    """The request body for one plugin version."""
    return {
        "version": manifest.version,
        "kind": "plugin",
        "plugin_id": manifest.id,
        "scopes": [{"scope": s.scope.value, "reason": s.reason} for s in manifest.scopes],
        "hooks": list(manifest.hooks),
        "manifest": manifest_document(manifest),
        "release_notes": release_notes,
        "submit": submit,
    }


def versions_url(marketplace: str, listing: str) -> str:
    """Where the versions of ``listing`` are posted."""
    return marketplace.rstrip("/") + VERSIONS_PATH.format(listing=quote(listing, safe=""))


def submit_version(
    *,
    marketplace: str,
    token: str,
    listing: str,
    payload: dict[str, Any],
    transport: httpx.BaseTransport | None = None,
    timeout_s: float = 30.0,
) -> SubmitOutcome:
    """POST ``payload`` as a new version of ``listing``.

    :raises httpx.HTTPError: when the marketplace cannot be reached.
    """
    url = versions_url(marketplace, listing)
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": f"application/json, {PROBLEM_TYPE}",
        "User-Agent": "tanzi-sdk",
    }
    with httpx.Client(transport=transport, timeout=timeout_s) as client:
        response = client.post(url, json=payload, headers=headers)
    body: dict[str, Any] | None = None
    if response.headers.get("content-type", "").split(";")[0].strip() in (
        "application/json",
        PROBLEM_TYPE,
    ):
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        body = parsed if isinstance(parsed, dict) else None
    return SubmitOutcome(
        status_code=response.status_code, body=body, text=response.text[:2000], url=url
    )


def next_step(outcome: SubmitOutcome, *, marketplace: str, listing: str) -> str | None:
    """What the provider does next after a refusal the SDK can explain, or ``None``."""
    code = (outcome.body or {}).get("code") if outcome.body is not None else None
    base = marketplace.rstrip("/")
    if code == "listing_not_found":
        return (
            f"Next: create the listing first. Sign in at {base}/provider as the provider "
            f"whose token this is, open {base}/provider/listings/new and give it the id "
            f"'{listing}' (or pass --listing with the id of a listing of yours), then submit "
            "again."
        )
    if code == "plugin_unknown":
        return (
            f"Next: an in-process plugin runs inside Tanzi, so the marketplace's host must have "
            f"loaded the package '{listing}' before a version of it can be reviewed. On a shared "
            "marketplace, send the package to its operator, who installs it on the host (its "
            "'tanzi.plugins' entry point) or lists it under [plugins] load in plugins.toml and "
            "restarts; then submit again. To try the whole flow on your machine, submit to the "
            "local Tanzi `tanzi-sdk dev` runs, which has loaded your plugin "
            "(--marketplace http://127.0.0.1:8000). A remote app needs none of this."
        )
    if code == "providers_only" or outcome.status_code == 401:
        return (
            "Next: use a personal access token of a provider account: "
            f"tanzi-sdk token --marketplace {base} --email YOU (the account must be a "
            "provider's; an app's OAuth token is refused)."
        )
    return None


TOKENS_PATH = "/api/v1/tokens"


@dataclass(frozen=True)
class IssuedToken:
    """A personal access token, or why the marketplace gave none."""

    token: str | None
    problem: str = ""


def issue_token(
    *,
    marketplace: str,
    email: str,
    password: str,
    name: str = "tanzi-sdk",
    transport: httpx.BaseTransport | None = None,
    timeout_s: float = 30.0,
) -> IssuedToken:
    """Exchange ``email`` and ``password`` for a personal access token (``POST /api/v1/tokens``).

    :raises httpx.HTTPError: when the marketplace cannot be reached.
    """
    url = marketplace.rstrip("/") + TOKENS_PATH
    with httpx.Client(transport=transport, timeout=timeout_s) as client:
        response = client.post(
            url,
            json={"email": email, "password": password, "name": name},
            headers={"Accept": f"application/json, {PROBLEM_TYPE}", "User-Agent": "tanzi-sdk"},
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 201 and isinstance(body, dict) and body.get("token"):
        return IssuedToken(token=str(body["token"]))
    if isinstance(body, dict) and (body.get("detail") or body.get("title")):
        return IssuedToken(
            None, f"{body.get('detail') or body.get('title')} (HTTP {response.status_code})"
        )
    return IssuedToken(None, f"HTTP {response.status_code}: {response.text.strip()[:200]}")
