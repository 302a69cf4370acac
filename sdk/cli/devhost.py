"""``tanzi-sdk dev``: a local Tanzi whose demo shop has the plugin under development installed.

It needs the Tanzi host, which the SDK never imports: the work is done by the host's tool
kit, found through the ``tanzi.host`` entry point (:mod:`sdk.host`). The host runs from its
own data directory (SQLite database, job queue, secret key) with a ``plugins.toml`` that
loads the plugin under development and nothing else; the demo world is loaded, the plugin
is installed in the demo shop with every scope it asks for, and ``tanzi serve --demo``
takes over.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from sdk.cli.project import PluginTarget
from sdk.host import HostMissing, host_kit

__all__ = [
    "DevError",
    "DevHost",
    "HostMissing",
    "dev_environment",
    "port_unavailable",
    "prepare",
    "serve",
]


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


def port_unavailable(host: str, port: int) -> str | None:
    """Why the local host could not listen on ``host:port`` (``None`` when it can), found by
    binding the address the way the server will, before anything is printed or prepared."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"{host} is not an address to listen on: {exc.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


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
    """Set the environment up, load the demo world and install the plugin in the demo shop
    (the installed host does it). Idempotent: a second run keeps the database and
    re-enables the installation.

    :raises HostMissing: without the Tanzi host.
    :raises DevError: when the host does not admit the plugin.
    """
    result: DevHost = host_kit().prepare_dev_host(target, data_dir)
    return result


def serve(*, host: str, port: int) -> None:
    """Run ``tanzi serve --demo`` in this process, with the environment :func:`prepare` set."""
    host_kit().serve_dev_host(host=host, port=port)
