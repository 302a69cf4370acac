"""The hook markers; the only place that names Tanzi's pluggy project."""

from __future__ import annotations

import pluggy

#: The pluggy project name every Tanzi hook spec and implementation belongs to.
PROJECT_NAME = "tanzi"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a function in :mod:`sdk.hookspecs` as a hook specification."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a plugin function as the implementation of the hook of the same name."""
