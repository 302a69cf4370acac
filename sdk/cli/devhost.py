"""``tanzi-sdk dev``: a local Tanzi whose demo shop has the plugin under development installed.

It needs the Tanzi host (the ``core`` package); everything of it is imported here, inside
functions, and only by ``dev``. The host runs from its own data directory (SQLite
database, job queue, secret key) with a ``plugins.toml`` that loads the plugin under
development and nothing else; the demo world is loaded, the plugin is installed in the
demo shop with every scope it asks for, and ``tanzi serve --demo`` takes over.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sdk.cli.project import PluginTarget


class HostMissing(Exception):
    """The Tanzi host is not installed in this environment."""


class DevError(Exception):
    """The host refused the plugin, or the demo shop could not take it."""


@dataclass(frozen=True)
class DevHost:
    """A prepared local host: the environment it runs with and where the plugin went."""

    env: dict[str, str]
    data_dir: Path
    plugin_id: str
    shop_id: int
    installation_id: int


def require_host() -> None:
    """:raises HostMissing: unless ``import core`` (the Tanzi host) works."""
    try:
        import core  # noqa: F401
        import marketplace.app  # noqa: F401
    except ImportError as exc:
        raise HostMissing(
            "`tanzi-sdk dev` runs a local Tanzi and needs the host installed: "
            f"pip install tanzi  ({exc})"
        ) from exc


def dev_environment(target: PluginTarget, data_dir: Path) -> dict[str, str]:
    """The ``TANZI_*`` variables (and ``PYTHONPATH``) the local host runs with; writes its
    ``plugins.toml`` into ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    plugins_toml = data_dir / "plugins.toml"
    plugins_toml.write_text(
        "# Written by `tanzi-sdk dev`: the plugin under development, and nothing else.\n"
        f'[plugins]\nload = ["{target.module_name}"]\nentry_points = false\n'
    )
    path = [str(target.import_root), *filter(None, [os.environ.get("PYTHONPATH", "")])]
    return {
        "TANZI_ENV": "development",
        "TANZI_DATA_DIR": str(data_dir),
        "TANZI_DATABASE_URL": f"sqlite:///{data_dir / 'tanzi.db'}",
        "TANZI_QUEUE_URL": "",
        "TANZI_PLUGINS_FILE": str(plugins_toml),
        "PYTHONPATH": os.pathsep.join(path),
    }


def prepare(target: PluginTarget, data_dir: Path) -> DevHost:
    """Set the environment up, load the demo world and install the plugin in the demo shop.

    Idempotent: a second run keeps the database and re-enables the installation.

    :raises HostMissing: without the Tanzi host.
    :raises DevError: when the host does not admit the plugin.
    """
    require_host()
    import sys

    from sqlmodel import col, select

    from core.db import create_db_engine, session_scope
    from core.demo import DEMO_PEOPLE, load_demo
    from core.migrate import upgrade
    from core.models import Account, Shop
    from core.plugins.installations import enable_plugin
    from core.plugins.manager import create_plugin_host
    from core.settings import get_settings

    env = dev_environment(target, data_dir.resolve())
    os.environ.update(env)
    if str(target.import_root) not in sys.path:
        sys.path.insert(0, str(target.import_root))
    settings = get_settings()
    settings.ensure_secret_key()
    host = create_plugin_host(settings)
    plugin = next((p for p in host.plugins.values() if p.module_name == target.module_name), None)
    if plugin is None or plugin.id not in host.active:
        reason = plugin.reason if plugin is not None else "not loaded"
        status = plugin.status.value if plugin is not None else "missing"
        raise DevError(f"the host did not admit {target.module_name} ({status}): {reason}")
    engine = create_db_engine(settings)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            load_demo(session, settings=settings)
            merchant = session.exec(select(Account).where(Account.email == DEMO_PEOPLE[1][1])).one()
            shop = session.exec(
                select(Shop).where(Shop.owner_id == merchant.id).order_by(col(Shop.id))
            ).first()
            if shop is None or shop.id is None:
                raise DevError("the demo world has no shop to install the plugin in")
            row = enable_plugin(session, host=host, shop_id=shop.id, plugin_id=plugin.id)
            session.flush()
            shop_id, installation_id = shop.id, row.id or 0
    finally:
        engine.dispose()
    return DevHost(
        env=env,
        data_dir=data_dir.resolve(),
        plugin_id=plugin.id,
        shop_id=shop_id,
        installation_id=installation_id,
    )


def serve(*, host: str, port: int) -> None:
    """Run ``tanzi serve --demo`` in this process, with the environment :func:`prepare` set."""
    from core.cli import app

    app(["serve", "--demo", "--host", host, "--port", str(port)], standalone_mode=False)
