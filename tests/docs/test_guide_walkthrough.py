"""The provider guide walked as a newcomer walks it, end to end, against a live Tanzi.

The first plugin's steps of ``docs/sdk/guide.md``, in order and in a temporary directory:
``setup.sh`` (``make install``, ``tanzi-sdk new``), the files the guide shows put where it
says, ``check.sh`` (pytest, validate, fire), ``dev.sh`` (``tanzi-sdk dev`` serving in a
process of its own with a fresh data directory, ``try_it.py``, ``fire --dev``), the listing
made in the provider console as the guide says, and ``submit.sh`` (token, submit). Each
shell file runs as written, in bash, with one change: port 8000 becomes a free port. The
"checkout" is the project's own Makefile, pyproject.toml and ``.venv``, so ``make install``
finds everything installed and the walk reuses that environment.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "sdk" / "guide.md"
FIRST_PLUGIN = ROOT / "docs_src" / "first_plugin"
SHOWN = re.compile(r"<!-- docs_src/first_plugin/(\S+) -->\n```")
GUIDE_PORT = "8000"
#: Every step must finish well within this (the sandbox tests take the longest).
STEP_TIMEOUT_S = 240


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def newcomer_env() -> dict[str, str]:
    """A shell as a newcomer opens it: no virtualenv active, no Tanzi settings, no test hooks."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TANZI_", "PYTEST_", "VIRTUAL_ENV"))
        and key not in ("PYTHONPATH", "COV_CORE_SOURCE")
    }
    bin_dir = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != bin_dir)
    return env


class Walk:
    """The newcomer's machine: a Tanzi checkout next to the plugin project the guide makes."""

    def __init__(self, root: Path, port: int) -> None:
        self.checkout = root / "tanzi"
        self.project = root / "acme_thanks"  # setup.sh: --dir ../acme_thanks
        self.port = port
        self.env = newcomer_env()
        self.checkout.mkdir()
        for name in ("Makefile", "pyproject.toml", ".venv"):
            (self.checkout / name).symlink_to(ROOT / name)

    def script(self, name: str) -> str:
        """A shell file of the guide, with the guide's port replaced by the free one."""
        text = (FIRST_PLUGIN / name).read_text(encoding="utf-8")
        return text.replace(GUIDE_PORT, str(self.port))

    def in_project(self, commands: str) -> str:
        """``commands`` in the terminal setup.sh left: the checkout's venv active, in the project."""
        activate = shlex.quote(str(self.checkout / ".venv" / "bin" / "activate"))
        return f"set -e\n. {activate}\ncd {shlex.quote(str(self.project))}\n{commands}"

    def run(self, commands: str, cwd: Path, extra_env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["bash", "-c", commands],
            cwd=cwd,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_S,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"{commands}\nexited {done.returncode}:\n{output}"
        return output

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def walk(tmp_path: Path) -> Iterator[Walk]:
    yield Walk(tmp_path, free_port())


def wait_until_serving(walk: Walk, server: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, f"tanzi-sdk dev stopped:\n{log.read_text()}"
        try:
            if httpx.get(f"{walk.base_url()}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(
        f"tanzi-sdk dev is not serving after {STEP_TIMEOUT_S}s:\n{log.read_text()}"
    )


def csrf(page: httpx.Response) -> str:
    """The form token of a page the browser loaded."""
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


@contextmanager
def browser_signed_in(walk: Walk, email: str, password: str) -> Iterator[httpx.Client]:
    """A browser session of the live Tanzi, signed in through its sign-in form."""
    with httpx.Client(base_url=walk.base_url(), timeout=30) as browser:
        signed_in = browser.post(
            "/signin",
            data={"email": email, "password": password, "csrf_token": csrf(browser.get("/signin"))},
        )
        assert signed_in.status_code == 303, signed_in.text
        yield browser


def create_listing(walk: Walk, slug: str, name: str) -> None:
    """What the guide has the provider do in the browser: sign in, then the new listing form
    with the plugin's id and a name (everything else as the form offers it)."""
    with browser_signed_in(walk, "provider@demo.tanzi", "demo-provider") as browser:
        form = browser.get("/provider/listings/new")
        made = browser.post(
            "/provider/listings",
            data={
                "slug": slug,
                "name": name,
                "category": "other",
                "pricing_model": "free",
                "price_fen": "0",
                "trial_days": "7",
                "csrf_token": csrf(form),
            },
        )
        assert (made.status_code, made.headers.get("location")) == (
            303,
            f"/provider/listings/{slug}",
        ), made.text


def approve(walk: Walk, version_id: int) -> None:
    """What the guide has the admin do: open the version in /admin and approve it."""
    with browser_signed_in(walk, "admin@demo.tanzi", "demo-admin") as browser:
        page = browser.get(f"/admin/versions/{version_id}")
        approved = browser.post(
            f"/admin/versions/{version_id}/approve", data={"csrf_token": csrf(page)}
        )
        assert (approved.status_code, approved.headers.get("location")) == (303, "/admin"), (
            approved.text
        )


def test_the_guides_placed_files_are_named_in_its_text() -> None:
    """The walk puts each file the guide shows at the path the guide names for it."""
    guide = GUIDE.read_text(encoding="utf-8")
    placed = [p for p in SHOWN.findall(guide) if not p.endswith(".sh")]
    assert sorted(placed) == [
        "acme_thanks/__init__.py",
        "pyproject.toml",
        "tests/test_acme_thanks.py",
        "tests/test_sandbox.py",
        "try_it.py",
    ]
    for relative in placed:
        assert f"`{relative}`" in guide, f"the guide never says where {relative} goes"
    assert all(GUIDE_PORT in (FIRST_PLUGIN / s).read_text() for s in ("dev.sh", "submit.sh"))


@pytest.mark.slow
def test_the_guide_works_end_to_end_as_written(walk: Walk, tmp_path: Path) -> None:
    # 1. Make the project (in the checkout)
    made = walk.run(walk.script("setup.sh"), cwd=walk.checkout)
    assert "created plugin acme_thanks" in made
    assert "Next: cd" in made and "pip install" not in made  # nothing to install here
    assert (walk.project / "tests" / "test_sandbox.py").is_file()

    # 2, 3. The files the guide shows, where it says to put them
    guide = GUIDE.read_text(encoding="utf-8")
    for relative in (p for p in SHOWN.findall(guide) if not p.endswith(".sh")):
        target = walk.project / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIRST_PLUGIN / relative, target)

    # 4. Check it
    checked = walk.run(walk.in_project(walk.script("check.sh")), cwd=walk.project)
    assert "5 passed" in checked and "failed" not in checked
    assert "✓ valid (0 warning(s))" in checked
    assert "Records written" in checked and "✓ done" in checked

    # 5. The local Tanzi: `tanzi-sdk dev` serves; try_it.py and fire --dev in another terminal
    serve, *others = walk.script("dev.sh").splitlines()
    assert serve.startswith("tanzi-sdk dev ")
    log = tmp_path / "dev.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            ["bash", "-c", walk.in_project(f"exec {serve}")],
            cwd=walk.project,
            env=walk.env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    try:
        wait_until_serving(walk, server, log)
        assert "acme_thanks installed in demo shop 1" in log.read_text()
        assert (walk.project / ".tanzi-dev" / "tanzi.db").is_file()  # a fresh data dir

        tried = walk.run(walk.in_project("\n".join(others)), cwd=walk.project)
        assert re.search(r"order \d+: \{'message': 'Thank you for your order!'", tried), tried
        assert "✓ delivered" in tried

        # 6. Submit it: the listing made in the console, then the guide's commands
        create_listing(walk, "acme_thanks", "Thank-you notes")
        submitted = walk.run(
            walk.in_project(walk.script("submit.sh")),
            cwd=walk.project,
            extra_env={"TANZI_PASSWORD": "demo-provider"},
        )
        assert "✓ submitted acme_thanks 0.1.0" in submitted, submitted
        assert "✗" not in submitted and "Automated checks: passed" in submitted

        token = httpx.post(
            f"{walk.base_url()}/api/v1/tokens",
            json={"email": "provider@demo.tanzi", "password": "demo-provider"},
        ).json()["token"]
        as_provider = {"Authorization": f"Bearer {token}"}
        version_url = f"{walk.base_url()}/api/v1/provider/listings/acme_thanks/versions/0.1.0"
        version = httpx.get(version_url, headers=as_provider)
        assert version.status_code == 200, version.text
        assert (version.json()["status"], version.json()["checks_passed"]) == ("submitted", True)

        # ... and the admin approves it, as the guide says
        approve(walk, version.json()["id"])
        listings = httpx.get(f"{walk.base_url()}/api/v1/provider/listings", headers=as_provider)
        [listing] = [x for x in listings.json()["items"] if x["slug"] == "acme_thanks"]
        assert (listing["status"], listing["live_version"]) == ("live", "0.1.0")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
