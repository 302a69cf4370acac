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
