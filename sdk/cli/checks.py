"""``tanzi-sdk validate``: what the host and a reviewer would refuse, found before submitting.

Four checks, in the order the host meets them: the module imports; its ``manifest`` is a
valid :class:`~sdk.manifest.PluginManifest` (errors carry field paths); its hook
implementations fit the specs (pluggy's own ``register`` and ``check_pending``) and are the
hooks the manifest declares; the scopes it requests are the ones its hooks and client calls
use (see :mod:`sdk.cli.usage`).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from pydantic import ValidationError

from sdk import hookspecs
from sdk._markers import PROJECT_NAME
from sdk.cli.project import PluginTarget, import_plugin
from sdk.cli.usage import ScopeUse, hook_scopes, scan_files, uses_for_hooks
from sdk.manifest import PluginManifest

#: Manifest models a plugin may build at import time, and where they sit in the manifest.
_MANIFEST_PARTS = {"PluginManifest": "", "ScopeRequest": "scopes.*.", "Pricing": "pricing."}


class Severity(StrEnum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem: ``where`` is a manifest field path or a ``file:line``."""

    severity: Severity
    check: str
    message: str
    where: str = ""


@dataclass
class Report:
    """Everything ``validate`` learnt about one plugin."""

    target: PluginTarget
    module: ModuleType | None = None
    manifest: PluginManifest | None = None
    hooks: tuple[str, ...] = ()
    uses: list[ScopeUse] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.warning]

    def add(self, severity: Severity, check: str, message: str, where: str = "") -> None:
        self.findings.append(Finding(severity, check, message, where))


def validation_findings(exc: ValidationError, check: str = "manifest") -> list[Finding]:
    """One error finding per pydantic error, at its field path (``scopes.0.scope``)."""
    return [
        Finding(Severity.error, check, e["msg"], ".".join(str(p) for p in e["loc"]) or "(root)")
        for e in exc.errors()
    ]


def check_plugin(target: PluginTarget) -> Report:
    """Run every check on the plugin at ``target``; never raises for the plugin's faults."""
    report = Report(target=target)
    try:
        report.module = import_plugin(target)
    except ValidationError as exc:
        origin = _origin(exc, target)
        if exc.title in _MANIFEST_PARTS:
            # the manifest (or a part of it) was built at import time and refused
            for finding in validation_findings(exc):
                where = f"{_MANIFEST_PARTS[exc.title]}{finding.where} ({origin})"
                report.add(Severity.error, "manifest", finding.message, where)
        else:
            report.add(Severity.error, "import", f"ValidationError: {exc}", origin)
        return report
    except Exception as exc:
        report.add(Severity.error, "import", f"{type(exc).__name__}: {exc}", _origin(exc, target))
        return report
    report.manifest = _check_manifest(report, report.module)
    report.hooks = _check_hooks(report, report.module)
    if report.manifest is not None:
        _check_scopes(report, report.manifest)
    return report


def _origin(exc: BaseException, target: PluginTarget) -> str:
    """``file:line`` of the deepest frame in the plugin's own files (else the deepest)."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = {str(p) for p in target.files}
    mine = [f for f in frames if f.filename in own] or frames
    return f"{mine[-1].filename}:{mine[-1].lineno}" if mine else ""


def _check_manifest(report: Report, module: ModuleType) -> PluginManifest | None:
    raw: Any = getattr(module, "manifest", None)
    if raw is None:
        report.add(
            Severity.error,
            "manifest",
            "the module has no `manifest`; define `manifest = PluginManifest(...)`",
        )
        return None
    try:
        manifest = raw if isinstance(raw, PluginManifest) else PluginManifest.model_validate(raw)
    except ValidationError as exc:
        report.findings.extend(validation_findings(exc))
        return None
    if not manifest.requires_tanzi:
        report.add(
            Severity.warning,
            "manifest",
            "no requires_tanzi: every Tanzi version will load it; say e.g. '>=0.1,<1'",
            "requires_tanzi",
        )
    return manifest


def _is_hookimpl(obj: object) -> bool:
    return callable(obj) and hasattr(obj, f"{PROJECT_NAME}_impl")


def _check_hooks(report: Report, module: ModuleType) -> tuple[str, ...]:
    """Register the module with the SDK's specs as the host does; compare with the manifest."""
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    try:
        manager.register(module, name=report.target.module_name)
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        report.add(Severity.error, "hooks", " ".join(str(exc).split()))
    implemented = tuple(sorted(n for n, obj in vars(module).items() if _is_hookimpl(obj)))
    known = hook_scopes()
    for name, obj in sorted(vars(module).items()):
        if name in known and callable(obj) and not _is_hookimpl(obj):
            report.add(
                Severity.warning,
                "hooks",
                f"`{name}` is named like a hook but not marked with @hookimpl; "
                "the host will never call it",
            )
    manifest = report.manifest
    if manifest is not None:
        undeclared = sorted(set(implemented) - set(manifest.hooks) & known.keys())
        if undeclared:
            report.add(
                Severity.error,
                "hooks",
                f"implements hooks the manifest does not declare: {', '.join(undeclared)} "
                "(the host loads such a plugin as incompatible)",
                "hooks",
            )
        unimplemented = sorted(set(manifest.hooks) - set(implemented))
        if unimplemented:
            report.add(
                Severity.warning,
                "hooks",
                f"declares hooks it does not implement: {', '.join(unimplemented)}",
                "hooks",
            )
    return implemented


def _check_scopes(report: Report, manifest: PluginManifest) -> None:
    hooks = [h for h in report.hooks if h in hook_scopes()]
    files = _module_files(report.module) if report.module is not None else report.target.files
    root = report.target.project_dir or report.target.import_root
    report.uses = uses_for_hooks(hooks) + scan_files(files, relative_to=_common(root, files))
    requested = manifest.scope_values
    used: dict[str, list[ScopeUse]] = {}
    for use in report.uses:
        used.setdefault(use.scope, []).append(use)
    for scope in sorted(set(used) - requested):
        reasons = [f"{u.reason} ({u.where})" if u.where else u.reason for u in used[scope]]
        shown = "; ".join(reasons[:3]) + (
            f"; and {len(reasons) - 3} more" if len(reasons) > 3 else ""
        )
        report.add(Severity.error, "scopes", f"missing scope {scope}: the plugin {shown}", "scopes")
    for scope in sorted(requested - set(used)):
        report.add(
            Severity.warning,
            "scopes",
            f"extra scope {scope}: no hook or client call found that needs it; "
            "merchants are asked to grant it all the same",
            "scopes",
        )


def _module_files(module: ModuleType) -> list[Path]:
    """The files the plugin's code is in: its module, or every module of its package."""
    file = getattr(module, "__file__", None)
    if not file:
        return []
    path = Path(file)
    if path.name == "__init__.py":
        return sorted(p for p in path.parent.rglob("*.py") if "__pycache__" not in p.parts)
    return [path] if path.suffix == ".py" else []


def _common(root: Path, files: list[Path]) -> Path | None:
    """``root`` when every file is under it (for short locations), else ``None``."""
    return root if all(f.is_relative_to(root) for f in files) else None
