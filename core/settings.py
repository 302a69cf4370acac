"""Settings read from the environment (prefix ``TANZI_``), built by a factory, never at import."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(RuntimeError):
    """The settings cannot run a server as given (for example no secret in production)."""


class Settings(BaseSettings):
    """Everything configurable about one Tanzi host."""

    model_config = SettingsConfigDict(env_prefix="TANZI_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    queue_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    #: keys that came before ``secret_key``: secrets they sealed still open (key rotation)
    previous_secret_keys: list[str] = Field(default_factory=list)
    base_url: str = "http://127.0.0.1:8000"
    #: other Tanzi hosts whose plugins may connect to shops here over OAuth (their base
    #: URLs; this host's own ``base_url`` always may), see ``marketplace.oauth.plugin_connect``
    connect_peers: list[str] = Field(default_factory=list)
    plugins_file: Path = Path("plugins.toml")
    demo_data: bool = False

    max_personal_shops: int = 1
    max_business_shops: int = 3
    member_limit_personal: int = 1
    member_limit_individual: int = 20
    member_limit_enterprise: int = 500
    page_size_default: int = 50
    page_size_max: int = 200
    sqlite_busy_timeout_s: float = 30.0
    db_pool_size: int = Field(default=20, ge=1)
    rate_limit_enabled: bool = True
    rate_limit_capacity: int = Field(default=120, ge=1)
    rate_limit_per_second: float = Field(default=2.0, gt=0)
    #: after an uninstall, the service may still clean up (``installation_removed``) this long
    uninstall_cleanup_s: int = Field(default=600, ge=0)
    #: the largest upload accepted (images and documents), checked while it streams in
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    #: the most pixels an uploaded image may have (a decompression bomb is refused)
    image_max_pixels: int = Field(default=40_000_000, ge=1)
    #: the largest file a merchant uploads for an import, and a service's result file
    import_max_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    result_max_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    #: how long an upload for an import is kept
    upload_retention_days: int = Field(default=2, ge=1)
    #: how long a signed download link for a private file stays valid
    file_link_ttl_s: int = Field(default=300, ge=1)
    #: threads of the job worker ``tanzi serve`` runs in its own process (deliveries and
    #: plugin jobs mostly wait on the network, so more threads carry more at once)
    embedded_worker_threads: int = Field(default=2, ge=1, le=32)
    #: a running job whose heartbeat is older than this is taken for a dead worker's: re-queued
    job_stale_after_s: float = Field(default=300.0, gt=0)
    #: where stored files' bytes live: ``""`` for ``data_dir/files``, or ``s3://bucket/prefix``
    file_store: str = ""
    #: an S3-compatible endpoint (MinIO, a cloud's S3 API); empty for AWS itself
    s3_endpoint_url: str = ""
    s3_region: str = ""
    #: the bucket's credentials; empty to use boto3's own chain (``AWS_*`` variables, roles)
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'tanzi.db'}"
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def ensure_secret_key(self) -> str:
        """Return the signing secret, creating one under ``data_dir`` outside production."""
        if self.secret_key:
            return self.secret_key
        if self.env == "production":
            raise SettingsError(
                "TANZI_SECRET_KEY is required when TANZI_ENV=production; "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        path = self.data_dir / "secret_key"
        if path.exists():
            self.secret_key = path.read_text().strip()
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.secret_key = secrets.token_urlsafe(48)
            path.write_text(self.secret_key)
            path.chmod(0o600)
        return self.secret_key


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with keyword overrides (used by tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
