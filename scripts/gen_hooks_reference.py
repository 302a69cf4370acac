"""Write docs/sdk/hooks.md, the hooks reference, from the SDK's own code.

Every hook specification in ``sdk/hookspecs.py`` (its group, kind, signature and
docstring), the payload models the hooks take and return (``sdk/events.py``,
``sdk/models.py``), and the scopes of ``sdk/scopes.py`` with the client calls and hooks
that need each. The reference cannot drift from the specs: ``tests/docs`` fails when the
file differs from what this script writes.

    .venv/bin/python scripts/gen_hooks_reference.py          # (re)write docs/sdk/hooks.md
    .venv/bin/python scripts/gen_hooks_reference.py --check  # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sdk import client as client_module
from sdk import hookspecs
from sdk._markers import PROJECT_NAME
from sdk.events import EVENT_TYPES, Event
from sdk.scopes import SCOPES, Scope

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "sdk" / "hooks.md"
COMMAND = ".venv/bin/python scripts/gen_hooks_reference.py"
_BANNER = re.compile(r"^# -{20,}\n# (?P<title>[^\n]+)\n# -{20,}$", re.M)
_ROLE = re.compile(r":\w+:`~?(?:[\w.]*\.)?([\w]+)`")
_FIELD = re.compile(r"^(?::param (?P<param>\w+):|(?P<label>Runs|Scopes|Returns):)\s*(?P<text>.*)")
_SCOPE_IN_DOC = re.compile(r"Scope: ``([a-z]+:[a-z]+)``")
_QUALIFIED = re.compile(r"\b(?:[a-z_][\w]*\.)+([A-Za-z_]\w*)")


@dataclass
class HookDoc:
    """One hook specification, as the reference shows it."""

    name: str
    group: str
    kind: str
    firstresult: bool
    signature: str
    summary: str
    params: list[tuple[str, str]] = field(default_factory=list)
    contract: list[tuple[str, str]] = field(default_factory=list)
    models: list[type[BaseModel]] = field(default_factory=list)


def kind_of(name: str) -> str:
    """``event`` (worker, after commit), ``decision`` (in the request) or ``registration``."""
    if name in EVENT_TYPES:
        return "event"
    return "registration" if name.startswith("register_") else "decision"


def rst_to_md(text: str) -> str:
    """Docstring markup as Markdown: ``:class:`~a.B``` and ````x```` become `` `B` ``/`` `x` ``."""
    return _ROLE.sub(r"`\1`", text).replace("``", "`")


def signature_of(function: Callable[..., Any]) -> str:
    """``name(arg: Type, ...) -> Return``, with the annotations as written in the spec."""
    sig = inspect.signature(function)
    params = ", ".join(
        f"{p.name}: {p.annotation}" if p.annotation is not inspect.Parameter.empty else p.name
        for p in sig.parameters.values()
    )
    return f"{function.__name__}({params}) -> {sig.return_annotation}"


def _groups(source: str) -> list[tuple[int, str]]:
    """``(line number, title)`` of every banner comment in ``source``."""
    return [
        (source.count("\n", 0, match.start()) + 2, match.group("title").strip())
        for match in _BANNER.finditer(source)
    ]


def _split_docstring(doc: str) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """The prose, the ``:param:`` items and the ``Runs:/Scopes:/Returns:`` contract."""
    prose: list[str] = []
    params: list[tuple[str, str]] = []
    contract: list[tuple[str, str]] = []
    current: list[tuple[str, str]] | None = None
    for line in doc.splitlines():
        match = _FIELD.match(line.strip())
        if match:
            current = params if match.group("param") else contract
            current.append((match.group("param") or match.group("label"), match.group("text")))
        elif current is not None and line.strip():
            label, text = current[-1]
            current[-1] = (label, f"{text} {line.strip()}")
        elif current is None:
            prose.append(line)
        else:
            current = None
    return "\n".join(prose).strip(), params, contract


def _models_in(annotation: str) -> Iterator[type[BaseModel]]:
    """The SDK models an annotation written in ``sdk/hookspecs.py`` names."""
    for name in re.findall(r"\b[A-Z]\w*", annotation):
        value = getattr(hookspecs, name, None)
        if isinstance(value, type) and issubclass(value, BaseModel):
            yield value


def hook_docs() -> list[HookDoc]:
    """Every hook specification, in the order of ``sdk/hookspecs.py``."""
    source = Path(inspect.getfile(hookspecs)).read_text(encoding="utf-8")
    groups = _groups(source)
    found: list[tuple[int, HookDoc]] = []
    for name, function in vars(hookspecs).items():
        options = getattr(function, f"{PROJECT_NAME}_spec", None)
        if not inspect.isfunction(function) or options is None:
            continue
        line = inspect.getsourcelines(function)[1]
        group = next((title for start, title in reversed(groups) if start <= line), "")
        summary, params, contract = _split_docstring(inspect.getdoc(function) or "")
        sig = inspect.signature(function)
        annotations = [str(p.annotation) for p in sig.parameters.values()]
        models: list[type[BaseModel]] = []
        for annotation in [*annotations, str(sig.return_annotation)]:
            models.extend(m for m in _models_in(annotation) if m not in models)
        found.append(
            (
                line,
                HookDoc(
                    name=name,
                    group=group,
                    kind=kind_of(name),
                    firstresult=bool(options.get("firstresult")),
                    signature=signature_of(function),
                    summary=summary,
                    params=params,
                    contract=contract,
                    models=models,
                ),
            )
        )
    return [doc for _, doc in sorted(found, key=lambda item: item[0])]


# --- models --------------------------------------------------------------------------------


def type_name(annotation: Any) -> str:
    """A field's type as a reader writes it: ``list[Sku]``, ``datetime | None``."""
    if isinstance(annotation, type) and not isinstance(annotation, types.GenericAlias):
        return annotation.__name__
    return _QUALIFIED.sub(r"\1", str(annotation)).replace("NoneType", "None")


def _nested(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            current = stack.pop()
            if isinstance(current, type) and issubclass(current, BaseModel):
                yield current
            stack.extend(get_args(current))


def all_models(hooks: list[HookDoc]) -> list[type[BaseModel]]:
    """The models hooks name, then the models inside them, each once, first use first."""
    ordered: list[type[BaseModel]] = []
    pending = [m for hook in hooks for m in hook.models]
    while pending:
        model = pending.pop(0)
        if model in ordered:
            continue
        if issubclass(model, Event) and Event not in ordered:
            ordered.append(Event)  # the envelope, before the first event that has it
        ordered.append(model)
        pending.extend(m for m in _nested(model) if m not in ordered)
    return ordered


def _cell(text: str) -> str:
    """``text`` in a table cell: a pipe, even in code, must be escaped (GFM)."""
    return text.replace("|", "\\|")


def _default(info: Any) -> str:
    if info.default_factory is not None:
        return f"`{info.default_factory()!r}`"
    if info.default is PydanticUndefined:
        return "required"
    return f"`{info.default!r}`"


def _doc_line(model: type[BaseModel]) -> str:
    doc = model.__doc__ or ""
    if not doc or doc == BaseModel.__doc__:
        return ""
    return " ".join(rst_to_md(inspect.cleandoc(doc)).split())


def render_model(model: type[BaseModel]) -> list[str]:
    """A model's heading, docstring and fields table (an event's own fields only)."""
    lines = [f"### {model.__name__}", ""]
    doc = _doc_line(model)
    if doc:
        lines += [doc, ""]
    fields = dict(model.model_fields)
    if issubclass(model, Event) and model is not Event:
        lines += ["With the [`Event`](#event) envelope, and:", ""]
        fields = {k: v for k, v in fields.items() if k not in Event.model_fields}
    lines += ["| field | type | default |", "|---|---|---|"]
    lines += [
        f"| `{name}` | `{_cell(type_name(info.annotation))}` | {_cell(_default(info))} |"
        for name, info in fields.items()
    ]
    return [*lines, ""]


# --- scopes --------------------------------------------------------------------------------


def client_calls() -> dict[str, list[str]]:
    """``scope -> ["client.orders.get", ...]``, from the ``ShopClient`` protocol's docstrings."""
    calls: dict[str, list[str]] = {}
    for namespace, member in vars(client_module.ShopClient).items():
        if not isinstance(member, property) or member.fget is None:
            continue
        protocol = getattr(client_module, str(member.fget.__annotations__["return"]))
        for method_name, method in vars(protocol).items():
            if method_name.startswith("_") or not callable(method):
                continue
            for scope in _SCOPE_IN_DOC.findall(method.__doc__ or ""):
                calls.setdefault(scope, []).append(f"`client.{namespace}.{method_name}`")
    return calls


def hooks_by_scope(hooks: list[HookDoc]) -> dict[str, list[str]]:
    """``scope -> ["order_paid", ...]``: the hooks whose ``Scopes:`` line names it."""
    found: dict[str, list[str]] = {}
    for hook in hooks:
        text = " ".join(t for label, t in hook.contract if label == "Scopes")
        for scope in dict.fromkeys(re.findall(r"\b[a-z]+:[a-z]+\b", text)):
            found.setdefault(scope, []).append(f"[`{hook.name}`](#{hook.name})")
    return found


def render_scopes(hooks: list[HookDoc]) -> list[str]:
    calls = client_calls()
    by_hook = hooks_by_scope(hooks)
    lines = [
        "## Scopes",
        "",
        "What each scope lets a service do, in the words merchants read on the consent "
        "screen (`sdk.scopes.SCOPES`); the client calls that need it (`sdk/client.py`); and "
        "the hooks whose `Scopes:` line names it. `client.records` needs no scope.",
        "",
        "| scope | merchants read | client calls | hooks |",
        "|---|---|---|---|",
    ]
    for scope in Scope:
        lines.append(
            f"| `{scope.value}` | {SCOPES[scope]} | {', '.join(calls.get(scope.value, [])) or '-'}"
            f" | {', '.join(by_hook.get(scope.value, [])) or '-'} |"
        )
    return [*lines, ""]


# --- the page ------------------------------------------------------------------------------


def _model_link(model: type[BaseModel]) -> str:
    return f"[`{model.__name__}`](#{model.__name__.lower()})"


def render_hook(hook: HookDoc) -> list[str]:
    kind = hook.kind + (", first result wins" if hook.firstresult else "")
    lines = [f"### {hook.name}", "", f"*{kind}*", "", "```python", hook.signature, "```", ""]
    lines += [rst_to_md(hook.summary), ""]
    if hook.params:
        lines += [f"- `{name}`: {rst_to_md(text)}" for name, text in hook.params] + [""]
    if hook.contract:
        lines += [f"- **{label}:** {rst_to_md(text)}" for label, text in hook.contract] + [""]
    if hook.models:
        lines += ["Types: " + ", ".join(_model_link(m) for m in hook.models), ""]
    return lines


def render() -> str:
    """The whole reference page."""
    hooks = hook_docs()
    lines = [
        "<!-- Generated from sdk/hookspecs.py, sdk/events.py, sdk/models.py, sdk/client.py and",
        f"     sdk/scopes.py; do not edit. Regenerate with: {COMMAND} -->",
        "",
        "# Hooks reference",
        "",
        rst_to_md(inspect.getdoc(hookspecs) or ""),
        "",
        "Kinds: an **event** runs in the job worker after the change committed, at least once "
        "(dedupe on `event.event_id`); a **decision** runs inside the request under a time "
        "budget, with the kernel's answer as fallback; a **registration** adds routes, "
        "carriers, importers or console actions. The [guide](guide.md) shows how to write one.",
        "",
        "| hook | kind | group | types |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| [`{h.name}`](#{h.name}) | {h.kind} | {h.group} | "
        f"{', '.join(_model_link(m) for m in h.models) or '-'} |"
        for h in hooks
    ]
    lines.append("")
    group = None
    for hook in hooks:
        if hook.group != group:
            group = hook.group
            lines += [f"## {group}", ""]
        lines += render_hook(hook)
    lines += render_scopes(hooks)
    lines += ["## Types", ""]
    for model in all_models(hooks):
        lines += render_model(model)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the file is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where the page goes")
    args = parser.parse_args(argv)
    page = render()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != page:
            print(f"{args.output} is out of date with the hook specs; run: {COMMAND}")
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(page, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
