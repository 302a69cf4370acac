"""The plugin manifest: who a service is, what it asks for, and which Tanzi it needs."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, field_validator

from sdk.scopes import Scope

_SLUG = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class Category(StrEnum):
    logistics = "logistics"
    marketing = "marketing"
    orders = "orders"
    products = "products"
    finance = "finance"
    service = "service"
    data = "data"
    other = "other"


class ScopeRequest(BaseModel):
    """One scope a service asks for, with the reason the merchant reads at consent."""

    model_config = ConfigDict(frozen=True)

    scope: Scope
    reason: str = Field(min_length=3, max_length=300)


class Pricing(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: str = Field(default="free", pattern="^(free|one_time|monthly|yearly|per_order)$")
    amount_fen: int = Field(default=0, ge=0)
    currency: str = "CNY"


class ConnectRequest(BaseModel):
    """The plugin connects its shop to another Tanzi shop (on this host or another) as an
    OAuth client with ``scopes``.

    The host registers a platform OAuth client for the plugin (public, PKCE S256, client id
    ``tzp_<plugin id>``) and runs the round trip: a page handler returns
    :class:`~sdk.models.ConnectRedirect`, the merchant approves the other host's consent
    screen as that shop's owner, and the host seals the tokens (JSON: ``access_token``,
    ``refresh_token``, ``expires_at``, ``client_id``, ``token_url``, ``base_url``,
    ``shop_id``) in the installation's secrets under the name the page chose, then sends
    the merchant back to the page's ``return_path``. The plugin never shows them.
    """

    model_config = ConfigDict(frozen=True)

    scopes: list[ScopeRequest] = Field(min_length=1)


class PluginManifest(BaseModel):
    """What every plugin module exposes as ``manifest``.

    ``settings`` is a pydantic model class validating the installation's settings (or
    ``None``); ``requires_tanzi`` is a PEP 440 specifier such as ``">=0.1,<1"``.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str
    name: str = Field(min_length=1, max_length=80)
    version: str
    category: Category = Category.other
    description: str = ""
    scopes: list[ScopeRequest] = Field(default_factory=list)
    hooks: list[str] = Field(default_factory=list)
    settings: Any = None
    pricing: Pricing = Field(default_factory=Pricing)
    requires_tanzi: str = ""
    #: connecting to other Tanzi shops over OAuth (see :class:`ConnectRequest`)
    connect: ConnectRequest | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("must be a slug: lowercase letters, digits and '_', 2-63 long")
        return value

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        try:
            Version(value)
        except InvalidVersion as exc:
            raise ValueError(f"'{value}' is not a version like 1.2.0") from exc
        return value

    @field_validator("requires_tanzi")
    @classmethod
    def _specifier(cls, value: str) -> str:
        try:
            SpecifierSet(value)
        except InvalidSpecifier as exc:
            raise ValueError(f"'{value}' is not a version specifier like '>=0.1,<1'") from exc
        return value

    @field_validator("hooks")
    @classmethod
    def _known_hooks(cls, value: list[str]) -> list[str]:
        from sdk import hookspecs

        unknown = [h for h in value if not callable(getattr(hookspecs, h, None))]
        if unknown:
            raise ValueError(f"unknown hooks: {', '.join(unknown)}")
        return value

    @field_validator("settings")
    @classmethod
    def _settings_model(cls, value: Any) -> Any:
        if value is not None and not (isinstance(value, type) and issubclass(value, BaseModel)):
            raise ValueError("must be a pydantic model class or None")
        return value

    def supports(self, tanzi_version: str) -> bool:
        """Whether this plugin runs on Tanzi ``tanzi_version``."""
        return Version(tanzi_version) in SpecifierSet(self.requires_tanzi, prereleases=True)

    @property
    def scope_values(self) -> frozenset[str]:
        return frozenset(s.scope.value for s in self.scopes)

    def parse_settings(self, raw: dict[str, Any]) -> BaseModel | dict[str, Any]:
        """An installation's stored settings as the plugin's settings model (or the dict)."""
        return self.settings.model_validate(raw) if self.settings is not None else dict(raw)
