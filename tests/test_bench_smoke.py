"""Every benchmark under ``bench/`` still runs to its last line (at a small N).

Each script runs as a subprocess with ``TANZI_BENCH_SMALL=1`` and must exit 0 with a last
line ``NAME: ratio R (...)``. The figures of a small run mean nothing and are not checked
against any aim (a benchmark is not a timed unit test); this only keeps a broken benchmark
from going unnoticed. On the PostgreSQL pass (``TANZI_TEST_DATABASE_URL``) the benchmarks
run on that server too, each in a database of its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
#: each script and the name its last line starts with
SCRIPTS = {
    "assessment.py": "assessment",
    "console.py": "console",
    "events.py": "events",
    "exports.py": "exports",
    "hooks.py": "hooks",
    "imports.py": "imports",
    "labels.py": "labels",
    "orders.py": "orders",
    "pages.py": "pages",
    "product_batch.py": "product batch",
    "scale.py": "scale",
    "sync.py": "sync",
    "token_lookup.py": "token lookup",
    "webhooks.py": "webhooks",
    "zpl.py": "zpl",
}
LAST_LINE = re.compile(r"^(?P<name>[a-z ]+): ratio (?P<ratio>\d+\.\d\d) \([^()]+\)$")


def test_every_benchmark_is_listed() -> None:
    """A new script under bench/ is smoke-tested too (the harness is not a benchmark)."""
    found = {p.name for p in BENCH.glob("*.py")} - {"harness.py"}
    assert found == set(SCRIPTS)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_benchmark_runs_to_its_last_line(script: str) -> None:
    env = {**os.environ, "TANZI_BENCH_SMALL": "1"}
    env.pop("TANZI_BENCH_QUEUE_URL", None)
    database = os.environ.get("TANZI_TEST_DATABASE_URL", "")
    if database:
        env["TANZI_BENCH_DATABASE_URL"] = database
    else:
        env.pop("TANZI_BENCH_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(BENCH / script)],
        cwd=BENCH.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-3000:]
    last = LAST_LINE.match(lines[-1])
    assert last is not None, lines[-1]
    assert last["name"] == SCRIPTS[script]
    assert float(last["ratio"]) > 0
