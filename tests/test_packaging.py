"""The ``tanzi`` wheel carries every file its packages need: templates, catalogs, static
files, migrations, the SDK's scaffold templates and ``py.typed``, not only the modules."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "marketplace", "plugins", "sdk")


@pytest.mark.slow
def test_the_wheel_holds_every_file_of_the_packages(tmp_path: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", *PACKAGES], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    data_files = {path for path in tracked if not path.endswith(".py")}
    assert any(path.endswith(".js") for path in data_files)  # the console's script, say
    # built from a clean copy of what git tracks: a build/ left in the checkout hides misses
    source = tmp_path / "source"
    everything = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for path in everything:
        if (ROOT / path).is_file():
            (source / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, source / path)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    [wheel] = wheels.glob("tanzi-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    assert sorted(data_files - shipped) == []
