"""Finding the Tanzi host from the SDK: the ``tanzi.host`` entry point.

A few provider tools run the real shop kernel: the sandbox fixtures of
:mod:`sdk.pytest_plugin`, ``tanzi-sdk dev`` and ``tanzi-sdk fire --dev``. The SDK never
imports the host: the ``tanzi`` distribution registers its tool kit under the
``tanzi.host`` entry-point group, and the SDK loads whatever is registered there. With only
the SDK installed there is none, and :func:`host_kit` says what to install.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

#: The entry-point group (and name) a host registers its tool kit under.
HOST_GROUP = "tanzi.host"
HOST_NAME = "devkit"


class HostMissing(Exception):
    """The Tanzi host is not installed in this environment."""


def host_kit() -> Any:
    """The installed host's tool kit (a module with ``open_sandbox``, ``prepare_dev_host``,
    ``serve_dev_host`` and ``fire_in_dev_host``).

    :raises HostMissing: when no distribution registers one.
    """
    found = [ep for ep in entry_points(group=HOST_GROUP) if ep.name == HOST_NAME]
    if not found:
        raise HostMissing(
            "this needs the host installed: pip install tanzi "
            f"(no '{HOST_NAME}' in the '{HOST_GROUP}' entry points)"
        )
    try:
        return found[0].load()
    except ImportError as exc:
        raise HostMissing(
            f"this needs the host installed: pip install tanzi (it does not import: {exc})"
        ) from exc
