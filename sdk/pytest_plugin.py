"""A pytest plugin for providers: test your plugin against a sandbox shop.

Installed with Tanzi, it is registered through the ``pytest11`` entry point, so its
fixtures are there in any test run. Say which plugin is under test in your pytest config::

    [pytest]
    tanzi_plugin = mypkg.myplugin

(or override the ``tanzi_plugin_module`` fixture), then::

    def test_policy(sandbox_shop, tanzi_sandbox):
        results = tanzi_sandbox.fire("order_paid")
        assert [r.status for r in results] == ["delivered"]
        assert len(tanzi_sandbox.records("policies")) == 1

The sandbox is a fresh SQLite database in ``tmp_path`` holding the demo world (a demo
shop, products, a buyer), with a plugin host that loads only the plugin under test.
Events are dispatched and delivered synchronously, in the test's process, exactly as the
worker would run them: through the plugin's hook, with its scoped client.

The sandbox runs the shop kernel, so it needs the ``tanzi`` host installed (the same
distribution as this SDK). ``sdk`` never imports the host: the fixtures take the sandbox
from the host's ``tanzi.host`` entry point (:mod:`sdk.host`), and importing this module
imports neither the host nor FastAPI nor SQLModel. With only the SDK installed, a test
that asks for the sandbox fails saying what to install; the FakeShop tests still run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from sdk.host import HostMissing, host_kit

if TYPE_CHECKING:
    from sdk.client import ShopClient
    from sdk.models import Record

INI_OPTION = "tanzi_plugin"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI_OPTION,
        help="Tanzi: the module of the plugin under test (e.g. mypkg.myplugin)",
        default="",
    )


@dataclass(frozen=True)
class SandboxDelivery:
    """One delivery of an event to the plugin under test, as recorded by the host.

    ``status`` is ``delivered``, ``failed`` (will be retried), ``dead``, ``pending`` or
    ``deferred``; ``error`` is the failure's text (``"ScopeDenied: ..."``) or ``""``.
    """

    id: int
    hook: str
    event_id: str
    status: str
    error: str = ""
    attempts: int = 0


@dataclass(frozen=True)
class SandboxShop:
    """The demo shop and the installation of the plugin under test in it."""

    id: int
    name: str
    plugin_id: str
    installation_id: int
    granted_scopes: frozenset[str]
    settings: dict[str, Any]


class TanziSandbox(Protocol):
    """A sandbox shop kernel: a database with the demo world and a plugin host that loads
    the plugin under test only (what the ``tanzi_sandbox`` fixture gives)."""

    shop_id: int
    shop: SandboxShop | None

    def install(self, scopes: Iterable[str] | None = None) -> SandboxShop:
        """Install the plugin under test in the demo shop with exactly its manifest's scopes
        (or ``scopes``) and default settings, and deliver its ``installation_created``."""
        ...

    def fire(self, event_name: str, **overrides: Any) -> list[SandboxDelivery]:
        """Make event ``event_name`` happen in the shop, deliver it, return its deliveries.

        Order events come from a real order the kernel's services place (and pay, and
        cancel) for the demo buyer; ``order_created``, ``order_paid`` and
        ``order_cancelled`` with no ``overrides`` are the very events the kernel recorded.
        Other order events, and any with ``overrides``, carry the real order's snapshot
        with the fields in ``overrides`` replacing its own (``fire("order_paid",
        total_fen=99)``). Product events use a demo product's snapshot.

        :raises ValueError: for an event the sandbox cannot make; use :meth:`emit`.
        """
        ...

    def emit(
        self, event_name: str, *, resource_type: str, resource_id: int, data: dict[str, Any]
    ) -> list[SandboxDelivery]:
        """Record any event with the given kernel data (e.g. ``{"aftersale": {...}}``) in
        the shop's outbox, deliver it, and return its deliveries."""
        ...

    def run(self) -> list[SandboxDelivery]:
        """Dispatch every undispatched event and deliver each new delivery once, now."""
        ...

    def deliveries(self) -> list[SandboxDelivery]:
        """Every delivery made in the sandbox, oldest first."""
        ...

    def records(self, collection: str) -> list[Record]:
        """Every record the plugin stored in ``collection`` (``client.records``), by key."""
        ...

    def client(self) -> ShopClient:
        """The installation's scoped client: what the plugin's hooks are given."""
        ...


def open_sandbox(root: Path, plugin_module: str | None, **options: Any) -> Any:
    """A fresh sandbox in directory ``root`` for ``plugin_module`` (a context manager that
    yields a :class:`TanziSandbox`), from the installed host.

    :raises HostMissing: with only the SDK installed.
    :raises SandboxError: when the plugin cannot be imported or is not loadable.
    """
    return host_kit().open_sandbox(root, plugin_module, **options)


@pytest.fixture
def tanzi_plugin_module(request: pytest.FixtureRequest) -> str | None:
    """The module of the plugin under test: the ``tanzi_plugin`` ini option by default.

    Override this fixture to choose it in code (``return "mypkg.myplugin"``).
    """
    value = request.config.getini(INI_OPTION)
    return str(value).strip() or None


class SandboxError(Exception):
    """The plugin under test could not be loaded into a sandbox (its reason says why)."""


@pytest.fixture
def tanzi_sandbox(tmp_path: Path, tanzi_plugin_module: str | None) -> Iterator[TanziSandbox]:
    """A fresh sandbox: SQLite in ``tmp_path``, the demo world, and a plugin host that
    loads the plugin under test only. The plugin is not installed yet (``sandbox_shop``
    does that); the demo's own events are already dispatched, to nobody."""
    try:
        opened = open_sandbox(tmp_path / "tanzi-sandbox", tanzi_plugin_module)
    except HostMissing as exc:
        pytest.fail(f"Tanzi: the sandbox runs the shop kernel, and {exc}", pytrace=False)
    try:
        with opened as sandbox:
            yield sandbox
    except SandboxError as exc:
        pytest.fail(f"Tanzi: {exc}", pytrace=False)


@pytest.fixture
def sandbox_shop(tanzi_sandbox: TanziSandbox) -> SandboxShop:
    """The demo shop with the plugin under test installed (its manifest's scopes, default
    settings) and its ``installation_created`` delivered."""
    try:
        return tanzi_sandbox.install()
    except SandboxError as exc:
        raise pytest.UsageError(f"Tanzi: {exc}") from exc
