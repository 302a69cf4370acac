"""Tanzi's provider SDK: the public contract between the shop kernel and installable services."""

from sdk.scopes import SCOPES, Scope

__all__ = ["SCOPES", "Scope"]
