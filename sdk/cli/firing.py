"""``tanzi-sdk fire``: call one of a plugin's hooks in-process, with a sample and a fake shop.

The plugin is registered with the SDK's hook specs in a fresh pluggy manager and called
through it, as the host calls it: with a sample payload, a
:class:`~sdk.testing.FakeShop` granting exactly the manifest's scopes, and the manifest's
settings model filled from ``settings``. What it did is read back from the fake shop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pluggy

from sdk import hookspecs
from sdk._markers import PROJECT_NAME
from sdk.cli.samples import sample_arguments
from sdk.manifest import PluginManifest
from sdk.models import Record
from sdk.testing import Call, FakeShop


@dataclass
class FireResult:
    """What one call of a hook did."""

    hook: str
    arguments: dict[str, Any]
    result: Any = None
    error: BaseException | None = None
    calls: list[Call] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    granted: tuple[str, ...] = ()


def fire(
    module: ModuleType,
    manifest: PluginManifest,
    hook: str,
    *,
    overrides: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    shop: FakeShop | None = None,
) -> FireResult:
    """Call ``hook`` of the plugin ``module`` once and report what it did.

    :raises KeyError: when ``hook`` is not a hook ``fire`` can make arguments for.
    :raises pydantic.ValidationError: when ``settings`` do not fit the settings model, or
        ``overrides`` do not fit the sample.
    """
    shop = shop if shop is not None else FakeShop.for_manifest(manifest)
    arguments = sample_arguments(hook, shop, manifest, overrides or {})
    if arguments:
        arguments = {
            **arguments,
            "client": shop,
            "settings": manifest.parse_settings(settings or {}),
        }
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    manager.register(module, name=manifest.id)
    caller = getattr(manager.hook, hook)
    before = dict(shop.record_rows)
    calls_before = len(shop.calls)
    outcome = FireResult(hook=hook, arguments=arguments, granted=tuple(sorted(shop.scopes)))
    try:
        outcome.result = caller(**arguments)
    except Exception as exc:
        outcome.error = exc
    outcome.calls = shop.calls[calls_before:]
    outcome.records = [
        record for address, record in shop.record_rows.items() if before.get(address) != record
    ]
    outcome.deleted = sorted(set(before) - set(shop.record_rows))
    return outcome
