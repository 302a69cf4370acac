"""Loading: statuses, reasons, deterministic order, blocked ids, plugins.toml parsing."""

from __future__ import annotations

from pathlib import Path

from core.plugins.loading import PluginConfig, PluginStatus, load_all, read_config
from core.plugins.manager import PluginHost


def test_statuses_and_reasons(host: PluginHost) -> None:
    status = {p.id: (p.status, p.reason) for p in host.plugins.values()}
    assert status["recorder"][0] is PluginStatus.active
    assert status["future"][0] is PluginStatus.incompatible
    assert "needs Tanzi >=99" in status["future"][1]
    assert status["bad_manifest"][0] is PluginStatus.incompatible
    assert "invalid manifest" in status["bad_manifest"][1]
    assert status["not_there"][0] is PluginStatus.error
    assert "cannot import plugins.not_there" in status["not_there"][1]
    registered = {name for name, _ in host.pm.list_name_plugin()}
    assert {"recorder", "broken", "greedy"} <= registered
    assert not {"future", "bad_manifest", "not_there"} & registered


def test_order_is_deterministic(host: PluginHost) -> None:
    assert list(host.plugins) == [
        "recorder",
        "broken",
        "greedy",
        "future",
        "bad_manifest",
        "not_there",
    ]


def test_blocked() -> None:
    config = PluginConfig(
        load=("tests.plugins_host.sample_plugins.recorder",),
        blocked=frozenset({"recorder"}),
        entry_points=False,
    )
    host = PluginHost(load_all(config), config)
    assert host.plugins["recorder"].status is PluginStatus.blocked
    assert host.pm.get_plugin("recorder") is None


def test_read_config(tmp_path: Path) -> None:
    path = tmp_path / "plugins.toml"
    path.write_text(
        '[plugins]\nload = ["a.b"]\nblocked = ["x"]\n[host]\ntimeout_s = 9\n'
        '[limits."b"]\ntimeout_s = 2\n'
    )
    config = read_config(path)
    assert config.load == ("a.b",)
    assert config.blocked == frozenset({"x"})
    assert config.limits_for("b").timeout_s == 2
    assert config.limits_for("other").timeout_s == 9


def test_repository_plugins_toml_loads() -> None:
    config = read_config(Path(__file__).parents[2] / "plugins.toml")
    assert "plugins.shipping_insurance" in config.load
    PluginHost(load_all(config), config)  # whatever its state, the host starts
