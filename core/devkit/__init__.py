"""The host's tool kit for the provider SDK: the sandbox shop of its pytest fixtures and the
local development host of ``tanzi-sdk dev`` / ``fire --dev``.

The SDK never imports the host; this module is registered under the ``tanzi.host``
entry-point group (``pyproject.toml``) and :func:`sdk.host.host_kit` loads it from there.
"""

from __future__ import annotations

from core.devkit.devhost import fire_in_dev_host, prepare_dev_host, serve_dev_host
from core.devkit.sandbox import open_sandbox

__all__ = ["fire_in_dev_host", "open_sandbox", "prepare_dev_host", "serve_dev_host"]
