"""Find the plugin a command is about: a project directory, a package, a file or a module.

``PATH`` arguments of ``tanzi-sdk`` accept any of:

- a project directory with a ``pyproject.toml`` naming the plugin module under the
  ``tanzi.plugins`` entry-point group (what ``tanzi-sdk new`` makes), or holding one package;
- a package directory (with ``__init__.py``) or a ``.py`` file;
- a dotted module name that is importable (from the current directory or installed).
"""

from __future__ import annotations

import importlib
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ENTRY_POINT_GROUP = "tanzi.plugins"
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class PluginNotFound(Exception):
    """``PATH`` names no plugin this tool can import."""


@dataclass(frozen=True)
class PluginTarget:
    """Where a plugin is: its module and the directory that must be on ``sys.path``."""

    module_name: str
    import_root: Path
    project_dir: Path | None = None

    @property
    def files(self) -> list[Path]:
        """The plugin's own Python files: its module, or every module of its package."""
        base = self.import_root.joinpath(*self.module_name.split("."))
        if base.is_dir():
            return sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)
        single = base.with_suffix(".py")
        return [single] if single.is_file() else []


def locate(spec: str = ".") -> PluginTarget:
    """The plugin that ``spec`` (a path or a module name) names.

    :raises PluginNotFound: with a sentence saying what was looked for.
    """
    path = Path(spec)
    if path.is_dir():
        path = path.resolve()
        if (path / "pyproject.toml").is_file():
            return _from_project(path)
        if (path / "__init__.py").is_file():
            return _from_file_tree(path)
        raise PluginNotFound(f"{spec} holds neither a pyproject.toml nor an __init__.py")
    if path.suffix == ".py":
        if not path.is_file():
            raise PluginNotFound(f"{spec} does not exist")
        return _from_file_tree(path.resolve())
    if _DOTTED.match(spec):
        return PluginTarget(module_name=spec, import_root=Path.cwd())
    raise PluginNotFound(f"{spec} is neither a directory, a .py file nor a module name")


def _from_file_tree(path: Path) -> PluginTarget:
    """A package directory or a module file, named by walking up through packages."""
    if path.name == "__init__.py":
        path = path.parent
    parts = [path.stem if path.is_file() else path.name]
    parent = path.parent
    while (parent / "__init__.py").is_file():
        parts.insert(0, parent.name)
        parent = parent.parent
    return PluginTarget(module_name=".".join(parts), import_root=parent)


def _from_project(project: Path) -> PluginTarget:
    data = tomllib.loads((project / "pyproject.toml").read_text())
    points = data.get("project", {}).get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    root = project / "src" if (project / "src").is_dir() else project
    if points:
        modules = sorted({str(v).split(":")[0] for v in points.values()})
        if len(modules) > 1:
            raise PluginNotFound(
                f"{project / 'pyproject.toml'} lists several plugins ({', '.join(modules)}); "
                "name one module instead of the project"
            )
        return PluginTarget(module_name=modules[0], import_root=root, project_dir=project)
    packages = sorted(
        p.name
        for p in root.iterdir()
        if (p / "__init__.py").is_file() and p.name not in ("tests", "test", "docs")
    )
    if len(packages) != 1:
        raise PluginNotFound(
            f'{project / "pyproject.toml"} has no [project.entry-points."{ENTRY_POINT_GROUP}"] '
            f"entry and {len(packages)} packages; add the entry point or name the module"
        )
    return PluginTarget(module_name=packages[0], import_root=root, project_dir=project)


def import_plugin(target: PluginTarget) -> ModuleType:
    """Import the plugin's module with its root first on ``sys.path``; errors propagate."""
    root = str(target.import_root)
    if root not in sys.path:
        sys.path.insert(0, root)
    importlib.invalidate_caches()
    return importlib.import_module(target.module_name)
