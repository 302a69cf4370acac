"""``tanzi-sdk fire EVENT --dev``: send an event to the plugin installed in the local host.

Where plain ``fire`` calls the hook with a fake shop, this goes through the real kernel of
the host ``tanzi-sdk dev`` prepared (its data directory): the event is written to that
host's outbox for the demo shop, about one of the shop's own resources, and delivered the
way the host's worker delivers every event (its own delivery row, the installation's
scoped client, its time limit, retries on failure). The sample is the shop's latest event
of that name, re-sent with a fresh event id; with none yet, an order or product event is
made from the shop's latest order or product.

Like :mod:`sdk.cli.devhost`, it needs the Tanzi host and reaches it through the
``tanzi.host`` entry point (:mod:`sdk.host`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdk.cli.project import PluginTarget
from sdk.host import host_kit


@dataclass(frozen=True)
class DevDelivery:
    """How the host delivered the event, and what the plugin keeps afterwards."""

    event: str
    event_id: str
    shop_id: int
    resource_type: str
    resource_id: int
    status: str
    attempts: int
    error: str
    records: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"


def fire_in_dev_host(target: PluginTarget, data_dir: Path, event: str) -> DevDelivery:
    """Write ``event`` to the local host's outbox and deliver it to the plugin (the
    installed host does it).

    :raises HostMissing: without the Tanzi host.
    :raises DevError: when the host refuses the plugin, or the demo shop has nothing the
        event could be about.
    """
    result: DevDelivery = host_kit().fire_in_dev_host(target, data_dir, event)
    return result
