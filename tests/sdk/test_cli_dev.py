"""``tanzi-sdk dev``: a local Tanzi whose demo shop has the plugin under development."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, create_engine, select

from core.demo import DEMO_PEOPLE
from core.models import Account, Delivery, Installation, Order, OutboxEvent, PluginRecord, Shop
from sdk.cli.devhost import DevError, prepare
from sdk.cli.project import locate
from tests.sdk.cli_plugins import GOOD, assert_ok, exit_code, imports_restored, run
from tests.sdk.cli_plugins import write_module as write

KEYS = (
    "TANZI_ENV",
    "TANZI_DATA_DIR",
    "TANZI_DATABASE_URL",
    "TANZI_QUEUE_URL",
    "TANZI_PLUGINS_FILE",
    "PYTHONPATH",
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``dev`` sets TANZI_* for the host it runs; put them back afterwards."""
    for key in KEYS:
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    with imports_restored(tmp_path):
        yield


def installations(data_dir: Path) -> list[tuple[str, str, list[str], str]]:
    engine = create_engine(f"sqlite:///{data_dir / 'tanzi.db'}")
    try:
        with Session(engine) as session:
            merchant = session.exec(select(Account).where(Account.email == DEMO_PEOPLE[1][1])).one()
            shops = session.exec(select(Shop.id).where(Shop.owner_id == merchant.id)).all()
            rows = session.exec(
                select(Installation)
                .where(col(Installation.shop_id).in_(shops))
                .order_by(col(Installation.id))
            ).all()
            return [
                (r.plugin_id, str(r.status.value), list(r.granted_scopes), str(r.shop_id))
                for r in rows
            ]
    finally:
        engine.dispose()


def test_prepare_installs_the_plugin_in_the_demo_shop(tmp_path: Path) -> None:
    path = write(tmp_path, "dev_notes", GOOD)
    data_dir = tmp_path / "dev-data"
    prepared = prepare(locate(str(path)), data_dir)
    assert prepared.plugin_id == "dev_notes"
    assert (
        (data_dir / "plugins.toml")
        .read_text()
        .endswith('[plugins]\nload = ["dev_notes"]\nentry_points = false\n')
    )
    assert prepared.env["TANZI_PLUGINS_FILE"] == str(data_dir / "plugins.toml")
    assert prepared.env["PYTHONPATH"].split(":")[0] == str(tmp_path)
    assert installations(data_dir) == [
        ("dev_notes", "enabled", ["orders:read"], str(prepared.shop_id))
    ]
    again = prepare(locate(str(path)), data_dir)  # a second run keeps the world as it is
    assert again.installation_id == prepared.installation_id
    assert len(installations(data_dir)) == 1


def test_a_plugin_the_host_refuses_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "dev_future", GOOD.replace('">=0.1"', '">=99"'))
    with pytest.raises(DevError, match=r"did not admit dev_future \(incompatible\): needs Tanzi"):
        prepare(locate(str(path)), tmp_path / "dev-data")
    result = run("dev", "--plugin", str(path), "--data-dir", str(tmp_path / "dev-data"))
    assert exit_code(result) == 1
    assert "needs Tanzi >=99" in result.output


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_dev_serves_the_demo_with_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append({"app": app, **kw}))
    path = write(tmp_path, "dev_served", GOOD)
    data_dir = tmp_path / "dev-data"
    port = _free_port()  # dev checks the port is free before it serves
    result = run("dev", "--plugin", str(path), "--port", str(port), "--data-dir", str(data_dir))
    out = assert_ok(result)
    assert "dev_served installed in demo shop" in out
    assert "merchant@demo.tanzi" in out  # the demo sign-ins, printed by tanzi serve
    assert [(s["app"], s["port"], s["factory"]) for s in served] == [
        ("marketplace.app:create_app", port, True)
    ]
    assert installations(data_dir)[0][:2] == ("dev_served", "enabled")


def test_dev_without_the_host_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sdk.host.entry_points", lambda group: [])  # only the SDK installed
    path = write(tmp_path, "dev_hostless", GOOD)
    result = run("dev", "--plugin", str(path), "--data-dir", str(tmp_path / "d"))
    assert exit_code(result) == 2
    assert "needs the host installed: pip install tanzi" in result.output
    assert not (tmp_path / "d").exists()


def test_fire_dev_delivers_an_event_through_the_local_host(tmp_path: Path) -> None:
    path = write(tmp_path, "dev_fired", GOOD)
    data_dir = tmp_path / "dev-data"
    args = ("fire", "order_paid", "--dev", "--plugin", str(path), "--data-dir", str(data_dir))
    out = assert_ok(run(*args))
    assert "to demo shop" in out and "(order " in out
    assert "✓ delivered (attempt 1)" in out
    engine = create_engine(f"sqlite:///{data_dir / 'tanzi.db'}")
    try:
        with Session(engine) as session:
            fired = session.exec(
                select(OutboxEvent)
                .where(OutboxEvent.name == "order_paid")
                .order_by(col(OutboxEvent.id).desc())
            ).first()
            assert fired is not None
            delivery = session.exec(
                select(Delivery).where(Delivery.event_id == fired.event_id)
            ).one()
            assert delivery.plugin_id == "dev_fired" and delivery.status == "delivered"
            note = session.exec(
                select(PluginRecord).where(PluginRecord.key == str(fired.resource_id))
            ).one()  # the hook read the demo shop's real order through its scoped client
            order = session.get(Order, fired.resource_id)
            assert order is not None and note.data == {"total_fen": order.total_fen}
    finally:
        engine.dispose()


def test_fire_dev_reports_a_failing_hook_and_refuses_what_it_cannot_send(tmp_path: Path) -> None:
    failing = GOOD.replace(
        "    order = client.orders.get",
        "    raise RuntimeError('no printer')\n    order = client.orders.get",
    )
    path = write(tmp_path, "dev_broken", failing)
    data_dir = ("--data-dir", str(tmp_path / "dev-data"))
    result = run("fire", "order_paid", "--dev", "--plugin", str(path), *data_dir)
    assert exit_code(result) == 1
    assert "failed:" in result.output and "RuntimeError: no printer" in result.output
    decision = run("fire", "product_validate", "--dev", "--plugin", str(path), *data_dir)
    assert exit_code(decision) == 2 and "--dev sends events" in decision.output
    other = run("fire", "tracking_updated", "--dev", "--plugin", str(path), *data_dir)
    assert exit_code(other) == 1
    assert "dev_broken does not implement tracking_updated" in other.output


def test_fire_dev_says_when_the_demo_shop_has_nothing_to_send(tmp_path: Path) -> None:
    tracking = GOOD.replace('hooks=["order_paid"]', 'hooks=["tracking_updated"]').replace(
        "def order_paid(event: OrderEvent", "def tracking_updated(event: Any"
    )
    path = write(tmp_path, "dev_tracker", tracking)
    args = ("--dev", "--plugin", str(path), "--data-dir", str(tmp_path / "dev-data"))
    nothing = run("fire", "tracking_updated", *args)
    assert exit_code(nothing) == 1
    assert "nothing for tracking_updated to be about yet; events it has:" in nothing.output
    assert "order_paid" in nothing.output


def test_dev_on_a_busy_port_says_so_before_preparing_or_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    import uvicorn

    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(kw))
    path = write(tmp_path, "dev_busy", GOOD)
    data_dir = tmp_path / "dev-data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("dev", "--plugin", str(path), "--port", str(port), "--data-dir", str(data_dir))
    assert exit_code(result) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "choose another port with --port" in result.output
    assert "serving" not in result.output and "installed in demo shop" not in result.output
    assert served == [] and not data_dir.exists()
