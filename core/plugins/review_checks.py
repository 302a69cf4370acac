"""Automated review checks, run when a provider submits a version; admins read the report.

Five checks, each ``pass``, ``warn``, ``fail`` or ``skip``:

- ``manifest``: the version's manifest is a valid :class:`~sdk.manifest.PluginManifest` (field
  paths in the findings) and agrees with the version (id, version number, scopes, hooks);
- ``plugin``: the in-process plugin imports, is active on this host, and its hook
  implementations fit the SDK's specs (pluggy ``register`` + ``check_pending``);
- ``scopes``: the requested scopes cover what its hooks (or a remote app's webhook topics)
  and its client calls need, and no more (extra scopes are flagged);
- ``sandbox``: every implemented hook is fired at a throwaway shop (the SDK's
  :func:`~core.devkit.sandbox.open_sandbox`) with ONLY the requested scopes; exceptions,
  timeouts and scope denials are recorded;
- ``urls``: a remote app's redirect and webhook URLs are HTTPS (loopback allowed outside
  production).
"""

from __future__ import annotations

import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pluggy
from pydantic import ValidationError

from core.models import Listing, ListingVersion, VersionStatus
from core.models.base import utcnow
from core.plugins.loading import LoadedPlugin, PluginLimits, PluginStatus
from core.plugins.manager import PluginHost
from core.settings import Settings
from sdk import hookspecs
from sdk._markers import PROJECT_NAME
from sdk.cli.samples import DECISIONS, REGISTRATIONS, sample_arguments, sample_event_data
from sdk.cli.usage import hook_scopes, scan_files, uses_for_hooks
from sdk.events import EVENT_TYPES
from sdk.manifest import PluginManifest
from sdk.remote.topics import TOPIC_EVENTS
from sdk.testing import FakeShop

#: Seconds one hook may run in the sandbox before it counts as timed out.
REVIEW_HOOK_TIMEOUT_S = 5.0
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
CHECK_NAMES = ("manifest", "plugin", "scopes", "sandbox", "urls")

#: Each check's name as the pages show it (translated by the pages).
CHECK_TITLES: dict[str, str] = {
    "manifest": "Manifest",
    "plugin": "Plugin loads",
    "scopes": "Scopes",
    "sandbox": "Sandbox run",
    "urls": "URLs",
}

#: What a provider does about each check when it fails (shown beside the failed check,
#: translated by the pages).
FIX_HINTS: dict[str, str] = {
    "manifest": "Correct the manifest fields named below so they match the version, then "
    "submit a new version.",
    "plugin": "Make the plugin import on this host and its hook implementations match the "
    "SDK's hook specs (run the SDK's tests locally), then submit a new version.",
    "scopes": "Ask for every scope listed as missing, each with a reason, and drop the ones "
    "the service does not use; then submit a new version.",
    "sandbox": "Run the named hooks with the SDK's pytest fixtures: each must finish within "
    "its time budget, raise nothing and use only the scopes asked for.",
    "urls": "Use https:// addresses for the redirect URIs and the webhook URL.",
}


def failed_checks(checks: dict[str, Any]) -> list[str]:
    """Names of the failed checks in a stored report (``ListingVersion.checks``)."""
    return [str(r.get("name")) for r in checks.get("results", []) if r.get("status") == "fail"]


@dataclass
class CheckResult:
    """One check's outcome and what it found (``severity`` is ``error`` or ``warning``)."""

    name: str
    status: str = "pass"
    findings: list[dict[str, str]] = field(default_factory=list)

    def add(self, severity: str, message: str, where: str = "") -> None:
        self.findings.append({"severity": severity, "message": message, "where": where})
        if severity == "error":
            self.status = "fail"
        elif self.status == "pass":
            self.status = "warn"

    def skip(self, message: str) -> CheckResult:
        self.status = "skip"
        self.findings.append({"severity": "info", "message": message, "where": ""})
        return self


@dataclass
class ChecksReport:
    """Every check of one version, in :data:`CHECK_NAMES` order."""

    results: list[CheckResult]
    hooks_fired: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(r.status != "fail" for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        """The report as stored in ``ListingVersion.checks`` and returned by the API."""
        return {
            "ran_at": utcnow().isoformat(),
            "passed": self.passed,
            "results": [
                {"name": r.name, "status": r.status, "findings": r.findings} for r in self.results
            ],
            "hooks_fired": self.hooks_fired,
        }


def submit_for_review(
    *,
    version: ListingVersion,
    listing: Listing,
    host: PluginHost,
    settings: Settings,
) -> ChecksReport:
    """Run every check on ``version`` and put it in the review queue with the report, as a
    provider's submission does (the caller checks it was a draft and flushes)."""
    report = run_checks(version=version, listing=listing, host=host, settings=settings)
    version.checks = report.as_dict()
    version.checks_passed = report.passed
    version.status = VersionStatus.submitted
    version.submitted_at = utcnow()
    return report


def run_checks(
    *,
    version: ListingVersion,
    listing: Listing,
    host: PluginHost,
    settings: Settings,
    hook_timeout_s: float | None = None,
) -> ChecksReport:
    """Run every check on ``version``; never raises for the provider's faults."""
    plugin = host.plugins.get(version.plugin_id) if version.kind == "plugin" else None
    manifest_result = check_manifest(version, listing, plugin)
    plugin_result = check_plugin(version, plugin)
    implemented = _implemented_hooks(version, plugin)
    scopes_result = check_scopes(version, plugin, implemented)
    report = ChecksReport([manifest_result, plugin_result, scopes_result])
    if version.kind != "plugin":
        report.results.append(
            CheckResult("sandbox").skip("a remote app runs on its provider's own server")
        )
    elif plugin_result.status == "fail" or plugin is None:
        report.results.append(CheckResult("sandbox").skip("the plugin did not load"))
    else:
        sandbox_result, fired = check_sandbox(
            version,
            plugin,
            implemented,
            timeout_s=REVIEW_HOOK_TIMEOUT_S if hook_timeout_s is None else hook_timeout_s,
        )
        report.results.append(sandbox_result)
        report.hooks_fired = fired
    report.results.append(check_urls(version, settings))
    return report


# -- manifest -------------------------------------------------------------------------------


def check_manifest(
    version: ListingVersion, listing: Listing, plugin: LoadedPlugin | None
) -> CheckResult:
    """The manifest document parses and says what the version says."""
    result = CheckResult("manifest")
    document = dict(version.manifest or {})
    if not document:
        if version.kind == "plugin" and plugin is not None and plugin.manifest is not None:
            document = plugin.manifest.model_dump(mode="json", exclude={"settings"})
        else:
            document = {
                "id": listing.slug,
                "name": listing.name,
                "version": version.version,
                "scopes": version.scopes,
                "hooks": version.hooks,
            }
            if version.kind == "plugin":
                result.add("warning", "no manifest document was sent; checked the version's fields")
    document.pop("settings", None)  # a JSON schema here, a model class in the plugin
    try:
        manifest = PluginManifest.model_validate(document)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(root)"
            result.add("error", err["msg"], f"manifest.{where}")
        return result
    if manifest.version != version.version:
        result.add(
            "error",
            f"the manifest says version {manifest.version}, the submission {version.version}",
            "manifest.version",
        )
    if version.kind == "plugin" and manifest.id != version.plugin_id:
        result.add(
            "error",
            f"the manifest's id '{manifest.id}' is not the plugin id '{version.plugin_id}'",
            "manifest.id",
        )
    asked = {str(s.get("scope")) for s in version.scopes}
    if manifest.scope_values != asked:
        result.add(
            "error",
            "the manifest's scopes differ from the version's: "
            + ", ".join(sorted(manifest.scope_values ^ asked)),
            "manifest.scopes",
        )
    if version.hooks and set(manifest.hooks) != set(version.hooks):
        result.add("warning", "the manifest's hooks differ from the version's", "manifest.hooks")
    if version.kind == "plugin" and not manifest.requires_tanzi:
        result.add("warning", "no requires_tanzi: say which Tanzi it runs on", "requires_tanzi")
    return result


# -- plugin ---------------------------------------------------------------------------------


def _is_hookimpl(obj: object) -> bool:
    return callable(obj) and hasattr(obj, f"{PROJECT_NAME}_impl")


def check_plugin(version: ListingVersion, plugin: LoadedPlugin | None) -> CheckResult:
    """The plugin imports, is active here, and its hooks fit the specs."""
    result = CheckResult("plugin")
    if version.kind != "plugin":
        return result.skip("a remote app has no in-process code")
    if plugin is None:
        result.add("error", f"this host has not loaded a plugin '{version.plugin_id}'", "plugin_id")
        return result
    if plugin.module is None:
        result.add("error", plugin.reason or "the plugin cannot be imported", "plugin_id")
        return result
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    try:
        manager.register(plugin.module, name=f"review-{version.plugin_id}")
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        result.add("error", " ".join(str(exc).split()), "hooks")
    if plugin.status is not PluginStatus.active:
        result.add("error", f"the host loaded it as {plugin.status.value}: {plugin.reason}")
    implemented = {n for n, obj in vars(plugin.module).items() if _is_hookimpl(obj)}
    declared = set(version.hooks)
    if declared and implemented - declared:
        result.add(
            "error",
            "implements hooks the version does not declare: "
            + ", ".join(sorted(implemented - declared)),
            "hooks",
        )
    if declared - implemented:
        result.add(
            "warning",
            "declares hooks it does not implement: " + ", ".join(sorted(declared - implemented)),
            "hooks",
        )
    if plugin.manifest is not None and plugin.manifest.version != version.version:
        result.add(
            "warning",
            f"this host runs the plugin's version {plugin.manifest.version}, "
            f"not {version.version}: the checks ran on the code the host has",
        )
    return result


def _implemented_hooks(version: ListingVersion, plugin: LoadedPlugin | None) -> list[str]:
    """The hooks the version uses: the plugin's implementations, or the remote app's topics."""
    if version.kind == "plugin":
        if plugin is None or plugin.module is None:
            return list(version.hooks)
        return sorted(n for n, obj in vars(plugin.module).items() if _is_hookimpl(obj))
    events = [TOPIC_EVENTS.get(t, t) for t in version.webhook_topics]
    return sorted(set(events) | set(version.hooks))


# -- scopes ---------------------------------------------------------------------------------


def check_scopes(
    version: ListingVersion, plugin: LoadedPlugin | None, hooks: list[str]
) -> CheckResult:
    """Requested scopes against what the hooks and the plugin's client calls need."""
    result = CheckResult("scopes")
    known = hook_scopes()
    uses = uses_for_hooks([h for h in hooks if h in known])
    if plugin is not None and plugin.module is not None:
        files = _module_files(plugin.module)
        try:
            uses += scan_files(files, relative_to=_common_root(files))
        except (OSError, SyntaxError, UnicodeDecodeError) as exc:
            result.add("warning", f"could not read the plugin's source: {exc}")
    asked = {str(s.get("scope")) for s in version.scopes}
    needed: dict[str, list[str]] = {}
    for use in uses:
        needed.setdefault(use.scope, []).append(
            f"{use.reason} ({use.where})" if use.where else use.reason
        )
    for scope in sorted(set(needed) - asked):
        reasons = "; ".join(needed[scope][:3])
        result.add("error", f"missing scope {scope}: the app {reasons}", "scopes")
    for scope in sorted(asked - set(needed)):
        where = f"scopes[{[str(s.get('scope')) for s in version.scopes].index(scope)}]"
        if version.kind == "remote":
            message = (
                f"extra scope {scope}: no webhook topic needs it; merchants are asked for it, "
                "so make sure the app's API calls do"
            )
        else:
            message = f"extra scope {scope}: no hook or client call of the plugin needs it"
        result.add("warning", message, where)
    return result


def _module_files(module: Any) -> list[Path]:
    """The plugin's source files: its module, or every module of its package."""
    path = Path(getattr(module, "__file__", "") or "")
    if path.name == "__init__.py":
        return sorted(p for p in path.parent.rglob("*.py") if "__pycache__" not in p.parts)
    return [path] if path.suffix == ".py" else []


def _common_root(files: list[Path]) -> Path | None:
    if not files:
        return None
    root = files[0].parent
    return root if all(f.is_relative_to(root) for f in files) else None


# -- sandbox --------------------------------------------------------------------------------


def check_sandbox(
    version: ListingVersion, plugin: LoadedPlugin, hooks: list[str], *, timeout_s: float
) -> tuple[CheckResult, dict[str, str]]:
    """Fire each implemented hook at a throwaway shop holding only the requested scopes.

    Returns the result and each hook's outcome (``ok``, ``skipped`` or the error's text).
    """
    from core.devkit.sandbox import open_sandbox
    from sdk.pytest_plugin import SandboxError

    result = CheckResult("sandbox")
    fired: dict[str, str] = {}
    scopes = sorted({str(s.get("scope")) for s in version.scopes})
    limits = PluginLimits(
        timeout_s=timeout_s, decision_timeout_s=timeout_s, circuit_failures=1_000_000
    )
    with tempfile.TemporaryDirectory(prefix="tanzi-review-") as tmp:
        try:
            with open_sandbox(Path(tmp), plugin.module_name, limits=limits) as sandbox:
                sandbox.install(scopes=scopes)
                for hook in hooks:
                    fired[hook] = _fire(sandbox, plugin, hook, timeout_s)
        except SandboxError as exc:
            result.add("error", f"the sandbox could not load the plugin: {exc}")
            return result, fired
        except Exception as exc:  # the sandbox itself broke: say so rather than pass
            result.add("error", f"the sandbox failed: {type(exc).__name__}: {exc}")
            return result, fired
    for hook, outcome in fired.items():
        if outcome in ("ok", "skipped"):
            continue
        if "ScopeDenied" in outcome or "scope_denied" in outcome:
            result.add("error", f"scope denied in {hook}: {outcome}", hook)
        elif "timed out" in outcome:
            result.add("error", f"{hook} timed out: {outcome}", hook)
        else:
            result.add("error", f"{hook} raised {outcome}", hook)
    if not hooks:
        result.add("warning", "the plugin implements no hook; nothing was fired")
    return result, fired


def _fire(sandbox: Any, plugin: LoadedPlugin, hook: str, timeout_s: float) -> str:
    """One hook fired in the sandbox: ``ok``, ``skipped`` or what went wrong."""
    from core.devkit.sandbox import ORDER_EVENTS, PRODUCT_EVENTS

    if hook == "installation_created":
        made = [d for d in sandbox.deliveries() if d.hook == hook]
        return _outcome(made)
    if hook in ORDER_EVENTS or hook in PRODUCT_EVENTS:
        return _outcome(sandbox.fire(hook))
    manifest = plugin.manifest
    if manifest is None:
        return "skipped"
    fake = FakeShop(shop_id=sandbox.shop_id, installation_id=sandbox.shop.installation_id)
    if hook in EVENT_TYPES:
        overrides = {"id": sandbox.shop.installation_id} if hook.startswith("installation_") else {}
        resource_type, resource_id, data = sample_event_data(hook, fake, manifest, overrides)
        data = json.loads(json.dumps(data, default=str))
        return _outcome(
            sandbox.emit(hook, resource_type=resource_type, resource_id=resource_id, data=data)
        )
    if hook in DECISIONS or hook in REGISTRATIONS:
        kwargs: dict[str, Any] = sample_arguments(hook, fake, manifest, {})
        if hook in DECISIONS:
            kwargs["client"] = sandbox.client()
            kwargs["settings"] = manifest.parse_settings({})
        caller = sandbox.host.plugin_caller(plugin.id, hook)
        return _call_with_timeout(lambda: caller(**kwargs), timeout_s)
    return "skipped"


def _outcome(deliveries: list[Any]) -> str:
    if not deliveries:
        return "skipped"
    errors = [d.error or d.status for d in deliveries if d.status != "delivered"]
    return errors[0] if errors else "ok"


def _call_with_timeout(call: Any, timeout_s: float) -> str:
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tanzi-review")
    future = pool.submit(call)
    try:
        future.result(timeout=timeout_s)
        return "ok"
    except FutureTimeout:
        return f"timed out after {timeout_s:g}s"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# -- urls -----------------------------------------------------------------------------------


def check_urls(version: ListingVersion, settings: Settings) -> CheckResult:
    """Remote URLs are HTTPS; plain HTTP only on loopback and never in production."""
    result = CheckResult("urls")
    if version.kind != "remote":
        return result.skip("an in-process plugin has no URLs")
    loopback_ok = settings.env != "production"
    urls = [(f"redirect_uris[{i}]", u) for i, u in enumerate(version.redirect_uris)]
    if version.webhook_url:
        urls.append(("webhook_url", version.webhook_url))
    for where, url in urls:
        parts = urlsplit(url)
        loopback = parts.hostname in LOOPBACK_HOSTS
        if parts.scheme == "https" and not (loopback and not loopback_ok):
            continue
        if parts.scheme == "http" and loopback and loopback_ok:
            result.add("warning", f"{url} is plain HTTP on loopback: for development only", where)
            continue
        result.add("error", f"{url} must be an https:// URL", where)
    if not version.redirect_uris:
        result.add("error", "a remote app needs at least one redirect URI", "redirect_uris")
    return result
