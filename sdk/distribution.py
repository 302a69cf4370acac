"""The SDK as a distribution of its own, ``tanzi-sdk``, for providers who need no host.

The SDK ships inside the ``tanzi`` distribution; this writes a project that holds only the
``sdk`` package and its dependencies, which ``pip install`` (or ``pip wheel``) takes as is::

    python -m sdk.distribution build/tanzi-sdk     # then: pip install build/tanzi-sdk

A provider's environment with only this installed has no ``core``: everything but
``tanzi-sdk dev`` and the sandbox fixtures of :mod:`sdk.pytest_plugin` works there.
"""

from __future__ import annotations

import shutil
import sys
from importlib import metadata
from pathlib import Path

#: What the SDK imports at run time (and pytest, for providers' tests and its plugin).
DEPENDENCIES: tuple[str, ...] = (
    "pluggy>=1.5",
    "pydantic>=2.7",
    "packaging>=24",
    "httpx>=0.27",
    "authlib>=1.3",
    "typer>=0.12",
    "rich>=13",
    "jinja2>=3.1",
    "pytest>=8",
)
#: Optional extras: ``tanzi-sdk[remote]`` adds what :mod:`sdk.remote.fastapi` imports.
EXTRAS: dict[str, tuple[str, ...]] = {"remote": ("fastapi>=0.115",)}
_SDK_DIR = Path(__file__).resolve().parent


def sdk_version() -> str:
    """The version of the ``tanzi`` distribution the SDK comes from (``0.1.0`` when the
    source is not installed)."""
    try:
        return metadata.version("tanzi")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def write_project(destination: Path, *, version: str | None = None) -> Path:
    """Write the ``tanzi-sdk`` project (``pyproject.toml``, ``README.md``, ``sdk/``) into
    ``destination``, replacing an ``sdk/`` already there; returns ``destination``."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    destination.mkdir(parents=True, exist_ok=True)
    package = destination / "sdk"
    if package.exists():
        shutil.rmtree(package)
    shutil.copytree(_SDK_DIR, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = Environment(
        loader=PackageLoader("sdk.cli", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    pyproject = env.get_template("sdk_pyproject.toml.j2").render(
        version=version or sdk_version(), dependencies=DEPENDENCIES, extras=EXTRAS
    )
    (destination / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (destination / "README.md").write_text(
        "# tanzi-sdk\n\nThe Tanzi provider SDK: write, test and publish Tanzi plugins. "
        "Start with `tanzi-sdk new my_plugin`.\n",
        encoding="utf-8",
    )
    return destination


def main(argv: list[str] | None = None) -> int:
    """``python -m sdk.distribution DESTINATION``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m sdk.distribution DESTINATION", file=sys.stderr)
        return 2
    print(write_project(Path(args[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
