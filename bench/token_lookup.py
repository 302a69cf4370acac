"""Token lookup: the guard's one joined query vs a bare lookup of the token row.

``core.auth.principal_from_token`` reads a service's token together with its installation,
listing and subscription (so a paused installation, a suspended listing or a lapsed
subscription stops the token) in one query, and checks what it read. This bench times it
against the query it grew from (the token row and the account's admin flag).

Like with like: both statements are built once (with a bound parameter for the hash) and
run with the same hashing of the token, on the same engine and database, one read
transaction per lookup, interleaved round by round, for a personal token and for an
OAuth token of a paid remote app, among 20,000 other tokens. The figure is the larger of
the two tokens' ratios of median times.

Run: ``.venv/bin/python bench/token_lookup.py [LOOKUPS]``. Last line:
``token lookup: ratio R (guard/bare)``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import harness
from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

import core.models as m
from core.auth import principal_from_token
from core.db import create_db_engine
from core.models.base import utcnow
from core.security import new_token, token_hash
from core.settings import Settings

LOOKUPS = harness.size(3000, 100)
FILLER = harness.size(20_000, 500)
ROUNDS = harness.rounds(5)


def seed(engine: Engine) -> tuple[str, str]:
    """A merchant's personal token and a paid remote app's OAuth token, among filler."""
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        owner = m.Account(email="owner@example.com", name="Owner")
        provider = m.Account(email="provider@example.com", name="Provider", is_provider=True)
        session.add_all([owner, provider])
        session.flush()
        shop = m.Shop(owner_id=owner.id, type=m.ShopType.personal, name="Shop")
        listing = m.Listing(
            slug="app",
            provider_id=provider.id,
            name="App",
            status=m.ListingStatus.live,
            pricing_model=m.PricingModel.monthly,
            price_fen=990,
        )
        session.add_all([shop, listing])
        session.flush()
        installation = m.Installation(
            shop_id=shop.id,
            plugin_id="app",
            version="1",
            kind="remote",
            listing_id=listing.id,
            granted_scopes=["shop:read"],
        )
        session.add(installation)
        session.flush()
        session.add(
            m.Subscription(
                installation_id=installation.id,
                listing_id=listing.id,
                shop_id=shop.id,
                current_period_end=utcnow() + timedelta(days=7),
            )
        )
        personal, oauth = new_token("tz_pat"), new_token("tz_oat")
        session.add(m.AccessToken(account_id=owner.id, token_hash=token_hash(personal)))
        session.add(
            m.AccessToken(
                token_hash=token_hash(oauth),
                kind="oauth",
                scopes=["shop:read"],
                shop_id=shop.id,
                installation_id=installation.id,
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        session.add_all(
            m.AccessToken(account_id=owner.id, token_hash=token_hash(new_token("tz_pat")))
            for _ in range(FILLER)
        )
        session.commit()
    return personal, oauth


#: The query the guard grew from, built once as the guard builds its own.
BARE_LOOKUP = (
    select(m.AccessToken, m.Account.is_admin)
    .outerjoin(m.Account, col(m.Account.id) == col(m.AccessToken.account_id))
    .where(col(m.AccessToken.token_hash) == bindparam("token_hash"))
)


def bare_lookup(session: Session, token: str) -> object:
    """The token row and the account's admin flag, no checks."""
    found = session.exec(BARE_LOOKUP, params={"token_hash": token_hash(token)}).first()
    assert found is not None
    return found


def per_lookup_us(
    engine: Engine, lookup: Callable[[Session, str], object], token: str, n: int
) -> float:
    """Microseconds per lookup over ``n`` lookups (each in its own read transaction)."""
    with Session(engine) as session:
        for _ in range(20):  # warm the connection and the statement caches
            lookup(session, token)
            session.rollback()
        start = time.perf_counter()
        for _ in range(n):
            lookup(session, token)
            session.rollback()
        return (time.perf_counter() - start) / n * 1e6


def compare(engine: Engine, token: str, n: int) -> tuple[float, float]:
    """Median guard and bare times over ``ROUNDS`` interleaved rounds (fair on a noisy box)."""
    guard, bare = [], []
    for _ in range(ROUNDS):
        bare.append(per_lookup_us(engine, bare_lookup, token, n))
        guard.append(per_lookup_us(engine, principal_from_token, token, n))
    return statistics.median(guard), statistics.median(bare)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else LOOKUPS
    with tempfile.TemporaryDirectory() as tmp, harness.database(tmp, "tokens") as url:
        engine = create_db_engine(Settings(env="test", data_dir=Path(tmp), database_url=url))
        personal, oauth = seed(engine)
        print(f"{harness.backends()}; {n} lookups x {ROUNDS}, {FILLER} other tokens")
        results = {}
        for name, token in (("personal", personal), ("oauth", oauth)):
            guard, bare = compare(engine, token, n)
            results[name] = guard / bare
            print(f"{name:>8}: guard {guard:.0f} us, bare {bare:.0f} us, ratio {guard / bare:.2f}")
        engine.dispose()
    print(harness.ratio_line("token lookup", max(results.values()), "guard/bare"))


if __name__ == "__main__":
    main()
