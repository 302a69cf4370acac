"""The automated review checks: a good plugin passes them all, and each check can fail."""

from __future__ import annotations

from typing import Any

import pytest

import core.models as m
from core.plugins.manager import PluginHost
from core.plugins.review_checks import (
    check_manifest,
    check_plugin,
    check_scopes,
    check_urls,
    run_checks,
)
from core.settings import Settings
from tests.marketplace.providerdata import sample_host


@pytest.fixture(scope="module")
def host() -> PluginHost:
    return sample_host()


def _listing(slug: str) -> m.Listing:
    return m.Listing(id=1, slug=slug, provider_id=1, name=slug)


def _version(
    plugin_id: str, scopes: list[str], *, version: str = "1.0.0", **fields: Any
) -> m.ListingVersion:
    return m.ListingVersion(
        listing_id=1,
        version=version,
        kind=fields.pop("kind", "plugin"),
        plugin_id=plugin_id,
        scopes=[{"scope": s, "reason": f"because of {s}"} for s in scopes],
        **fields,
    )


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in report["results"]}


def _messages(result: Any) -> str:
    findings = result["findings"] if isinstance(result, dict) else result.findings
    return " | ".join(f"{f['where']} {f['message']}" for f in findings)


def test_a_good_plugin_passes_every_check_and_its_hook_ran_in_the_sandbox(
    host: PluginHost, settings: Settings
) -> None:
    version = _version("sample_good", ["orders:read"], hooks=["order_paid"])
    report = run_checks(
        version=version, listing=_listing("sample_good"), host=host, settings=settings
    ).as_dict()
    results = _by_name(report)
    assert report["passed"] is True
    assert [r["name"] for r in report["results"]] == [
        "manifest",
        "plugin",
        "scopes",
        "sandbox",
        "urls",
    ]
    assert {n: r["status"] for n, r in results.items()} == {
        "manifest": "pass",
        "plugin": "pass",
        "scopes": "pass",
        "sandbox": "pass",
        "urls": "skip",
    }
    assert report["hooks_fired"] == {"order_paid": "ok"}


def test_a_hook_using_an_ungranted_scope_is_missing_a_scope_and_denied_in_the_sandbox(
    host: PluginHost, settings: Settings
) -> None:
    version = _version("sample_missing", ["orders:read"], hooks=["product_updated"])
    report = run_checks(
        version=version, listing=_listing("sample_missing"), host=host, settings=settings
    ).as_dict()
    results = _by_name(report)
    assert report["passed"] is False
    assert results["scopes"]["status"] == "fail"
    assert "missing scope products:read" in _messages(results["scopes"])
    assert "extra scope orders:read" in _messages(results["scopes"])
    assert results["sandbox"]["status"] == "fail"
    assert "scope denied in product_updated" in _messages(results["sandbox"])
    assert "ScopeDenied" in report["hooks_fired"]["product_updated"]


def test_a_hook_that_raises_is_recorded_by_the_sandbox(
    host: PluginHost, settings: Settings
) -> None:
    version = _version("sample_raises", ["orders:read"], hooks=["order_paid"])
    report = run_checks(
        version=version, listing=_listing("sample_raises"), host=host, settings=settings
    ).as_dict()
    sandbox = _by_name(report)["sandbox"]
    assert sandbox["status"] == "fail"
    assert "RuntimeError: the sample plugin broke" in _messages(sandbox)
    assert report["passed"] is False


def test_a_hook_that_overruns_the_time_limit_times_out(
    host: PluginHost, settings: Settings
) -> None:
    version = _version("sample_slow", ["orders:read"], hooks=["order_paid"])
    report = run_checks(
        version=version,
        listing=_listing("sample_slow"),
        host=host,
        settings=settings,
        hook_timeout_s=0.3,
    ).as_dict()
    sandbox = _by_name(report)["sandbox"]
    assert sandbox["status"] == "fail"
    assert "order_paid timed out" in _messages(sandbox)


def test_hooks_that_do_not_fit_the_specs_fail_the_plugin_check_and_skip_the_sandbox(
    host: PluginHost, settings: Settings
) -> None:
    version = _version("sample_bad_hooks", ["orders:read"], hooks=["order_paid"])
    report = run_checks(
        version=version, listing=_listing("sample_bad_hooks"), host=host, settings=settings
    ).as_dict()
    results = _by_name(report)
    assert results["plugin"]["status"] == "fail"
    assert "coupon" in _messages(results["plugin"])
    assert results["sandbox"]["status"] == "skip"
    assert report["passed"] is False


def test_a_plugin_the_host_does_not_know_fails_the_plugin_check(host: PluginHost) -> None:
    result = check_plugin(_version("nobody_knows", ["orders:read"]), None)
    assert result.status == "fail"
    assert result.findings[0]["where"] == "plugin_id"


def test_an_extra_scope_is_flagged_but_does_not_fail(host: PluginHost) -> None:
    plugin = host.plugins["sample_good"]
    version = _version("sample_good", ["orders:read", "members:read"])
    result = check_scopes(version, plugin, ["order_paid"])
    assert result.status == "warn"
    assert result.findings == [
        {
            "severity": "warning",
            "message": "extra scope members:read: no hook or client call of the plugin needs it",
            "where": "scopes[1]",
        }
    ]


def test_a_remote_app_needs_the_scopes_of_its_webhook_topics() -> None:
    version = _version(
        "", ["products:read"], kind="remote", webhook_topics=["order.paid"], hooks=[]
    )
    from core.plugins.review_checks import _implemented_hooks

    result = check_scopes(version, None, _implemented_hooks(version, None))
    assert result.status == "fail"
    assert "missing scope orders:read" in _messages(result)
    assert "extra scope products:read" in _messages(result)


def test_an_invalid_manifest_document_fails_with_field_paths(host: PluginHost) -> None:
    version = _version(
        "sample_good",
        ["orders:read"],
        manifest={
            "id": "sample_good",
            "name": "x",
            "version": "1.0.0",
            "scopes": [{"scope": "orders:everything", "reason": "no"}],
        },
    )
    result = check_manifest(version, _listing("sample_good"), host.plugins["sample_good"])
    assert result.status == "fail"
    wheres = {f["where"] for f in result.findings}
    assert "manifest.scopes.0.scope" in wheres
    assert "manifest.scopes.0.reason" in wheres


def test_a_manifest_that_disagrees_with_the_version_fails(host: PluginHost) -> None:
    version = _version(
        "sample_good",
        ["orders:read", "products:read"],
        version="2.0.0",
        manifest={
            "id": "sample_good",
            "name": "Sample good",
            "version": "1.0.0",
            "scopes": [{"scope": "orders:read", "reason": "to read orders"}],
            "requires_tanzi": ">=0.1",
        },
    )
    result = check_manifest(version, _listing("sample_good"), host.plugins["sample_good"])
    assert result.status == "fail"
    assert {f["where"] for f in result.findings} == {"manifest.version", "manifest.scopes"}


@pytest.mark.parametrize(
    ("env", "uri", "status"),
    [
        ("development", "https://app.example.com/cb", "pass"),
        ("development", "http://app.example.com/cb", "fail"),
        ("development", "http://127.0.0.1:9000/cb", "warn"),
        ("development", "http://localhost:9000/cb", "warn"),
        ("production", "http://127.0.0.1:9000/cb", "fail"),
        ("production", "https://app.example.com/cb", "pass"),
    ],
)
def test_remote_urls_are_https_except_loopback_outside_production(
    settings: Settings, env: str, uri: str, status: str
) -> None:
    version = _version("", [], kind="remote", redirect_uris=[uri], webhook_url=uri)
    result = check_urls(version, settings.model_copy(update={"env": env}))
    assert result.status == status
    if status != "pass":
        assert {f["where"] for f in result.findings} == {"redirect_uris[0]", "webhook_url"}
