"""A test plugin with a job kind the host starts every minute (it does nothing)."""

from __future__ import annotations

from sdk import PluginManifest, ScopeRequest, hookimpl
from sdk.jobs import JobContext, JobKind

manifest = PluginManifest(
    id="every_minute",
    name="Every minute",
    version="1.0.0",
    scopes=[ScopeRequest(scope="shop:read", reason="to run on a schedule")],
    hooks=["register_job_kinds"],
    requires_tanzi=">=0.1",
)


def tick(ctx: JobContext) -> None:
    """Nothing: the test counts the runs the host starts."""


@hookimpl
def register_job_kinds() -> list[JobKind]:
    """One kind, every minute."""
    return [JobKind(code="tick", name="Tick", run=tick, scope="shop:read", every_minutes=1)]
