"""Sandbox Express (沙箱快递): a carrier with e-waybills that talks HTTP to its simulator.

It registers the carrier ``SANDBOX`` (waybills ``SBX`` + 10 digits) with e-waybill
operations (:class:`~plugins.sandbox_express.carrier.SandboxExpress`): merchants bind an
account (number, branch, secret) and printing services issue numbers on it through
``client.carriers``. The carrier's address is ``SANDBOX_EXPRESS_URL``. A real carrier
plugs in the same way: its plugin returns a ``Carrier`` whose ``ewaybill`` speaks that
carrier's API. Like any third party's plugin it imports only ``sdk`` (and ``httpx``).
"""

from __future__ import annotations

from plugins.sandbox_express.carrier import CODE, NAME, WAYBILL_PATTERN, SandboxExpress
from sdk import PluginManifest, hookimpl
from sdk.models import Carrier

manifest = PluginManifest(
    id="sandbox_express",
    name="Sandbox Express (沙箱快递)",
    version="1.0.0",
    category="logistics",
    description=(
        "A sandbox carrier with e-waybills: bind an account, issue waybill numbers for "
        "orders, cancel unused ones. Talks to the Sandbox Express simulator."
    ),
    scopes=[],
    hooks=["register_carriers"],
    requires_tanzi=">=0.1",
)


@hookimpl
def register_carriers() -> list[Carrier]:
    """The ``SANDBOX`` carrier and its e-waybill operations."""
    return [
        Carrier(
            code=CODE,
            name=NAME,
            waybill_pattern=WAYBILL_PATTERN,
            ewaybill=SandboxExpress(),
        )
    ]


__all__ = ["SandboxExpress", "manifest", "register_carriers"]
