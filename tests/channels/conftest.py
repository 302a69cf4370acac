"""A real django-oscar shop for the channel tests, started as its own process.

Session-scoped: the shop's database is migrated into a temporary folder (Oscar's
migrations take a minute, so the migrated database is kept in pytest's cache, keyed by the
installed Django, Oscar and oscarapi versions and this site's code, and copied from there
next time), the fixture command adds the admin user, partner and product class, and
``runserver`` serves it on a free port until the session ends. Tests keep apart by using
SKU codes of their own.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from plugins.catalog_sync.oscar import OscarChannel

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.channels.oscar_site.settings"
SITE_CODE = Path(__file__).resolve().parent / "oscar_site"
DATABASE = "oscar.sqlite3"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class OscarSite:
    """The running Oscar shop: where it is, its admin's credentials, start and stop."""

    folder: Path
    port: int
    token: str
    username: str
    password: str
    partner_id: int
    product_class: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def channel(self, **credentials: str) -> OscarChannel:
        """An adapter to this shop, with the admin's token unless other credentials."""
        return OscarChannel(
            self.base_url,
            partner_id=self.partner_id,
            product_class=self.product_class,
            **(credentials or {"token": self.token}),
        )

    def start(self) -> None:
        """Serve the shop (threaded ``runserver``) and wait until its API answers."""
        log = (self.folder / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=_site_env(self.folder),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Oscar stopped: see {self.folder / 'server.log'}")
            try:
                if httpx.get(f"{self.base_url}/api/", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("Oscar did not answer within 60 s")

    def stop(self) -> None:
        """Stop the shop's process (its database stays)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def _site_env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "OSCAR_SITE_DIR": str(folder),
        "PYTHONPATH": str(ROOT),
    }


def _manage(folder: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env=_site_env(folder),
        capture_output=True,
        text=True,
        timeout=240,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _cache_key() -> str:
    """What the migrated database depends on: the packages and this site's code."""
    digest = hashlib.sha256()
    for package in ("Django", "django-oscar", "django-oscar-api", "djangorestframework"):
        digest.update(f"{package}=={version(package)};".encode())
    for source in sorted(SITE_CODE.rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _prepared_site(folder: Path, cache: Path) -> dict[str, object]:
    """Migrate and fill ``folder`` (or copy the cached result); the fixture command's JSON."""
    cached = cache / _cache_key()
    if (cached / "made.json").exists():
        for database_file in cached.glob(f"{DATABASE}*"):
            shutil.copy2(database_file, folder / database_file.name)
        return dict(json.loads((cached / "made.json").read_text()))
    _manage(folder, "migrate", "--noinput")
    made = json.loads(_manage(folder, "oscar_channel_fixture").strip().splitlines()[-1])
    staging = cache / f"{cached.name}.{os.getpid()}"
    staging.mkdir(parents=True, exist_ok=True)
    for database_file in folder.glob(f"{DATABASE}*"):
        shutil.copy2(database_file, staging / database_file.name)
    (staging / "made.json").write_text(json.dumps(made))
    try:
        staging.rename(cached)  # another test process may have been first: keep theirs
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return dict(made)


@pytest.fixture(scope="session")
def oscar_site(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[OscarSite]:
    """The Oscar shop, migrated and running for the whole session."""
    pytest.importorskip("oscar", reason="the catalog_sync extra (django-oscar) is not installed")
    folder = tmp_path_factory.mktemp("oscar_site")
    assert pytestconfig.cache is not None
    made = _prepared_site(folder, pytestconfig.cache.mkdir("oscar_site"))
    site = OscarSite(folder=folder, port=_free_port(), **made)
    site.start()
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture
def oscar(oscar_site: OscarSite) -> Iterator[OscarSite]:
    """The running shop; a test that stops it finds it started again for the next."""
    if not oscar_site.running:
        oscar_site.start()
    yield oscar_site
    if not oscar_site.running:
        oscar_site.start()
