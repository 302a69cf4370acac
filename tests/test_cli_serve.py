"""``tanzi serve --workers N``: the supervisor gives a web process time to start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from core.cli import app as cli


def test_serve_gives_each_web_process_longer_than_a_slow_start_to_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's supervisor kills a web process that does not answer its health ping within
    ``timeout_worker_healthcheck`` (5 s unless told). Importing the app takes longer than
    that on a busy 2-core machine, so ``--workers 2`` kept killing and replacing processes
    that were still starting (bench/scale.py found it); serve passes a longer wait."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    env = {
        "TANZI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "TANZI_DATA_DIR": str(tmp_path),
        "TANZI_SECRET_KEY": "test-secret-key",
    }
    result = CliRunner().invoke(
        cli, ["serve", "--workers", "2", "--no-embedded-worker", "--port", "1"], env=env
    )
    assert result.exit_code == 0, result.output
    assert seen["workers"] == 2
    assert seen.get("timeout_worker_healthcheck", 5) >= 30
