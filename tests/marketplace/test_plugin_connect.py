"""Platform OAuth clients of plugins that declare ``manifest.connect``
(:mod:`marketplace.oauth.plugin_connect`); the browser round trip is
``tests/browser/test_catalog_sync_demo.py``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.models import Listing, ListingVersion, OAuthClient
from core.plugins.manager import create_plugin_host
from core.settings import Settings
from marketplace.oauth.plugin_connect import (
    CALLBACK_PATH,
    _open_state,
    ensure_platform_client,
    platform_client_id,
)
from marketplace.services.catalog import browse_listings

ROOT = Path(__file__).resolve().parents[2]


def test_a_plugin_that_declares_connect_gets_a_public_client_kept_out_of_the_market(
    engine: Engine, settings: Settings
) -> None:
    settings = settings.model_copy(
        update={"plugins_file": ROOT / "plugins.toml", "connect_peers": ["https://b.example"]}
    )
    host = create_plugin_host(settings)
    with Session(engine) as session:
        assert ensure_platform_client(
            session, host=host, settings=settings, client_id=platform_client_id("catalog_sync")
        )
        # a plugin without ``connect`` and a client id that is not a platform one get none
        assert not ensure_platform_client(
            session, host=host, settings=settings, client_id=platform_client_id("coupons")
        )
        assert not ensure_platform_client(
            session, host=host, settings=settings, client_id="tzc_someone"
        )
        session.commit()
    with Session(engine) as session:
        client = session.exec(
            select(OAuthClient).where(OAuthClient.client_id == "tzp_catalog_sync")
        ).one()
        listing = session.get(Listing, client.listing_id)
        assert listing is not None and listing.live_version_id is not None
        version = session.get(ListingVersion, listing.live_version_id)
        assert version is not None
        assert client.is_public and client.client_secret_hash == ""
        assert client.redirect_uris == [
            settings.base_url + CALLBACK_PATH,
            "https://b.example" + CALLBACK_PATH,
        ]
        assert version.kind == "remote"
        assert [s["scope"] for s in version.scopes] == [
            "products:read",
            "products:write",
            "orders:read",
            "shop:read",
        ]
        shown = browse_listings(session)
        assert listing.slug == "catalog_sync__connect"
        assert shown.total == 0 and shown.listings == []
    with Session(engine) as session:  # registering again changes nothing
        assert ensure_platform_client(
            session, host=host, settings=settings, client_id="tzp_catalog_sync"
        )
        session.commit()
        assert len(session.exec(select(OAuthClient)).all()) == 1


def test_a_forged_or_foreign_state_is_refused(settings: Settings) -> None:
    assert _open_state(settings, "not-a-state") is None
    other = settings.model_copy(update={"secret_key": "another-key-" + "x" * 40})
    from core.crypto import encrypt_secret

    assert _open_state(settings, encrypt_secret(other.secret_key, '{"e": 9999999999}')) is None
    assert _open_state(settings, encrypt_secret(settings.secret_key, '{"e": 1}')) is None
