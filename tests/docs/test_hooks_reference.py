"""docs/sdk/hooks.md is generated from the hook specs, and says what the specs say."""

from __future__ import annotations

import inspect
from pathlib import Path

import pluggy
import pytest

from scripts import gen_hooks_reference as gen
from sdk import hookspecs
from sdk._markers import PROJECT_NAME
from sdk.events import EVENT_TYPES, Event
from sdk.scopes import SCOPES

REFERENCE = gen.OUTPUT


def spec_callers() -> dict[str, pluggy.HookCaller]:
    """Every hook as the host's plugin manager sees it."""
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return {name: caller for name, caller in vars(manager.hook).items() if not name.startswith("_")}


def test_the_reference_is_up_to_date() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == gen.render(), (
        f"docs/sdk/hooks.md is out of date with sdk/hookspecs.py; regenerate it: {gen.COMMAND}"
    )


def test_every_hook_is_documented_with_its_exact_signature_and_kind() -> None:
    page = REFERENCE.read_text(encoding="utf-8")
    callers = spec_callers()
    assert len(callers) == len(gen.hook_docs()) >= 20
    for name, caller in callers.items():
        assert caller.spec is not None
        function = caller.spec.function
        params = ", ".join(
            f"{p.name}: {p.annotation}" for p in inspect.signature(function).parameters.values()
        )
        returns = inspect.signature(function).return_annotation
        section = page.split(f"\n### {name}\n", 1)[1].split("\n### ", 1)[0]
        assert f"```python\n{name}({params}) -> {returns}\n```" in section
        kind = "event" if name in EVENT_TYPES else "decision"
        kind = "registration" if name.startswith("register_") else kind
        firstresult = ", first result wins" if caller.spec.opts.get("firstresult") else ""
        assert f"*{kind}{firstresult}*" in section
        for line in (inspect.getdoc(function) or "").splitlines():
            if line.startswith(("Runs:", "Scopes:", "Returns:")):
                label, text = line.split(":", 1)
                assert f"**{label}:** {gen.rst_to_md(text.strip())}" in section


def test_every_event_hook_links_its_payload_model() -> None:
    page = REFERENCE.read_text(encoding="utf-8")
    for name, model in EVENT_TYPES.items():
        section = page.split(f"\n### {name}\n", 1)[1].split("\n### ", 1)[0]
        assert f"Types: [`{model.__name__}`](#{model.__name__.lower()})" in section
        assert f"\n### {model.__name__}\n" in page
        own = page.split(f"\n### {model.__name__}\n", 1)[1].split("\n### ", 1)[0]
        for field in set(model.model_fields) - set(Event.model_fields):
            assert f"| `{field}` |" in own


def test_every_scope_is_in_the_table_in_the_merchants_words() -> None:
    table = REFERENCE.read_text(encoding="utf-8").split("\n## Scopes\n", 1)[1]
    for scope, words in SCOPES.items():
        assert f"| `{scope.value}` | {words} |" in table
    orders_read = next(line for line in table.splitlines() if "| `orders:read` |" in line)
    assert "`client.orders.get`" in orders_read
    assert "[`order_paid`](#order_paid)" in orders_read


def test_check_says_how_to_regenerate_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "hooks.md"
    stale.write_text(gen.render().replace("A product was created.", "Something happened."))
    assert gen.main(["--check", "--output", str(stale)]) == 1
    assert gen.COMMAND in capsys.readouterr().out
    assert gen.main(["--output", str(stale)]) == 0
    assert gen.main(["--check", "--output", str(stale)]) == 0
    assert stale.read_text() == REFERENCE.read_text(encoding="utf-8")
