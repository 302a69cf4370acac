"""The Standard Webhooks reference libraries as receivers: each runs in its own process
(``receivers/python_receiver.py`` on PyPI's ``standardwebhooks``, ``js/receiver.mjs`` on
npm's) on a free loopback port, verifies what Tanzi delivers, and reports what it got."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).parent
JS_DIR = HERE / "js"
LANGUAGES = ("python", "javascript")


@dataclass
class ReferenceReceiver:
    """A running reference receiver: where it listens and what it received."""

    language: str
    url: str

    def received(self) -> list[dict[str, Any]]:
        """Each request: ``headers``, raw ``body``, and per secret ``results`` ("ok" or why not)."""
        return httpx.get(self.url, timeout=5).json()

    def post(self, body: str, headers: dict[str, str]) -> httpx.Response:
        """Send a request of the test's own making (a tampered copy of a delivery)."""
        return httpx.post(self.url, content=body.encode(), headers=headers, timeout=5)


def _command(language: str) -> list[str]:
    if language == "python":
        return [sys.executable, str(HERE / "receivers" / "python_receiver.py")]
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: no JavaScript receiver")
    if not (JS_DIR / "node_modules" / "standardwebhooks").is_dir():
        pytest.fail(
            "The npm package is missing: run `make js-receivers` (npm ci in tests/webhooks/js)."
        )
    return [node, str(JS_DIR / "receiver.mjs")]


@contextmanager
def reference_receiver(language: str, secrets: list[str]) -> Iterator[ReferenceReceiver]:
    """Start the ``language`` receiver verifying with ``secrets`` (it answers 200 when the
    first one verifies); stop it on the way out."""
    env = {**os.environ, "WEBHOOK_SECRETS": " ".join(secrets)}
    process = subprocess.Popen(
        _command(language), cwd=HERE, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        line = process.stdout.readline()
        while not line.startswith("listening ") and time.monotonic() < deadline:
            assert process.poll() is None, f"the {language} receiver exited"
            line = process.stdout.readline()
        port = int(line.split()[1])
        yield ReferenceReceiver(language, f"http://127.0.0.1:{port}/webhooks")
    finally:
        process.terminate()
        process.wait(timeout=10)
